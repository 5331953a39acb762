// The phone side of the desk console's QR login (pages/console-login/index): the scene of the
// console's code names the ticket; opening the page marks it scanned and shows which browser
// asked; the staff member confirms or cancels; refusals show the server's message and a hint.
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')

test.beforeEach(() => h.resetModules())

const TICKET = 'Abc-123_xyzXYZ0123456789'
const SCAN = {
  expires_at: '2026-12-03T08:12:00Z',
  browser: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  ip: '10.1.2.3',
  requested_at: '2026-12-03T08:10:00Z',
}

function routes(over = {}) {
  return Object.assign({
    'POST /api/v1/console/qr/:ticket/scan': SCAN,
    'POST /api/v1/console/qr/:ticket/confirm': { ok: true },
    'POST /api/v1/console/qr/:ticket/refuse': { ok: true },
  }, over)
}

test('the page is registered in app.json', () => {
  assert.ok(h.APP_JSON.pages.includes('pages/console-login/index'))
})

test('scanning the console code shows the browser and time; confirming lets the console in', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/console-login/index', { scene: encodeURIComponent('cl=' + TICKET) })
  assert.equal(w.requests('POST', `/api/v1/console/qr/${TICKET}/scan`).length, 1)
  // the phone logged in first (bearer token) and sends it
  assert.equal(w.requests('POST', `/api/v1/console/qr/${TICKET}/scan`)[0].header.Authorization, 'Bearer tok-1')
  const t = h.text(page)
  assert.match(t, /确认登录桌面控制台/)
  assert.match(t, /登录设备\s*Chrome 浏览器 · Windows 电脑/)
  assert.match(t, /网络地址\s*10\.1\.2\.3/)
  assert.match(t, /请求时间\s*12月3日 周四 16:10/) // China time
  assert.match(t, /有效期至\s*16:12/)
  assert.equal(w.requests('POST', `/api/v1/console/qr/${TICKET}/confirm`).length, 0)

  await h.tap(page, '.btn-confirm')
  assert.equal(w.requests('POST', `/api/v1/console/qr/${TICKET}/confirm`).length, 1)
  assert.equal(w.requests('POST', `/api/v1/console/qr/${TICKET}/refuse`).length, 0)
  assert.match(h.text(page), /已确认登录\s*请回到电脑上继续操作/)
  assert.ok(!page.querySelector('.btn-confirm'))
  await h.tap(page, '.btn-close')
  assert.deepEqual(w.navigations, [{ type: 'switchTab', url: '/pages/index/index' }])
})

test('cancelling refuses the login and confirms nothing', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/console-login/index', { scene: 'cl%3D' + TICKET })
  await h.tap(page, '.btn-cancel')
  assert.equal(w.requests('POST', `/api/v1/console/qr/${TICKET}/refuse`).length, 1)
  assert.equal(w.requests('POST', `/api/v1/console/qr/${TICKET}/confirm`).length, 0)
  assert.match(h.text(page), /已取消登录/)
})

test('an expired code, a used code and a user without a console role see why, and cannot confirm', async () => {
  const cases = [
    [409, 'QR_EXPIRED', '二维码已过期', /刷新二维码/],
    [409, 'QR_ALREADY_USED', '该二维码已被使用', /只能使用一次/],
    [403, 'CONSOLE_FORBIDDEN', '您没有使用桌面控制台的权限', /联系街道或社区管理员开通/],
  ]
  for (const [status, code, message, hint] of cases) {
    h.resetModules()
    const { w, page } = await h.openPage({ routes: routes({ 'POST /api/v1/console/qr/:ticket/scan': { status, body: { code, message } } }) }, 'pages/console-login/index', { scene: encodeURIComponent('cl=' + TICKET) })
    const t = h.text(page)
    assert.match(t, new RegExp(message), code)
    assert.match(t, hint, code)
    assert.ok(!page.querySelector('.btn-confirm'), code)
    assert.equal(w.requests('POST', `/api/v1/console/qr/${TICKET}/confirm`).length, 0, code)
  }
})

test('a code that expires between scanning and confirming says so', async () => {
  const { w, page } = await h.openPage({ routes: routes({ 'POST /api/v1/console/qr/:ticket/confirm': { status: 409, body: { code: 'QR_EXPIRED', message: '二维码已过期' } } }) }, 'pages/console-login/index', { scene: encodeURIComponent('cl=' + TICKET) })
  await h.tap(page, '.btn-confirm')
  assert.equal(w.requests('POST', `/api/v1/console/qr/${TICKET}/confirm`).length, 1)
  assert.match(h.text(page), /二维码已过期.*刷新二维码/)
  assert.doesNotMatch(h.text(page), /已确认登录/)
})

test('a scene that is not a console code asks nothing of the server', async () => {
  for (const query of [{}, { scene: encodeURIComponent('a=1') }]) {
    h.resetModules()
    const { w, page } = await h.openPage({ routes: routes() }, 'pages/console-login/index', query)
    assert.match(h.text(page), /二维码无效/)
    assert.equal(w.requests('POST', /\/api\/v1\/console\//).length, 0)
  }
})

test('the staff hub scans the console code and opens this page; another code is refused', async () => {
  const w = h.installWx({ routes: routes({ 'GET /api/v1/admin/activities': { items: [], total: 0 } }) })
  const scans = [{ path: `pages/console-login/index?scene=${encodeURIComponent('cl=' + TICKET)}` }, { result: 'https://example.com/' }]
  wx.scanCode = (o) => {
    const r = scans.shift()
    setTimeout(() => o.success(Object.assign({ errMsg: 'scanCode:ok' }, r)), 0)
  }
  const hub = await h.renderPage('pages/staff/index')
  await h.tap(hub, '.grid-console')
  await h.settle(20)
  assert.deepEqual(w.navigations, [{ type: 'navigateTo', url: `/pages/console-login/index?scene=${encodeURIComponent('cl=' + TICKET)}` }])
  await h.tap(hub, '.grid-console')
  await h.settle(20)
  assert.equal(w.navigations.length, 1)
  assert.deepEqual(w.toasts, ['这不是桌面控制台的登录二维码'])
})
