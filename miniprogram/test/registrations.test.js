const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const fx = require('./_fixtures')

test.beforeEach(() => h.resetModules())

function routes(over = {}) {
  return Object.assign({
    'GET /api/v1/me/registrations': (r) => ({ items: r.query.scope === 'past' ? fx.pastRegistrations() : fx.registrations() }),
    'POST /api/v1/registrations/:id/cancel': { ok: true },
    'GET /api/v1/registrations/:id/ticket': { ticket: 'GJ1.501.1002.Zm9vYmFy', valid_from: fx.at(3, 8, 30), valid_until: fx.at(3, 10, 30) },
  }, over)
}

test('upcoming registrations show status, attendee and waitlist position', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/registrations/index')
  const t = h.text(page)
  assert.match(t, /三甲医院专家义诊/)
  assert.match(t, /报名人：王秀英/)
  assert.match(t, /报名人：张小明/)
  assert.match(t, /候补中/)
  assert.match(t, /候补第 3 位/)
  assert.equal(w.requests('GET', '/api/v1/me/registrations')[0].query.scope, 'upcoming')
  // two confirmed → two entry codes; three cancellable
  assert.equal(h.$$(page, '.btn-ticket').length, 2)
  assert.equal(h.$$(page, '.btn-cancel').length, 3)
})

test('past tab loads scope=past: ended, checked-in, no-show and cancelled registrations without actions', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/registrations/index')
  await h.tap(page, '.tab-past')
  assert.equal(w.requests('GET', '/api/v1/me/registrations').pop().query.scope, 'past')
  const t = h.text(page)
  assert.match(t, /重阳节敬老包饺子\s*已结束/)
  assert.match(t, /垃圾分类宣传志愿服务\s*已签到/)
  assert.match(t, /社区消防安全讲座\s*未到场/)
  assert.match(t, /旧衣物回收志愿服务\s*已取消/)
  assert.match(t, /取消原因：本人取消/)
  assert.equal(h.$$(page, '.btn-cancel').length, 0)
  assert.equal(h.$$(page, '.btn-ticket').length, 0)
})

test('cancel asks for confirmation, then posts the cancel and reloads', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/registrations/index')
  await h.tap(page, h.$$(page, '.btn-cancel')[0])
  await h.settle(10)
  assert.match(w.modals[0].content, /确定取消「三甲医院专家义诊（心血管·内分泌）」（王秀英）的报名吗/)
  assert.equal(w.requests('POST', '/api/v1/registrations/501/cancel').length, 1)
  assert.equal(w.requests('GET', '/api/v1/me/registrations').length, 2)
})

test('declining the confirmation does not cancel', async () => {
  const w = h.installWx({ routes: routes() })
  w.modalAnswers.push({ cancel: true })
  const page = await h.renderPage('pages/registrations/index')
  await h.tap(page, h.$$(page, '.btn-cancel')[0])
  assert.equal(w.requests('POST', '/api/v1/registrations/501/cancel').length, 0)
})

test('the entry code button opens the ticket page, which draws the ticket QR on a canvas', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/registrations/index')
  await h.tap(page, h.$$(page, '.btn-ticket')[0])
  const nav = w.navigations[0]
  assert.equal(nav.type, 'navigateTo')
  assert.match(nav.url, /^\/pages\/ticket\/ticket\?id=501&title=/)

  const query = Object.fromEntries(new URL(`https://x${nav.url}`).searchParams)
  const ticket = await h.renderPage('pages/ticket/ticket', query)
  await h.settle(10)
  const t = h.text(ticket)
  assert.match(t, /三甲医院专家义诊/)
  assert.match(t, /王秀英/)
  assert.match(t, /有效时间：/)
  assert.equal(w.requests('GET', '/api/v1/registrations/501/ticket').length, 1)
  // The QR of the ticket string was drawn: background plus many dark modules.
  const qr = require('path').join(h.ROOT, 'utils', 'qr')
  const m = require(qr).matrix('GJ1.501.1002.Zm9vYmFy')
  const dark = m.flat().filter(Boolean).length
  assert.equal(w.canvasOps.length, dark + 1)
})

test('a failed ticket load shows the server message', async () => {
  h.installWx({ routes: routes({ 'GET /api/v1/registrations/:id/ticket': { status: 403, body: { code: 'FORBIDDEN', message: '该报名已取消，无法出示入场码' } } }) })
  const page = await h.renderPage('pages/ticket/ticket', { id: '9', title: '', name: '' })
  assert.match(h.text(page), /该报名已取消，无法出示入场码/)
})

test('the ticket is kept in encrypted storage and shown without network', async () => {
  const w = h.installWx({ routes: routes() })
  await h.renderPage('pages/ticket/ticket', { id: '501', title: '', name: '' })
  await h.settle(10)
  const saved = w.storage.get('gj_ticket_501')
  assert.equal(saved.encrypt, true)
  assert.equal(saved.data.ticket, 'GJ1.501.1002.Zm9vYmFy')
  // no network now
  globalThis.wx.request = (o) => setTimeout(() => o.fail({ errMsg: 'request:fail' }), 0)
  w.canvasOps.length = 0
  const page = await h.renderPage('pages/ticket/ticket', { id: '501', title: '', name: '' })
  await h.settle(10)
  assert.match(h.text(page), /当前无网络，显示的是本机保存的入场码/)
  assert.ok(w.canvasOps.length > 50)
})

test('cancel is offered only before the cancel deadline; cancel reasons and no-shows are shown', async () => {
  const items = fx.registrations()
  items[0].cancel_deadline = new Date(Date.now() - 60000).toISOString()
  items[1].cancel_deadline = new Date(Date.now() + 86400000).toISOString()
  items[2] = Object.assign({}, items[2], { status: 'cancelled', cancel_reason: '因天气原因活动取消' })
  const past = fx.pastRegistrations()
  past[0] = Object.assign({}, past[0], { status: 'confirmed', no_show: true })
  h.installWx({ routes: routes({ 'GET /api/v1/me/registrations': (r) => ({ items: r.query.scope === 'past' ? past : items }) }) })
  const page = await h.renderPage('pages/registrations/index')
  assert.equal(h.$$(page, '.btn-cancel').length, 1)
  assert.match(h.text(page), /如不能参加，请在 .* 前取消/)
  assert.match(h.text(page), /取消原因：因天气原因活动取消/)
  await h.tap(page, '.tab-past')
  assert.match(h.text(page), /未到场/)
})

test('my registrations page through with page and page_size', async () => {
  const many = Array.from({ length: 23 }, (_, i) => Object.assign({}, fx.registrations()[0], { id: 1000 + i }))
  const w = h.installWx({
    routes: routes({
      'GET /api/v1/me/registrations': (r) => {
        const p = Number(r.query.page)
        return { items: many.slice((p - 1) * 20, p * 20), total: 23, page: p, page_size: 20 }
      },
    }),
  })
  const page = await h.renderPage('pages/registrations/index')
  assert.equal(h.$$(page, '.registration').length, 20)
  await page.instance.onReachBottom()
  await h.settle()
  assert.equal(h.$$(page, '.registration').length, 23)
  assert.deepEqual(w.requests('GET', '/api/v1/me/registrations').map((r) => [r.query.page, r.query.page_size]), [['1', '20'], ['2', '20']])
})

test('cancelling a session of a series says the whole series is cancelled (the server cancels every session)', async () => {
  const series = Object.assign({}, fx.activities()[0], {
    series: true,
    sessions: [1011, 1012, 1013].map((id, i) => ({ id, starts_at: fx.at(2 + i, 16, 30), ends_at: fx.at(2 + i, 18, 0), capacity: 20, remaining: 5, waitlist_capacity: 5, waitlist_remaining: 5 })),
  })
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/activities/:id': (r) => (r.path.endsWith('/101') ? series : fx.clinicDetail()) }) }, 'pages/registrations/index')
  // the second card is 张小明's registration for the series (activity 101)
  await h.tap(page, h.$$(page, '.btn-cancel')[1])
  await h.settle(10)
  assert.match(w.modals[0].content, /「四点半学校·秋季书法兴趣班」是系列活动/)
  assert.match(w.modals[0].content, /张小明全部 3 场的报名都将取消/)
  assert.equal(w.requests('POST', '/api/v1/registrations/502/cancel').length, 1)
  // a single session's cancellation keeps its own text
  await h.tap(page, h.$$(page, '.btn-cancel')[0])
  await h.settle(10)
  assert.match(w.modals[1].content, /确定取消「三甲医院专家义诊（心血管·内分泌）」（王秀英）的报名吗/)
})

test('a waitlisted registration can leave the queue after the cancel deadline (only confirmed ones are held to it)', async () => {
  const items = fx.registrations().map((r) => Object.assign({}, r, { cancel_deadline: new Date(Date.now() - 60000).toISOString() }))
  const w = h.installWx({ routes: routes({ 'GET /api/v1/me/registrations': () => ({ items }) }) })
  const page = await h.renderPage('pages/registrations/index')
  // 503 is waitlisted: still cancellable; the confirmed ones are not
  const buttons = h.$$(page, '.btn-cancel')
  assert.equal(buttons.length, 1)
  assert.doesNotMatch(h.text(page), /如不能参加，请在 .* 前取消/)
  await h.tap(page, buttons[0])
  await h.settle(10)
  assert.equal(w.requests('POST', '/api/v1/registrations/503/cancel').length, 1)
})
