const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const fx = require('./_fixtures')

test.beforeEach(() => h.resetModules())

function routes(over = {}) {
  return Object.assign({
    'POST /api/v1/auth/login': { token: 'tok-staff', refresh_token: 'ref-s', expires_in: 7200, user: fx.staffUser },
    'GET /api/v1/activities': { items: fx.activities(), page: 1, page_size: 50, total: 6 },
    'GET /api/v1/activities/:id': fx.clinicDetail(),
    'POST /api/v1/checkins': (r) => (r.data.ticket === 'GJ1.bad'
      ? { status: 409, body: { code: 'ALREADY_CHECKED_IN', message: '该入场码已于 09:05 签到' } }
      : { attendee_name_masked: '王*英', session_id: 1002, result: 'checked_in', checked_in_at: fx.at(0, 9, 31) }),
    'GET /api/v1/activities/:id/checkin-kit': { public_key: 'MCowBQYDK2VwAyEA', revoked: ['GJ1.revoked'], window: { opens_at: new Date(Date.now() - 3600e3).toISOString(), closes_at: new Date(Date.now() + 7200e3).toISOString() }, sessions: [{ id: 1002 }] },
    'POST /api/v1/checkins/batch': (r) => ({ results: r.data.scans.map((s, i) => ({ nonce: s.nonce, result: i === 0 ? 'checked_in' : 'rejected', code: i === 0 ? '' : 'ALREADY_CHECKED_IN' })) }),
    'GET /api/v1/admin/sessions/:id/rotating-code': { code: 'GJSC:1002:7f3a9c', expires_at: new Date(Date.now() + 30000).toISOString() },
    'GET /api/v1/admin/activities/:id/registrations': { items: [
      { id: 1, session_id: 1002, starts_at: fx.at(3, 9, 30), ends_at: fx.at(3, 10, 30), attendee: { name: '王秀英' }, phone_masked: '138****1234', status: 'checked_in', answers: { q1: '内分泌科' } },
      { id: 2, session_id: 1002, starts_at: fx.at(3, 9, 30), ends_at: fx.at(3, 10, 30), attendee: { name: '赵桂兰' }, status: 'confirmed', answers: {} },
      { id: 3, session_id: 1003, starts_at: fx.at(3, 10, 30), ends_at: fx.at(3, 11, 30), attendee: { name: '孙大伟' }, status: 'waitlisted', waitlist_position: 1, answers: {} },
    ] },
    'GET /api/v1/admin/hours/claims': { items: [
      { id: 61, volunteer_name: '刘志强', activity_title: '垃圾分类宣传志愿服务', description: '周末在小区东门值守垃圾分类点', minutes: 180, photo_urls: ['https://files.example/a.jpg'] },
      { id: 62, volunteer_name: '陈晓燕', activity_title: '重阳节敬老包饺子', description: '帮厨并给行动不便的老人送餐上门', minutes: 150, photo_urls: [] },
    ] },
    'POST /api/v1/admin/hours/claims/:id/approve': { ok: true },
    'POST /api/v1/admin/hours/claims/:id/reject': { ok: true },
    'GET /api/v1/admin/wristbands/alarms': { items: [
      { id: 71, type: 'fence', status: 'open', wearer_name: '王德福', phone_masked: '139****8888', at: fx.at(0, 9, 40), location: { lat: 31.2306, lng: 121.4741, address: '幸福里小区北门' } },
      { id: 72, type: 'low_battery', status: 'acked', wearer_name: '周玉珍', at: fx.at(0, 8, 10), note: '已电话提醒家属充电' },
    ] },
    'POST /api/v1/admin/wristbands/alarms/:id/ack': { ok: true },
    'POST /api/v1/admin/wristbands/alarms/:id/resolve': { ok: true },
  }, over)
}

async function staffLogin() {
  // the staff user comes from the login answer
  const api = require(require('path').join(h.ROOT, 'utils', 'request'))
  await api.login()
}

test('staff hub lists activities with their actions and opens each tool', async () => {
  const w = h.installWx({ routes: routes() })
  await staffLogin()
  const page = await h.renderPage('pages/staff/index')
  assert.match(h.text(page), /防范电信诈骗 · 老年人专题讲座/)
  assert.equal(w.requests('GET', '/api/v1/activities')[0].query.community_id, '1')
  await h.tap(page, h.$$(page, '.btn-registrations')[1])
  await h.tap(page, h.$$(page, '.btn-scan')[1])
  await h.tap(page, '.grid-claims')
  await h.tap(page, '.grid-alarms')
  assert.deepEqual(w.navigations.map((n) => n.url), [
    `/pages/staff/registrations?activity_id=102&title=${encodeURIComponent('三甲医院专家义诊（心血管·内分泌）')}`,
    `/pages/staff/scan?activity_id=102&title=${encodeURIComponent('三甲医院专家义诊（心血管·内分泌）')}`,
    '/pages/staff/claims',
    '/pages/staff/alarms',
  ])
  // rotating code: the activity has 3 sessions, so a session is picked first
  await h.tap(page, h.$$(page, '.btn-code')[1])
  assert.equal(h.$$(page, '.session-option').length, 3)
  await h.tap(page, h.$$(page, '.session-option')[1])
  assert.match(w.navigations.pop().url, /^\/pages\/staff\/rotating-code\?session_id=1002&/)
})

test('online scan checks the ticket in and shows the masked name; errors show the server message', async () => {
  const w = h.installWx({ routes: routes() })
  w.privacyNeeded = true
  w.scanResults.push('GJ1.501.1002.sig', 'GJ1.bad')
  const page = await h.renderPage('pages/staff/scan', { activity_id: '102', title: encodeURIComponent('义诊') })
  await h.tap(page, '.btn-scan')
  await h.settle(10)
  h.$(page, '.privacy-popup').querySelector('.privacy-agree').dispatchEvent('agreeprivacyauthorization')
  await h.settle(10)
  const req = w.requests('POST', '/api/v1/checkins')[0]
  assert.equal(req.data.ticket, 'GJ1.501.1002.sig')
  assert.ok(req.data.nonce.length >= 8)
  assert.ok(!isNaN(Date.parse(req.data.scanned_at)))
  assert.match(h.text(page), /签到成功\s*王\*英 · 09:31/)
  await h.tap(page, '.btn-scan')
  await h.settle(10)
  assert.match(h.text(page), /已签到过\s*该入场码已于 09:05 签到/)
})

test('offline: download the kit, scan without network into encrypted storage, sync with /checkins/batch', async () => {
  const w = h.installWx({ routes: routes() })
  w.scanResults.push('GJ1.a', 'GJ1.a', 'GJ1.revoked', 'GJ1.b')
  const page = await h.renderPage('pages/staff/scan', { activity_id: '102', title: '' })
  await h.tap(page, '.mode-offline')
  await h.tap(page, '.btn-kit')
  await h.settle(10)
  assert.equal(w.requests('GET', '/api/v1/activities/102/checkin-kit').length, 1)
  assert.ok(w.storage.get('gj_checkin_kit_102').encrypt)
  for (let i = 0; i < 4; i++) {
    await h.tap(page, '.btn-scan')
    await h.settle(5)
  }
  assert.equal(w.requests('POST', '/api/v1/checkins').length, 0)
  assert.match(h.text(page), /待同步 2 条/)
  assert.match(h.text(page), /入场码已作废/)
  assert.match(h.text(page), /已签到过/)
  const q = w.storage.get('gj_checkin_queue_102')
  assert.equal(q.encrypt, true)
  assert.deepEqual(q.data.map((s) => s.ticket), ['GJ1.a', 'GJ1.b'])

  await h.tap(page, '.btn-sync')
  await h.settle(10)
  const batch = w.requests('POST', '/api/v1/checkins/batch')[0].data.scans
  assert.deepEqual(batch.map((s) => s.ticket), ['GJ1.a', 'GJ1.b'])
  assert.match(h.text(page), /已同步：1 人签到成功，1 条未通过/)
  assert.match(h.text(page), /待同步 0 条/)
  assert.deepEqual(w.storage.get('gj_checkin_queue_102').data, [])
})

test('offline queue survives a restart of the page and is kept when sync fails', async () => {
  const w = h.installWx({ routes: routes({ 'POST /api/v1/checkins/batch': { status: 503, body: { code: 'UNAVAILABLE', message: '服务繁忙，请稍后再同步' } } }) })
  w.storage.set('gj_checkin_kit_102', { data: { revoked: [], downloaded_at: fx.at(0, 7, 0) }, encrypt: true })
  w.storage.set('gj_checkin_queue_102', { data: [{ ticket: 'GJ1.x', nonce: 'n1', scanned_at: fx.at(0, 9, 0) }], encrypt: true })
  const page = await h.renderPage('pages/staff/scan', { activity_id: '102', title: '' })
  assert.equal(page.data.mode, 'offline')
  assert.match(h.text(page), /待同步 1 条/)
  await h.tap(page, '.btn-sync')
  await h.settle(10)
  assert.equal(w.modals[0].content, '服务繁忙，请稍后再同步')
  assert.match(h.text(page), /待同步 1 条/)
})

test('rotating code page draws the code as a QR and counts down', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/staff/rotating-code', { session_id: '1002', title: encodeURIComponent('助老送餐'), time: '' })
  await h.settle(10)
  assert.equal(w.requests('GET', '/api/v1/admin/sessions/1002/rotating-code').length, 1)
  assert.ok(w.canvasOps.length > 50)
  assert.match(h.text(page), /助老送餐/)
  assert.match(h.text(page), /(29|30) 秒后自动更新/)
})

test('rotating code is fetched again when it is about to expire', async () => {
  let n = 0
  const w = h.installWx({ routes: routes({ 'GET /api/v1/admin/sessions/:id/rotating-code': () => ({ code: `C${++n}`, expires_at: new Date(Date.now() + (n === 1 ? 1000 : 60000)).toISOString() }) }) })
  const page = await h.renderPage('pages/staff/rotating-code', { session_id: '1002', title: '', time: '' })
  await h.settle(10)
  assert.equal(page.data.code, 'C2')
  assert.equal(w.requests('GET', '/api/v1/admin/sessions/1002/rotating-code').length, 2)
})

test('registrations of an activity: counts by status, grouped by session', async () => {
  h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/staff/registrations', { activity_id: '102', title: encodeURIComponent('三甲医院专家义诊') })
  const t = h.text(page)
  assert.match(t, /三甲医院专家义诊/)
  assert.deepEqual(h.$$(page, '.count-num').map((c) => c.dom.textContent), ['2', '1', '1', '0'])
  assert.match(t, /王秀英\s*138\*\*\*\*1234/)
  assert.match(t, /内分泌科/)
  assert.match(t, /候补第1位/)
  assert.equal(h.$$(page, '.reg-row').length, 3)
})

test('claims: approve with edited minutes, reject with a reason', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/staff/claims')
  assert.match(h.text(page), /刘志强/)
  assert.match(h.text(page), /申报 3小时/)
  await h.input(page, h.$$(page, '.approve-minutes')[0], '120')
  await h.tap(page, h.$$(page, '.btn-approve')[0])
  assert.deepEqual(w.requests('POST', '/api/v1/admin/hours/claims/61/approve')[0].data, { minutes: 120 })
  assert.doesNotMatch(h.text(page), /刘志强/)
  w.modalAnswers.push({ confirm: true, content: '照片与申报内容不符' })
  await h.tap(page, h.$$(page, '.btn-reject')[0])
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/admin/hours/claims/62/reject')[0].data, { reason: '照片与申报内容不符' })
  assert.match(h.text(page), /没有待审核的申报/)
})

test('alarms: acknowledge and resolve with a note', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/staff/alarms')
  const t = h.text(page)
  assert.match(t, /离开安全区域\s*待处理/)
  assert.match(t, /幸福里小区北门/)
  assert.match(t, /电量过低\s*处理中/)
  w.modalAnswers.push({ confirm: true, content: '已电话联系家属' })
  await h.tap(page, '.btn-ack')
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/admin/wristbands/alarms/71/ack')[0].data, { note: '已电话联系家属' })
  w.modalAnswers.push({ confirm: true, content: '家属已接回' })
  await h.tap(page, h.$$(page, '.btn-resolve')[1])
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/admin/wristbands/alarms/72/resolve')[0].data, { note: '家属已接回' })
})

test('offline: scans outside the kit window are refused; coming back online syncs by itself', async () => {
  const w = h.installWx({ routes: routes() })
  w.storage.set('gj_checkin_kit_102', { data: { revoked: [], window: { opens_at: fx.at(-2, 8, 0), closes_at: fx.at(-1, 12, 0) }, downloaded_at: fx.at(-2, 7, 0) }, encrypt: true })
  w.storage.set('gj_checkin_queue_102', { data: [{ ticket: 'GJ1.x', nonce: 'n1', scanned_at: fx.at(-1, 9, 0) }], encrypt: true })
  w.scanResults.push('GJ1.late')
  const page = await h.renderPage('pages/staff/scan', { activity_id: '102', title: '' })
  await h.tap(page, '.btn-scan')
  await h.settle(10)
  assert.match(h.text(page), /签到时间已过\s*本场签到已结束/)
  assert.equal(page.data.pending.length, 1)
  w.networkHandlers.forEach((fn) => fn({ isConnected: true, networkType: 'wifi' }))
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/checkins/batch')[0].data.scans.map((s) => s.nonce), ['n1'])
  assert.match(h.text(page), /待同步 0 条/)
})
