// Rooms, bookings and teams pages (issue 16).
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./_helpers')
const fx = require('./_fixtures')
const rx = require('./_rooms_fixtures')

test.beforeEach(() => h.resetModules())

function routes(over = {}) {
  return Object.assign({
    'GET /api/v1/me': fx.user,
    'GET /api/v1/rooms': { items: rx.rooms() },
    'GET /api/v1/rooms/:id': rx.rooms()[0],
    'GET /api/v1/rooms/:id/availability': (r) => rx.availability(11),
    'POST /api/v1/rooms/:id/bookings': { status: 201, body: { id: 950, room_id: 11, starts_at: fx.at(1, 11, 0), ends_at: fx.at(1, 13, 0), status: 'confirmed' } },
    'GET /api/v1/me/bookings': { items: rx.bookings() },
    'POST /api/v1/bookings/:id/cancel': { id: 901, status: 'cancelled' },
    'GET /api/v1/bookings/:id/ticket': { ticket: 'GJ1.booking.Zm9vYmFy', valid_from: fx.at(1, 18, 30), valid_until: fx.at(1, 21, 0) },
    'GET /api/v1/teams': { items: rx.teams() },
    'GET /api/v1/me/teams': { items: [rx.teams()[0]] },
    'GET /api/v1/teams/:id': rx.teamAsLeader(),
    'GET /api/v1/teams/:id/bookings': { items: [rx.bookings()[0]] },
    'POST /api/v1/teams/:id/join': { team_id: 6, user_id: 7, status: 'requested' },
    'POST /api/v1/teams/:id/members/:user_id/approve': { status: 'active' },
    'GET /api/v1/admin/bookings': rx.pendingBookings(),
    'POST /api/v1/admin/bookings/:id/approve': { id: 902, status: 'confirmed' },
    'POST /api/v1/admin/bookings/:id/reject': { id: 902, status: 'rejected' },
  }, over)
}

test('the rooms list shows my community\'s rooms with kind, capacity and approval, filtered by kind', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/rooms/index')
  const t = h.text(page)
  assert.match(t, /幸福里社区舞蹈室/)
  assert.match(t, /可容纳 30 人/)
  assert.match(t, /共建单位场地，预约需审批/)
  assert.equal(w.requests('GET', '/api/v1/rooms')[0].query.community_id, '1')
  await h.tap(page, h.$$(page, '.kind')[2])
  assert.equal(w.requests('GET', '/api/v1/rooms').pop().query.kind, 'dance_room')
  await h.tap(page, h.$$(page, '.room')[0])
  assert.equal(w.navigations.pop().url, '/pages/rooms/detail?id=11')
})

test('a room\'s day shows free, booked and closed slots; two free hours are booked with an Idempotency-Key', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/rooms/detail', { id: '11' })
  assert.equal(h.$$(page, '.slot-free').length, 9)
  assert.equal(h.$$(page, '.slot-booked').length, 3)
  assert.equal(h.$$(page, '.slot-closed').length, 1)
  // A booked slot cannot be picked; 11:00 then 12:00 make one range.
  await h.tap(page, h.$$(page, '.slot')[1])
  assert.equal(page.data.from, -1)
  await h.tap(page, h.$$(page, '.slot')[3])
  await h.tap(page, h.$$(page, '.slot')[4])
  assert.equal(h.$$(page, '.slot-picked').length, 2)
  await h.input(page, '.input-purpose', '合唱排练')
  await h.input(page, '.input-attendance', '12')
  await h.tap(page, '.btn-book >>> .van-button')
  await h.settle(20)
  const req = w.requests('POST', '/api/v1/rooms/11/bookings')[0]
  assert.ok(req, 'booking posted')
  assert.equal(req.data.purpose, '合唱排练')
  assert.equal(req.data.attendance, 12)
  assert.equal(req.data.starts_at, rx.availability(11).slots[3].starts_at)
  assert.equal(req.data.ends_at, rx.availability(11).slots[4].ends_at)
  assert.ok(req.header['Idempotency-Key'])
  assert.match(h.text(page), /预约成功/)
})

test('a slot taken meanwhile: the server\'s SLOT_TAKEN is shown and the slots are reloaded', async () => {
  const { w, page } = await h.openPage({ routes: routes({ 'POST /api/v1/rooms/:id/bookings': { status: 409, body: { code: 'SLOT_TAKEN', message: '该时段已被预约或不开放，请选择其他时间', request_id: 'x' } } }) }, 'pages/rooms/detail', { id: '11' })
  await h.tap(page, h.$$(page, '.slot')[0])
  await h.input(page, '.input-purpose', '读书会')
  await h.input(page, '.input-attendance', '5')
  const before = w.requests('GET', '/api/v1/rooms/11/availability').length
  await h.tap(page, '.btn-book >>> .van-button')
  await h.settle(20)
  assert.match(w.modals.pop().content, /该时段已被预约/)
  assert.equal(w.requests('GET', '/api/v1/rooms/11/availability').length, before + 1)
})

test('my bookings: statuses, the entry code of a confirmed booking opens the ticket page, cancel frees it', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/rooms/bookings')
  const t = h.text(page)
  for (const s of ['已预约', '待审批', '已签到', '已取消', '未通过']) assert.match(t, new RegExp(s))
  assert.match(t, /管理方意见：当天有校内比赛/)
  assert.match(t, /队伍：幸福里舞蹈队/)
  assert.equal(h.$$(page, '.btn-ticket').length, 1)
  assert.equal(h.$$(page, '.btn-cancel').length, 2)
  await h.tap(page, '.btn-ticket')
  assert.match(w.navigations.pop().url, /^\/pages\/ticket\/ticket\?kind=booking&id=901&title=/)
  await h.tap(page, h.$$(page, '.btn-cancel')[0])
  await h.settle(10)
  assert.match(w.modals.pop().content, /确定取消「幸福里社区舞蹈室」/)
  assert.equal(w.requests('POST', '/api/v1/bookings/901/cancel').length, 1)
})

test('my bookings: one the community desk made for me shows as such, with its entry code and cancel', async () => {
  const desk = { id: 908, room_id: 13, room_name: '幸福里社区阅览室', starts_at: fx.at(2, 9, 0), ends_at: fx.at(2, 10, 0), purpose: '读书会', attendance: 3,
    status: 'confirmed', booked_for: 'desk', booked_by_desk: true, for_user_id: 7, booked_by: 31, guest_name: '王建国', guest_phone_masked: '139****2222', reason: '老人不会用手机' }
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/me/bookings': { items: [desk], next_cursor: null } }) }, 'pages/rooms/bookings')
  assert.match(h.text(page), /社区前台代为预约：王建国/)
  assert.doesNotMatch(h.text(page), /代约：王建国/)
  await h.tap(page, '.btn-ticket')
  assert.match(w.navigations.pop().url, /^\/pages\/ticket\/ticket\?kind=booking&id=908&title=/)
  await h.tap(page, '.btn-cancel')
  await h.settle(10)
  assert.match(w.modals.pop().content, /确定取消「幸福里社区阅览室」/)
  assert.equal(w.requests('POST', '/api/v1/bookings/908/cancel').length, 1)
})

test('my bookings come a page at a time: the next page (next_cursor) when scrolled to the bottom, none after the last', async () => {
  const all = rx.bookings()
  const { w, page } = await h.openPage({ routes: routes({
    'GET /api/v1/me/bookings': (r) => (r.query.cursor === 'b-after-903' ? { items: all.slice(3), next_cursor: null } : { items: all.slice(0, 3), next_cursor: 'b-after-903' }),
  }) }, 'pages/rooms/bookings')
  const reqs = () => w.requests('GET', '/api/v1/me/bookings')
  assert.deepEqual(reqs().map((r) => r.query), [{}])
  assert.equal(h.$$(page, '.booking').length, 3)
  assert.match(h.text(page), /上拉加载更多/)
  await page.instance.onReachBottom()
  await h.settle()
  assert.deepEqual(reqs().map((r) => r.query), [{}, { cursor: 'b-after-903' }])
  assert.deepEqual(page.data.items.map((b) => b.id), [901, 902, 903, 904, 905])
  assert.doesNotMatch(h.text(page), /上拉加载更多/)
  assert.match(h.text(page), /未通过/)
  await page.instance.onReachBottom() // the last page: nothing more to ask
  assert.equal(reqs().length, 2)
  // Shown again (onShow), the list starts over from its first page.
  await page.instance.onShow()
  await h.settle()
  assert.deepEqual(reqs().map((r) => r.query), [{}, { cursor: 'b-after-903' }, {}])
  assert.deepEqual(page.data.items.map((b) => b.id), [901, 902, 903])
})

test('the ticket page draws a booking\'s ticket from the booking ticket route', async () => {
  const w = h.installWx({ routes: routes() })
  await h.renderPage('pages/ticket/ticket', { id: '901', kind: 'booking', title: encodeURIComponent('幸福里社区舞蹈室') })
  assert.equal(w.requests('GET', '/api/v1/bookings/901/ticket').length, 1)
  assert.equal(w.requests('GET', '/api/v1/registrations/901/ticket').length, 0)
})

test('teams: mine and my community\'s; a resident asks to join', async () => {
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/teams/:id': Object.assign({}, rx.teams()[1], { leads: false }) }) }, 'pages/teams/index')
  assert.equal(h.$$(page, '.team-mine').length, 1)
  assert.equal(h.$$(page, '.team-other').length, 2)
  const d = await h.renderPage('pages/teams/detail', { id: '6' })
  assert.equal(h.$$(d, '.member').length, 0)
  await h.tap(d, '.btn-join >>> .van-button')
  await h.settle(10)
  assert.equal(w.requests('POST', '/api/v1/teams/6/join').length, 1)
})

test('joining a team refused for want of a confirmed residence offers 居住认证', async () => {
  const msg = '只有本社区居民可以加入该队伍，请先在“我的—居住认证”中申请，社区审核通过后即可加入'
  const { w } = await h.openPage({ routes: routes({
    'GET /api/v1/teams/:id': Object.assign({}, rx.teams()[1], { leads: false }),
    'POST /api/v1/teams/:id/join': { status: 403, body: { code: 'NOT_IN_COMMUNITY', message: msg, request_id: 'r1' } },
  }) }, 'pages/teams/index')
  const d = await h.renderPage('pages/teams/detail', { id: '6' })
  await h.tap(d, '.btn-join >>> .van-button')
  await h.settle(10)
  assert.deepEqual(w.modals.map((m) => [m.content, m.confirmText, m.cancelText]), [[msg, '居住认证', '知道了']])
  assert.deepEqual(w.navigations.map((n) => n.url), ['/pages/residence/index'])
})

test('a team leader sees members, requests to approve and the team\'s bookings', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/teams/detail', { id: '5' })
  assert.equal(h.$$(page, '.member').length, 4)
  assert.equal(h.$$(page, '.request').length, 2)
  assert.equal(h.$$(page, '.btn-approve').length, 1)
  assert.match(h.text(page), /队伍的场地预约/)
  await h.tap(page, '.btn-approve >>> .van-button')
  await h.settle(10)
  assert.equal(w.requests('POST', '/api/v1/teams/5/members/44/approve').length, 1)
})

test('a team leader hands the leadership to a member after a confirmation naming them; the team reloads', async () => {
  // The server's team: the leader is 7 until the handover names another active member.
  let team = rx.teamAsLeader()
  const { w, page } = await h.openPage({ routes: routes({
    'GET /api/v1/teams/:id': () => team,
    'POST /api/v1/teams/:id/leader': (r) => {
      const to = team.member_list.find((m) => m.user_id === r.data.user_id)
      team = Object.assign({}, team, { leader_id: to.user_id, leader_name: to.name, leads: false })
      return team
    },
  }) }, 'pages/teams/detail', { id: '5' })
  // Every active member but the leader has the action.
  assert.equal(h.$$(page, '.btn-handover').length, 3)
  assert.match(h.text(page), /王秀英（队长）/)
  w.modalAnswers.push({ confirm: false })
  await h.tap(page, h.$$(page, '.btn-handover')[1])
  await h.settle(10)
  assert.match(w.modals.pop().content, /张玉梅/)
  assert.equal(w.requests('POST', '/api/v1/teams/5/leader').length, 0) // cancelled
  await h.tap(page, h.$$(page, '.btn-handover')[1])
  await h.settle(10)
  assert.match(w.modals.pop().content, /确定将队长移交给「张玉梅」/)
  assert.deepEqual(w.requests('POST', '/api/v1/teams/5/leader').map((r) => r.data), [{ user_id: 42 }])
  assert.match(w.toasts.join(), /已移交队长/)
  assert.equal(w.requests('GET', '/api/v1/teams/5').length, 2)
  assert.match(h.text(page), /队长 张玉梅/)
  assert.match(h.text(page), /张玉梅（队长）/)
  assert.doesNotMatch(h.text(page), /王秀英（队长）/)
  assert.match(h.text(page), /王秀英/) // the old leader stays a member
  assert.equal(h.$$(page, '.btn-handover').length, 0) // no longer leads
})

test('移交队长: a refusal shows the server message; a leader changed meanwhile reloads the team', async () => {
  let team = rx.teamAsLeader()
  const { w, page } = await h.openPage({ routes: routes({
    'GET /api/v1/teams/:id': () => team,
    'POST /api/v1/teams/:id/leader': () => {
      team = Object.assign({}, team, { leader_id: 41, leader_name: '李桂芳', leads: false })
      return { status: 409, body: { code: 'LEADER_CHANGED', message: '队长刚刚已被更换，请刷新后重试' } }
    },
  }) }, 'pages/teams/detail', { id: '5' })
  await h.tap(page, h.$$(page, '.btn-handover')[2])
  await h.settle(10)
  assert.equal(w.modals.pop().content, '队长刚刚已被更换，请刷新后重试')
  assert.equal(w.requests('GET', '/api/v1/teams/5').length, 2)
  assert.match(h.text(page), /队长 李桂芳/)
  assert.equal(h.$$(page, '.btn-handover').length, 0)
})

test('a team\'s bookings: 加载更多 follows next_cursor until the last page', async () => {
  const all = rx.bookings()
  const { w, page } = await h.openPage({ routes: routes({
    'GET /api/v1/teams/:id/bookings': (r) => (r.query.cursor === 't2' ? { items: [all[1]], next_cursor: null } : { items: [all[0]], next_cursor: 't2' }),
  }) }, 'pages/teams/detail', { id: '5' })
  const reqs = () => w.requests('GET', '/api/v1/teams/5/bookings')
  assert.equal(h.$$(page, '.team-booking').length, 1)
  await h.tap(page, '.more-bookings')
  await h.settle()
  assert.deepEqual(reqs().map((r) => r.query), [{}, { cursor: 't2' }])
  assert.equal(h.$$(page, '.team-booking').length, 2)
  assert.match(h.text(page), /乒乓球友谊赛/)
  assert.equal(h.$$(page, '.more-bookings').length, 0)
  await page.instance.onReachBottom()
  assert.equal(reqs().length, 2)
})

test('the approval list is read a page at a time, the status kept on the next page', async () => {
  const all = rx.pendingBookings().items
  const { w, page } = await h.openPage({ routes: routes({
    'GET /api/v1/admin/bookings': (r) => (r.query.cursor === 'd2' ? { items: all.slice(2), next_cursor: null } : { items: all.slice(0, 2), next_cursor: 'd2' }),
  }) }, 'pages/staff/bookings')
  assert.equal(h.$$(page, '.pending-booking').length, 2)
  await h.tap(page, '.load-more')
  await h.settle()
  assert.deepEqual(w.requests('GET', '/api/v1/admin/bookings').map((r) => r.query), [{ status: 'pending' }, { status: 'pending', cursor: 'd2' }])
  assert.equal(h.$$(page, '.pending-booking').length, 3)
  assert.match(h.text(page), /由场地所属单位审批/)
  assert.equal(h.$$(page, '.load-more').length, 0)
})

test('the approval list tells a desk booking for a resident from one for a guest', async () => {
  const items = rx.pendingBookings().items.map((b) => (b.id === 907 ? Object.assign({}, b, { booked_by_desk: true }) : b))
  items.push(Object.assign({}, items.find((b) => b.id === 907), { id: 908, for_user_id: 31, guest_name: '钱桂兰', reason: '' }))
  const { page } = await h.openPage({ routes: routes({ 'GET /api/v1/admin/bookings': { items, next_cursor: null } }) }, 'pages/staff/bookings')
  const rows = h.$$(page, '.pending-booking').map((r) => h.text(r))
  assert.match(rows.find((t) => /赵德明/.test(t)), /代访客预约/)
  assert.match(rows.find((t) => /钱桂兰/.test(t)), /代居民预约/)
  assert.doesNotMatch(h.text(page), /前台代约/)
})

test('the approval list: the owner approves; a unit\'s room booked at the desk is not community staff\'s to decide', async () => {
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/staff/bookings')
  assert.equal(h.$$(page, '.pending-booking').length, 3)
  assert.equal(h.$$(page, '.btn-approve').length, 2)
  assert.match(h.text(page), /由场地所属单位审批/)
  await h.tap(page, h.$$(page, '.btn-approve')[0])
  await h.settle(10)
  assert.equal(w.requests('POST', '/api/v1/admin/bookings/902/approve').length, 1)
})

test('a team leader books for the team: the team is chosen as the booker and sent as team_id', async () => {
  const { w, page } = await h.openPage({ routes: routes({ 'GET /api/v1/me': Object.assign({}, fx.user, { id: 7 }) }) }, 'pages/rooms/detail', { id: '11' })
  assert.equal(h.$$(page, '.for-team').length, 1)
  await h.tap(page, '.for-team')
  await h.tap(page, h.$$(page, '.slot')[0])
  await h.input(page, '.input-purpose', '舞蹈队排练')
  await h.input(page, '.input-attendance', '20')
  await h.tap(page, '.btn-book >>> .van-button')
  await h.settle(20)
  assert.equal(w.requests('POST', '/api/v1/rooms/11/bookings')[0].data.team_id, 5)
})

test('after a network failure the same booking retries under its key; a changed booking gets a new one', async () => {
  let n = 0
  const { w, page } = await h.openPage({ routes: routes() }, 'pages/rooms/detail', { id: '11' })
  const keys = []
  globalThis.wx.request = ((orig) => (o) => {
    if (o.url.endsWith('/api/v1/rooms/11/bookings')) {
      keys.push(o.header['Idempotency-Key'])
      if (n++ < 2) {
        setTimeout(() => o.fail({ errMsg: 'request:fail timeout' }), 0)
        return { abort() {} }
      }
    }
    return orig(o)
  })(globalThis.wx.request)
  await h.tap(page, h.$$(page, '.slot')[0])
  await h.input(page, '.input-purpose', '读书会')
  await h.input(page, '.input-attendance', '5')
  await h.tap(page, '.btn-book >>> .van-button')
  await h.settle(20)
  await h.tap(page, '.btn-book >>> .van-button')
  await h.settle(20)
  await h.input(page, '.input-attendance', '8')
  await h.tap(page, '.btn-book >>> .van-button')
  await h.settle(20)
  assert.equal(keys.length, 3)
  assert.equal(keys[0], keys[1], 'the same booking retried keeps its key')
  assert.notEqual(keys[1], keys[2], 'a changed booking is sent under a new key')
  assert.match(h.text(page), /预约成功/)
  assert.ok(w)
})
