const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const fx = require('./_fixtures')

test.beforeEach(() => h.resetModules())

function routes(over = {}) {
  return Object.assign({
    'GET /api/v1/activities/:id': fx.clinicDetail(),
    'GET /api/v1/me/dependents': { items: fx.dependents() },
    'POST /api/v1/registrations': { status: 201, body: { registrations: [{ id: 9001, attendee: { self: true, name: '王秀英' }, status: 'confirmed', waitlist_position: null }] } },
  }, over)
}

test('detail shows clinic time slots with remaining places, eligibility and questions', async () => {
  h.installWx({ routes: routes() })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  const t = h.text(page)
  assert.match(t, /三甲医院专家义诊/)
  assert.match(t, /选择就诊时段/)
  assert.match(t, /剩余 6 \/ 10 个名额/)
  assert.match(t, /名额已满，可候补（候补剩 3 位）/)
  assert.match(t, /仅限本社区居民报名/)
  assert.match(t, /每个账号最多报名 2 人/)
  assert.match(t, /希望咨询的科室/)
  assert.match(t, /张小明（子女） 年龄不符/)
  assert.match(t, /王德福（父母）/)
  // The first session is full: the first open slot is preselected.
  assert.equal(page.data.sessionId, 1002)
  assert.match(t, /立即报名/)
  page.detach()
})

test('a cover that is an upload reference is shown from a download with the token, once', async () => {
  // covers may be https addresses or references to uploads (internal/imageurl); GET /uploads/{id}
  // needs the token, which an <image> cannot send
  const ref = '/api/v1/uploads/0f1e2d3c4b5a69788796a5b4c3d2e1f0'
  const w = h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': Object.assign(fx.clinicDetail(), { cover_url: ref }), 'GET /api/v1/uploads/:id': 'JPEG' }) })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  const dl = w.requests('GET', ref)
  assert.equal(dl.length, 1)
  assert.equal(dl[0].header.Authorization, 'Bearer tok-1')
  assert.equal(h.$$(page, '.cover').length, 1)
  assert.equal(w.downloads[page.data.coverSrc], 'JPEG')
  // the live refresh of remaining places does not download it again
  await page.instance.refreshRemaining()
  await h.settle()
  assert.equal(w.requests('GET', ref).length, 1)
  page.detach()
})

test('an https cover is shown as it is', async () => {
  const url = 'https://img.gongjian.example.cn/covers/clinic.jpg'
  const w = h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': Object.assign(fx.clinicDetail(), { cover_url: url }) }) })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  assert.equal(h.$$(page, '.cover').length, 1)
  assert.equal(page.data.coverSrc, url)
  assert.equal(Object.keys(w.downloads).length, 0)
  page.detach()
})

test('sign-up asks for subscribe messages, then posts the body with an Idempotency-Key', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/activity/detail', { id: '102' })
  // choose the parent as a second attendee, answer the required question
  const chips = h.$$(page, '.attendee')
  await h.tap(page, chips[2])
  await h.tap(page, h.$$(page, '.option')[1])
  await h.input(page, '.question-input', '血压偏高，想调整用药')
  await h.tap(page, '.btn-submit')
  await h.settle(20)

  assert.deepEqual(w.subscribeRequests, [['T_CONFIRMED', 'T_REMINDER', 'T_CHANGED']])
  const report = w.requests('POST', '/api/v1/subscriptions')[0]
  assert.deepEqual(report.data, { results: { registration_confirmed: 'accept', activity_reminder: 'accept', activity_changed: 'accept' } })

  const reqs = w.requests('POST', '/api/v1/registrations')
  assert.equal(reqs.length, 1)
  assert.deepEqual(reqs[0].data, { session_id: 1002, attendees: [{ self: true }, { dependent_id: 12 }], answers: { q1: '内分泌科', q2: '血压偏高，想调整用药' } })
  assert.ok(reqs[0].header['Idempotency-Key'].length >= 16)
  assert.equal(reqs[0].header.Authorization, 'Bearer tok-1')
  assert.match(h.text(page), /王秀英：报名成功/)
  page.detach()
})

test('a full slot offers the waitlist and shows the waitlist position', async () => {
  const w = h.installWx({
    routes: routes({
      'POST /api/v1/registrations': { status: 201, body: { registrations: [{ id: 9002, attendee: { self: true, name: '王秀英' }, status: 'waitlisted', waitlist_position: 2 }] } },
    }),
  })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  await h.tap(page, h.$$(page, '.session')[0])
  assert.match(h.text(page), /名额已满，加入候补/)
  await h.tap(page, h.$$(page, '.option')[0])
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  assert.deepEqual(w.subscribeRequests, [['T_PROMOTED', 'T_REMINDER', 'T_CHANGED']])
  assert.equal(w.requests('POST', '/api/v1/registrations')[0].data.session_id, 1001)
  assert.match(h.text(page), /候补第 2 位/)
  page.detach()
})

test('a required question blocks the sign-up with a Chinese hint', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/activity/detail', { id: '102' })
  await h.tap(page, '.btn-submit')
  assert.equal(w.requests('POST', '/api/v1/registrations').length, 0)
  assert.deepEqual(w.toasts, ['请填写：希望咨询的科室'])
  page.detach()
})

test('server errors show the server message; QUOTA_FULL reloads remaining places', async () => {
  let gets = 0
  const w = h.installWx({
    routes: routes({
      'GET /api/v1/activities/:id': () => {
        gets++
        return fx.clinicDetail()
      },
      'POST /api/v1/registrations': { status: 409, body: { code: 'QUOTA_FULL', message: '该时段名额已满，请选择其他时段或加入候补', request_id: 'r1' } },
    }),
  })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  await h.tap(page, h.$$(page, '.option')[0])
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  assert.deepEqual(w.modals.map((m) => m.content), ['该时段名额已满，请选择其他时段或加入候补'])
  assert.equal(gets, 2)
  page.detach()
})

// Makes the first sign-up request fail as a network timeout (the later ones
// go through) and returns the Idempotency-Key of every sign-up request sent.
function failFirstSignUp() {
  let n = 0
  const keys = []
  globalThis.wx.request = ((orig) => (o) => {
    if (o.url.endsWith('/api/v1/registrations')) {
      keys.push(o.header['Idempotency-Key'])
      if (n++ === 0) {
        setTimeout(() => o.fail({ errMsg: 'request:fail timeout' }), 0)
        return { abort() {} }
      }
    }
    return orig(o)
  })(globalThis.wx.request)
  return keys
}

// Opens the clinic, picks its first session and submits; the sign-up fails
// on the network, as the modal says. Returns the page.
async function submitThroughNetworkFailure(w) {
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  await h.tap(page, h.$$(page, '.option')[0])
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  assert.match(w.modals[0].content, /网络连接失败/)
  return page
}

test('after a network failure the retry reuses the same Idempotency-Key', async () => {
  const w = h.installWx({ routes: routes() })
  const keys = failFirstSignUp()
  const page = await submitThroughNetworkFailure(w)
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  assert.equal(keys.length, 2)
  assert.equal(keys[0], keys[1])
  assert.match(h.text(page), /报名成功/)
  page.detach()
})

test('a child still waiting for guardian consent cannot be chosen', async () => {
  const deps = fx.dependents()
  deps.push({ id: 13, name: '李小雨', relation: 'child', birth_date: '2019-03-15', gender: 'female', age: 7, needs_consent: true, usable: false })
  const detail = Object.assign(fx.clinicDetail(), { eligibility: {} })
  h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': detail, 'GET /api/v1/me/dependents': { items: deps } }) })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  assert.match(h.text(page), /李小雨（子女） 待监护人同意/)
  await h.tap(page, h.$$(page, '.attendee')[3])
  assert.equal(page.data.attendeeOptions[3].selected, false)
  // the consented child is fine without an age limit
  await h.tap(page, h.$$(page, '.attendee')[1])
  assert.equal(page.data.attendeeOptions[1].selected, true)
})

test('after the cancellation deadline the resident is asked to confirm, and the sign-up is resent only if they do', async () => {
  const bodies = []
  const refusal = { status: 422, body: { code: 'CANCEL_DEADLINE_CONFIRM', message: '取消截止时间（2026年12月5日 08:30）已过，报名成功后将不能自行取消。确认报名请再次提交', request_id: 'r2', details: { deadline: '2026-12-05T00:30:00Z' } } }
  const w = h.installWx({
    routes: routes({
      'POST /api/v1/registrations': (req) => {
        bodies.push(req.data)
        if (!req.data.accept_no_cancel) return refusal
        return { status: 201, body: { registrations: [{ id: 9003, attendee: { self: true, name: '王秀英' }, status: 'confirmed', waitlist_position: null }] } }
      },
    }),
  })
  // First time the resident declines, the second time they confirm.
  w.modalAnswers.push({ cancel: true }, { confirm: true })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  await h.tap(page, h.$$(page, '.option')[0])
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  assert.equal(bodies.length, 1)
  assert.equal(w.modals[0].title, '报名后不能取消')
  assert.match(w.modals[0].content, /已过，报名成功后将不能自行取消/)
  assert.doesNotMatch(h.text(page), /报名成功/)
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  assert.equal(bodies.length, 3)
  assert.equal(bodies[1].accept_no_cancel, undefined)
  assert.equal(bodies[2].accept_no_cancel, true)
  assert.equal(bodies[2].session_id, bodies[1].session_id)
  assert.match(h.text(page), /王秀英：报名成功/)
  page.detach()
})

// A series (e.g. a week of the four-thirty school) books every session at once: the server takes
// one session_id and signs the attendees up for all of them, confirmed only when every session has
// a seat (activity.go Series, quota_reserve.lua).
function seriesDetail(remainings) {
  const a = fx.activities()[0]
  const sessions = remainings.map((r, i) => ({
    id: 2001 + i, starts_at: fx.at(2 + i, 16, 30), ends_at: fx.at(2 + i, 17, 30), capacity: 20, remaining: r, waitlist_capacity: 5, waitlist_remaining: 5,
  }))
  return Object.assign({}, a, {
    series: true, description: '一期五天，报名即参加全部五天。', eligibility: {}, per_account_limit: 2, cancel_deadline_minutes: 60, questions: [], sessions,
    remaining: Math.min(...remainings),
  })
}

test('a series says every session is booked at once, and no session is chosen', async () => {
  h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': seriesDetail([8, 5, 9]) }) })
  const page = await h.renderPage('pages/activity/detail', { id: '101' })
  const t = h.text(page)
  assert.match(t, /共 3 场，报名即参加全部场次/)
  assert.doesNotMatch(t, /选择场次/)
  assert.match(t, /剩余 5 个名额/)
  // tapping a later session changes nothing: the sign-up names the first, the server books all
  await h.tap(page, h.$$(page, '.session')[2])
  assert.equal(page.data.sessionId, 2001)
  assert.match(t, /立即报名/)
  page.detach()
})

test('a series with one full session is a waitlist for the whole series', async () => {
  const regs = [2001, 2002, 2003].map((sid, i) => ({ id: 9100 + i, session_id: sid, attendee: { self: true, name: '王秀英' }, status: 'waitlisted', waitlist_position: 1 }))
  const w = h.installWx({
    routes: routes({ 'GET /api/v1/activities/:id': seriesDetail([8, 0, 9]), 'POST /api/v1/registrations': { status: 201, body: { registrations: regs } } }),
  })
  const page = await h.renderPage('pages/activity/detail', { id: '101' })
  // the first session has seats, but the series waits for the full one
  assert.match(h.text(page), /名额已满，加入候补/)
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  assert.deepEqual(w.subscribeRequests, [['T_PROMOTED', 'T_REMINDER', 'T_CHANGED']])
  assert.equal(w.requests('POST', '/api/v1/registrations')[0].data.session_id, 2001)
  // one line per person, not one per session
  assert.equal(h.$$(page, '.result-item').length, 1)
  assert.match(h.text(page), /王秀英：候补第 1 位（共 3 场）/)
  page.detach()
})

test('a series sign-up shows one result per person with the number of sessions', async () => {
  const regs = []
  ;[2001, 2002].forEach((sid, i) => {
    regs.push({ id: 9200 + i, session_id: sid, attendee: { self: true, name: '王秀英' }, status: 'confirmed', waitlist_position: null })
    regs.push({ id: 9300 + i, session_id: sid, attendee: { self: false, dependent_id: 11, name: '张小明' }, status: 'confirmed', waitlist_position: null })
  })
  const w = h.installWx({
    routes: routes({ 'GET /api/v1/activities/:id': seriesDetail([8, 9]), 'POST /api/v1/registrations': { status: 201, body: { registrations: regs } } }),
  })
  const page = await h.renderPage('pages/activity/detail', { id: '101' })
  await h.tap(page, h.$$(page, '.attendee')[1])
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  assert.deepEqual(w.requests('POST', '/api/v1/registrations')[0].data.attendees, [{ self: true }, { dependent_id: 11 }])
  const lines = h.$$(page, '.result-item').map((el) => el.dom.textContent.trim())
  assert.deepEqual(lines, ['王秀英：报名成功（共 2 场）', '张小明：报名成功（共 2 场）'])
  assert.deepEqual(w.toasts, ['报名成功'])
  page.detach()
})

test('a session that has already started cannot be chosen (the server refuses it: 报名已结束)', async () => {
  const detail = fx.clinicDetail()
  // the first slot began an hour ago and still has places
  detail.sessions[0] = Object.assign({}, detail.sessions[0], { starts_at: new Date(Date.now() - 3600e3).toISOString(), ends_at: new Date(Date.now() + 3600e3).toISOString(), remaining: 5 })
  h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': detail }) })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  assert.equal(page.data.sessionId, 1002)
  const first = h.$$(page, '.session')[0]
  assert.match(first.dom.textContent, /已开始，不能报名/)
  await h.tap(page, first)
  assert.equal(page.data.sessionId, 1002)
  page.detach()
  // one that has ended says so
  const ended = fx.clinicDetail()
  ended.sessions[0] = Object.assign({}, ended.sessions[0], { starts_at: new Date(Date.now() - 7200e3).toISOString(), ends_at: new Date(Date.now() - 3600e3).toISOString(), remaining: 5 })
  h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': ended }) })
  const again = await h.renderPage('pages/activity/detail', { id: '102' })
  assert.match(h.$$(again, '.session')[0].dom.textContent, /已结束/)
  assert.equal(again.data.sessionId, 1002)
  again.detach()
})

test('a session staff cancelled shows 已取消 with the reason and cannot be chosen', async () => {
  const detail = fx.clinicDetail()
  // the second slot (the one that would be preselected) was cancelled
  detail.sessions[1] = Object.assign({}, detail.sessions[1], { status: 'cancelled', cancelled_at: new Date().toISOString(), cancel_reason: '专家临时出诊', remaining: 0, waitlist_remaining: 0 })
  h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': detail }) })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  const second = h.$$(page, '.session')[1]
  assert.match(second.dom.textContent, /已取消/)
  assert.match(second.dom.textContent, /专家临时出诊/)
  assert.equal(page.data.sessionId, 1003)
  await h.tap(page, second)
  assert.equal(page.data.sessionId, 1003)
  page.detach()
})

test('a series books the sessions not cancelled: its places are theirs', async () => {
  const detail = Object.assign(fx.clinicDetail(), { series: true })
  // the first session is full but cancelled: the series still has seats in the others
  detail.sessions[0] = Object.assign({}, detail.sessions[0], { status: 'cancelled', cancel_reason: '场地检修', remaining: 0, waitlist_remaining: 0 })
  h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': detail }) })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  assert.equal(page.data.seriesSlot.remaining, 6)
  assert.equal(page.data.seriesSlot.count, 2)
  assert.notEqual(page.data.seriesSlot.id, 1001)
  assert.match(h.$$(page, '.session')[0].dom.textContent, /已取消/)
  page.detach()
})

test('a series whose first session has started is closed for sign-up', async () => {
  const detail = seriesDetail([8, 9])
  detail.sessions[0] = Object.assign({}, detail.sessions[0], { starts_at: new Date(Date.now() - 3600e3).toISOString(), ends_at: new Date(Date.now() + 3600e3).toISOString() })
  h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': detail }) })
  const page = await h.renderPage('pages/activity/detail', { id: '101' })
  assert.match(h.text(page), /报名已结束/)
  assert.equal(page.data.canSubmit, false)
  page.detach()
})

test('a series whose first session was cancelled stays open once that session\'s time has come', async () => {
  // the server closes a series' sign-up at its first session still held
  const detail = seriesDetail([8, 9, 7])
  detail.sessions[0] = Object.assign({}, detail.sessions[0], {
    status: 'cancelled', cancel_reason: '场地检修', remaining: 0, waitlist_remaining: 0,
    starts_at: new Date(Date.now() - 3600e3).toISOString(), ends_at: new Date(Date.now() + 3600e3).toISOString(),
  })
  h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': detail }) })
  const page = await h.renderPage('pages/activity/detail', { id: '101' })
  assert.equal(page.data.signupOpen, true)
  assert.doesNotMatch(h.text(page), /报名已结束/)
  assert.equal(page.data.seriesSlot.count, 2)
  page.detach()
})

test('an answer changed after a network failure is sent under a new Idempotency-Key', async () => {
  // the same key with another body would be refused IDEMPOTENCY_KEY_REUSED: a changed form is a new sign-up
  const w = h.installWx({ routes: routes() })
  const keys = failFirstSignUp()
  const page = await submitThroughNetworkFailure(w)
  const q = page.data.questions[0]
  page.instance.onAnswer({ currentTarget: { dataset: { qid: q.id } }, detail: { value: '心内科' } })
  await h.tap(page, '.btn-submit')
  await h.settle(20)
  assert.equal(keys.length, 2)
  assert.notEqual(keys[0], keys[1])
  page.detach()
})

test('a child is judged by the age on the chosen session day, as the server does, not by today', async () => {
  const DAY = 24 * 3600 * 1000
  const detail = fx.clinicDetail()
  detail.eligibility = { community_only: false, min_age: 10, max_age: 0, roles: [] }
  detail.sessions = [
    { id: 2001, starts_at: fx.at(3, 9, 0), ends_at: fx.at(3, 10, 0), capacity: 10, remaining: 5, waitlist_capacity: 0, waitlist_remaining: 0 },
    { id: 2002, starts_at: fx.at(40, 9, 0), ends_at: fx.at(40, 10, 0), capacity: 10, remaining: 5, waitlist_capacity: 0, waitlist_remaining: 0 },
  ]
  // turns 10 twenty days from now: 9 today and on the first session, 10 on the second
  const bday = new Date(Date.now() + 20 * DAY)
  const birth = `${bday.getFullYear() - 10}-${String(bday.getMonth() + 1).padStart(2, '0')}-${String(bday.getDate()).padStart(2, '0')}`
  const child = Object.assign({}, fx.dependents()[0], { birth_date: birth, age: 9 })
  h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': detail, 'GET /api/v1/me/dependents': { items: [child] } }) })
  const page = await h.renderPage('pages/activity/detail', { id: '102' })
  assert.equal(page.data.sessionId, 2001)
  assert.match(h.text(page), /张小明（子女） 年龄不符/)
  await h.tap(page, h.$$(page, '.session')[1])
  assert.equal(page.data.sessionId, 2002)
  assert.doesNotMatch(h.text(page), /年龄不符/)
  const opt = page.data.attendeeOptions.find((o) => o.dependentId === child.id)
  assert.equal(opt.disabled, false)
  page.detach()
})

test('remaining places are live: refreshed on a timer while the page shows, not once it is hidden', async () => {
  // Capture the page's timer instead of waiting for it: the tick is run by hand.
  const timers = []
  const realSet = globalThis.setInterval
  const realClear = globalThis.clearInterval
  globalThis.setInterval = (fn, ms) => {
    const t = { fn, ms, cleared: false }
    timers.push(t)
    return t
  }
  globalThis.clearInterval = (t) => {
    if (t && typeof t === 'object' && 'cleared' in t) t.cleared = true
    else realClear(t)
  }
  try {
    let detail = fx.clinicDetail()
    const w = h.installWx({ routes: routes({ 'GET /api/v1/activities/:id': () => detail }) })
    const page = await h.renderPage('pages/activity/detail', { id: '102' })
    assert.match(h.text(page), /剩余 6 \/ 10 个名额/)
    const live = timers.filter((t) => !t.cleared)
    assert.equal(live.length, 1, 'one refresh timer while the page shows')
    assert.ok(live[0].ms > 0 && live[0].ms <= 30000, `refreshed at least every 30 s (every ${live[0].ms} ms)`)
    // others signed up meanwhile: the next tick shows the server's new count
    detail = fx.clinicDetail()
    detail.sessions[1] = Object.assign({}, detail.sessions[1], { remaining: 2 })
    const before = w.requests('GET', '/api/v1/activities/102').length
    live[0].fn()
    await h.settle()
    assert.equal(w.requests('GET', '/api/v1/activities/102').length, before + 1)
    assert.match(h.text(page), /剩余 2 \/ 10 个名额/)
    // hidden (another page on top, or the app in the background): no more polling
    page.instance.onHide()
    assert.equal(timers.filter((t) => !t.cleared).length, 0)
    page.detach()
  } finally {
    globalThis.setInterval = realSet
    globalThis.clearInterval = realClear
  }
})
