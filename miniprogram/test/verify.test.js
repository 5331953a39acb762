const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')

test.beforeEach(() => h.resetModules())

const NUMBER = 'ZYJL-000042-117-K3J2QA'

function check(over = {}) {
  return Object.assign({
    number: NUMBER, holder: '李**', total_minutes: 150, total_hours: 2.5, services: 2,
    period: { from: '2026-05-03', to: '2026-06-03' }, as_of: '2026-06-03T04:00:00Z', issuer: '幸福街道办事处', superseded: false,
  }, over)
}

test('a record opened by its number is verified without logging in: masked holder, hours, period, issuer', async () => {
  const { w, page } = await h.openPage({ routes: { [`GET /api/v1/service-records/${NUMBER}`]: check() } }, 'pages/verify/record', { number: NUMBER })
  const t = h.text(page)
  assert.match(t, /✔ 记录真实有效/)
  assert.match(t, /记录编号：ZYJL-000042-117-K3J2QA/)
  assert.match(t, /姓名：李\*\*/)
  assert.match(t, /累计服务：2小时30分钟/)
  assert.match(t, /服务次数：2 次/)
  assert.match(t, /服务期间：2026年5月3日 至 2026年6月3日/)
  assert.match(t, /出具单位：幸福街道办事处/)
  const sent = w.requests('GET', `/api/v1/service-records/${NUMBER}`)
  assert.equal(sent.length, 1)
  assert.equal(sent[0].header.Authorization, undefined)
  assert.equal(w.requests('POST', '/api/v1/auth/login').length, 0)
  page.detach()
})

test('a superseded record says a newer one replaces it', async () => {
  h.installWx({ routes: { [`GET /api/v1/service-records/${NUMBER}`]: check({ superseded: true }) } })
  const page = await h.renderPage('pages/verify/record', { number: NUMBER.toLowerCase() })
  const t = h.text(page)
  assert.match(t, /⚠ 记录真实，但已有更新的记录/)
  assert.match(t, /请以最新的服务记录为准/)
  assert.doesNotMatch(t, /记录真实有效/)
  page.detach()
})

test('a typed number is checked on the phone first; an unknown one is not found', async () => {
  const w = h.installWx({
    routes: { 'GET /api/v1/service-records/:number': { status: 404, body: { code: 'RECORD_NOT_FOUND', message: '没有找到该编号的志愿服务记录，请核对记录编号后重试' } } },
  })
  const page = await h.renderPage('pages/verify/record')
  assert.doesNotMatch(h.text(page), /未找到/)
  await h.input(page, '.number-input', '12345')
  await h.tap(page, '.btn-verify')
  assert.deepEqual(w.toasts, ['请输入正确的记录编号'])
  assert.equal(w.requests('GET', /service-records/).length, 0)
  await h.input(page, '.number-input', 'ZYJL-000042-117-AAAAAA')
  await h.tap(page, '.btn-verify')
  await h.settle(10)
  assert.equal(w.requests('GET', '/api/v1/service-records/ZYJL-000042-117-AAAAAA').length, 1)
  assert.match(h.text(page), /✘ 未找到该编号的记录/)
  assert.equal(w.modals.length, 0)
  page.detach()
})

test('scanning the QR code printed on a record, or opening from it, verifies the number it holds', async () => {
  const { w, page } = await h.openPage({ routes: { [`GET /api/v1/service-records/${NUMBER}`]: check() } }, 'pages/verify/record')
  w.scanResults.push(`https://gj.example.cn/service-records?number=${NUMBER}`)
  await h.tap(page, '.btn-scan')
  await h.settle(10)
  assert.equal(w.requests('GET', `/api/v1/service-records/${NUMBER}`).length, 1)
  assert.match(h.text(page), /记录真实有效/)
  page.detach()
  // WeChat opens the page from the plain QR code with the URL in q.
  const again = await h.renderPage('pages/verify/record', { q: encodeURIComponent(`https://gj.example.cn/service-records?number=${NUMBER}`) })
  assert.equal(w.requests('GET', `/api/v1/service-records/${NUMBER}`).length, 2)
  assert.match(h.text(again), /姓名：李\*\*/)
  again.detach()
})
