const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const fx = require('./_fixtures')

test.beforeEach(() => h.resetModules())

function routes(over = {}) {
  return Object.assign({
    'GET /api/v1/me/hours': fx.hours(),
    'GET /api/v1/me/hours/record': { name: '王秀英', total_minutes: 1530, generated_at: fx.at(0, 10, 0), entries: fx.hours().entries.map((e) => Object.assign({ host_org_name: '幸福里社区志愿者服务队' }, e)) },
    'POST /api/v1/self-checkins': (r) => ({ result: r.data.action === 'in' ? 'checked_in' : 'checked_out', at: fx.at(0, 9, 2), activity_title: '助老送餐 · 周末志愿服务', minutes: r.data.action === 'out' ? 125 : 0 }),
    'GET /api/v1/me/registrations': { items: fx.pastRegistrations() },
    'POST /api/v1/uploads': (r) => ({ url: `https://files.example/${r.data.file.split('/').pop()}` }),
    'POST /api/v1/hours/claims': { status: 201, body: { id: 1, status: 'pending' } },
  }, over)
}

test('volunteer centre shows total hours and hours by month', async () => {
  h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/volunteer/index')
  const t = h.text(page)
  assert.match(t, /25小时30分钟/)
  assert.match(t, /2026年10月\s*11小时30分钟/)
  assert.match(t, /2026年11月\s*8小时/)
  assert.match(t, /垃圾分类宣传志愿服务/)
  assert.match(t, /申报审核/)
})

test('check-in: subscribe prompt, privacy popup, scan, location, then POST /self-checkins', async () => {
  const w = h.installWx({ routes: routes() })
  w.privacyNeeded = true
  w.scanResults.push('GJSC:1002:7f3a9c')
  const page = await h.renderPage('pages/volunteer/index')
  await h.tap(page, '.btn-checkin')
  await h.settle(10)
  assert.deepEqual(w.subscribeRequests, [['T_CHECKIN', 'T_HOURS']])
  // The privacy popup is up; nothing privacy-related ran yet.
  assert.match(h.text(page), /用户隐私保护提示/)
  assert.equal(w.scanCalls || 0, 0)
  h.$(page, '.privacy-popup').querySelector('.privacy-agree').dispatchEvent('agreeprivacyauthorization')
  await h.settle(10)
  assert.equal(w.scanCalls, 1)
  assert.equal(w.locationCalls, 1)
  assert.deepEqual(w.requests('POST', '/api/v1/self-checkins')[0].data, { code: 'GJSC:1002:7f3a9c', lat: 31.2304, lng: 121.4737, action: 'in' })
  assert.match(h.text(page), /签到成功（09:02）/)
  assert.doesNotMatch(h.text(page), /用户隐私保护提示/)
})

test('check-out posts action "out" and shows the credited time', async () => {
  const w = h.installWx({ routes: routes() })
  w.scanResults.push('GJSC:1002:7f3a9c')
  const page = await h.renderPage('pages/volunteer/index')
  await h.tap(page, '.btn-checkout')
  await h.settle(10)
  assert.equal(w.requests('POST', '/api/v1/self-checkins')[0].data.action, 'out')
  assert.match(h.text(page), /签退成功（09:02），本次服务 2小时5分钟/)
})

test('refusing the privacy guide stops before the camera and location', async () => {
  const w = h.installWx({ routes: routes() })
  w.privacyNeeded = true
  w.scanResults.push('GJSC:1002:7f3a9c')
  const page = await h.renderPage('pages/volunteer/index')
  await h.tap(page, '.btn-checkin')
  await h.settle(10)
  await h.tap(page, '.privacy-popup >>> .privacy-disagree')
  await h.settle(10)
  assert.equal(w.scanCalls || 0, 0)
  assert.equal(w.locationCalls || 0, 0)
  assert.equal(w.requests('POST', '/api/v1/self-checkins').length, 0)
  assert.match(w.modals[0].content, /需要您同意《用户隐私保护指引》/)
})

test('a server refusal of the check-in shows its Chinese message', async () => {
  const w = h.installWx({ routes: routes({ 'POST /api/v1/self-checkins': { status: 422, body: { code: 'TOO_FAR', message: '您不在活动现场附近，无法签到' } } }) })
  w.scanResults.push('GJSC:1002:7f3a9c')
  const page = await h.renderPage('pages/volunteer/index')
  await h.tap(page, '.btn-checkin')
  await h.settle(10)
  assert.equal(w.modals[0].content, '您不在活动现场附近，无法签到')
})

test('menu opens the claim and record pages', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/volunteer/index')
  await h.tap(page, '.menu-claim')
  await h.tap(page, '.menu-record')
  assert.deepEqual(w.navigations.map((n) => n.url), ['/pages/volunteer/claim', '/pages/volunteer/record'])
})

test('claim: photos go through the privacy flow, chooseMedia and upload; the claim carries their URLs', async () => {
  const w = h.installWx({ routes: routes() })
  w.chooseMediaResult = { tempFiles: [{ tempFilePath: 'wxfile://tmp/p1.jpg' }, { tempFilePath: 'wxfile://tmp/p2.jpg' }] }
  const page = await h.renderPage('pages/volunteer/claim', {})
  assert.deepEqual(page.data.activities.map((a) => a.title), ['重阳节敬老包饺子', '垃圾分类宣传志愿服务'])
  await h.input(page, '.activity-picker', '1', 'change')
  await h.input(page, '.input-hours', '2.5')
  await h.input(page, '.input-description', '在小区东门宣传垃圾分类，发放宣传册')
  await h.tap(page, '.photo-add')
  await h.settle(10)
  assert.equal(w.chooseMediaCalls, 1)
  assert.equal(w.requests('POST', '/api/v1/uploads').length, 2)
  assert.equal(h.$$(page, '.photo-img').length, 2)
  await h.tap(page, '.btn-submit')
  await h.settle(10)
  assert.deepEqual(w.subscribeRequests, [['T_CLAIM']])
  assert.deepEqual(w.requests('POST', '/api/v1/hours/claims')[0].data, {
    activity_id: 202, description: '在小区东门宣传垃圾分类，发放宣传册', minutes: 150, photo_urls: ['https://files.example/p1.jpg', 'https://files.example/p2.jpg'],
  })
  assert.deepEqual(w.navigations, [{ type: 'navigateBack' }])
})

test('claim: missing fields are reported in Chinese and nothing is sent', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/volunteer/claim', {})
  await h.tap(page, '.btn-submit')
  await h.input(page, '.activity-picker', '0', 'change')
  await h.tap(page, '.btn-submit')
  assert.deepEqual(w.toasts, ['请选择服务活动', '请填写正确的服务时长'])
  assert.equal(w.requests('POST', '/api/v1/hours/claims').length, 0)
})

test('service record lists every credited entry with the total', async () => {
  h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/volunteer/record')
  const t = h.text(page)
  assert.match(t, /姓名：王秀英/)
  assert.match(t, /25小时30分钟/)
  assert.match(t, /疫苗接种点秩序维护/)
  assert.match(t, /幸福里社区志愿者服务队/)
})
