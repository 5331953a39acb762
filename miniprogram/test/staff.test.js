const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const fx = require('./_fixtures')
const { ticketKey } = require('./_tickets')
const { verifyTicket } = require(require('path').join(h.ROOT, 'utils', 'ticket'))

test.beforeEach(() => h.resetModules())

// The kit's key: tickets in these tests are real, signed tickets (see _tickets.js).
const key = ticketKey()
const HOUR = 3600e3
const T0 = Date.now()

/** A signed ticket of registration reg for session (1002 = in the kit, open now). */
function signed(reg, session = 1002) {
  return key.issue({ registrationId: reg, sessionId: session, validFrom: T0 - HOUR, validUntil: T0 + 3 * HOUR })
}

/** GET /activities/102/checkin-kit: session 1002 open now, 1003 tomorrow; registration 77 revoked, 78 checked in. */
function kit(over = {}) {
  const now = Date.now()
  const iso = (ms) => new Date(ms).toISOString()
  return Object.assign({
    activity_id: 102, activity_title: '三甲医院专家义诊（心血管·内分泌）', algorithm: 'Ed25519', public_key: key.publicKey,
    ticket_format: 'base64url(no padding) of: version(1 byte = 1) | …',
    sessions: [
      { id: 1002, starts_at: iso(now + 0.5 * HOUR), ends_at: iso(now + 1.5 * HOUR), accept_from: iso(now - 0.5 * HOUR), accept_until: iso(now + 2 * HOUR) },
      { id: 1003, starts_at: iso(now + 24.5 * HOUR), ends_at: iso(now + 25.5 * HOUR), accept_from: iso(now + 23.5 * HOUR), accept_until: iso(now + 26 * HOUR) },
    ],
    revoked: [signed(77)], window: { session_id: 1002, opens_at: iso(now - 0.5 * HOUR), closes_at: iso(now + 2 * HOUR) },
    revoked_registration_ids: [77], checked_in_registration_ids: [78], generated_at: iso(now - 60e3),
  }, over)
}

const scanSession = { id: 1002, activity_id: 102, activity_title: '三甲医院专家义诊（心血管·内分泌）', starts_at: fx.at(0, 9, 30), ends_at: fx.at(0, 10, 30) }

/** POST /checkins/batch answer for the scans sent: the server judges each (first one wins per registration). */
function batchAnswer(r) {
  const seen = {}
  const results = r.data.scans.map((sc) => {
    const t = verifyTicket(sc.ticket, key.publicKey)
    const reg = t ? t.registrationId : 0
    if (!reg) return { nonce: sc.nonce, result: 'refused', code: 'BAD_TICKET', message: '无效的入场码' }
    if (seen[sc.ticket]) return { nonce: sc.nonce, result: 'duplicate', code: 'ALREADY_CHECKED_IN', message: '已经签到过了', registration_id: reg, attendee_name_masked: '王*英', session_id: 1002, checked_in_at: fx.at(0, 9, 1) }
    seen[sc.ticket] = true
    return { nonce: sc.nonce, result: 'checked_in', registration_id: reg, attendee_name_masked: '王*英', session_id: 1002, checked_in_at: sc.scanned_at }
  })
  const count = (x) => results.filter((y) => y.result === x).length
  return { results, checked_in: count('checked_in'), duplicates: count('duplicate'), refused: count('refused') }
}

function routes(over = {}) {
  return Object.assign({
    'POST /api/v1/auth/login': { token: 'tok-staff', refresh_token: 'ref-s', expires_in: 7200, user: fx.staffUser },
    'GET /api/v1/admin/activities': fx.adminActivities(),
    'POST /api/v1/checkins': (r) => (r.data.ticket === signed(501)
      ? { result: 'checked_in', registration_id: 501, attendee_name_masked: '王*英', session: scanSession, checked_in_at: fx.at(0, 9, 31) }
      : { status: 409, body: { code: 'ALREADY_CHECKED_IN', message: '已经签到过了', request_id: 'r1',
        details: { registration_id: 502, attendee_name_masked: '张*明', session_id: 1002, activity_id: 102, activity_title: scanSession.activity_title, first_checked_in_at: fx.at(0, 9, 5) } } }),
    'GET /api/v1/activities/:id/checkin-kit': kit(),
    'POST /api/v1/checkins/batch': batchAnswer,
    'GET /api/v1/admin/sessions/:id/rotating-code': { code: 'GJSC:1002:7f3a9c', session_id: 1002, step_seconds: 30, expires_at: new Date(Date.now() + 30000).toISOString(),
      accepted_until: new Date(Date.now() + 60000).toISOString(), server_time: new Date().toISOString() },
    'GET /api/v1/admin/activities/:id/registrations': fx.staffRegistrations(),
    'GET /api/v1/admin/sessions/:id/attendance': (r) => fx.attendance(undefined, Number(r.path.split('/')[5])),
    'GET /api/v1/admin/hours/claims': fx.pendingClaims(),
    'GET /api/v1/uploads/:id': 'JPEG-BYTES',
    'POST /api/v1/admin/hours/claims/:id/approve': (r) => Object.assign({}, fx.pendingClaims().items[0], { status: 'approved', granted_minutes: r.data.minutes }),
    'POST /api/v1/admin/hours/claims/:id/reject': (r) => Object.assign({}, fx.pendingClaims().items[1], { status: 'rejected', reject_reason: r.data.reason }),
    'GET /api/v1/admin/wristbands/alarms': fx.staffAlarms(),
    'POST /api/v1/admin/wristbands/alarms/:id/ack': (r) => Object.assign({}, fx.staffAlarms().items[0], { status: 'acked', status_text: '处理中', ack_note: r.data.note }),
    'POST /api/v1/admin/wristbands/alarms/:id/resolve': (r) => Object.assign({}, fx.staffAlarms().items[1], { status: 'resolved', status_text: '已处理', resolve_note: r.data.note }),
  }, over)
}

async function staffLogin() {
  // the staff user comes from the login answer
  const api = require(require('path').join(h.ROOT, 'utils', 'request'))
  await api.login()
}

test('staff hub: more of the activities I manage load page by page (a total beyond the first page)', async () => {
  const more = fx.adminActivities().items[0]
  const full = Array.from({ length: 50 }, (_, i) => Object.assign({}, more, { id: 1000 + i }))
  const first = { items: full, total: 51, page: 1, page_size: 50 }
  const second = { items: [Object.assign({}, more, { id: 151, title: '第二页的活动' })], total: 51, page: 2, page_size: 50 }
  const w = h.installWx({ routes: routes({ 'GET /api/v1/admin/activities': (r) => (r.query.page === '2' ? second : first) }) })
  await staffLogin()
  const page = await h.renderPage('pages/staff/index')
  const shown = h.$$(page, '.staff-activity').length
  assert.match(h.text(page), /上拉加载更多/)
  await page.instance.onReachBottom()
  await h.settle()
  assert.deepEqual(w.requests('GET', '/api/v1/admin/activities').pop().query, { status: 'published', page: '2', page_size: '50' })
  assert.equal(h.$$(page, '.staff-activity').length, shown + 1)
  assert.match(h.text(page), /第二页的活动/)
  assert.doesNotMatch(h.text(page), /上拉加载更多/)
  await page.instance.onReachBottom() // all 51 are shown
  assert.equal(w.requests('GET', '/api/v1/admin/activities').length, 2)
})

test('staff hub lists the activities I manage with their actions and opens each tool', async () => {
  const w = h.installWx({ routes: routes() })
  await staffLogin()
  const page = await h.renderPage('pages/staff/index')
  assert.match(h.text(page), /防范电信诈骗 · 老年人专题讲座/)
  assert.deepEqual(w.requests('GET', '/api/v1/admin/activities')[0].query, { status: 'published', page: '1', page_size: '50' })
  await h.tap(page, h.$$(page, '.btn-registrations')[1])
  await h.tap(page, h.$$(page, '.btn-scan')[1])
  await h.tap(page, '.grid-claims')
  await h.tap(page, '.grid-alarms')
  assert.deepEqual(w.navigations.map((n) => n.url), [
    `/pages/staff/registrations?activity_id=102&title=${encodeURIComponent('三甲医院专家义诊（心血管·内分泌）')}`,
    `/pages/staff/scan?activity_id=102&title=${encodeURIComponent('三甲医院专家义诊（心血管·内分泌）')}`,
    '/pages/staff/claims',
    '/pages/staff/alarms',
  ])
  // rotating code: the activity has 3 sessions (from the admin list), so a session is picked first
  await h.tap(page, h.$$(page, '.btn-code')[1])
  assert.equal(h.$$(page, '.session-option').length, 3)
  await h.tap(page, h.$$(page, '.session-option')[1])
  assert.match(w.navigations.pop().url, /^\/pages\/staff\/rotating-code\?session_id=1002&/)
  // one session: straight to its code
  await h.tap(page, h.$$(page, '.btn-code')[4])
  assert.match(w.navigations.pop().url, /^\/pages\/staff\/rotating-code\?session_id=1051&/)
})

test('online scan checks the ticket in for this activity and shows the masked name; a repeat shows who and when', async () => {
  const w = h.installWx({ routes: routes() })
  w.privacyNeeded = true
  w.scanResults.push(signed(501), signed(502))
  const page = await h.renderPage('pages/staff/scan', { activity_id: '102', title: encodeURIComponent('义诊') })
  await h.tap(page, '.btn-scan')
  await h.settle(10)
  h.$(page, '.privacy-popup').querySelector('.privacy-agree').dispatchEvent('agreeprivacyauthorization')
  await h.settle(10)
  const req = w.requests('POST', '/api/v1/checkins')[0]
  assert.deepEqual(Object.keys(req.data).sort(), ['activity_id', 'nonce', 'scanned_at', 'ticket'])
  assert.equal(req.data.ticket, signed(501))
  assert.equal(req.data.activity_id, 102)
  assert.ok(req.data.nonce.length >= 8)
  assert.ok(!isNaN(Date.parse(req.data.scanned_at)))
  assert.match(h.text(page), /签到成功 · 三甲医院专家义诊（心血管·内分泌）\s*王\*英 · 09:31/)
  await h.tap(page, '.btn-scan')
  await h.settle(10)
  assert.match(h.text(page), /已签到过\s*张\*明 已于 09:05 签到/)
})

test('offline: download the kit, verify tickets on the phone, keep scans in encrypted storage, sync with /checkins/batch', async () => {
  const w = h.installWx({ routes: routes() })
  const forged = signed(501).slice(0, -3) + (signed(501).slice(-3) === 'AAA' ? 'BBA' : 'AAA')
  const otherKey = ticketKey().issue({ registrationId: 503, sessionId: 1002, validFrom: Date.now() - HOUR, validUntil: Date.now() + HOUR })
  w.scanResults.push(signed(501), signed(501), signed(77), signed(78), forged, otherKey, signed(504, 9999), signed(505, 1003), 'GJSC:1002:7f3a9c', signed(506))
  const page = await h.renderPage('pages/staff/scan', { activity_id: '102', title: '' })
  await h.tap(page, '.mode-offline')
  await h.tap(page, '.btn-kit')
  await h.settle(10)
  assert.equal(w.requests('GET', '/api/v1/activities/102/checkin-kit').length, 1)
  assert.ok(w.storage.get('gj_checkin_kit_102').encrypt)
  const seen = []
  for (let i = 0; i < 10; i++) {
    await h.tap(page, '.btn-scan')
    await h.settle(5)
    seen.push(`${page.data.result.title}｜${page.data.result.detail}`)
  }
  assert.equal(w.requests('POST', '/api/v1/checkins').length, 0)
  assert.deepEqual(seen, [
    '入场码有效，已离线记录｜报名编号 501 · 待同步第 1 条',
    '已签到过｜本机已记录过这张入场码',
    '入场码已作废｜这张入场码已作废（报名已取消）',
    '已签到过｜下载核验包时已签到过',
    '无效的入场码｜无效的入场码，请让居民在“我的报名”中重新打开入场码',
    '无效的入场码｜无效的入场码，请让居民在“我的报名”中重新打开入场码',
    '不是本场次的入场码｜不是本活动的入场码',
    seen[7].startsWith('还没到签到时间｜还没到签到时间（') ? seen[7] : 'TOO_EARLY expected',
    '无效的入场码｜无效的入场码，请让居民在“我的报名”中重新打开入场码',
    '入场码有效，已离线记录｜报名编号 506 · 待同步第 2 条',
  ])
  assert.match(h.text(page), /待同步 2 条/)
  const q = w.storage.get('gj_checkin_queue_102')
  assert.equal(q.encrypt, true)
  assert.deepEqual(q.data.map((s) => [s.ticket, s.registration_id, s.session_id]), [[signed(501), 501, 1002], [signed(506), 506, 1002]])

  await h.tap(page, '.btn-sync')
  await h.settle(10)
  const sent = w.requests('POST', '/api/v1/checkins/batch')[0].data
  assert.ok(!isNaN(Date.parse(sent.sent_at)))
  // only the fields the server knows (it refuses unknown ones)
  assert.deepEqual(sent.scans.map((s) => Object.keys(s).sort().join()), ['activity_id,nonce,scanned_at,ticket', 'activity_id,nonce,scanned_at,ticket'])
  assert.deepEqual(sent.scans.map((s) => s.ticket), [signed(501), signed(506)])
  assert.match(h.text(page), /已同步：2 人签到成功/)
  assert.match(h.text(page), /待同步 0 条/)
  assert.deepEqual(w.storage.get('gj_checkin_queue_102').data, [])
})

test('offline sync reports duplicates and refusals from the server, and sends big queues in batches of 500', async () => {
  const w = h.installWx({ routes: routes() })
  const queue = []
  for (let i = 0; i < 600; i++) queue.push({ ticket: i === 1 ? signed(1000) : i === 2 ? 'not-a-ticket' : signed(1000 + i), nonce: `n${i}`, scanned_at: new Date(Date.now() - (600 - i) * 1000).toISOString() })
  w.storage.set('gj_checkin_kit_102', { data: kit({ downloaded_at: fx.at(0, 7, 0) }), encrypt: true })
  w.storage.set('gj_checkin_queue_102', { data: queue, encrypt: true })
  const page = await h.renderPage('pages/staff/scan', { activity_id: '102', title: '' })
  assert.equal(page.data.mode, 'offline')
  await h.tap(page, '.btn-sync')
  await h.settle(10)
  const batches = w.requests('POST', '/api/v1/checkins/batch').map((r) => r.data.scans.length)
  assert.deepEqual(batches, [500, 100])
  assert.match(h.text(page), /已同步：598 人签到成功，1 条重复（已签到过），1 条未通过/)
  assert.match(h.text(page), /未通过：无效的入场码/)
  assert.match(h.text(page), /待同步 0 条/)
})

test('offline queue survives a restart of the page and is kept when sync fails', async () => {
  const w = h.installWx({ routes: routes({ 'POST /api/v1/checkins/batch': { status: 503, body: { code: 'UNAVAILABLE', message: '服务繁忙，请稍后再同步' } } }) })
  w.storage.set('gj_checkin_kit_102', { data: kit({ downloaded_at: fx.at(0, 7, 0) }), encrypt: true })
  w.storage.set('gj_checkin_queue_102', { data: [{ ticket: signed(501), nonce: 'n1', scanned_at: fx.at(0, 9, 0), registration_id: 501, session_id: 1002 }], encrypt: true })
  const page = await h.renderPage('pages/staff/scan', { activity_id: '102', title: '' })
  assert.equal(page.data.mode, 'offline')
  assert.match(h.text(page), /待同步 1 条/)
  await h.tap(page, '.btn-sync')
  await h.settle(10)
  assert.equal(w.modals[0].content, '服务繁忙，请稍后再同步')
  assert.match(h.text(page), /待同步 1 条/)
})

test('online scan without network keeps the scan for the next sync', async () => {
  const w = h.installWx({ routes: routes({ 'POST /api/v1/checkins': { networkError: true } }) })
  w.scanResults.push(signed(501))
  const page = await h.renderPage('pages/staff/scan', { activity_id: '102', title: '' })
  await h.tap(page, '.btn-scan')
  await h.settle(10)
  assert.match(h.text(page), /已离线记录\s*网络不可用，联网后自动同步/)
  assert.deepEqual(w.storage.get('gj_checkin_queue_102').data.map((s) => s.ticket), [signed(501)])
})

test('rotating code page draws the code as a QR and counts down', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/staff/rotating-code', { session_id: '1002', title: encodeURIComponent('助老送餐'), time: '' })
  await h.settle(10)
  assert.equal(w.requests('GET', '/api/v1/admin/sessions/1002/rotating-code').length, 1)
  assert.ok(w.canvasOps.length > 50)
  assert.match(h.text(page), /助老送餐/)
  assert.match(h.text(page), /(29|30) 秒后自动更新/)
})

test('rotating code: the countdown follows the server clock, not a wrong phone clock', async () => {
  // The phone is 10 minutes fast: the code still shows its 30 s, and is not fetched in a loop.
  const skew = 10 * 60e3
  h.installWx({ routes: routes({ 'GET /api/v1/admin/sessions/:id/rotating-code': () => ({ code: 'C1', session_id: 1002, step_seconds: 30,
    expires_at: new Date(Date.now() - skew + 30000).toISOString(), accepted_until: new Date(Date.now() - skew + 60000).toISOString(), server_time: new Date(Date.now() - skew).toISOString() }) }) })
  const page = await h.renderPage('pages/staff/rotating-code', { session_id: '1002', title: '', time: '' })
  await h.settle(10)
  assert.match(h.text(page), /(29|30) 秒后自动更新/)
})

test('rotating code is fetched again when it is about to expire', async () => {
  let n = 0
  const w = h.installWx({ routes: routes({ 'GET /api/v1/admin/sessions/:id/rotating-code': () => ({ code: `C${++n}`, session_id: 1002, step_seconds: 30,
    expires_at: new Date(Date.now() + (n === 1 ? 1000 : 60000)).toISOString(), accepted_until: new Date(Date.now() + 90000).toISOString(), server_time: new Date().toISOString() }) }) })
  const page = await h.renderPage('pages/staff/rotating-code', { session_id: '1002', title: '', time: '' })
  await h.settle(10)
  assert.equal(page.data.code, 'C2')
  assert.equal(w.requests('GET', '/api/v1/admin/sessions/1002/rotating-code').length, 2)
})

test('registrations of an activity: counts by status, check-ins, grouped by session', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/staff/registrations', { activity_id: '102', title: encodeURIComponent('三甲医院专家义诊') })
  const t = h.text(page)
  assert.match(t, /三甲医院专家义诊/)
  // confirmed 3 (one checked in), waitlisted 1, cancelled 1
  assert.deepEqual(h.$$(page, '.count-num').map((c) => c.dom.textContent), ['3', '1', '1', '1'])
  // check-ins come with the registrations: no request per session
  assert.equal(w.requests('GET', /\/attendance$/).length, 0)
  assert.match(t, /王秀英\s*13812341234\s*内分泌科\s*已签到 \d\d:21/)
  assert.match(t, /钱志明.*工作人员代报：电话报名\s*报名成功/)
  assert.match(t, /孙大伟.*候补第1位/)
  assert.match(t, /李明.*已取消/)
  assert.equal(h.$$(page, '.reg-row').length, 5)
  assert.match(t, /没有更多了/)
  await h.tap(page, h.$$(page, '.reg-phone')[0])
})

test('registrations of an activity: the first page on load, the next one at the bottom (keyset cursor)', async () => {
  // A long list: the first page only on load (not all 500 pages of a 50,000-registration
  // activity), the next page with its cursor when the staff member reaches the bottom.
  const all = fx.staffRegistrations().items
  const first = { items: all.slice(0, 3), next_cursor: 'c-after-3', limit: 100 }
  const second = { items: all.slice(3), next_cursor: null, limit: 100 }
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/admin/activities/:id/registrations': (r) => (r.query.cursor === 'c-after-3' ? second : first) }) },
    'pages/staff/registrations', { activity_id: '102', title: encodeURIComponent('三甲医院专家义诊') })
  const reqs = () => w.requests('GET', '/api/v1/admin/activities/102/registrations')
  assert.deepEqual(reqs().map((r) => r.query), [{ limit: '100' }])
  assert.deepEqual(h.$$(page, '.reg-name').map((n) => n.dom.textContent.trim().split(/\s/)[0]), ['王秀英', '赵桂兰', '钱志明'])
  // the counts are of what is loaded, and say so
  assert.deepEqual(h.$$(page, '.count-num').map((c) => c.dom.textContent), ['3', '1', '0', '0'])
  assert.match(h.text(page), /已加载的 3 条/)
  assert.match(h.text(page), /上拉加载更多/)
  await page.instance.onReachBottom()
  await h.settle()
  assert.deepEqual(reqs().map((r) => r.query), [{ limit: '100' }, { limit: '100', cursor: 'c-after-3' }])
  assert.deepEqual(h.$$(page, '.reg-name').map((n) => n.dom.textContent.trim().split(/\s/)[0]), ['王秀英', '赵桂兰', '钱志明', '孙大伟', '李明'])
  assert.deepEqual(h.$$(page, '.count-num').map((c) => c.dom.textContent), ['3', '1', '1', '1'])
  const t = h.text(page)
  assert.match(t, /孙大伟.*候补第1位/)
  assert.match(t, /没有更多了/)
  assert.doesNotMatch(t, /上拉加载更多|已加载的/)
  await page.instance.onReachBottom() // the last page: nothing more to ask
  assert.equal(reqs().length, 2)
})

test('claims: photos are fetched with the staff credentials; approve with edited minutes, reject with a reason', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/staff/claims')
  assert.match(h.text(page), /刘志强/)
  assert.match(h.text(page), /申报 3小时/)
  const dls = w.requests('GET', /^\/api\/v1\/uploads\//)
  assert.deepEqual(dls.map((r) => [r.path, r.header.Authorization, !!r.download]), fx.pendingClaims().items[0].photo_urls.map((u) => [u, 'Bearer tok-staff', true]))
  assert.equal(h.$$(page, '.photo-img').length, 2)
  await h.input(page, h.$$(page, '.approve-minutes')[0], '120')
  await h.tap(page, h.$$(page, '.btn-approve')[0])
  assert.deepEqual(w.requests('POST', '/api/v1/admin/hours/claims/61/approve')[0].data, { minutes: 120 })
  assert.doesNotMatch(h.text(page), /刘志强/)
  w.modalAnswers.push({ confirm: true, content: '照片与申报内容不符' })
  await h.tap(page, h.$$(page, '.btn-reject')[0])
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/admin/hours/claims/62/reject')[0].data, { reason: '照片与申报内容不符' })
  assert.match(h.text(page), /没有待审核的申报/)
})

test('claims: the first page of 100 on load, the next one at the bottom through next_cursor', async () => {
  // A long review queue: read a page at a time (the server answers at most 100), newest first.
  const [a, b] = fx.pendingClaims().items
  const first = { items: [a], next_cursor: '61' }
  const second = { items: [b], next_cursor: null }
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/admin/hours/claims': (r) => (r.query.cursor === '61' ? second : first) }) },
    'pages/staff/claims')
  const reqs = () => w.requests('GET', '/api/v1/admin/hours/claims')
  assert.deepEqual(reqs().map((r) => r.query), [{ status: 'pending', limit: '100' }])
  assert.deepEqual(page.data.items.map((c) => c.id), [61])
  assert.match(h.text(page), /上拉加载更多/)
  await page.instance.onReachBottom()
  await h.settle()
  assert.deepEqual(reqs().map((r) => r.query), [{ status: 'pending', limit: '100' }, { status: 'pending', limit: '100', cursor: '61' }])
  assert.deepEqual(page.data.items.map((c) => c.id), [61, 62])
  assert.match(h.text(page), /陈晓燕/)
  assert.doesNotMatch(h.text(page), /上拉加载更多/)
  // the second page's claim is reviewable like the first
  await h.tap(page, h.$$(page, '.btn-approve')[1])
  assert.deepEqual(w.requests('POST', '/api/v1/admin/hours/claims/62/approve')[0].data, { minutes: 150 })
  await page.instance.onReachBottom() // the last page: nothing more to ask
  assert.equal(reqs().length, 2)
})

test('claims: a top-up shows the credit already recorded and proposes at most what is left', async () => {
  // The volunteer was credited 1 hour by check-in for a 3-hour session and
  // claims 2.5 hours more: the reviewer sees the existing credit (issue 13
  // point 2) and the proposed minutes stay within the session.
  const items = fx.pendingClaims().items.slice(0, 1).map((c) => Object.assign({}, c, {
    minutes: 150, session_minutes: 180, credited_minutes: 60, top_up: true, max_minutes: 120 }))
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/admin/hours/claims': { items } }) }, 'pages/staff/claims')
  const t = h.text(page)
  assert.match(t, /补足：该场次已记 1小时，最多还能核定 2小时/)
  assert.equal(page.data.items[0].approveMinutes, 120)
  await h.tap(page, h.$$(page, '.btn-approve')[0])
  assert.deepEqual(w.requests('POST', '/api/v1/admin/hours/claims/61/approve')[0].data, { minutes: 120 })
})

test('claims: a first claim for a session says nothing about a top-up', async () => {
  const { page } = await h.openPage({ routes: routes() }, 'pages/staff/claims')
  assert.doesNotMatch(h.text(page), /补足/)
  assert.equal(page.data.items[0].approveMinutes, 180)
})

test('claims: a photo the server does not give shows as failed, the claim stays reviewable', async () => {
  h.installWx({ routes: routes({ 'GET /api/v1/uploads/:id': { status: 404, body: { code: 'UPLOAD_NOT_FOUND', message: '照片不存在或已删除' } } }) })
  const page = await h.renderPage('pages/staff/claims')
  assert.equal(h.$$(page, '.photo-img').length, 0)
  assert.match(h.text(page), /照片加载失败\s*照片加载失败/)
  assert.equal(h.$$(page, '.btn-approve').length, 2)
})

test('alarms: acknowledge and resolve with a note', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/staff/alarms')
  const t = h.text(page)
  assert.match(t, /离开安全区域（2 次）\s*待处理/)
  assert.match(t, /王德福\s*手环号 862012345674471/)
  assert.match(t, /电量低\s*处理中/)
  assert.match(t, /备注：已电话提醒家属充电/)
  await h.tap(page, '.btn-map')
  w.modalAnswers.push({ confirm: true, content: '已电话联系家属' })
  await h.tap(page, '.btn-ack')
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/admin/wristbands/alarms/71/ack')[0].data, { note: '已电话联系家属' })
  w.modalAnswers.push({ confirm: true, content: '家属已接回' })
  await h.tap(page, h.$$(page, '.btn-resolve')[1])
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/admin/wristbands/alarms/72/resolve')[0].data, { note: '家属已接回' })
})

test('alarms: the server answers 50 at a time, newest first; an older open alarm on the next page is loaded at the bottom', async () => {
  // GET /admin/wristbands/alarms is keyset-paged (items, next_cursor): a busy community's resolved
  // alarms must not hide an older one still open.
  const [open, acked] = fx.staffAlarms().items
  const older = Object.assign({}, open, { id: 12, type: 'sos', type_text: '紧急呼叫', status: 'open', status_text: '待处理', wearer_name: '周玉珍', repeats: 1 })
  const first = { items: [open, acked], next_cursor: '72' }
  const second = { items: [older], next_cursor: null }
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/admin/wristbands/alarms': (r) => (r.query.cursor === '72' ? second : first) }) },
    'pages/staff/alarms')
  const reqs = () => w.requests('GET', '/api/v1/admin/wristbands/alarms')
  assert.deepEqual(reqs().map((r) => r.query), [{}])
  assert.match(h.text(page), /上拉加载更多/)
  await page.instance.onReachBottom()
  await h.settle()
  assert.deepEqual(reqs().map((r) => r.query), [{}, { cursor: '72' }])
  assert.deepEqual(page.data.items.map((a) => a.id), [71, 72, 12])
  assert.match(h.text(page), /紧急呼叫\s*待处理/)
  assert.doesNotMatch(h.text(page), /上拉加载更多/)
  // the older alarm is handled like the others
  w.modalAnswers.push({ confirm: true, content: '已上门' })
  await h.tap(page, h.$$(page, '.btn-ack')[1])
  assert.deepEqual(w.requests('POST', '/api/v1/admin/wristbands/alarms/12/ack')[0].data, { note: '已上门' })
  // the acknowledgement reloads the list from its first page
  assert.deepEqual(reqs().map((r) => r.query), [{}, { cursor: '72' }, {}])
})

test('offline: scans outside the session\'s check-in window are refused; coming back online syncs by itself', async () => {
  const w = h.installWx({ routes: routes() })
  const closed = kit()
  closed.sessions[0].accept_from = fx.at(-2, 8, 0)
  closed.sessions[0].accept_until = fx.at(-1, 12, 0)
  w.storage.set('gj_checkin_kit_102', { data: Object.assign(closed, { downloaded_at: fx.at(-2, 7, 0) }), encrypt: true })
  w.storage.set('gj_checkin_queue_102', { data: [{ ticket: signed(501), nonce: 'n1', scanned_at: fx.at(-1, 9, 0), registration_id: 501, session_id: 1002 }], encrypt: true })
  w.scanResults.push(signed(600))
  const page = await h.renderPage('pages/staff/scan', { activity_id: '102', title: '' })
  await h.tap(page, '.btn-scan')
  await h.settle(10)
  assert.match(h.text(page), /签到时间已过\s*本场签到已结束/)
  assert.equal(page.data.pending.length, 1)
  w.networkHandlers.forEach((fn) => fn({ isConnected: true, networkType: 'wifi' }))
  await h.settle(10)
  assert.deepEqual(w.requests('POST', '/api/v1/checkins/batch')[0].data.scans.map((s) => s.nonce), ['n1'])
  assert.match(h.text(page), /待同步 0 条/)
})

test('rotating code: a failed fetch (lost signal at the venue) is tried again by itself; a refusal is not', async () => {
  let n = 0
  const w = h.installWx({ routes: routes({ 'GET /api/v1/admin/sessions/:id/rotating-code': (r) => {
    if (r.path.includes('/2002/')) return { status: 403, body: { code: 'NOT_ACTIVITY_STAFF', message: '只有主办单位或社区的工作人员可以进行此操作' } }
    if (++n === 1) return { networkError: true }
    return { code: 'C1', session_id: 1002, step_seconds: 30, expires_at: new Date(Date.now() + 30000).toISOString(), accepted_until: new Date(Date.now() + 60000).toISOString(), server_time: new Date().toISOString() }
  } }) })
  const page = await h.renderPage('pages/staff/rotating-code', { session_id: '1002', title: '', time: '' })
  const refused = await h.renderPage('pages/staff/rotating-code', { session_id: '2002', title: '', time: '' })
  await h.settle(10)
  assert.match(h.text(page), /网络连接失败/)
  assert.match(h.text(refused), /只有主办单位或社区的工作人员可以进行此操作/)
  await h.simulate.sleep(3500)
  await h.settle(10)
  assert.equal(page.data.code, 'C1')
  assert.equal(page.data.error, '')
  assert.match(h.text(page), /(2[6-9]|30) 秒后自动更新/)
  assert.equal(w.requests('GET', '/api/v1/admin/sessions/2002/rotating-code').length, 1)
  page.detach()
  refused.detach()
})
