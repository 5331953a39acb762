// Staff: residence applications of their communities (issue 13 point 5: staff see and handle
// applications in their list).
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')

test.beforeEach(() => h.resetModules())

const pending = () => ({ items: [
  { id: 11, user_id: 7, user_name: '王丽', community_id: 1, address: '幸福路88号阳光小区', building: '3号楼', unit: '2单元301', status: 'pending', created_at: '2026-12-01T02:00:00Z' },
  { id: 12, user_id: 8, user_name: '小李（未实名）', community_id: 1, address: '和平街12号', building: '5号楼', unit: '1单元202', status: 'pending', created_at: '2026-12-02T02:00:00Z' },
] })

function routes(over = {}) {
  return Object.assign({
    'GET /api/v1/communities': { items: [{ id: 1, name: '阳光社区' }, { id: 2, name: '和平街社区' }] },
    'GET /api/v1/admin/residence/applications': pending(),
    'POST /api/v1/admin/residence/applications/:id/approve': (r) => ({ application: Object.assign({}, pending().items[0], { status: 'approved' }), cancelled_registrations: 0 }),
    'POST /api/v1/admin/residence/applications/:id/reject': (r) => (r.data.reason
      ? Object.assign({}, pending().items[1], { status: 'rejected', reason: r.data.reason })
      : { status: 400, body: { code: 'REASON_REQUIRED', message: '请填写不通过的原因（不超过200字）' } }),
  }, over)
}

test('the staff hub opens the residence applications', async () => {
  const { w, page } = await h.openPage({ routes: { 'GET /api/v1/admin/activities': { items: [] } } }, 'pages/staff/index')
  await h.tap(page, '.grid-residence')
  assert.deepEqual(w.navigations.map((n) => n.url), ['/pages/staff/residence'])
})

test('pending applications show who, where; approve, or reject with a reason', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/staff/residence')
  assert.deepEqual(w.requests('GET', '/api/v1/admin/residence/applications')[0].query, { status: 'pending' })
  const t = h.text(page)
  assert.match(t, /王丽/)
  assert.match(t, /阳光社区 幸福路88号阳光小区 3号楼 2单元301/)
  assert.match(t, /小李（未实名）/)
  await h.tap(page, h.$$(page, '.btn-approve')[0])
  await h.settle(10)
  assert.equal(w.requests('POST', '/api/v1/admin/residence/applications/11/approve').length, 1)
  assert.doesNotMatch(h.text(page), /王丽/)
  // An empty reason: the server's refusal is shown, the application stays.
  w.modalAnswers.push({ confirm: true, content: '' })
  await h.tap(page, h.$$(page, '.btn-reject')[0])
  await h.settle(10)
  assert.ok(w.modals.some((m) => m.content === '请填写不通过的原因（不超过200字）'))
  assert.match(h.text(page), /小李（未实名）/)
  w.modalAnswers.push({ confirm: true, content: '门牌号与登记不符' })
  await h.tap(page, h.$$(page, '.btn-reject')[0])
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/admin/residence/applications/12/reject')[1].data, { reason: '门牌号与登记不符' })
  assert.match(h.text(page), /没有待审核的居住申请/)
})

test('approving tells the staff member how many community-only sign-ups were cancelled', async () => {
  const { w, page } = await h.openPage({ routes: routes({
    'POST /api/v1/admin/residence/applications/:id/approve': { application: Object.assign({}, pending().items[0], { status: 'approved' }), cancelled_registrations: 2 },
  }) }, 'pages/staff/residence')
  await h.tap(page, h.$$(page, '.btn-approve')[0])
  await h.settle(10)
  assert.ok(w.modals.some((m) => /已取消该居民 2 个不再符合条件的“仅限本社区居民”报名/.test(m.content)), JSON.stringify(w.modals))
})
