const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')

test.beforeEach(() => h.resetModules())

const approvedA = { id: 3, user_id: 1, community_id: 1, address: '幸福路88号阳光小区', building: '3号楼', unit: '2单元301', status: 'approved', created_at: '2026-11-20T02:00:00Z' }

test('without a confirmed residence the page says why it matters and applies with community, address, building and unit', async () => {
  let apps = []
  const w = h.installWx({
    routes: {
      'GET /api/v1/me/residence': () => ({ confirmed: null, applications: apps }),
      'POST /api/v1/me/residence/applications': (r) => {
        apps = [Object.assign({ id: 9, user_id: 1, status: 'pending', created_at: '2026-12-01T02:00:00Z' }, r.data)]
        return { status: 201, body: apps[0] }
      },
    },
  })
  const page = await h.renderPage('pages/residence/index')
  assert.match(h.text(page), /尚未认证/)
  // An incomplete form is refused on the phone, in Chinese.
  await h.tap(page, '.btn-submit')
  assert.deepEqual(w.toasts, ['请选择所在社区'])
  await h.input(page, '.community-picker', '1', 'change')
  await h.input(page, '.input-address', '和平街12号')
  await h.input(page, '.input-building', '5号楼')
  await h.tap(page, '.btn-submit')
  assert.equal(w.toasts[1], '请填写单元和门牌号')
  await h.input(page, '.input-unit', '1单元202')
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  const sent = w.requests('POST', '/api/v1/me/residence/applications')
  assert.equal(sent.length, 1)
  assert.deepEqual(sent[0].data, { community_id: 2, address: '和平街12号', building: '5号楼', unit: '1单元202' })
  // Pending: shown as such, no second form.
  assert.match(h.text(page), /最近一次申请：待社区审核/)
  assert.match(h.text(page), /和平街社区 和平街12号 5号楼 1单元202/)
  assert.equal(h.$$(page, '.btn-submit').length, 0)
  page.detach()
})

test('a rejected application shows the reason, and a confirmed residence is shown with the move form', async () => {
  h.installWx({
    routes: {
      'GET /api/v1/me/residence': {
        confirmed: approvedA,
        applications: [{ id: 4, user_id: 1, community_id: 2, address: '和平街12号', building: '5号楼', unit: '1单元202', status: 'rejected', reason: '门牌号与登记不符', created_at: '2026-12-01T02:00:00Z' }, approvedA],
      },
    },
  })
  const page = await h.renderPage('pages/residence/index')
  const t = h.text(page)
  assert.match(t, /幸福里社区/)
  assert.match(t, /幸福路88号阳光小区 3号楼 2单元301/)
  assert.match(t, /最近一次申请：未通过/)
  assert.match(t, /未通过原因：门牌号与登记不符/)
  assert.match(t, /搬家了？申请变更居住地/)
  assert.match(t, /原社区“仅限本社区居民”活动的报名将被取消/)
  page.detach()
})

test('a refusal from the server is shown in its Chinese words', async () => {
  const w = h.installWx({
    routes: {
      'GET /api/v1/me/residence': { confirmed: null, applications: [] },
      'POST /api/v1/me/residence/applications': { status: 409, body: { code: 'RESIDENCE_APPLICATION_PENDING', message: '您已有一份待审核的居住申请，请等待社区审核', request_id: 'r1' } },
    },
  })
  const page = await h.renderPage('pages/residence/index')
  await h.input(page, '.community-picker', '0', 'change')
  await h.input(page, '.input-address', '幸福路88号')
  await h.input(page, '.input-building', '3号楼')
  await h.input(page, '.input-unit', '2单元301')
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  assert.deepEqual(w.modals.map((m) => m.content), ['您已有一份待审核的居住申请，请等待社区审核'])
  page.detach()
})
