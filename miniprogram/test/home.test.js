const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')

function activity(id, over = {}) {
  return Object.assign({
    id, title: `活动${id}`, category: 'lecture', community_id: 1, host_org_name: '幸福里社区居委会', cover_url: '',
    place: { address: '幸福里社区活动中心二楼', lat: 31.2, lng: 121.4 }, signup_opens_at: '2026-11-20T08:00:00+08:00',
    signup_closes_at: '2026-12-01T18:00:00+08:00', status: 'open', remaining: 12, sessions_count: 1, next_starts_at: '2026-11-28T16:30:00+08:00',
  }, over)
}

test.beforeEach(() => h.resetModules())

test('home lists activities with category, remaining places and community name', async () => {
  const w = h.installWx({
    routes: {
      'GET /api/v1/activities': { items: [activity(1, { title: '老年人智能手机课堂', remaining: 12 }), activity(2, { title: '中医义诊', category: 'clinic', remaining: 0, community_id: 2 })], page: 1, page_size: 20, total: 2 },
    },
  })
  const page = await h.renderPage('pages/index/index')
  const t = h.text(page)
  assert.match(t, /老年人智能手机课堂/)
  assert.match(t, /剩余 12 个名额/)
  assert.match(t, /中医义诊/)
  assert.match(t, /名额已满/)
  assert.match(t, /和平街社区/)
  assert.match(t, /11月28日 周六 16:30/)
  const req = w.requests('GET', '/api/v1/activities')[0]
  assert.equal(req.query.page, '1')
  assert.equal(req.header.Authorization, 'Bearer tok-1')
})
