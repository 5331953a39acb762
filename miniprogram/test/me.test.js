const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const fx = require('./_fixtures')

test.beforeEach(() => h.resetModules())

function routes(over = {}) {
  return Object.assign({
    'GET /api/v1/me': Object.assign({}, fx.user, { phone_masked: '' }),
    'GET /api/v1/me/messages': fx.messages(),
    'POST /api/v1/me/phone': Object.assign({}, fx.user, { phone_masked: '138****1234' }),
    'PATCH /api/v1/me': (r) => Object.assign({}, fx.user, r.data),
    'POST /api/v1/me/messages/:id/read': { ok: true },
    'POST /api/v1/uploads': { url: 'https://files.example/avatar.jpg' },
  }, over)
}

test('me shows profile, community, roles and the unread count', async () => {
  h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/me/index')
  const t = h.text(page)
  assert.match(t, /王阿姨/)
  assert.match(t, /实名：王秀英/)
  assert.match(t, /幸福里社区/)
  assert.match(t, /居民/)
  assert.match(t, /志愿者/)
  assert.equal(h.$(page, '.unread-badge').dom.textContent.trim(), '2 条未读')
  assert.match(t, /绑定手机号/)
  assert.equal(h.$$(page, '.menu-staff').length, 0)
})

test('the getPhoneNumber button posts its code to /me/phone and shows the masked phone', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/me/index')
  h.$(page, '.phone-btn').dispatchEvent('getphonenumber', { detail: { code: 'phone-code-1' } })
  await h.settle()
  assert.deepEqual(w.requests('POST', '/api/v1/me/phone')[0].data, { code: 'phone-code-1' })
  assert.match(h.text(page), /138\*\*\*\*1234/)
})

test('a refused phone authorisation calls nothing', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/me/index')
  h.$(page, '.phone-btn').dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:fail user deny' } })
  await h.settle()
  assert.equal(w.requests('POST', '/api/v1/me/phone').length, 0)
  assert.deepEqual(w.toasts, ['未授权手机号'])
})

test('staff see the staff entry; menu entries navigate', async () => {
  const w = h.installWx({ routes: routes({ 'GET /api/v1/me': fx.staffUser }) })
  const page = await h.renderPage('pages/me/index')
  assert.match(h.text(page), /社区工作人员/)
  for (const sel of ['.menu-messages', '.menu-family', '.menu-wristband', '.menu-volunteer', '.menu-staff']) await h.tap(page, sel)
  await h.tap(page, '.profile')
  assert.deepEqual(w.navigations.map((n) => n.url), ['/pages/messages/index', '/pages/family/index', '/pages/wristband/index', '/pages/volunteer/index', '/pages/staff/index', '/pages/profile/edit'])
})

test('profile edit saves nickname, real name and community with PATCH /me', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/profile/edit')
  assert.equal(page.data.form.nickname, '王阿姨')
  await h.input(page, '.input-nickname', '王秀英阿姨')
  await h.input(page, '.input-real-name', '王秀英')
  await h.input(page, '.community-picker', '1', 'change')
  await h.tap(page, '.btn-save')
  assert.deepEqual(w.requests('PATCH', '/api/v1/me')[0].data, { nickname: '王秀英阿姨', real_name: '王秀英', avatar_url: '', community_id: 2 })
  assert.deepEqual(w.navigations, [{ type: 'navigateBack' }])
})

test('choosing an avatar uploads it and saves its URL', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/profile/edit')
  h.$(page, '.avatar-btn').dispatchEvent('chooseavatar', { detail: { avatarUrl: 'wxfile://tmp/avatar.jpg' } })
  await h.settle()
  assert.equal(w.requests('POST', '/api/v1/uploads')[0].data.file, 'wxfile://tmp/avatar.jpg')
  await h.tap(page, '.btn-save')
  assert.equal(w.requests('PATCH', '/api/v1/me')[0].data.avatar_url, 'https://files.example/avatar.jpg')
})

test('messages list unread ones; opening one marks it read', async () => {
  const w = h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/messages/index')
  const t = h.text(page)
  assert.match(t, /未读 2 条/)
  assert.match(t, /报名成功/)
  assert.match(t, /候补递补提醒/)
  await h.tap(page, h.$$(page, '.message')[0])
  assert.equal(w.requests('POST', '/api/v1/me/messages/1/read').length, 1)
  assert.match(h.text(page), /未读 1 条/)
  // an already-read message is not posted again
  await h.tap(page, h.$$(page, '.message')[2])
  assert.equal(w.requests('POST', /\/read$/).length, 1)
})
