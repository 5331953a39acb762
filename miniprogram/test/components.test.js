const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const h = require('./_helpers')

test.beforeEach(() => h.resetModules())

test('state-view shows loading, error with retry, and empty text', async () => {
  h.installWx()
  const c = await h.renderPage('components/state-view/index', null, { loading: true })
  assert.match(h.text(c), /正在加载/)
  c.setData({ loading: false, error: '网络连接失败，请检查网络后重试' })
  await h.settle()
  assert.match(h.text(c), /网络连接失败/)
  let retried = 0
  c.addEventListener('retry', () => retried++)
  await h.tap(c, '.btn-retry')
  assert.equal(retried, 1)
  c.setData({ error: '', empty: true, emptyText: '暂无消息' })
  await h.settle()
  assert.match(h.text(c), /暂无消息/)
})

test('activity-card shows category, remaining places and opens the detail', async () => {
  const w = h.installWx()
  const c = await h.renderPage('components/activity-card/index', null, {
    activity: { id: 7, title: '重阳节敬老包饺子', category: 'volunteer_service', remaining: 0, status: 'open', next_starts_at: '2026-10-29T09:00:00+08:00', sessions_count: 2, place: { address: '长者食堂' }, host_org_name: '居委会' },
    communityName: '幸福里社区',
  })
  const t = h.text(c)
  assert.match(t, /志愿服务/)
  assert.match(t, /名额已满/)
  assert.match(t, /10月29日 周四 09:00（共2场）/)
  assert.match(t, /居委会 · 幸福里社区/)
  await h.tap(c, '.activity-card')
  assert.deepEqual(w.navigations, [{ type: 'navigateTo', url: '/pages/activity/detail?id=7' }])
})

test('privacy popup: the popup of the page on screen answers WeChat, agree resolves with the button id', async () => {
  const w = h.installWx()
  const a = await h.renderPage('components/privacy-popup/index', null)
  const b = await h.renderPage('components/privacy-popup/index', null)
  // page A comes back to the front (tab pages stay attached)
  a.triggerPageLifeTime('show')
  let answer = null
  w.privacyHandler((r) => {
    answer = r
  })
  await h.settle()
  assert.match(h.text(a), /用户隐私保护提示/)
  assert.doesNotMatch(h.text(b), /用户隐私保护提示/)
  a.querySelector('.privacy-agree').dispatchEvent('agreeprivacyauthorization')
  await h.settle()
  assert.deepEqual(answer, { event: 'agree', buttonId: 'agree-btn' })
  assert.doesNotMatch(h.text(a), /用户隐私保护提示/)
})

test('privacy.ensure resolves at once when no authorisation is needed', async () => {
  const w = h.installWx()
  w.privacyNeeded = false
  await require(path.join(h.ROOT, 'utils', 'privacy')).ensure()
})

test('QR matrix is a valid square code of the text', () => {
  h.installWx()
  const m = require(path.join(h.ROOT, 'utils', 'qr')).matrix('GJ1.501.1002.sig')
  assert.ok(m.length >= 21 && (m.length - 17) % 4 === 0)
  assert.ok(m.every((row) => row.length === m.length))
  // finder pattern in the top-left corner
  assert.deepEqual(m[0].slice(0, 7), [true, true, true, true, true, true, true])
})

test('format helpers: dates, months, durations, ages', () => {
  h.installWx()
  const fmt = require(path.join(h.ROOT, 'utils', 'format'))
  assert.equal(fmt.formatRange('2026-11-28T16:30:00+08:00', '2026-11-28T18:00:00+08:00'), '11月28日 周六 16:30-18:00')
  assert.equal(fmt.formatRange('2026-11-28T16:30:00+08:00', '2026-11-29T12:00:00+08:00'), '11月28日 周六 16:30 至 11月29日 周日 12:00')
  assert.equal(fmt.formatMonth('2026-09'), '2026年9月')
  assert.equal(fmt.formatMinutes(150), '2小时30分钟')
  assert.equal(fmt.formatMinutes(45), '45分钟')
  assert.equal(fmt.ageOn('2016-05-01', '2026-04-30'), 9)
  assert.equal(fmt.ageOn('2016-05-01', '2026-05-01'), 10)
})

test('activity-card prefers the server category name and shows finished activities as closed', async () => {
  h.installWx()
  const c = await h.renderPage('components/activity-card/index', null, {
    activity: { id: 8, title: '秋季运动会', category: 'other', category_name: '其他活动', remaining: 5, status: 'finished', next_starts_at: '2026-10-29T09:00:00+08:00', sessions_count: 1, place: { address: '操场' }, host_org_name: '居委会' },
  })
  assert.match(h.text(c), /其他活动/)
  assert.match(h.text(c), /报名已结束/)
})

test('activity-card: a published activity whose sign-up has closed, or not opened yet, does not offer its places', async () => {
  h.installWx()
  const base = { category: 'lecture', remaining: 30, status: 'published', next_starts_at: new Date(Date.now() + 2 * 86400e3).toISOString(), sessions_count: 1, place: { address: '报告厅' }, host_org_name: '居委会' }
  const closed = await h.renderPage('components/activity-card/index', null, {
    activity: Object.assign({ id: 9, title: '防诈骗讲座', signup_opens_at: new Date(Date.now() - 5 * 86400e3).toISOString(), signup_closes_at: new Date(Date.now() - 3600e3).toISOString() }, base),
  })
  assert.match(h.text(closed), /报名已结束/)
  assert.doesNotMatch(h.text(closed), /剩余 30 个名额/)
  const soon = await h.renderPage('components/activity-card/index', null, {
    activity: Object.assign({ id: 10, title: '养生讲座', signup_opens_at: '2099-12-08T09:00:00+08:00', signup_closes_at: '2099-12-10T18:00:00+08:00' }, base),
  })
  assert.match(h.text(soon), /12月8日 周二 09:00 开放报名/)
  const open = await h.renderPage('components/activity-card/index', null, {
    activity: Object.assign({ id: 11, title: '书法课', signup_opens_at: new Date(Date.now() - 86400e3).toISOString(), signup_closes_at: new Date(Date.now() + 86400e3).toISOString() }, base),
  })
  assert.match(h.text(open), /剩余 30 个名额/)
})
