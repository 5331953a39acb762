const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const fx = require('./_fixtures')

test.beforeEach(() => h.resetModules())

/** A stable 32-hex upload id per local file path. */
function uploadID(file) {
  return require('crypto').createHash('md5').update(file).digest('hex')
}

function routes(over = {}) {
  return Object.assign({
    'GET /api/v1/me/hours': fx.hours(),
    'GET /api/v1/me/hours/record': fx.record(),
    'POST /api/v1/self-checkins': (r) => ({ action: r.data.action, at: fx.at(0, 9, 2), checked_in_at: fx.at(0, 6, 57), minutes: r.data.action === 'out' ? 125 : 0,
      session_id: 2061, activity_id: 206, activity_title: '助老送餐 · 周末志愿服务', repeated: false }),
    'GET /api/v1/me/registrations': { items: fx.pastRegistrations(), total: 4, page: 1, page_size: 100 },
    'GET /api/v1/me/hours/claims': fx.myClaims(),
    // the upload answer: the reference to put in photo_urls (one id per file here)
    'POST /api/v1/uploads': (r) => ({ status: 201, body: { url: `/api/v1/uploads/${uploadID(r.data.file)}`, id: uploadID(r.data.file), content_type: 'image/jpeg', size: 182044, width: 1280, height: 960 } }),
    'POST /api/v1/hours/claims': (r) => ({ status: 201, body: Object.assign({ id: 64, user_id: 7, activity_title: '垃圾分类宣传志愿服务', served_at: fx.at(-12, 14, 0), status: 'pending', created_at: fx.at(0, 9, 0) }, r.data) }),
  }, over)
}

/** The volunteer centre after a tap on check-in, with the privacy guide to agree to first and a code to scan. */
async function checkInAskingPrivacy() {
  const w = h.installWx({ routes: routes() })
  w.privacyNeeded = true
  w.scanResults.push('GJSC:1002:7f3a9c')
  const page = await h.renderPage('pages/volunteer/index')
  await h.tap(page, '.btn-checkin')
  await h.settle(10)
  return { w, page }
}

test('volunteer centre shows total hours, hours by month and entries by source', async () => {
  h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/volunteer/index')
  const t = h.text(page)
  assert.match(t, /25小时30分钟/)
  assert.match(t, /2026年10月\s*11小时30分钟/)
  assert.match(t, /2026年11月\s*8小时/)
  assert.match(t, /垃圾分类宣传志愿服务\s*2小时\s*\S+ \S+ 14:00 · 扫码签到签退/)
  assert.match(t, /疫苗接种点秩序维护\s*3小时30分钟\s*\S+ \S+ 08:00 · 补录审核通过/)
  // a correction: negative minutes, with the staff's reason
  assert.match(t, /助老送餐 · 周末志愿服务\s*-30分钟\s*\S+ \S+ 10:30 · 时长更正\s*原因：提前离开半小时/)
})
test('check-in: subscribe prompt, privacy popup, scan, location, then POST /self-checkins', async () => {
  const { w, page } = await checkInAskingPrivacy()
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
  assert.match(h.text(page), /签退成功（09:02），本次服务 2小时5分钟 · 助老送餐 · 周末志愿服务/)
})

test('a check-out away from the place says its hours wait for staff review (in_review)', async () => {
  const w = h.installWx({ routes: routes({ 'POST /api/v1/self-checkins': (r) => ({ action: 'out', at: fx.at(0, 9, 2), checked_in_at: fx.at(0, 6, 57), minutes: 125,
    session_id: 2061, activity_id: 206, activity_title: '助老送餐 · 周末志愿服务', repeated: false, in_review: true }) }) })
  w.scanResults.push('GJSC:1002:7f3a9c')
  const page = await h.renderPage('pages/volunteer/index')
  await h.tap(page, '.btn-checkout')
  await h.settle(10)
  const t = h.text(page)
  assert.match(t, /已签退（09:02）/)
  assert.match(t, /不在活动现场附近，本次服务时长需工作人员审核后计入/)
  assert.doesNotMatch(t, /签退成功/)
  assert.doesNotMatch(w.toasts.join(' '), /签退成功/)
})

test('refusing the privacy guide stops before the camera and location', async () => {
  const { w, page } = await checkInAskingPrivacy()
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

// The printed poster is a mini-program code (wxacode) for pages/volunteer/index whose scene is the
// poster code (internal/checkin: "p.<activity>.<mac>").
const POSTER = 'p.5q.Zk3xQ9b2LmN0'

test('scanning the printed poster (a mini-program code) in the app sends its scene code', async () => {
  const w = h.installWx({ routes: routes() })
  w.scanResults.push({ path: `pages/volunteer/index?scene=${encodeURIComponent(POSTER)}` })
  const page = await h.renderPage('pages/volunteer/index')
  await h.tap(page, '.btn-checkin')
  await h.settle(10)
  assert.ok(w.scanOptions.scanType.includes('wxCode'), 'the scanner must read mini-program codes')
  assert.ok(w.scanOptions.scanType.includes('qrCode'), 'the scanner must read the rotating QR code')
  assert.deepEqual(w.requests('POST', '/api/v1/self-checkins')[0].data, { code: POSTER, lat: 31.2304, lng: 121.4737, action: 'in' })
  assert.match(h.text(page), /签到成功（09:02）/)
})

test('opened from the poster by WeChat\'s camera: the scene is the code, the tap checks in without scanning again', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/volunteer/index', { scene: encodeURIComponent(POSTER) })
  assert.match(h.text(page), /已识别活动签到码/)
  await h.tap(page, '.btn-checkin')
  await h.settle(10)
  assert.equal(w.scanCalls || 0, 0)
  assert.equal(w.locationCalls, 1)
  assert.deepEqual(w.requests('POST', '/api/v1/self-checkins')[0].data, { code: POSTER, lat: 31.2304, lng: 121.4737, action: 'in' })
  assert.match(h.text(page), /签到成功（09:02）/)
  // used once: the next tap scans again
  assert.doesNotMatch(h.text(page), /已识别活动签到码/)
  w.scanResults.push('r.1kq.2f8.abcdef')
  await h.tap(page, '.btn-checkout')
  await h.settle(10)
  assert.equal(w.scanCalls, 1)
  assert.equal(w.requests('POST', '/api/v1/self-checkins')[1].data.code, 'r.1kq.2f8.abcdef')
})

test('menu opens the claim and record pages', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/volunteer/index')
  await h.tap(page, '.menu-claim')
  await h.tap(page, '.menu-record')
  assert.deepEqual(w.navigations.map((n) => n.url), ['/pages/volunteer/claim', '/pages/volunteer/record'])
})

test('claim: photos go through the privacy flow, chooseMedia and upload; the claim carries the upload references', async () => {
  const w = h.installWx({ routes: routes() })
  w.chooseMediaResult = { tempFiles: [{ tempFilePath: 'wxfile://tmp/p1.jpg' }, { tempFilePath: 'wxfile://tmp/p2.jpg' }] }
  const page = await h.renderPage('pages/volunteer/claim', {})
  // past registrations, without the cancelled one
  assert.deepEqual(page.data.activities.map((a) => a.title), ['重阳节敬老包饺子', '垃圾分类宣传志愿服务', '社区消防安全讲座'])
  await h.input(page, '.activity-picker', '1', 'change')
  await h.input(page, '.input-hours', '2.5')
  await h.input(page, '.input-description', '在小区东门宣传垃圾分类，发放宣传册')
  await h.tap(page, '.photo-add')
  await h.settle(10)
  assert.equal(w.chooseMediaCalls, 1)
  const ups = w.requests('POST', '/api/v1/uploads')
  assert.deepEqual(ups.map((u) => [u.data.name, u.data.file]), [['file', 'wxfile://tmp/p1.jpg'], ['file', 'wxfile://tmp/p2.jpg']])
  // the photos show from the local files (the uploads are private to the server)
  assert.equal(h.$$(page, '.photo-img').length, 2)
  assert.deepEqual(page.data.photos.map((p) => p.local), ['wxfile://tmp/p1.jpg', 'wxfile://tmp/p2.jpg'])
  await h.tap(page, '.btn-submit')
  await h.settle(10)
  assert.deepEqual(w.subscribeRequests, [['T_CLAIM']])
  assert.deepEqual(w.requests('POST', '/api/v1/hours/claims')[0].data, {
    activity_id: 202, session_id: 2021, description: '在小区东门宣传垃圾分类，发放宣传册', minutes: 150,
    photo_urls: [`/api/v1/uploads/${uploadID('wxfile://tmp/p1.jpg')}`, `/api/v1/uploads/${uploadID('wxfile://tmp/p2.jpg')}`],
  })
  assert.deepEqual(w.navigations, [{ type: 'navigateBack' }])
})

test('claim: an activity with several sessions is listed once per session and the claim names the session', async () => {
  // the server refuses a claim without session_id for such an activity (SESSION_REQUIRED)
  const series = (id, session, day) => fx.myRegistration(undefined, { id, activity_id: 207, activity_title: '四点半学校志愿辅导', category: 'volunteer_service',
    activity_status: 'finished', session_id: session, starts_at: fx.at(day, 16, 30), ends_at: fx.at(day, 18, 0) })
  const items = [series(411, 2071, -9), series(412, 2072, -2), series(413, 2072, -2)]
  const w = h.installWx({ routes: routes({ 'GET /api/v1/me/registrations': { items, total: 3, page: 1, page_size: 100 } }) })
  const page = await h.renderPage('pages/volunteer/claim', { activity_id: '207' })
  // one line per session (two registrations of the same session are one), told apart by date
  assert.equal(page.data.activities.length, 2)
  assert.match(page.data.activities[0].label, /^四点半学校志愿辅导 · \S+ \S+ 16:30$/)
  assert.notEqual(page.data.activities[0].label, page.data.activities[1].label)
  await h.input(page, '.activity-picker', '1', 'change')
  assert.match(h.text(page), new RegExp(page.data.activities[1].label.replace(/[·()]/g, '.')))
  await h.input(page, '.input-hours', '1.5')
  await h.input(page, '.input-description', '辅导三年级学生完成作业')
  await h.tap(page, '.btn-submit')
  await h.settle(10)
  const body = w.requests('POST', '/api/v1/hours/claims')[0].data
  assert.equal(body.activity_id, 207)
  assert.equal(body.session_id, 2072)
})

test('claim: an appointed volunteer (no sign-up) finds the ended session staff appointed them to and files the claim for it', async () => {
  // POST /admin/sessions/:id/volunteers gives a slot without a registration: /me/registrations has none
  const slot = (o) => Object.assign({ session_id: 0, activity_id: 0, activity_title: '', activity_status: 'published', category: 'clinic', place: '幸福里社区卫生服务站',
    starts_at: fx.at(-3, 8, 0), ends_at: fx.at(-3, 11, 0), ended: true, appointed_at: fx.at(-6, 10, 0) }, o)
  const slots = [
    slot({ session_id: 2091, activity_id: 209, activity_title: '健康义诊现场引导', starts_at: fx.at(-3, 8, 0), ends_at: fx.at(-3, 11, 0) }),
    // not over yet: no claim before the session ends (the server's CLAIM_TOO_EARLY)
    slot({ session_id: 2101, activity_id: 210, activity_title: '周末助老送餐', starts_at: fx.at(2, 10, 0), ends_at: fx.at(2, 12, 0), ended: false }),
    // cancelled: the server refuses claims for it (CLAIM_ACTIVITY_CANCELLED)
    slot({ session_id: 2111, activity_id: 211, activity_title: '河道清洁行动', activity_status: 'cancelled', starts_at: fx.at(-9, 9, 0), ends_at: fx.at(-9, 11, 0) }),
    // appointed to a session they also signed up for: listed once
    slot({ session_id: 2021, activity_id: 202, activity_title: '垃圾分类宣传志愿服务', category: 'volunteer_service', starts_at: fx.at(-12, 14, 0), ends_at: fx.at(-12, 16, 0) }),
  ]
  const w = h.installWx({ routes: routes({ 'GET /api/v1/me/registrations': { items: [], total: 0, page: 1, page_size: 100 }, 'GET /api/v1/me/volunteer-sessions': { items: slots } }) })
  let page = await h.renderPage('pages/volunteer/claim', { activity_id: '209' })
  assert.equal(w.requests('GET', '/api/v1/me/volunteer-sessions').length, 1)
  assert.deepEqual(page.data.activities.map((a) => [a.id, a.sessionId, a.title]), [[209, 2091, '健康义诊现场引导'], [202, 2021, '垃圾分类宣传志愿服务']])
  // opened for that activity, it is chosen and shown
  assert.equal(page.data.activityIndex, 0)
  assert.match(h.text(page), /健康义诊现场引导 · /)
  await h.input(page, '.input-hours', '3')
  await h.input(page, '.input-description', '在义诊现场引导老人排队、测量血压')
  await h.tap(page, '.btn-submit')
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/hours/claims')[0].data, {
    activity_id: 209, session_id: 2091, description: '在义诊现场引导老人排队、测量血压', minutes: 180, photo_urls: [],
  })
  assert.deepEqual(w.navigations, [{ type: 'navigateBack' }])

  // With past registrations too, each session is one line: registrations first, then appointments.
  h.resetModules()
  const w2 = h.installWx({ routes: routes({ 'GET /api/v1/me/volunteer-sessions': { items: slots } }) })
  page = await h.renderPage('pages/volunteer/claim', {})
  assert.deepEqual(page.data.activities.map((a) => a.sessionId), [2011, 2021, 2031, 2091])
  assert.equal(w2.modals.length, 0)
})

test('claim: without the appointments list (an older server) the past registrations are still offered', async () => {
  const w = h.installWx({ routes: routes({ 'GET /api/v1/me/volunteer-sessions': { status: 404, body: { code: 'NOT_FOUND', message: '接口不存在' } } }) })
  const page = await h.renderPage('pages/volunteer/claim', {})
  assert.deepEqual(page.data.activities.map((a) => a.sessionId), [2011, 2021, 2031])
  assert.equal(w.modals.length, 0)
})

test('claim: a refused upload (too large, not a photo) shows the server message and adds nothing', async () => {
  const { w, page } = await h.openPage({ routes: routes({ 'POST /api/v1/uploads': { status: 413, body: { code: 'UPLOAD_TOO_LARGE', message: '照片不能超过5MB，请压缩后再上传', request_id: 'r1' } } }) }, 'pages/volunteer/claim', {})
  await h.tap(page, '.photo-add')
  await h.settle(10)
  assert.equal(w.modals[0].content, '照片不能超过5MB，请压缩后再上传')
  assert.equal(h.$$(page, '.photo-img').length, 0)
})

test('claim page lists my earlier claims with their review', async () => {
  h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/volunteer/claim', {})
  const t = h.text(page)
  assert.match(t, /我的申报/)
  assert.match(t, /垃圾分类宣传志愿服务\s*待审核/)
  assert.match(t, /疫苗接种点秩序维护\s*已通过\s*申报 4小时.*核定 3小时30分钟，已计入服务时长/)
  assert.match(t, /重阳节敬老包饺子\s*未通过.*未通过原因：签到记录已计入该次服务时长/)
})
test('claim: missing fields are reported in Chinese and nothing is sent', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/volunteer/claim', {})
  await h.tap(page, '.btn-submit')
  await h.input(page, '.activity-picker', '0', 'change')
  await h.tap(page, '.btn-submit')
  assert.deepEqual(w.toasts, ['请选择服务活动', '请填写正确的服务时长'])
  assert.equal(w.requests('POST', '/api/v1/hours/claims').length, 0)
})

test('service record lists every credited entry with the total; exports the XLSX', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/volunteer/record')
  const t = h.text(page)
  assert.match(t, /编号：GJ-2026-000007/)
  assert.match(t, /姓名：王秀英/)
  assert.match(t, /身份证号：310\*{11}1234/)
  assert.match(t, /25小时30分钟/)
  assert.match(t, /疫苗接种点秩序维护（补录）\s*3小时30分钟/)
  assert.match(t, /幸福里社区志愿者服务队/)
  assert.match(t, /📍 幸福里小区东门/)
  await h.tap(page, '.btn-export')
  const dl = w.requests('GET', '/api/v1/me/hours/record').filter((r) => r.download)
  assert.equal(dl.length, 1)
  assert.equal(dl[0].query.format, 'xlsx')
  assert.equal(dl[0].header.Authorization, 'Bearer tok-1')
  assert.deepEqual(w.openedDocuments.map((d) => d.fileType), ['xlsx'])
})

test('service record: later lines load page by page with next_cursor (the JSON record is paged)', async () => {
  const first = Object.assign(fx.record(), { next_cursor: 'c1' })
  const later = Object.assign(fx.record(), {
    next_cursor: null,
    entries: [Object.assign({}, fx.record().entries[0], { activity_id: 299, session_id: 2991, content: '社区义诊引导志愿服务', minutes: 60 })],
  })
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/me/hours/record': (r) => (r.query.cursor === 'c1' ? later : first) }) }, 'pages/volunteer/record')
  assert.equal(h.$$(page, '.record-entry').length, 3)
  assert.match(h.text(page), /上拉加载更多/)
  await page.instance.onReachBottom()
  await h.settle()
  const sent = w.requests('GET', '/api/v1/me/hours/record').filter((r) => !r.download)
  assert.equal(sent.pop().query.cursor, 'c1')
  assert.equal(h.$$(page, '.record-entry').length, 4)
  assert.match(h.text(page), /社区义诊引导志愿服务/)
  assert.doesNotMatch(h.text(page), /上拉加载更多/)
  await page.instance.onReachBottom() // nothing more to load
  assert.equal(w.requests('GET', '/api/v1/me/hours/record').filter((r) => !r.download).length, 2)
})

test('service record shows its issuer and verification QR code, and opens the verification page', async () => {
  const w = h.installWx({
    routes: routes({
      'GET /api/v1/me/hours/record': Object.assign(fx.record(), { issuer: '幸福街道办事处' }),
      'GET /api/v1/me/hours/record/code': 'PNG',
    }),
  })
  const page = await h.renderPage('pages/volunteer/record')
  assert.match(h.text(page), /出具单位：幸福街道办事处/)
  const code = w.requests('GET', '/api/v1/me/hours/record/code')
  assert.equal(code.length, 1)
  assert.equal(code[0].header.Authorization, 'Bearer tok-1')
  const img = h.$(page, '.record-code-img')
  assert.ok(img, 'the QR code is shown')
  assert.equal(w.downloads[img.dom.getAttribute('src')] || w.downloads[page.instance.data.codePath], 'PNG')
  await h.tap(page, '.btn-verify')
  assert.deepEqual(w.navigations.map((n) => n.url), [`/pages/verify/record?number=${encodeURIComponent(fx.record().record_number)}`])
})
test('hours by month: the latest month first (this month without scrolling past years), a month net negative draws no bar', async () => {
  const res = Object.assign(fx.hours(), { by_month: [{ month: '2025-01', minutes: 120 }, { month: '2025-02', minutes: -30 }, { month: '2026-11', minutes: 480 }] })
  h.installWx({ routes: routes({ 'GET /api/v1/me/hours': res }) })
  const page = await h.renderPage('pages/volunteer/index')
  assert.deepEqual(page.data.months.map((m) => m.month), ['2026-11', '2025-02', '2025-01'])
  assert.deepEqual(page.data.months.map((m) => m.percent), [100, 0, 25])
})

test('check-in after the location permission was refused offers to open the settings (WeChat asks only once)', async () => {
  const w = h.installWx({ routes: routes() })
  w.scanResults.push('GJSC:1002:7f3a9c')
  let settings = 0
  globalThis.wx.getLocation = (o) => setTimeout(() => o.fail({ errMsg: 'getLocation:fail auth deny' }), 0)
  globalThis.wx.openSetting = () => {
    settings++
  }
  const page = await h.renderPage('pages/volunteer/index')
  await h.tap(page, '.btn-checkin')
  await h.settle(20)
  assert.equal(w.requests('POST', '/api/v1/self-checkins').length, 0)
  const m = w.modals.pop()
  assert.match(m.content, /位置/)
  assert.equal(m.title, '需要位置权限')
  assert.equal(settings, 1)
})
