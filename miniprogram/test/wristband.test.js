const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const fx = require('./_fixtures')

test.beforeEach(() => h.resetModules())

/** GET /wristbands/:id/readings items (readingDTO), newest first: n readings, 10 minutes apart, from 09:40 today */
function bandReadings(n, from = 0) {
  const kinds = ['heart_rate', 'blood_pressure', 'blood_glucose']
  const out = []
  for (let i = from; i < from + n; i++) {
    const t = new Date(Date.parse(fx.at(0, 9, 40)) - i * 10 * 60000)
    const r = { id: 1000 - i, kind: kinds[i % 3], at: new Date(t.getTime() + 8 * 3600000).toISOString().slice(0, 19) + '+08:00' }
    if (r.kind === 'heart_rate') r.heart_rate = 70 + (i % 10)
    if (r.kind === 'blood_pressure') Object.assign(r, { systolic: 120 + (i % 10), diastolic: 80 })
    if (r.kind === 'blood_glucose') r.glucose = 5.5
    out.push(r)
  }
  return out
}

function routes(over = {}) {
  return Object.assign({
    'GET /api/v1/me': fx.user,
    'GET /api/v1/me/wristbands': { items: fx.wristbands() },
    'GET /api/v1/me/dependents': { items: fx.dependents() },
    'GET /api/v1/wristbands/consent': { version: 'v1', text: require('../src/utils/wristband-consent').CONSENT_TEXT },
    'GET /api/v1/wristbands/:id/alarms': { items: fx.bandAlarms() },
    'GET /api/v1/wristbands/:id/guardians': { items: [{ user_id: 7, name: '王秀英', owner: true }, { user_id: 8, name: '王建华', owner: false }] },
    'POST /api/v1/wristbands/:id/invitations': { code: 'K7P2QX', expires_at: fx.at(1, 20, 0) },
    'DELETE /api/v1/wristbands/:id/guardians/:uid': { status: 204, body: null },
    'POST /api/v1/wristbands/:id/unbind': { ok: true },
    'POST /api/v1/wristbands/invitations/accept': { ok: true },
    'POST /api/v1/wristbands/:id/alarms/:aid/ack': { id: 71, status: 'acked' },
    'POST /api/v1/wristbands/bind': { status: 201, body: { id: 32, imei_masked: '8612****0015', wearer_name: '王德福' } },
    'GET /api/v1/wristbands/:id/readings': { items: bandReadings(3) },
    'POST /api/v1/wristbands/:id/consent/revoke': { revoked: true, deleted_readings: 128 },
    'POST /api/v1/wristbands/:id/consent': (req) => ({ version: req.data.version, at: fx.at(0, 10, 0) }),
  }, over)
}

test('a band whose consent was revoked says it no longer collects', async () => {
  const bands = fx.wristbands().map((b) => Object.assign({}, b, { collecting: false, open_alarms: 0, consent: Object.assign({}, b.consent, { revoked_at: fx.at(-1, 9, 0) }) }))
  h.installWx({ routes: routes({ 'GET /api/v1/me/wristbands': { items: bands } }) })
  const page = await h.renderPage('pages/wristband/index')
  assert.match(h.text(page), /已停止采集数据/)
  assert.doesNotMatch(h.text(page), /状态正常/)
})

test('wristband list shows wearer, open alarms and readings', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/wristband/index')
  const t = h.text(page)
  assert.match(t, /王德福/)
  assert.match(t, /1 条告警/)
  assert.match(t, /心率 72 · 血压 128\/82 · 血糖 6.1 · 电量 64%/)
  assert.match(t, /手环号 8620\*\*\*\*4471/)
  await h.tap(page, '.band')
  await h.tap(page, '.btn-bind')
  assert.deepEqual(w.navigations.map((n) => n.url), ['/pages/wristband/detail?id=31', '/pages/wristband/bind'])
})

test('accepting a guardian invitation posts the code', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/wristband/index')
  await h.input(page, '.invite-input', ' K7P2QX ')
  await h.tap(page, '.btn-accept')
  assert.deepEqual(w.requests('POST', '/api/v1/wristbands/invitations/accept')[0].data, { code: 'K7P2QX' })
  assert.equal(w.requests('GET', '/api/v1/me/wristbands').length, 2)
})

test('bind: privacy, scan the band code, choose the wearer, consent, then POST /wristbands/bind', async () => {
  const w = h.installWx({ routes: routes() })
  w.privacyNeeded = true
  w.scanResults.push('IMEI:861234567890015;SN:GJ-B2;CODE:K7P2-QX91')
  const page = await h.renderPage('pages/wristband/bind', {})
  await h.tap(page, '.btn-scan')
  await h.settle(10)
  assert.equal(w.scanCalls || 0, 0)
  h.$(page, '.privacy-popup').querySelector('.privacy-agree').dispatchEvent('agreeprivacyauthorization')
  await h.settle(10)
  assert.equal(w.scanCalls, 1)
  assert.equal(page.data.imei, '861234567890015')
  assert.match(h.text(page), /手环号 8612\*\*\*\*0015/)
  await h.tap(page, h.$$(page, '.wearer')[2])
  await h.tap(page, '.btn-next')
  assert.match(h.text(page), /佩戴人（王德福（父母））/)
  // the consent text of version v1 is the server's (wristband.ConsentText): what is collected, and revocation
  const consentText = h.$(page, '.consent-text').dom.textContent
  assert.match(consentText, /位置、心率、血压、血糖和紧急呼叫/)
  assert.match(consentText, /撤回同意后立即停止采集并删除已采集的数据/)
  assert.doesNotMatch(consentText, /步数/)
  await h.tap(page, '.btn-bind')
  assert.deepEqual(w.toasts, ['请先勾选知情同意'])
  await h.tap(page, '.consent-check')
  await h.tap(page, '.btn-bind')
  await h.settle(10)
  assert.deepEqual(w.subscribeRequests, [['T_BAND']])
  assert.deepEqual(w.requests('POST', '/api/v1/wristbands/bind')[0].data, { imei: '861234567890015', code: 'K7P2-QX91', wearer: { dependent_id: 12 }, consent: { version: 'v1' } })
  assert.deepEqual(w.navigations, [{ type: 'redirectTo', url: '/pages/wristband/detail?id=32' }])
})

test('bind and detail show the consent text the server serves and send back its version', async () => {
  const v2 = '手环会采集佩戴人的位置和紧急呼叫（第二版说明）。撤回同意后立即停止采集并删除已采集的数据。'
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/wristbands/consent': { version: 'v2', text: v2 } }) }, 'pages/wristband/bind', {})
  await h.input(page, '.imei-input', '861234567890015')
  await h.input(page, '.code-input', '04718263')
  await h.tap(page, '.btn-next')
  await h.tap(page, '.btn-next')
  assert.match(h.$(page, '.consent-text').dom.textContent, /第二版说明/)
  await h.tap(page, '.consent-check')
  await h.tap(page, '.btn-bind')
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/wristbands/bind')[0].data.consent, { version: 'v2' })

  // the request failing: the app's own copy (v1), which a Go test keeps equal to the server's
  h.resetModules()
  const failed = await h.openPage({ routes: routes({ 'GET /api/v1/wristbands/consent': { status: 500, body: { code: 'INTERNAL', message: '服务器开小差了' } } }) }, 'pages/wristband/bind', {})
  await h.input(failed.page, '.imei-input', '861234567890015')
  await h.input(failed.page, '.code-input', '04718263')
  await h.tap(failed.page, '.btn-next')
  await h.tap(failed.page, '.btn-next')
  assert.match(h.$(failed.page, '.consent-text').dom.textContent, /撤回同意后立即停止采集并删除已采集的数据/)
  await h.tap(failed.page, '.consent-check')
  await h.tap(failed.page, '.btn-bind')
  await h.settle(10)
  assert.deepEqual(failed.w.requests('POST', '/api/v1/wristbands/bind')[0].data.consent, { version: 'v1' })
})

test('bind: a manually typed IMEI and the code staff gave work for the wearer themself', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/wristband/bind', {})
  await h.input(page, '.imei-input', '12345')
  await h.tap(page, '.btn-next')
  assert.deepEqual(w.toasts, ['请扫描或输入15位手环号'])
  await h.input(page, '.imei-input', '861234567890015')
  await h.tap(page, '.btn-next')
  assert.deepEqual(w.toasts, ['请扫描或输入15位手环号', '请输入激活码或绑定码'])
  await h.input(page, '.code-input', ' 04718263 ')
  await h.tap(page, '.btn-next')
  await h.tap(page, '.btn-next')
  await h.tap(page, '.consent-check')
  await h.tap(page, '.btn-bind')
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/wristbands/bind')[0].data.wearer, { self: true })
  assert.equal(w.requests('POST', '/api/v1/wristbands/bind')[0].data.code, '04718263')
})

test('detail shows the location on a map, readings, alarms and guardians', async () => {
  h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/wristband/detail', { id: '31' })
  const t = h.text(page)
  assert.match(t, /最近定位：/)
  assert.equal(page.data.markers.length, 1)
  assert.equal(page.data.markers[0].latitude, 31.2306)
  assert.ok(h.$(page, '.map'))
  assert.match(t, /72\s*心率\(次\/分\)\s*09:40/)
  assert.match(t, /128\/82\s*血压\(mmHg\)\s*08:00/)
  assert.match(t, /6.1\s*血糖/)
  assert.match(t, /离开安全区域\s*待处理/)
  // the server's own labels (type_text, status_text) and the latest note
  assert.match(t, /紧急呼叫\s*已处理/)
  assert.match(t, /处理情况：老人误触，已确认安全/)
  assert.match(t, /王秀英\s*（绑定人）/)
  assert.match(t, /王建华/)
})

test('detail: invite a guardian shows the code; remove a guardian; unbind', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/wristband/detail', { id: '31' })
  await h.tap(page, '.btn-invite')
  assert.match(h.text(page), /邀请码：\s*K7P2QX/)
  await h.tap(page, '.btn-copy')
  assert.equal(w.clipboard, 'K7P2QX')
  await h.tap(page, '.guardian-remove')
  await h.settle(10)
  assert.match(w.modals[0].content, /王建华/)
  assert.equal(w.requests('DELETE', '/api/v1/wristbands/31/guardians/8').length, 1)
  await h.tap(page, '.btn-unbind')
  await h.settle(10)
  assert.equal(w.requests('POST', '/api/v1/wristbands/31/unbind').length, 1)
  assert.deepEqual(w.navigations, [{ type: 'navigateBack' }])
})

test('detail: a guardian acknowledges an open alarm; server labels are used when sent', async () => {
  const w = h.installWx({
    routes: routes({
      'GET /api/v1/wristbands/:id/alarms': { items: [{ id: 75, type: 'taken_off', type_text: '手环被摘下', status: 'open', status_text: '待处理', detail: '手环已摘下超过 30 分钟', at: fx.at(0, 9, 0) }] },
    }),
  })
  const page = await h.renderPage('pages/wristband/detail', { id: '31' })
  assert.match(h.text(page), /手环被摘下\s*待处理/)
  assert.match(h.text(page), /手环已摘下超过 30 分钟/)
  await h.tap(page, '.btn-ack-alarm')
  assert.deepEqual(w.requests('POST', '/api/v1/wristbands/31/alarms/75/ack')[0].data, { note: '家属已知晓，正在处理' })
})

test('detail for a guardian (not the owner): no invite or unbind, only leaving', async () => {
  const bands = fx.wristbands().map((b) => Object.assign({}, b, { owner: false }))
  const w = h.installWx({
    routes: routes({
      'GET /api/v1/me/wristbands': { items: bands },
      'GET /api/v1/wristbands/:id/guardians': { items: [{ user_id: 5, name: '王建华', owner: true }, { user_id: 7, name: '王秀英', owner: false }] },
      'POST /api/v1/auth/login': { token: 't', refresh_token: 'r', expires_in: 7200, user: fx.user },
    }),
  })
  const page = await h.renderPage('pages/wristband/detail', { id: '31' })
  assert.equal(h.$$(page, '.btn-invite').length, 0)
  assert.equal(h.$$(page, '.btn-unbind').length, 0)
  // only the primary guardian may revoke or give the consent (server: NOT_PRIMARY_GUARDIAN); every guardian sees the history
  assert.equal(h.$$(page, '.btn-revoke-consent').length + h.$$(page, '.btn-give-consent').length, 0)
  assert.equal(w.requests('GET', '/api/v1/wristbands/31/readings').length, 1)
  assert.equal(h.$$(page, '.history-item').length, 3)
  const removes = h.$$(page, '.guardian-remove')
  assert.equal(removes.length, 1)
  assert.equal(removes[0].dom.textContent, '退出监护')
  await h.tap(page, removes[0])
  assert.match(w.modals[0].content, /退出后您将不再收到/)
  assert.equal(w.requests('DELETE', '/api/v1/wristbands/31/guardians/7').length, 1)
  assert.deepEqual(w.navigations, [{ type: 'navigateBack' }])
})

test('detail: recent readings (heart rate, blood pressure, glucose; no locations), paged with 加载更多', async () => {
  const w = h.installWx({
    routes: routes({
      // a full first page (20), then the last 5
      'GET /api/v1/wristbands/:id/readings': (req) => ({ items: req.query.before ? bandReadings(5, 20) : bandReadings(20) }),
    }),
  })
  const page = await h.renderPage('pages/wristband/detail', { id: '31' })
  const first = w.requests('GET', '/api/v1/wristbands/31/readings')
  assert.equal(first.length, 1)
  assert.deepEqual(first[0].query, { kind: 'heart_rate,blood_pressure,blood_glucose', limit: '20' })
  let t = h.text(page)
  assert.match(t, /近期读数/)
  assert.match(t, /心率\s*70 次\/分\s*\d+月\d+日 周. 09:40/)
  assert.match(t, /血压\s*121\/80 mmHg\s*\d+月\d+日 周. 09:30/)
  assert.match(t, /血糖\s*5.5 mmol\/L\s*\d+月\d+日 周. 09:20/)
  assert.equal(h.$$(page, '.history-item').length, 20)
  await h.tap(page, '.btn-more-readings')
  await h.settle(10)
  const more = w.requests('GET', '/api/v1/wristbands/31/readings')[1]
  // the next page starts after the last reading shown: its time exactly as the server sent it, and its id
  assert.deepEqual(more.query, { kind: 'heart_rate,blood_pressure,blood_glucose', limit: '20', before: bandReadings(20)[19].at, before_id: String(bandReadings(20)[19].id) })
  assert.equal(h.$$(page, '.history-item').length, 25)
  assert.equal(h.$$(page, '.btn-more-readings').length, 0)
})

test('detail: a failed readings history does not hide the rest of the band', async () => {
  h.installWx({ routes: routes({ 'GET /api/v1/wristbands/:id/readings': { status: 500, body: { code: 'INTERNAL', message: '服务暂时不可用' } } }) })
  const page = await h.renderPage('pages/wristband/detail', { id: '31' })
  const t = h.text(page)
  assert.match(t, /近期读数加载失败，请下拉刷新重试/)
  assert.match(t, /128\/82\s*血压/)
  assert.doesNotMatch(t, /暂无读数记录/)
})

test('detail: the owner revokes the data consent after a confirmation saying what is deleted', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/wristband/detail', { id: '31' })
  assert.match(h.text(page), /佩戴人已于\d{4}-\d\d-\d\d同意《智能手环数据使用说明》（版本 v1）/)
  assert.equal(h.$$(page, '.btn-give-consent').length, 0)
  // cancelled: nothing is sent
  w.modalAnswers.push({ confirm: false })
  await h.tap(page, '.btn-revoke-consent')
  await h.settle(10)
  assert.equal(w.requests('POST', '/api/v1/wristbands/31/consent/revoke').length, 0)
  await h.tap(page, '.btn-revoke-consent')
  await h.settle(10)
  const m = w.modals[1]
  assert.equal(m.title, '撤回数据使用同意')
  assert.match(m.content, /立即停止保存王德福的位置和健康数据/)
  assert.match(m.content, /删除已保存的全部位置、心率、血压、血糖记录，删除后无法恢复/)
  assert.match(m.content, /告警记录会保留，但其中的位置和数值会被清除，未处理的告警将自动关闭/)
  assert.match(m.content, /紧急呼叫、跌倒等告警也不会再通知监护人/)
  const sent = w.requests('POST', '/api/v1/wristbands/31/consent/revoke')
  assert.equal(sent.length, 1)
  assert.deepEqual(sent[0].data, {})
  assert.deepEqual(w.toasts, ['已撤回同意，删除了128条数据'])
  assert.equal(w.requests('GET', '/api/v1/me/wristbands').length, 2)
})

test('detail: a revoked consent is given again with the bind page\'s text and version', async () => {
  const { CONSENT_TEXT } = require(require('path').join(h.ROOT, 'utils/wristband-consent'))
  const bands = fx.wristbands().map((b) => Object.assign({}, b, { collecting: false, open_alarms: 0, latest_location: null, latest_readings: {}, consent: Object.assign({}, b.consent, { revoked_at: fx.at(-1, 9, 0) }) }))
  const w = h.installWx({ routes: routes({ 'GET /api/v1/me/wristbands': { items: bands }, 'GET /api/v1/wristbands/:id/readings': { items: [] } }) })
  const page = await h.renderPage('pages/wristband/detail', { id: '31' })
  const t = h.text(page)
  assert.match(t, /已于\d{4}-\d\d-\d\d撤回同意，目前不保存位置和健康数据，也不发出告警/)
  assert.match(t, /暂无读数记录/)
  assert.equal(h.$(page, '.consent-card .consent-text').dom.textContent, CONSENT_TEXT)
  assert.match(t, /《智能手环数据使用说明》 版本 v1/)
  assert.equal(h.$$(page, '.btn-revoke-consent').length, 0)
  await h.tap(page, '.btn-give-consent')
  assert.deepEqual(w.toasts, ['请先勾选知情同意'])
  assert.equal(w.requests('POST', '/api/v1/wristbands/31/consent').length, 0)
  await h.tap(page, '.consent-check')
  await h.tap(page, '.btn-give-consent')
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/wristbands/31/consent').map((r) => r.data), [{ version: 'v1' }])
  assert.deepEqual(w.toasts, ['请先勾选知情同意', '已重新同意'])
  assert.equal(w.requests('GET', '/api/v1/me/wristbands').length, 2)
})

test('detail: the server\'s refusal to record the consent is shown', async () => {
  const bands = fx.wristbands().map((b) => Object.assign({}, b, { collecting: false, consent: Object.assign({}, b.consent, { revoked_at: fx.at(-1, 9, 0) }) }))
  const w = h.installWx({
    routes: routes({
      'GET /api/v1/me/wristbands': { items: bands },
      'POST /api/v1/wristbands/:id/consent': { status: 400, body: { code: 'CONSENT_VERSION_OUTDATED', message: '数据使用说明已更新，请阅读最新版本后重新确认' } },
    }),
  })
  const page = await h.renderPage('pages/wristband/detail', { id: '31' })
  await h.tap(page, '.consent-check')
  await h.tap(page, '.btn-give-consent')
  await h.settle(10)
  assert.equal(w.modals[0].content, '数据使用说明已更新，请阅读最新版本后重新确认')
  assert.equal(page.data.consentBusy, false)
})

test('detail: older alarms (the server answers 50 a page) load with 查看更早的告警 through next_cursor', async () => {
  const [recent, resolved] = fx.bandAlarms()
  const older = { id: 12, device_id: 31, type: 'taken_off', type_text: '手环被摘下', status: 'open', status_text: '待处理', detail: '手环已摘下超过 30 分钟', wearer_name: '王德福',
    at: fx.at(-40, 9, 0), last_event_at: fx.at(-40, 9, 0), repeats: 1 }
  const w = h.installWx({
    routes: routes({
      'GET /api/v1/wristbands/:id/alarms': (r) => (r.query.cursor === '70' ? { items: [older], next_cursor: null } : { items: [recent, resolved], next_cursor: '70' }),
    }),
  })
  const page = await h.renderPage('pages/wristband/detail', { id: '31' })
  const reqs = () => w.requests('GET', '/api/v1/wristbands/31/alarms')
  assert.deepEqual(reqs().map((r) => r.query), [{}])
  assert.doesNotMatch(h.text(page), /手环被摘下/)
  await h.tap(page, '.btn-more-alarms')
  assert.deepEqual(reqs().map((r) => r.query), [{}, { cursor: '70' }])
  assert.match(h.text(page), /手环被摘下\s*待处理/)
  assert.equal(h.$$(page, '.btn-more-alarms').length, 0, 'the last page: no more button')
  // the older open alarm is acknowledged like the others
  await h.tap(page, h.$$(page, '.btn-ack-alarm')[1])
  assert.deepEqual(w.requests('POST', '/api/v1/wristbands/31/alarms/12/ack')[0].data, { note: '家属已知晓，正在处理' })
})
