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
    'POST /api/v1/me/messages/:id/read': (r) => ({ id: Number(r.path.split('/')[5]), read: true, unread: 1 }),
    'POST /api/v1/uploads': { status: 201, body: { url: '/api/v1/uploads/a1b2c3d4e5f60718293a4b5c6d7e8f90', id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', content_type: 'image/jpeg', size: 20480, width: 132, height: 132 } },
    'GET /api/v1/uploads/:id': 'JPEG',
    'GET /api/v1/me/checking': { items: [] },
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
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/me/index')
  h.$(page, '.phone-btn').dispatchEvent('getphonenumber', { detail: { code: 'phone-code-1' } })
  await h.settle()
  assert.deepEqual(w.requests('POST', '/api/v1/me/phone')[0].data, { code: 'phone-code-1' })
  assert.match(h.text(page), /138\*\*\*\*1234/)
})

test('a refused phone authorisation calls nothing', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/me/index')
  h.$(page, '.phone-btn').dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:fail user deny' } })
  await h.settle()
  assert.equal(w.requests('POST', '/api/v1/me/phone').length, 0)
  assert.deepEqual(w.toasts, ['未授权手机号'])
})

test('staff see the staff entry; menu entries navigate', async () => {
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/me': fx.staffUser }) }, 'pages/me/index')
  assert.match(h.text(page), /社区工作人员/)
  for (const sel of ['.menu-messages', '.menu-family', '.menu-wristband', '.menu-volunteer', '.menu-staff']) await h.tap(page, sel)
  await h.tap(page, '.profile')
  assert.deepEqual(w.navigations.map((n) => n.url), ['/pages/messages/index', '/pages/family/index', '/pages/wristband/index', '/pages/volunteer/index', '/pages/staff/index', '/pages/profile/edit'])
})

test('a volunteer appointed to check tickets sees those activities and opens the scanner', async () => {
  const checking = { items: [{
    activity_id: 102, activity_title: '三甲医院专家义诊', category: 'clinic', place: '幸福里社区卫生服务站一楼大厅',
    sessions: [{ id: 1002, starts_at: fx.at(0, 9, 30), ends_at: fx.at(0, 10, 30), accept_from: fx.at(0, 8, 30), accept_until: fx.at(0, 11, 0) }],
  }] }
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/me/checking': checking }) }, 'pages/me/index')
  const t = h.text(page)
  assert.match(t, /我负责签到的活动/)
  assert.match(t, /三甲医院专家义诊/)
  assert.match(t, /幸福里社区卫生服务站一楼大厅/)
  assert.equal(h.$$(page, '.menu-staff').length, 0)
  await h.tap(page, '.btn-check')
  assert.deepEqual(w.navigations.map((n) => n.url), [`/pages/staff/scan?activity_id=102&title=${encodeURIComponent('三甲医院专家义诊')}`])
})

test('without appointments the checking card stays hidden', async () => {
  h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/me/index')
  assert.equal(h.$$(page, '.checking').length, 0)
  assert.doesNotMatch(h.text(page), /我负责签到/)
})

test('profile edit saves nickname, real name and community with PATCH /me', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/profile/edit')
  assert.equal(page.data.form.nickname, '王阿姨')
  await h.input(page, '.input-nickname', '王秀英阿姨')
  await h.input(page, '.input-real-name', '王秀英')
  await h.input(page, '.community-picker', '1', 'change')
  await h.tap(page, '.btn-save')
  assert.deepEqual(w.requests('PATCH', '/api/v1/me')[0].data, { nickname: '王秀英阿姨', real_name: '王秀英', avatar_url: '', community_id: 2 })
  assert.deepEqual(w.navigations, [{ type: 'navigateBack' }])
})

test('an uploaded avatar is shown on the me page from a download with the token', async () => {
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/me': Object.assign({}, fx.user, { avatar_url: '/api/v1/uploads/a1b2c3d4e5f60718293a4b5c6d7e8f90' }) }) }, 'pages/me/index')
  const dl = w.requests('GET', '/api/v1/uploads/a1b2c3d4e5f60718293a4b5c6d7e8f90')
  assert.equal(dl.length, 1)
  assert.equal(dl[0].header.Authorization, 'Bearer tok-1')
  assert.equal(w.downloads[page.data.avatarSrc], 'JPEG')
  assert.equal(h.$$(page, '.avatar-img').length, 1)
})

test('choosing an avatar uploads it and saves its URL', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/profile/edit')
  h.$(page, '.avatar-btn').dispatchEvent('chooseavatar', { detail: { avatarUrl: 'wxfile://tmp/avatar.jpg' } })
  await h.settle()
  assert.equal(w.requests('POST', '/api/v1/uploads')[0].data.file, 'wxfile://tmp/avatar.jpg')
  await h.tap(page, '.btn-save')
  // the avatar is the upload's server path (the server checks it is this user's upload)
  assert.equal(w.requests('PATCH', '/api/v1/me')[0].data.avatar_url, '/api/v1/uploads/a1b2c3d4e5f60718293a4b5c6d7e8f90')
  assert.equal(page.data.avatarSrc, 'wxfile://tmp/avatar.jpg')
})

test('messages list unread ones; opening one marks it read and links to its page', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/messages/index')
  const t = h.text(page)
  assert.match(t, /未读 2 条/)
  assert.match(t, /报名成功/)
  assert.match(t, /候补递补提醒/)
  await h.tap(page, h.$$(page, '.message')[0])
  assert.equal(w.requests('POST', '/api/v1/me/messages/3/read').length, 1)
  // the unread count is the server's answer to the read
  assert.match(h.text(page), /未读 1 条/)
  // an already-read message is not posted again
  await h.tap(page, h.$$(page, '.message')[2])
  assert.equal(w.requests('POST', /\/read$/).length, 1)
  // an opened message links to its page (a tab page: switchTab)
  await h.tap(page, h.$$(page, '.message-link')[0])
  assert.deepEqual(w.navigations.pop(), { type: 'switchTab', url: '/pages/registrations/index' })
})

test('messages: older ones load page by page with before_id', async () => {
  const first = fx.messages()
  const older = { unread: 2, next_before_id: 0, items: [{ id: 0.5, template_key: 'claim_reviewed', title: '补录申请已通过', body: '您申报的「疫苗接种点秩序维护」服务时长已审核通过，核定3小时30分钟。', page: 'pages/volunteer/index', activity_id: 206, created_at: fx.at(-25, 9, 0), read: true }] }
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/me/messages': (r) => (r.query.before_id ? older : Object.assign({}, first, { next_before_id: 1 })) }) }, 'pages/messages/index')
  assert.match(h.text(page), /上拉加载更早的消息/)
  await page.instance.onReachBottom()
  await h.settle()
  assert.equal(w.requests('GET', '/api/v1/me/messages').pop().query.before_id, '1')
  assert.match(h.text(page), /补录申请已通过/)
  assert.equal(h.$$(page, '.message').length, 4)
  assert.doesNotMatch(h.text(page), /上拉加载更早的消息/)
  await page.instance.onReachBottom() // nothing more to load
  assert.equal(w.requests('GET', '/api/v1/me/messages').length, 2)
})

test('offline, 我的 says so on the page with a retry, keeps the known profile, and opens no modal', async () => {
  let offline = true
  const me = (r) => (offline ? { networkError: true } : fx.user)
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/me': me }) }, 'pages/me/index')
  assert.equal(w.modals.length, 0)
  assert.match(h.$(page, '.load-error').dom.textContent, /网络连接失败/)
  // shown again (switching tabs) while still offline: still no modal
  await page.instance.onShow()
  await h.settle()
  assert.equal(w.modals.length, 0)
  offline = false
  await h.tap(page, '.btn-retry')
  assert.equal(h.$$(page, '.load-error').length, 0)
  assert.match(h.text(page), /王阿姨/)
})
