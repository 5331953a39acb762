// Renders the mini-program's main pages with demo data to PNGs, without WeChat DevTools:
// each page is rendered by miniprogram-simulate (the same set-up as the tests), its DOM and the
// compiled WXSS are written to an HTML file (rpx → px at 375 px width, WeChat-like navigation and
// tab bars around it), and headless Chromium takes the screenshot.
//
// Usage: node scripts/screenshots/render.js [outDir]   (default docs/screenshots)
// Needs: miniprogram/node_modules and src/miniprogram_npm (scripts/test-miniprogram.sh builds
// them), chromium and fonts-noto-cjk from apt (scripts/screenshots/run.sh installs them).
const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync } = require('child_process')

const REPO = path.join(__dirname, '..', '..')
const MP = path.join(REPO, 'miniprogram')
const h = require(path.join(MP, 'test', '_helpers'))
// Keep rpx in the compiled WXSS (simulate turns 1rpx into 1px); converted below at 375 px width.
require(path.join(MP, 'node_modules', 'miniprogram-simulate', 'src', 'utils')).transformRpx = (css) => css
const fx = require(path.join(MP, 'test', '_fixtures'))
const rx = require(path.join(MP, 'test', '_rooms_fixtures'))
const { ticketKey } = require(path.join(MP, 'test', '_tickets'))
const qrcode = require(path.join(MP, 'node_modules', 'qrcode-generator'))
const cbx = require(path.join(MP, 'test', 'fixtures', 'cobuild'))

const OUT = path.resolve(process.argv[2] || path.join(REPO, 'docs', 'screenshots'))
const WIDTH = 375
const APP_JSON = h.APP_JSON
const TABS = APP_JSON.tabBar.list.map((t) => t.pagePath)

// Demo tickets, signed like the server's (a fixed demo key, so the pictures do not change).
const demoKey = ticketKey(Buffer.alloc(32, 42))
const T0 = Date.now()
const demoTicket = (reg, session = 1002) => demoKey.issue({ registrationId: reg, sessionId: session, validFrom: T0 - 3600e3, validUntil: T0 + 3 * 3600e3 })

function demoKit() {
  const iso = (ms) => new Date(ms).toISOString()
  return { activity_id: 104, activity_title: '青少年快乐营地·冬季科学探索营', algorithm: 'Ed25519', public_key: demoKey.publicKey, ticket_format: '',
    sessions: [{ id: 1002, starts_at: iso(T0 + 1800e3), ends_at: iso(T0 + 5400e3), accept_from: iso(T0 - 1800e3), accept_until: iso(T0 + 7200e3) }],
    revoked: [], window: { session_id: 1002, opens_at: iso(T0 - 1800e3), closes_at: iso(T0 + 7200e3) }, revoked_registration_ids: [], checked_in_registration_ids: [],
    generated_at: fx.at(0, 7, 45), downloaded_at: fx.at(0, 7, 45) }
}

// Demo data for every page, in the server's shapes (test/_fixtures.js).
function routes() {
  const scanSession = { id: 1002, activity_id: 102, activity_title: '三甲医院专家义诊（心血管·内分泌）', starts_at: fx.at(0, 9, 30), ends_at: fx.at(0, 10, 30) }
  const claims = fx.pendingClaims()
  claims.items.forEach((c) => { c.photo_urls = [] }) // private photos are downloaded files, which a static picture cannot show
  return {
    'POST /api/v1/auth/login': { token: 'demo', refresh_token: 'demo', expires_in: 7200, user: fx.staffUser },
    'GET /api/v1/me': fx.user,
    'GET /api/v1/communities': { items: fx.communities },
    'GET /api/v1/activities': { items: fx.activities(), page: 1, page_size: 20, total: 6 },
    'GET /api/v1/activities/:id': fx.clinicDetail(),
    'GET /api/v1/me/dependents': { items: fx.dependents() },
    'GET /api/v1/me/registrations': (r) => {
      const items = r.query.scope === 'past' ? fx.pastRegistrations() : fx.registrations()
      return { items, total: items.length, page: 1, page_size: 20 }
    },
    'GET /api/v1/registrations/:id/ticket': { ticket: demoTicket(501), valid_from: fx.at(3, 8, 30), valid_until: fx.at(3, 10, 30), registration_id: 501 },
    'GET /api/v1/me/messages': fx.messages(),
    'GET /api/v1/me/hours': fx.hours(),
    'GET /api/v1/me/hours/record': fx.record(),
    'GET /api/v1/me/hours/claims': fx.myClaims(),
    'GET /api/v1/me/wristbands': { items: fx.wristbands() },
    'GET /api/v1/me/checking': { items: [] },
    'GET /api/v1/wristbands/:id/alarms': { items: fx.bandAlarms() },
    'GET /api/v1/wristbands/:id/guardians': { items: [{ user_id: 7, name: '王秀英', owner: true, added_at: fx.at(-30, 10, 0) }, { user_id: 8, name: '王建华（儿子）', owner: false, added_at: fx.at(-20, 19, 0) }] },
    'POST /api/v1/wristbands/:id/invitations': { status: 201, body: { code: 'K7P2QX', expires_at: fx.at(1, 20, 0) } },
    'POST /api/v1/checkins': { result: 'checked_in', registration_id: 501, attendee_name_masked: '王*英', session: scanSession, checked_in_at: fx.at(0, 9, 31) },
    'GET /api/v1/activities/:id/checkin-kit': demoKit(),
    'GET /api/v1/admin/activities': fx.adminActivities(),
    'GET /api/v1/admin/sessions/:id/rotating-code': { code: 'GJSC:1062:7f3a9c51d2', session_id: 1062, step_seconds: 30, expires_at: new Date(Date.now() + 27000).toISOString(),
      accepted_until: new Date(Date.now() + 57000).toISOString(), server_time: new Date().toISOString() },
    'GET /api/v1/admin/activities/:id/registrations': fx.staffRegistrations(),
    'GET /api/v1/admin/hours/claims': claims,
    'GET /api/v1/admin/wristbands/alarms': fx.staffAlarms(),
    // Rooms, bookings and teams (issue 16)
    'GET /api/v1/rooms': { items: rx.rooms() },
    'GET /api/v1/rooms/:id': rx.rooms()[0],
    'GET /api/v1/rooms/:id/availability': rx.availability(11),
    'GET /api/v1/me/bookings': { items: rx.bookings() },
    'GET /api/v1/bookings/:id/ticket': { ticket: demoTicket(901, 0), valid_from: fx.at(1, 18, 30), valid_until: fx.at(1, 21, 0) },
    'GET /api/v1/teams': { items: rx.teams() },
    'GET /api/v1/me/teams': { items: [rx.teams()[0]] },
    'GET /api/v1/teams/:id': rx.teamAsLeader(),
    'GET /api/v1/teams/:id/bookings': { items: [rx.bookings()[0]] },
    'GET /api/v1/admin/bookings': rx.pendingBookings(),
  }
}

// The pages to shoot: file name, route, query, window height, interactions before the shot.
const SHOTS = [
  { name: '01-home', route: 'pages/index/index', height: 1180 },
  { name: '02-activity-detail', route: 'pages/activity/detail', query: { id: '102' }, height: 1580,
    async before(page) {
      await h.tap(page, h.$$(page, '.attendee')[2])
      await h.tap(page, h.$$(page, '.option')[1])
    } },
  { name: '03-signup-done', route: 'pages/activity/detail', query: { id: '102' }, height: 900,
    routes: { 'POST /api/v1/registrations': { status: 201, body: { registrations: [{ id: 9001, activity_id: 102, session_id: 1002, attendee: { self: true, dependent_id: null, name: '王秀英' }, status: 'confirmed', waitlist_position: null }, { id: 9002, activity_id: 102, session_id: 1002, attendee: { self: false, dependent_id: 12, name: '王德福' }, status: 'waitlisted', waitlist_position: 2 }] } } },
    async before(page) {
      await h.tap(page, h.$$(page, '.attendee')[2])
      await h.tap(page, h.$$(page, '.option')[1])
      await h.tap(page, '.btn-submit')
      await h.settle(20)
    },
    shift: 900 },
  { name: '04-my-registrations', route: 'pages/registrations/index', height: 900 },
  { name: '05-ticket', route: 'pages/ticket/ticket', query: { id: '501', title: encodeURIComponent('三甲医院专家义诊（心血管·内分泌）'), name: encodeURIComponent('王秀英') }, height: 812, qr: demoTicket(501) },
  { name: '06-family', route: 'pages/family/index', height: 812 },
  { name: '07-family-consent', route: 'pages/family/edit', query: {}, height: 812,
    async before(page) {
      const y = new Date().getFullYear()
      await h.input(page, '.input-name', '李小雨')
      await h.tap(page, '.gender-female')
      await h.input(page, '.birth-picker', `${y - 7}-03-15`, 'change')
      await h.tap(page, '.btn-save')
      await h.tap(page, '.consent-check')
    } },
  { name: '08-me', route: 'pages/me/index', height: 900, routes: { 'GET /api/v1/me': fx.staffUser } },
  { name: '08b-me-checker', route: 'pages/me/index', height: 1000,
    routes: { 'GET /api/v1/me/checking': { items: [{ activity_id: 102, activity_title: '三甲医院专家义诊（心血管·内分泌）', category: 'clinic', place: '幸福里社区卫生服务站一楼大厅',
      sessions: [{ id: 1002, starts_at: fx.at(0, 9, 30), ends_at: fx.at(0, 10, 30), accept_from: fx.at(0, 8, 30), accept_until: fx.at(0, 11, 0) }] }] } } },
  { name: '09-messages', route: 'pages/messages/index', height: 812 },
  { name: '10-volunteer', route: 'pages/volunteer/index', height: 1250,
    routes: { 'POST /api/v1/self-checkins': { action: 'in', at: fx.at(0, 9, 2), checked_in_at: fx.at(0, 9, 2), minutes: 0, session_id: 1062, activity_id: 106, activity_title: '助老送餐 · 周末志愿服务', repeated: false } },
    async before(page, w) {
      w.scanResults.push('GJSC:1062:7f3a9c51d2')
      await h.tap(page, '.btn-checkin')
      await h.settle(20)
      w.toasts.length = 0
    } },
  { name: '11-hours-claim', route: 'pages/volunteer/claim', query: {}, height: 812, fill: { '.input-hours': '3' },
    async before(page) {
      await h.input(page, '.activity-picker', '1', 'change')
      await h.input(page, '.input-description', '周末在小区东门值守垃圾分类投放点，指导居民分类投放，发放宣传册 120 份。')
    } },
  { name: '12-wristbands', route: 'pages/wristband/index', height: 812 },
  { name: '13-wristband-detail', route: 'pages/wristband/detail', query: { id: '31' }, height: 1230,
    async before(page) {
      await h.tap(page, '.btn-invite')
    } },
  { name: '14-wristband-bind', route: 'pages/wristband/bind', query: {}, height: 812,
    async before(page) {
      await h.input(page, '.imei-input', '861234567890015')
      await h.tap(page, '.btn-next')
      await h.tap(page, h.$$(page, '.wearer')[2])
      await h.tap(page, '.btn-next')
      await h.tap(page, '.consent-check')
    } },
  { name: '15-staff', route: 'pages/staff/index', height: 1080, beforeRender: async () => require(path.join(h.ROOT, 'utils', 'request')).login() },
  { name: '16-staff-scan', route: 'pages/staff/scan', query: { activity_id: '102', title: encodeURIComponent('三甲医院专家义诊（心血管·内分泌）') }, height: 812,
    async before(page, w) {
      w.scanResults.push(demoTicket(501))
      await h.tap(page, '.btn-scan')
      await h.settle(20)
    } },
  { name: '16b-staff-scan-offline', route: 'pages/staff/scan', query: { activity_id: '104', title: encodeURIComponent('青少年快乐营地·冬季科学探索营') }, height: 812,
    async beforeRender(w) {
      w.storage.set('gj_checkin_kit_104', { data: demoKit(), encrypt: true })
      w.storage.set('gj_checkin_queue_104', { data: [611, 612, 613].map((reg, i) => ({ ticket: demoTicket(reg), nonce: `n${i}`, scanned_at: fx.at(0, 9, 1 + i), registration_id: reg, session_id: 1002 })), encrypt: true })
    },
    async before(page, w) {
      w.scanResults.push(demoTicket(614))
      await h.tap(page, '.btn-scan')
      await h.settle(20)
    } },
  { name: '17-rotating-code', route: 'pages/staff/rotating-code', query: { session_id: '1062', title: encodeURIComponent('助老送餐 · 周末志愿服务'), time: encodeURIComponent('11月28日 周六 10:30-12:30') }, height: 812, qr: 'GJSC:1062:7f3a9c51d2' },
  { name: '18-staff-registrations', route: 'pages/staff/registrations', query: { activity_id: '102', title: encodeURIComponent('三甲医院专家义诊（心血管·内分泌）') }, height: 900 },
  { name: '19-staff-claims', route: 'pages/staff/claims', height: 1000 },
  { name: '20-staff-alarms', route: 'pages/staff/alarms', height: 840 },
  // Co-building (issue 15): 50–69
  { name: '50-cobuild-board', route: 'pages/cobuild/index', height: 1150, routes: cbx.routes({ 'GET /api/v1/me': cbx.user(['unit_contact', 'party_member', 'staff']) }) },
  { name: '51-cobuild-projects', route: 'pages/cobuild/index', height: 1000, routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]) }),
    async before(page) { await h.tap(page, '.tab-projects') } },
  { name: '52-cobuild-need-claim', route: 'pages/cobuild/need', query: { id: '301' }, height: 1100, routes: cbx.routes(), fill: { '.input-quantity': '8' } },
  { name: '53-cobuild-project', route: 'pages/cobuild/project', query: { id: '401' }, height: 900, routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]) }) },
  { name: '54-cobuild-project-deliver', route: 'pages/cobuild/project', query: { id: '402' }, height: 1150, routes: cbx.routes(), fill: { '.input-served': '15' } },
  { name: '55-cobuild-project-rate', route: 'pages/cobuild/project', query: { id: '403' }, height: 1150, routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]) }),
    async before(page) { await h.tap(page, '.star-5') } },
  { name: '56-cobuild-wish', route: 'pages/cobuild/wish', height: 1150, routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]) }) },
  { name: '57-cobuild-proposals', route: 'pages/cobuild/proposals', height: 1150, routes: cbx.routes({ 'GET /api/v1/me': cbx.user([]) }) },
  { name: '58-cobuild-unit', route: 'pages/cobuild/unit', height: 1800, routes: cbx.routes() },
  { name: '59-cobuild-reportin', route: 'pages/cobuild/reportin', height: 900, routes: cbx.routes({ 'GET /api/v1/me': cbx.user(['party_member']) }) },
  { name: '60-cobuild-review', route: 'pages/cobuild/review', height: 1500, routes: cbx.routes({ 'GET /api/v1/me': cbx.user(['staff']) }) },
  // Rooms, bookings and teams (issue 16): 70–76
  { name: '70-rooms', route: 'pages/rooms/index', height: 900 },
  { name: '71-room-detail', route: 'pages/rooms/detail', query: { id: '11' }, height: 1000,
    fill: { '.input-purpose': '合唱排练', '.input-attendance': '12' },
    before: async (page) => {
      await h.tap(page, h.$$(page, '.day')[1])
      await h.tap(page, h.$$(page, '.slot')[3])
      await h.tap(page, h.$$(page, '.slot')[4])
    } },
  { name: '72-my-bookings', route: 'pages/rooms/bookings', height: 1200 },
  { name: '73-booking-ticket', route: 'pages/ticket/ticket', query: { id: '901', kind: 'booking', title: encodeURIComponent('幸福里社区舞蹈室'), name: encodeURIComponent('幸福里舞蹈队') }, height: 812, qr: demoTicket(901, 0) },
  { name: '74-teams', route: 'pages/teams/index', height: 812 },
  { name: '75-team-leader', route: 'pages/teams/detail', query: { id: '5' }, height: 1000 },
  { name: '76-staff-bookings', route: 'pages/staff/bookings', height: 900 },
]

const rpx = (css) => css.replace(/(-?\d*\.?\d+)rpx/g, (_, n) => `${+(n * WIDTH / 750).toFixed(2)}px`)

function pageTitle(route, page) {
  const json = JSON.parse(fs.readFileSync(path.join(h.ROOT, `${route}.json`), 'utf8'))
  return (page && page.__title) || json.navigationBarTitleText || APP_JSON.window.navigationBarTitleText
}

/** Strips simulate's per-component class prefixes ("main--card" → "card") in HTML and CSS. */
function unprefix(html, css) {
  const tags = new Set(['main'])
  for (const m of html.matchAll(/<([a-z][a-z0-9-]*)[\s>]/g)) if (!m[1].startsWith('wx-')) tags.add(m[1])
  const list = [...tags].sort((a, b) => b.length - a.length).map((t) => t.replace(/[-]/g, '\\-'))
  const re = new RegExp(`(^|[\\s."])(?:${list.join('|')})--`, 'g')
  const fixClass = (s) => s.replace(/class="([^"]*)"/g, (_, c) => `class="${c.split(/\s+/).map((t) => t.replace(new RegExp(`^(?:${list.join('|')})--`), '')).join(' ')}"`)
  return { html: fixClass(html), css: css.replace(re, '$1') }
}

function qrSvg(text, size) {
  const qr = qrcode(0, 'M')
  qr.addData(text)
  qr.make()
  const n = qr.getModuleCount()
  const cell = size / (n + 4)
  let rects = ''
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) rects += `<rect x="${((c + 2) * cell).toFixed(2)}" y="${((r + 2) * cell).toFixed(2)}" width="${cell.toFixed(2) * 1 + 0.3}" height="${cell.toFixed(2) * 1 + 0.3}"/>`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}"><rect width="100%" height="100%" fill="#fff"/><g fill="#000">${rects}</g></svg>`
}

// A street-map look-alike for <map> (no map tiles offline).
const MAP_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="100%" viewBox="0 0 350 200" preserveAspectRatio="xMidYMid slice">
<rect width="350" height="200" fill="#eef0e8"/><rect x="0" y="0" width="120" height="70" fill="#dfe8d0"/><rect x="240" y="120" width="110" height="80" fill="#d6e4f0"/>
<path d="M0 90 H350 M0 150 H350 M90 0 V200 M210 0 V200 M300 0 V200" stroke="#fff" stroke-width="12"/>
<path d="M0 90 H350 M90 0 V200 M210 0 V200" stroke="#f6d98a" stroke-width="5"/>
<text x="100" y="85" font-size="9" fill="#777">幸福路</text><text x="215" y="40" font-size="9" fill="#777" transform="rotate(90 215 40)">和平街</text>
<circle cx="175" cy="112" r="24" fill="#c8322b" fill-opacity="0.12"/><path d="M175 112 l-9 -14 a11 11 0 1 1 18 0 z" fill="#c8322b"/><circle cx="175" cy="94" r="4" fill="#fff"/>
<rect x="125" y="56" width="100" height="22" rx="6" fill="#fff" stroke="#ddd"/><text x="175" y="71" font-size="11" text-anchor="middle" fill="#333">王德福 09:42</text></svg>`

const BASE_CSS = `
html, body { margin: 0; padding: 0; }
body { width: ${WIDTH}px; -webkit-font-smoothing: antialiased; }
wx-view, wx-scroll-view, wx-picker, wx-form, wx-label, main { display: block; }
wx-text { display: inline; }
wx-scroll-view { overflow: hidden; }
wx-button { display: block; position: relative; box-sizing: border-box; text-align: center; border-radius: 5px; font-size: 18px; line-height: 2.55555556; background: #f8f8f8; color: #000; padding: 0 14px; margin: 0 auto; }
wx-input { display: block; min-height: 1.4em; color: #1f1f1f; }
wx-input:empty::before { content: "请填写"; color: #aaa; }
wx-textarea { display: block; white-space: pre-wrap; }
wx-image { display: inline-block; background: #e8e8e8; overflow: hidden; }
wx-canvas { display: inline-block; }
wx-map { display: block; overflow: hidden; }
.nav { z-index: 5; height: 64px; background: ${APP_JSON.window.navigationBarBackgroundColor}; color: #fff; box-sizing: border-box; padding-top: 20px; text-align: center; line-height: 44px; font-size: 17px; font-weight: 600; position: relative; }
.nav .back { position: absolute; left: 12px; top: 20px; font-size: 22px; font-weight: 400; }
.nav .capsule { position: absolute; right: 8px; top: 26px; width: 86px; height: 30px; border-radius: 16px; border: 1px solid rgba(255,255,255,.5); box-sizing: border-box; }
.content { padding-bottom: 8px; }
.tabbar { position: fixed; left: 0; right: 0; bottom: 0; height: 56px; background: #fff; border-top: 1px solid #ddd; display: flex; }
.tabbar .tab-item { flex: 1; text-align: center; font-size: 13px; color: ${APP_JSON.tabBar.color}; padding-top: 6px; }
.tabbar .tab-item .ico { display: block; width: 26px; height: 26px; margin: 0 auto 1px; }
.tabbar .tab-item.on { color: ${APP_JSON.tabBar.selectedColor}; font-weight: 600; }
.has-tabbar .content { padding-bottom: 64px; }
/* Vant's icon font comes from a CDN in WeChat; draw the few icons used here with text instead. */
.van-icon { font-family: sans-serif !important; font-style: normal; }
.van-icon-arrow::before { content: "›" !important; font-size: 22px; color: #999; }
.van-icon-success::before, .van-icon-checked::before { content: "✓" !important; }
.toast { position: fixed; left: 50%; top: 45%; transform: translateX(-50%); background: rgba(17,17,17,.8); color: #fff; padding: 12px 18px; border-radius: 8px; font-size: 16px; }
`

function findChromium() {
  for (const c of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).trim()
    } catch {
      // next
    }
  }
  throw new Error('chromium not found: apt-get install -y chromium fonts-noto-cjk')
}

async function shoot(shot, chromium, tmp) {
  h.resetModules()
  for (const el of [...document.head.querySelectorAll('style')]) el.remove()
  const w = h.installWx({ routes: Object.assign(routes(), shot.routes || {}) })
  if (shot.beforeRender) await shot.beforeRender(w)
  const page = await h.renderPage(shot.route, shot.query || {})
  await h.settle(20)
  if (shot.before) await shot.before(page, w)
  await h.settle(20)

  let html = page.dom.outerHTML
  const styles = [...document.head.querySelectorAll('style')].map((s) => s.textContent).join('\n')
  const app = fs.readFileSync(path.join(h.ROOT, 'app.wxss'), 'utf8').replace(/(^|\n)page\s*\{/g, '$1body {')
  const fixed = unprefix(html, styles)
  html = fixed.html
  if (shot.qr) html = html.replace(/<wx-canvas[^>]*>(<\/wx-canvas>)?/g, qrSvg(shot.qr, /rotating/.test(shot.route) ? 280 : 260))
  html = html.replace(/<wx-map([^>]*)>(<\/wx-map>)?/g, `<wx-map$1>${MAP_SVG}</wx-map>`)
  for (const [sel, value] of Object.entries(shot.fill || {})) {
    const cls = sel.replace(/^\./, '')
    html = html.replace(new RegExp(`(<wx-input class="[^"]*\\b${cls}\\b[^"]*"[^>]*>)(</wx-input>)`), `$1${value}$2`)
  }
  // textareas and inputs filled through their input events
  html = html.replace(/(<wx-textarea class="[^"]*input-description[^"]*"[^>]*>)(<\/wx-textarea>)/, `$1${page.data.description || ''}$2`)
  html = html.replace(/(<wx-input class="[^"]*input-name[^"]*"[^>]*>)(<\/wx-input>)/, `$1${(page.data.form && page.data.form.name) || ''}$2`)
  html = html.replace(/(<wx-input class="[^"]*imei-input[^"]*"[^>]*>)(<\/wx-input>)/, `$1${page.data.imei || ''}$2`)

  const isTab = TABS.includes(shot.route)
  const tabbar = isTab
    ? `<div class="tabbar">${APP_JSON.tabBar.list.map((t) => `<div class="tab-item ${t.pagePath === shot.route ? 'on' : ''}"><img class="ico" src="file://${path.join(h.ROOT, t.pagePath === shot.route ? t.selectedIconPath : t.iconPath)}">${t.text}</div>`).join('')}</div>`
    : ''
  let title = pageTitle(shot.route)
  if (shot.route === 'pages/activity/detail' && page.data.activity) title = page.data.activity.title
  if (shot.route === 'pages/wristband/detail' && page.data.band) title = `${page.data.band.wearer_name}的手环`
  const doc = `<!doctype html><html><head><meta charset="utf-8"><style>${BASE_CSS}</style><style>${rpx(app)}</style><style>${rpx(fixed.css)}</style></head>
<body class="${isTab ? 'has-tabbar' : ''}"><div class="nav">${isTab ? '' : '<span class="back">‹</span>'}${title.length > 12 ? `${title.slice(0, 11)}…` : title}<span class="capsule"></span></div>
<div class="content"${shot.shift ? ` style="margin-top: -${shot.shift}px"` : ''}>${html}</div>${tabbar}</body></html>`
  const file = path.join(tmp, `${shot.name}.html`)
  fs.writeFileSync(file, doc)
  const png = path.join(OUT, `${shot.name}.png`)
  execFileSync(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--hide-scrollbars', '--force-device-scale-factor=2', `--user-data-dir=${path.join(tmp, 'profile')}`,
    `--window-size=${WIDTH},${shot.height || 812}`, `--screenshot=${png}`, `file://${file}`,
  ], { stdio: 'ignore', timeout: 60000 })
  page.detach()
  return png
}

async function main() {
  const chromium = findChromium()
  fs.mkdirSync(OUT, { recursive: true })
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gj-shots-'))
  const only = process.env.SHOTS ? process.env.SHOTS.split(',') : null
  for (const shot of SHOTS) {
    if (only && !only.some((o) => shot.name.includes(o))) continue
    const png = await shoot(shot, chromium, tmp)
    console.log(`${path.relative(REPO, png)}`)
  }
  if (process.env.KEEP_HTML) console.log(`HTML kept in ${tmp}`)
  else fs.rmSync(tmp, { recursive: true, force: true })
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
