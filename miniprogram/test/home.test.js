const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')

function activity(id, over = {}) {
  return Object.assign({
    id, title: `活动${id}`, category: 'lecture', community_id: 1, host_org_name: '幸福里社区居委会', cover_url: '',
    place: { address: '幸福里社区活动中心二楼', lat: 31.2, lng: 121.4 }, signup_opens_at: '2026-11-20T08:00:00+08:00',
    signup_closes_at: '2099-12-01T18:00:00+08:00', status: 'open', remaining: 12, sessions_count: 1, next_starts_at: '2026-11-28T16:30:00+08:00',
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

test('category, community and has-seats filters reload with the right query', async () => {
  const { w, page } = await h.openPage({ routes: { 'GET /api/v1/activities': { items: [activity(1)], page: 1, page_size: 20, total: 1 } } }, 'pages/index/index')
  const chips = h.$$(page, '.category-chip')
  assert.deepEqual(chips.map((c) => c.dom.textContent.trim()), ['全部', '四点半学校', '义诊', '文艺演出', '青少年快乐营地', '讲座', '志愿服务'])
  assert.equal(chips[6].dom.getAttribute('data-key'), 'volunteer_service')
  await h.tap(page, chips[2])
  let q = w.requests('GET', '/api/v1/activities').pop().query
  assert.equal(q.category, 'clinic')
  await h.input(page, '.community-filter', '2', 'change')
  q = w.requests('GET', '/api/v1/activities').pop().query
  assert.equal(q.community_id, '2')
  await h.tap(page, '.seats-toggle')
  q = w.requests('GET', '/api/v1/activities').pop().query
  assert.equal(q.has_seats, 'true')
  assert.equal(q.category, 'clinic')
})

test('reaching the bottom loads the next page; pull-to-refresh reloads page 1', async () => {
  const items = Array.from({ length: 25 }, (_, i) => activity(i + 1))
  const w = h.installWx({
    routes: {
      'GET /api/v1/activities': (r) => {
        const p = Number(r.query.page)
        return { items: items.slice((p - 1) * 20, p * 20), page: p, page_size: 20, total: 25 }
      },
    },
  })
  const page = await h.renderPage('pages/index/index')
  assert.equal(h.$$(page, '.activity-item').length, 20)
  assert.match(h.text(page), /上拉加载更多/)
  await page.instance.onReachBottom()
  await h.settle()
  assert.equal(h.$$(page, '.activity-item').length, 25)
  assert.match(h.text(page), /已经到底了，共 25 个活动/)
  await page.instance.onReachBottom()
  assert.equal(w.requests('GET', '/api/v1/activities').length, 2)
  await page.instance.onPullDownRefresh()
  assert.equal(w.requests('GET', '/api/v1/activities').pop().query.page, '1')
  assert.ok(w.stoppedPullDown)
})

test('tapping an activity opens its detail page', async () => {
  const { w, page } = await h.openPage({ routes: { 'GET /api/v1/activities': { items: [activity(42)], page: 1, page_size: 20, total: 1 } } }, 'pages/index/index')
  await h.tap(page, '.activity-item >>> .activity-card')
  assert.deepEqual(w.navigations, [{ type: 'navigateTo', url: '/pages/activity/detail?id=42' }])
})

test('an error shows the server message and a retry; the empty state has its own text', async () => {
  let fail = true
  h.installWx({
    routes: {
      'GET /api/v1/activities': () => (fail ? { status: 503, body: { code: 'UNAVAILABLE', message: '系统维护中，请稍后再试' } } : { items: [], page: 1, page_size: 20, total: 0 }),
    },
  })
  const page = await h.renderPage('pages/index/index')
  assert.match(h.text(page), /系统维护中，请稍后再试/)
  fail = false
  await h.tap(page, '.state-view >>> .btn-retry')
  assert.match(h.text(page), /暂时没有符合条件的活动/)
})

test('a slow answer for an earlier filter does not replace the list of the filter now chosen', async () => {
  const w = h.installWx({
    routes: {
      'GET /api/v1/activities': (r) => {
        const c = r.query.category || 'all'
        const title = { all: '全部活动', clinic: '中医义诊', lecture: '防诈骗讲座' }[c]
        return { items: [activity(c === 'clinic' ? 2 : c === 'lecture' ? 3 : 1, { title, category: c === 'all' ? 'lecture' : c })], page: 1, page_size: 20, total: 1 }
      },
    },
  })
  // the clinic list answers late (a slow network), after the lecture list
  globalThis.wx.request = ((orig) => (o) => {
    if (/category=clinic/.test(o.url)) {
      setTimeout(() => orig(o), 80)
      return { abort() {} }
    }
    return orig(o)
  })(globalThis.wx.request)
  const page = await h.renderPage('pages/index/index')
  const chips = h.$$(page, '.category-chip')
  await h.tap(page, chips[2]) // 义诊
  await h.tap(page, chips[5]) // 讲座, while 义诊 is still loading
  await h.simulate.sleep(150)
  await h.settle()
  assert.equal(page.data.category, 'lecture')
  const t = h.text(page)
  assert.match(t, /防诈骗讲座/)
  assert.doesNotMatch(t, /中医义诊/)
  assert.equal(w.requests('GET', '/api/v1/activities').length, 3)
  page.detach()
})
