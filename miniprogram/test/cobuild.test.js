// Co-building pages (pages/cobuild/*): the board, a need and its claim, a project's delivery and
// rating, wishes, proposals, the unit's desk, report-in and the staff's review.
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const cbx = require('./fixtures/cobuild')

test.beforeEach(() => h.resetModules())

test('the board lists needs with progress and projects with units, overdue marked; entries follow the roles', async () => {
  h.installWx({ routes: cbx.routes({ 'GET /api/v1/me': cbx.user(['unit_contact', 'party_member']) }) })
  const page = await h.renderPage('pages/cobuild/index')
  let t = h.text(page)
  assert.match(t, /暑期课业辅导\s*待认领/)
  assert.match(t, /已认领 32\/40 小时/)
  assert.match(t, /街道邻里文化节志愿服务\s*已认领满/)
  assert.match(t, /🏢\s*单位/)
  assert.match(t, /双报到/)
  assert.doesNotMatch(t, /审核/)
  await h.tap(page, '.tab-projects')
  t = h.text(page)
  assert.match(t, /独居老人助餐\s*实施中\s*承接：区疾控中心\s*已逾期/)
  assert.match(t, /居民评分 5.0（1 人）/)
  assert.doesNotMatch(t, /社区合唱团指导/) // withdrawn projects are not on the board
})

test('a unit contact claims part of a shareable need; a refusal shows the server message', async () => {
  const { w, page } = await h.openPage({ routes: cbx.routes() }, 'pages/cobuild/need', { id: '301' })
  assert.match(h.text(page), /剩余 8 小时/)
  await h.input(page, '.input-quantity', '5')
  await h.input(page, '.input-plan', '周末上门辅导')
  await h.tap(page, '.btn-claim')
  assert.deepEqual(w.requests('POST', '/api/v1/needs/301/claims')[0].data, { unit_id: 11, quantity: 5, plan: '周末上门辅导' })
  assert.equal(w.navigations[0].url, '/pages/cobuild/project?id=401')

  const w2 = h.installWx({ routes: cbx.routes({ 'POST /api/v1/needs/:id/claims': { status: 409, body: { code: 'NEED_FULLY_CLAIMED', message: '该需求已被认领完，无法再认领' } } }) })
  const page2 = await h.renderPage('pages/cobuild/need', { id: '301' })
  await h.tap(page2, '.btn-claim')
  assert.equal(w2.modals[0].content, '该需求已被认领完，无法再认领')
})

test('a party contact delivers a project with a photo and the number served; a beneficiary rates it', async () => {
  const { w, page } = await h.openPage({ routes: cbx.routes() }, 'pages/cobuild/project', { id: '402' })
  assert.match(h.text(page), /承接单位操作/)
  await h.tap(page, '.btn-deliver')
  assert.equal(w.requests('POST', '/api/v1/projects/402/progress').length, 0)
  assert.match(w.toasts.join(), /请填写服务人数并上传现场照片/)
  await h.input(page, '.input-served', '15')
  await h.tap(page, '.thumb-add')
  await h.tap(page, '.btn-deliver')
  const body = w.requests('POST', '/api/v1/projects/402/progress')[0].data
  assert.deepEqual(body, { action: 'deliver', evidence: { served: 15, photos: ['/api/v1/uploads/0123456789abcdef0123456789abcdef'], note: '' }, version: 3 })
  assert.match(h.text(page), /服务居民 15 人次/)

  const w2 = h.installWx({ routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]) }) })
  const rate = await h.renderPage('pages/cobuild/project', { id: '403' })
  assert.doesNotMatch(h.text(rate), /承接单位操作/)
  await h.tap(rate, '.star-4')
  await h.input(rate, '.input-comment', '很及时')
  await h.tap(rate, '.btn-rate')
  assert.deepEqual(w2.requests('POST', '/api/v1/projects/403/ratings')[0].data, { score: 4, comment: '很及时' })
})

test('progress goes with the version shown; a stale one (409 PROJECT_CHANGED) shows the message and reloads, keeping what was typed', async () => {
  // The project as the server has it; another contact updates it while this page is open.
  let current = cbx.projects()[1]
  const changed = { status: 409, body: { code: 'PROJECT_CHANGED', message: '项目已被他人更新，请刷新后查看最新进度再提交' } }
  const { w, page } = await h.openPage({ routes: cbx.routes({
    'GET /api/v1/projects/:id': () => current,
    'POST /api/v1/projects/:id/progress': (r) => (r.data.version !== current.version ? changed
      : Object.assign({}, current, { status: 'delivered', status_name: '已交付', evidence: r.data.evidence, version: current.version + 1 })),
  }) }, 'pages/cobuild/project', { id: '402' })
  current = Object.assign({}, current, { version: 4, milestones: [{ title: '首周送餐上门', done_at: '2026-12-01T01:00:00Z' }] })
  await h.input(page, '.input-served', '15')
  await h.input(page, '.input-note', '每日午餐送到家')
  await h.tap(page, '.thumb-add')
  await h.tap(page, '.btn-deliver')
  await h.settle(10)
  const sent = () => w.requests('POST', '/api/v1/projects/402/progress').map((r) => r.data.version)
  assert.deepEqual(sent(), [3])
  assert.equal(w.modals.pop().content, '项目已被他人更新，请刷新后查看最新进度再提交')
  assert.equal(w.requests('GET', '/api/v1/projects/402').length, 2) // reloaded
  assert.match(h.text(page), /首周送餐上门/)
  assert.doesNotMatch(h.text(page), /服务居民 15 人次/)
  assert.equal(page.instance.data.served, '15')
  assert.equal(page.instance.data.note, '每日午餐送到家')
  assert.equal(page.instance.data.photos.length, 1)
  // Sent again, on the version now shown: it goes through.
  await h.tap(page, '.btn-deliver')
  await h.settle(10)
  assert.deepEqual(sent(), [3, 4])
  assert.deepEqual(w.requests('POST', '/api/v1/projects/402/progress')[1].data.evidence, { served: 15, photos: ['/api/v1/uploads/0123456789abcdef0123456789abcdef'], note: '每日午餐送到家' })
  assert.match(h.text(page), /服务居民 15 人次/)
})

test('a resident makes a wish and follows it, with the reason of a decline', async () => {
  const { w, page } = await h.openPage({ routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]) }) }, 'pages/cobuild/wish')
  const t = h.text(page)
  assert.match(t, /想给孙子一个新书包\s*已纳入需求清单/)
  assert.match(t, /想学用智能手机\s*未采纳.*原因：社区近期将开设老年人智能手机课堂/)
  assert.match(t, /修门锁\s*内容审核中/)
  await h.input(page, '.input-title', '请人帮忙换灯泡')
  await h.tap(page, '.btn-submit')
  assert.deepEqual(w.requests('POST', '/api/v1/wishes')[0].data, { title: '请人帮忙换灯泡', description: '' })
})

test('proposals show supports against the threshold; supporting and proposing post', async () => {
  const { w, page } = await h.openPage({ routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]) }) }, 'pages/cobuild/proposals')
  assert.match(h.text(page), /车棚增设电动车充电桩\s*已提交联席会议/)
  assert.match(h.text(page), /10\/10 人支持/)
  await h.tap(page, '.btn-support')
  assert.equal(w.requests('POST', '/api/v1/proposals/501/supports').length, 1)
  await h.input(page, '.input-title', '楼道照明')
  await h.input(page, '.input-description', '楼道灯坏了很久')
  await h.tap(page, '.btn-propose')
  assert.deepEqual(w.requests('POST', '/api/v1/proposals')[0].data, { title: '楼道照明', description: '楼道灯坏了很久' })
})

test('my wishes: older ones load page by page through next_cursor on reaching the bottom', async () => {
  const older = { id: 590, community_id: 1, title: '想修好楼下的路灯', status: 'declined', content_check: 'pass', decline_reason: '已报市政维修', photos: [], created_at: '2026-01-05T01:00:00Z' }
  const { w, page } = await h.openPage({ routes: cbx.routes({
    'GET /api/v1/me': cbx.user([]),
    'GET /api/v1/me/wishes': (r) => (r.query.cursor === '601' ? { items: [older], next_cursor: null } : Object.assign(cbx.routes()['GET /api/v1/me/wishes'], { next_cursor: '601' })),
  }) }, 'pages/cobuild/wish')
  assert.equal(h.$$(page, '.my-wish').length, 3)
  assert.match(h.text(page), /上拉加载更早的心愿/)
  await page.instance.onReachBottom()
  await h.settle()
  assert.equal(w.requests('GET', '/api/v1/me/wishes').pop().query.cursor, '601')
  assert.equal(h.$$(page, '.my-wish').length, 4)
  assert.match(h.text(page), /想修好楼下的路灯\s*未采纳/)
  assert.match(h.text(page), /想修好楼下的路灯\s*未采纳\s*[^·]+ · 未留联系电话/) // a wish made without a phone
  assert.match(h.text(page), /修门锁\s*内容审核中\s*[^·]+ · 联系电话 139\*\*\*\*5678/)
  assert.doesNotMatch(h.text(page), /上拉加载/)
  await page.instance.onReachBottom() // the last page: nothing more to ask
  assert.equal(w.requests('GET', '/api/v1/me/wishes').length, 2)
})

test('议事厅: older proposals load page by page through next_cursor, in the same community', async () => {
  const older = { id: 480, community_id: 1, title: '增设快递柜', description: '快递堆在门口', status: 'accepted', content_check: 'pass', supports: 12, threshold: 10 }
  const first = cbx.routes()['GET /api/v1/proposals']({ query: {} })
  const { w, page } = await h.openPage({ routes: cbx.routes({
    'GET /api/v1/me': cbx.user([]),
    'GET /api/v1/proposals': (r) => (r.query.cursor === '502' ? { items: [older], next_cursor: null } : Object.assign(first, { next_cursor: '502' })),
  }) }, 'pages/cobuild/proposals')
  assert.equal(h.$$(page, '.proposal').length, 2)
  assert.match(h.text(page), /上拉加载更早的议题/)
  await page.instance.onReachBottom()
  await h.settle()
  const sent = w.requests('GET', '/api/v1/proposals')
  assert.deepEqual(sent.map((r) => r.query.cursor), [undefined, '502'])
  assert.equal(sent[1].query.community_id, sent[0].query.community_id)
  assert.equal(h.$$(page, '.proposal').length, 3)
  assert.match(h.text(page), /增设快递柜/)
  assert.doesNotMatch(h.text(page), /上拉加载/)
  await page.instance.onReachBottom()
  assert.equal(w.requests('GET', '/api/v1/proposals').length, 2)
})

test('staff review: every page of the pending wishes and undecided proposals is read (next_cursor)', async () => {
  const wish = (id, title) => ({ id, community_id: 1, title, description: '', status: 'pending', content_check: 'pass', photos: [] })
  const proposal = (id, status) => ({ id, community_id: 1, title: `议题${id}`, description: '说明', status, content_check: 'pass', supports: 1, threshold: 10 })
  const { w, page } = await h.openPage({ routes: cbx.routes({
    'GET /api/v1/me': cbx.user(['staff']),
    'GET /api/v1/admin/wishes': (r) => (r.query.cursor === '700' ? { items: [wish(650, '想学做饭')], next_cursor: null } : { items: [wish(701, '想学剪纸'), wish(700, '想学书法')], next_cursor: '700' }),
    'GET /api/v1/proposals': (r) => {
      if (r.query.status === 'agenda') return { items: [proposal(520, 'agenda')], next_cursor: null }
      return r.query.cursor === '530' ? { items: [proposal(510, 'open')], next_cursor: null } : { items: [proposal(531, 'open'), proposal(530, 'open')], next_cursor: '530' }
    },
  }) }, 'pages/cobuild/review')
  assert.match(h.text(page), /待处理的微心愿 3/)
  assert.equal(h.$$(page, '.wish').length, 3)
  assert.deepEqual(w.requests('GET', '/api/v1/admin/wishes').map((r) => [r.query.status, r.query.limit, r.query.cursor]), [['pending', '100', undefined], ['pending', '100', '700']])
  assert.equal(h.$$(page, '.proposal').length, 4)
  assert.deepEqual(w.requests('GET', '/api/v1/proposals').map((r) => [r.query.status, r.query.cursor]).sort(), [['agenda', undefined], ['open', undefined], ['open', '530']])
  assert.match(h.text(page), /议题520.*议题531.*议题530.*议题510/) // on the agenda first, then open, newest first
})

test('the unit desk lists claimable needs by category, its projects and resources, and publishes a resource', async () => {
  const { w, page } = await h.openPage({ routes: cbx.routes() }, 'pages/cobuild/unit')
  const t = h.text(page)
  assert.match(t, /区疾控中心/)
  assert.match(t, /老年人健康讲座\s*已评价/)
  assert.match(t, /暑期课业辅导\s*儿童与学业 · 剩余 8 小时/)
  assert.match(t, /家庭急救包\s*物资\s*已被认领 0\/200 个/)
  await h.tap(page, '.category-chip')
  assert.equal(w.requests('GET', '/api/v1/needs').pop().query.category, 'elderly_care')
  await h.input(page, '.input-res-title', '健康讲座')
  await h.input(page, '.input-res-quantity', '6')
  await h.input(page, '.input-res-unit', '场')
  await h.tap(page, '.btn-publish')
  const body = w.requests('POST', '/api/v1/resources')[0].data
  assert.equal(body.unit_id, 11)
  assert.equal(body.title, '健康讲座')
  assert.deepEqual(body.communities, [1, 2])
})

test('a party member reports in, then sees the community needs to serve once confirmed', async () => {
  const { w, page } = await h.openPage({ routes: cbx.routes({ 'GET /api/v1/me/report-in': { status: 404, body: { code: 'REPORT_IN_NOT_FOUND', message: '报到记录不存在' } } }) }, 'pages/cobuild/reportin')
  assert.match(h.text(page), /党员到居住社区报到/)
  await h.input(page, '.unit-picker', '0', 'change')
  await h.tap(page, '.btn-report')
  assert.deepEqual(w.requests('POST', '/api/v1/me/report-in')[0].data, { workplace_org_id: 11 })

  h.installWx({ routes: cbx.routes() })
  const done = await h.renderPage('pages/cobuild/reportin')
  const t = h.text(done)
  assert.match(t, /已报到/)
  assert.match(t, /社区需要您\s*暑期课业辅导/)
})

test('staff accept a wish, decline a proposal with a reason, confirm a report-in and publish a need', async () => {
  const { w, page } = await h.openPage({ routes: cbx.routes({ 'GET /api/v1/me': cbx.user(['staff']) }) }, 'pages/cobuild/review')
  assert.match(h.text(page), /待处理的微心愿 1/)
  await h.tap(page, '.btn-accept-wish')
  assert.equal(w.requests('POST', '/api/v1/admin/wishes/602/review')[0].data.decision, 'accept')
  w.modalAnswers.push({ confirm: true, content: '不属于社区事务' })
  await h.tap(page, '.btn-decline-proposal')
  assert.deepEqual(w.requests('POST', '/api/v1/admin/proposals/501/review')[0].data, { decision: 'decline', reason: '不属于社区事务' })
  await h.tap(page, '.btn-confirm')
  assert.deepEqual(w.requests('POST', '/api/v1/admin/report-ins/77/review')[0].data, { confirm: true })
  await h.input(page, '.input-need-title', '垃圾分类宣传')
  await h.input(page, '.input-need-quantity', '4')
  await h.input(page, '.input-need-unit', '场')
  await h.tap(page, '.btn-publish-need')
  assert.deepEqual(w.requests('POST', '/api/v1/needs')[0].data, { community_id: 1, category: 'elderly_care', title: '垃圾分类宣传', quantity: 4, quantity_unit: '场', shareable: true })
})

test('pending report-ins come a page at a time: 加载更多 follows next_cursor until the last page', async () => {
  const ri = (id, name) => ({ user_id: id, user_name: name, community_id: 1, workplace_org_id: 12, workplace_name: '区人民检察院', status: 'pending' })
  const { w, page } = await h.openPage({ routes: cbx.routes({
    'GET /api/v1/me': cbx.user(['staff']),
    'GET /api/v1/admin/report-ins': (r) => (r.query.cursor === 'r2' ? { items: [ri(75, '周敏')], next_cursor: null } : { items: [ri(77, '李红'), ri(76, '王刚')], next_cursor: 'r2' }),
  }) }, 'pages/cobuild/review')
  assert.equal(h.$$(page, '.report').length, 2)
  assert.match(h.text(page), /待确认的党员报到 2\+/)
  await h.tap(page, '.more-reports')
  await h.settle()
  const reqs = w.requests('GET', '/api/v1/admin/report-ins')
  assert.equal(reqs.length, 2)
  assert.deepEqual(reqs[1].query, Object.assign({}, reqs[0].query, { cursor: 'r2' }))
  assert.equal(reqs[0].query.status, 'pending')
  assert.equal(h.$$(page, '.report').length, 3)
  assert.deepEqual(page.data.reports.map((x) => x.user_id), [77, 76, 75])
  assert.match(h.text(page), /李红[\s\S]*王刚[\s\S]*周敏/)
  assert.equal(h.$$(page, '.more-reports').length, 0)
  assert.match(h.text(page), /待确认的党员报到 3\b/)
})

// NOT_COMMUNITY_RESIDENT (wishes, proposals, supports and report-ins need the residence a community
// confirmed): the one error helper offers 居住认证 beside 知道了 and opens the residence page when
// chosen; other refusals keep the single 知道了.
test('a refusal for want of a confirmed residence leads to 居住认证 from every co-building form', async () => {
  const refusal = (message) => ({ status: 403, body: { code: 'NOT_COMMUNITY_RESIDENT', message, request_id: 'r1' } })
  const supportMsg = '只有本社区居民可以支持该议题，请先在“我的—居住认证”中申请，社区审核通过后即可支持'
  const { w, page } = await h.openPage({ routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]), 'POST /api/v1/proposals/:id/supports': refusal(supportMsg) }) }, 'pages/cobuild/proposals')
  await h.tap(page, '.btn-support')
  assert.deepEqual(w.modals.map((m) => [m.content, m.showCancel, m.confirmText, m.cancelText]), [[supportMsg, true, '居住认证', '知道了']])
  assert.deepEqual(w.navigations.map((n) => [n.type, n.url]), [['navigateTo', '/pages/residence/index']])

  // A wish for another community than the confirmed one; the resident chooses 知道了: nothing opens.
  const w2 = h.installWx({ routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]), 'POST /api/v1/wishes': refusal('只能为您已认证居住的社区许心愿') }) })
  w2.modalAnswers.push({ cancel: true })
  const wish = await h.renderPage('pages/cobuild/wish')
  await h.input(wish, '.input-title', '请人帮忙换灯泡')
  await h.tap(wish, '.btn-submit')
  assert.deepEqual(w2.modals.map((m) => [m.content, m.confirmText]), [['只能为您已认证居住的社区许心愿', '居住认证']])
  assert.deepEqual(w2.navigations, [])

  // A report-in.
  const w3 = h.installWx({ routes: cbx.routes({
    'GET /api/v1/me/report-in': { status: 404, body: { code: 'REPORT_IN_NOT_FOUND', message: '报到记录不存在' } },
    'POST /api/v1/me/report-in': refusal('只能到您已认证居住的社区报到'),
  }) })
  const report = await h.renderPage('pages/cobuild/reportin')
  await h.input(report, '.unit-picker', '0', 'change')
  await h.tap(report, '.btn-report')
  assert.deepEqual(w3.modals.map((m) => [m.content, m.confirmText]), [['只能到您已认证居住的社区报到', '居住认证']])
  assert.deepEqual(w3.navigations.map((n) => n.url), ['/pages/residence/index'])

  // Any other refusal: one 知道了, and confirming it opens nothing.
  const w4 = h.installWx({ routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]), 'POST /api/v1/wishes': { status: 409, body: { code: 'WISH_LIMIT_REACHED', message: '您已有 3 个进行中的心愿' } } }) })
  const wish2 = await h.renderPage('pages/cobuild/wish')
  await h.input(wish2, '.input-title', '请人帮忙换灯泡')
  await h.tap(wish2, '.btn-submit')
  assert.deepEqual(w4.modals.map((m) => [m.content, m.showCancel, m.confirmText]), [['您已有 3 个进行中的心愿', false, '知道了']])
  assert.deepEqual(w4.navigations, [])
})
