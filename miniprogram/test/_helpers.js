// Test harness: jsdom globals, miniprogram-simulate, a recording wx mock with a fake server.
process.env.TZ = 'Asia/Shanghai'

const path = require('path')
const fs = require('fs')
const { JSDOM } = require('jsdom')

const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { url: 'https://mp.test/' })
globalThis.window = dom.window
for (const k of ['document', 'Node', 'Element', 'HTMLElement', 'Event', 'CustomEvent', 'MouseEvent', 'TouchEvent', 'Touch', 'DocumentFragment', 'Text', 'Comment', 'MutationObserver', 'getComputedStyle', 'navigator']) {
  try {
    globalThis[k] = dom.window[k]
  } catch {
    Object.defineProperty(globalThis, k, { value: dom.window[k], configurable: true })
  }
}

const simulate = require('miniprogram-simulate')

const ROOT = path.join(__dirname, '..', 'src')
const APP_JSON = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))

// Global components from app.json, mapped to the packed npm output (simulate reads no app.json).
const GLOBAL_COMPONENTS = {}
for (const [tag, p] of Object.entries(APP_JSON.usingComponents || {})) {
  GLOBAL_COMPONENTS[tag] = p.startsWith('/') ? p : `/miniprogram_npm/${p}`
}

const baseWx = Object.assign({}, globalThis.wx)

// Async work started by the wx mock (callbacks, requests) that has not finished yet: settle()
// waits for it, so tests do not depend on how fast the machine is.
let pending = 0
function later(fn, ms = 0) {
  pending++
  setTimeout(() => {
    pending--
    fn()
  }, ms)
}
function track(promise) {
  pending++
  return promise.finally(() => {
    pending--
  })
}

/**
 * A fake server: routes like {'GET /api/v1/activities': (req) => body | {status, body}}.
 * A route may be a function or a plain value; {status, body} sets the status, {networkError: true}
 * fails the request like a lost connection. Unknown routes answer 404.
 */
function makeServer(routes) {
  const calls = []
  function handle(req) {
    const pathOnly = req.path
    const key = `${req.method} ${pathOnly}`
    let handler = routes[key]
    if (handler === undefined) {
      // pattern routes with :id
      for (const [k, h] of Object.entries(routes)) {
        const [m, p] = k.split(' ')
        if (m !== req.method || !p.includes(':')) continue
        const re = new RegExp(`^${p.replace(/:[a-z_]+/g, '[^/]+')}$`)
        if (re.test(pathOnly)) {
          handler = h
          break
        }
      }
    }
    if (handler === undefined) return { status: 404, body: { code: 'NOT_FOUND', message: '接口不存在' } }
    let out = typeof handler === 'function' ? handler(req) : handler
    if (out && typeof out === 'object' && (('status' in out && 'body' in out) || out.networkError)) return out
    return { status: 200, body: out }
  }
  return { calls, handle }
}

const DEFAULT_ROUTES = {
  'POST /api/v1/auth/login': {
    token: 'tok-1',
    refresh_token: 'ref-1',
    expires_in: 7200,
    user: { id: 1, nickname: '王阿姨', avatar_url: '', real_name: '王秀英', community_id: 1, phone_masked: '', roles: [{ role: 'resident', community_id: 1 }] },
  },
  'GET /api/v1/subscriptions': {
    ask: [
      { key: 'registration_confirmed', template_id: 'T_CONFIRMED' },
      { key: 'waitlist_promoted', template_id: 'T_PROMOTED' },
      { key: 'activity_reminder', template_id: 'T_REMINDER' },
      { key: 'activity_changed', template_id: 'T_CHANGED' },
      { key: 'checkin_done', template_id: 'T_CHECKIN' },
      { key: 'hours_credited', template_id: 'T_HOURS' },
      { key: 'claim_reviewed', template_id: 'T_CLAIM' },
      { key: 'wristband_alert', template_id: 'T_BAND' },
    ],
  },
  'POST /api/v1/subscriptions': { ok: true },
  'GET /api/v1/communities': { items: [{ id: 1, name: '幸福里社区' }, { id: 2, name: '和平街社区' }] },
}

/**
 * Installs a fresh wx mock. Returns a handle with recorded calls and knobs.
 * @param {object} [opts]
 * @param {Record<string, any>} [opts.routes] fake server routes (merged over the defaults)
 * @param {(req: any) => Promise<{status: number, body: any}>} [opts.transport] replaces the fake server (front-to-back test)
 */
function installWx(opts = {}) {
  const server = makeServer(Object.assign({}, DEFAULT_ROUTES, opts.routes || {}))
  const storage = new Map() // key -> {data, encrypt}
  const h = {
    server,
    calls: server.calls,
    storage,
    toasts: [],
    modals: [],
    navigations: [],
    subscribeRequests: [],
    scanResults: [],
    modalAnswers: [],
    location: { latitude: 31.2304, longitude: 121.4737 },
    chooseMediaResult: { tempFiles: [{ tempFilePath: 'wxfile://tmp/photo1.jpg', size: 1000 }] },
    subscribeAnswer: 'accept',
    privacyNeeded: false,
    privacyHandler: null,
    canvasOps: [],
    clipboard: null,
    downloads: {}, // temp file path -> the body the server answered
    openedDocuments: [],
    /** requests to a path (optionally method) */
    requests(method, p) {
      return server.calls.filter((c) => c.method === method && (p instanceof RegExp ? p.test(c.path) : c.path === p))
    },
  }

  function answer(cb, res) {
    later(() => cb(res))
  }
  function ok(o, res = {}) {
    later(() => {
      if (o.success) o.success(Object.assign({ errMsg: 'ok' }, res))
      if (o.complete) o.complete(res)
    }, 0)
  }
  function fail(o, errMsg) {
    later(() => {
      if (o.fail) o.fail({ errMsg })
      if (o.complete) o.complete({ errMsg })
    }, 0)
  }

  const transport = opts.transport || (async (req) => server.handle(req))

  const wx = Object.assign({}, baseWx, {
    request(o) {
      const u = new URL(o.url)
      let data = o.data
      if (typeof data === 'string') {
        try {
          data = JSON.parse(data)
        } catch {
          // keep string
        }
      }
      const req = { method: (o.method || 'GET').toUpperCase(), url: o.url, path: u.pathname, query: Object.fromEntries(u.searchParams), header: o.header || {}, data }
      server.calls.push(req)
      track(Promise.resolve()
        .then(() => transport(req))
        .then(
          (res) => {
            if (res.networkError) {
              o.fail && o.fail({ errMsg: 'request:fail' })
              return
            }
            o.success && o.success({ statusCode: res.status, data: res.body, header: {} })
          },
          () => o.fail && o.fail({ errMsg: 'request:fail' }),
        ))
      return { abort() {} }
    },
    uploadFile(o) {
      const u = new URL(o.url)
      const req = { method: 'POST', url: o.url, path: u.pathname, query: {}, header: o.header || {}, data: { file: o.filePath, name: o.name }, upload: true, filePath: o.filePath }
      server.calls.push(req)
      track(Promise.resolve()
        .then(() => transport(req))
        .then((res) => o.success && o.success({ statusCode: res.status, data: JSON.stringify(res.body) })))
      return { abort() {}, onProgressUpdate() {} }
    },
    downloadFile(o) {
      const u = new URL(o.url)
      const req = { method: 'GET', url: o.url, path: u.pathname, query: Object.fromEntries(u.searchParams), header: o.header || {}, data: undefined, download: true }
      server.calls.push(req)
      track(Promise.resolve()
        .then(() => transport(req))
        .then(
          (res) => {
            const tempFilePath = `wxfile://tmp/download-${server.calls.length}`
            h.downloads[tempFilePath] = res.body
            o.success && o.success({ statusCode: res.status, tempFilePath })
          },
          () => o.fail && o.fail({ errMsg: 'downloadFile:fail' }),
        ))
      return { abort() {}, onProgressUpdate() {} }
    },
    openDocument(o) {
      h.openedDocuments.push({ filePath: o.filePath, fileType: o.fileType })
      ok(o)
    },
    login(o) {
      ok(o, { code: 'wx-code-1' })
    },
    getStorageSync(k) {
      const v = storage.get(k)
      return v ? v.data : ''
    },
    setStorageSync(k, d) {
      storage.set(k, { data: d, encrypt: false })
    },
    removeStorageSync(k) {
      storage.delete(k)
    },
    getStorage(o) {
      const v = storage.get(o.key)
      if (!v) return fail(o, 'getStorage:fail data not found')
      if (!!v.encrypt !== !!o.encrypt) return fail(o, 'getStorage:fail encrypt mismatch')
      ok(o, { data: v.data })
    },
    setStorage(o) {
      storage.set(o.key, { data: JSON.parse(JSON.stringify(o.data)), encrypt: !!o.encrypt })
      ok(o)
    },
    removeStorage(o) {
      storage.delete(o.key)
      ok(o)
    },
    showToast(o) {
      h.toasts.push(o.title)
      ok(o)
    },
    showLoading(o) {
      ok(o)
    },
    hideLoading(o) {
      if (o) ok(o)
    },
    showModal(o) {
      h.modals.push({ title: o.title, content: o.content, showCancel: o.showCancel !== false, confirmText: o.confirmText || '确定', cancelText: o.cancelText || '取消' })
      const a = h.modalAnswers.length ? h.modalAnswers.shift() : { confirm: true }
      ok(o, Object.assign({ confirm: false, cancel: false }, a))
    },
    showActionSheet(o) {
      ok(o, { tapIndex: 0 })
    },
    navigateTo(o) {
      h.navigations.push({ type: 'navigateTo', url: o.url })
      ok(o)
    },
    redirectTo(o) {
      h.navigations.push({ type: 'redirectTo', url: o.url })
      ok(o)
    },
    switchTab(o) {
      h.navigations.push({ type: 'switchTab', url: o.url })
      ok(o)
    },
    navigateBack(o = {}) {
      h.navigations.push({ type: 'navigateBack' })
      ok(o)
    },
    stopPullDownRefresh() {
      h.stoppedPullDown = true
    },
    setNavigationBarTitle(o) {
      ok(o)
    },
    vibrateShort(o) {
      if (o) ok(o)
    },
    setClipboardData(o) {
      h.clipboard = o.data
      ok(o)
    },
    previewImage(o) {
      ok(o)
    },
    openLocation(o) {
      ok(o)
    },
    makePhoneCall(o) {
      ok(o)
    },
    requestSubscribeMessage(o) {
      h.subscribeRequests.push(o.tmplIds.slice())
      const res = {}
      o.tmplIds.forEach((id) => {
        res[id] = h.subscribeAnswer
      })
      ok(o, res)
    },
    scanCode(o) {
      h.scanCalls = (h.scanCalls || 0) + 1
      h.scanOptions = o
      const r = h.scanResults.shift()
      if (!r) return fail(o, 'scanCode:fail cancel')
      // a string is a QR code's text; an object the whole answer (a mini-program code: {path})
      ok(o, typeof r === 'string' ? { result: r, scanType: 'QR_CODE', charSet: 'utf-8' } : Object.assign({ result: '', scanType: 'WX_CODE', charSet: 'utf-8' }, r))
    },
    getLocation(o) {
      h.locationCalls = (h.locationCalls || 0) + 1
      ok(o, Object.assign({ accuracy: 30 }, h.location))
    },
    chooseMedia(o) {
      h.chooseMediaCalls = (h.chooseMediaCalls || 0) + 1
      ok(o, h.chooseMediaResult)
    },
    getPrivacySetting(o) {
      ok(o, { needAuthorization: h.privacyNeeded, privacyContractName: '《共建小程序隐私保护指引》' })
    },
    requirePrivacyAuthorize(o) {
      if (!h.privacyNeeded) return ok(o)
      if (!h.privacyHandler) return fail(o, 'requirePrivacyAuthorize:fail')
      h.privacyHandler((r) => {
        if (r && r.event === 'agree') {
          h.privacyNeeded = false
          ok(o)
        } else fail(o, 'requirePrivacyAuthorize:fail privacy permission is not authorized')
      })
    },
    onNeedPrivacyAuthorization(fn) {
      h.privacyHandler = fn
    },
    openPrivacyContract(o) {
      ok(o)
    },
    getNetworkType(o) {
      ok(o, { networkType: 'wifi' })
    },
    onNetworkStatusChange(fn) {
      h.networkHandlers = (h.networkHandlers || []).concat([fn])
    },
    offNetworkStatusChange() {},
    getWindowInfo() {
      return { pixelRatio: 2, windowWidth: 375, windowHeight: 812, screenWidth: 375, screenHeight: 812, statusBarHeight: 20, safeArea: { top: 20, bottom: 812, left: 0, right: 375, width: 375, height: 792 } }
    },
    createSelectorQuery() {
      const q = {
        in() {
          return q
        },
        select() {
          return q
        },
        fields() {
          return q
        },
        exec(cb) {
          const ctx = {
            scale() {},
            fillRect(...a) {
              h.canvasOps.push(a)
            },
            set fillStyle(v) {},
          }
          const node = { width: 0, height: 0, getContext: () => ctx }
          later(() => cb([{ node, width: 240, height: 240 }]))
        },
      }
      return q
    },
  })
  globalThis.wx = wx
  return h
}

// Fresh module state (session, subscription templates, privacy popups) for each test.
function resetModules() {
  detachAll()
  for (const k of Object.keys(require.cache)) {
    if (k.startsWith(ROOT + path.sep)) delete require.cache[k]
  }
}

// Page timers (live refresh, countdowns) must never keep the test process alive.
const realSetInterval = globalThis.setInterval
globalThis.setInterval = (...args) => {
  const t = realSetInterval(...args)
  if (t && typeof t.unref === 'function') t.unref()
  return t
}

// Pages rendered by a test are detached after it (runs their detached lifetimes).
const rendered = []
function detachAll() {
  while (rendered.length) {
    const p = rendered.pop()
    try {
      p.detach()
    } catch {
      // already detached
    }
  }
}

globalThis.getApp = () => ({ globalData: {} })
globalThis.getCurrentPages = () => []

/**
 * Installs the fake wx with opts (see installWx) and renders the page at route (see renderPage).
 * @returns {Promise<{w: any, page: any}>}
 */
async function openPage(opts, route, query, props) {
  const w = installWx(opts)
  const page = await renderPage(route, query, props)
  return { w, page }
}

/**
 * Loads, renders and attaches a page or component, then runs onLoad(query) and onShow().
 * @param {string} route e.g. 'pages/index/index'
 * @param {object} [query]
 * @param {object} [props] properties for a component
 */
async function renderPage(route, query, props) {
  const id = simulate.load(path.join(ROOT, route), {
    rootPath: ROOT,
    usingComponents: Object.assign({}, GLOBAL_COMPONENTS),
    compilerOptions: { maxBuffer: 64 << 20 },
  })
  const page = simulate.render(id, props || {})
  page.attach(document.createElement('parent-wrapper'))
  rendered.push(page)
  const inst = page.instance
  if (query !== null && typeof inst.onLoad === 'function') await inst.onLoad(query || {})
  if (query !== null && typeof inst.onShow === 'function') await inst.onShow()
  await settle()
  return page
}

/** Lets pending mock callbacks, requests and setData run: returns once nothing the wx mock
 * started is still in flight for two turns in a row (at least ms × 2, at most ~5 s). */
async function settle(ms = 5) {
  let quiet = 0
  for (let i = 0; i < 1000 && quiet < 2; i++) {
    await simulate.sleep(ms)
    quiet = pending === 0 ? quiet + 1 : 0
  }
}

/** Text content of the page (whitespace collapsed). */
function text(page) {
  return page.dom.textContent.replace(/\s+/g, ' ')
}

/** Finds an element by selector; throws a readable error when missing. */
function $(page, selector) {
  const el = page.querySelector(selector)
  if (!el) throw new Error(`no element matches ${selector}`)
  return el
}

function $$(page, selector) {
  return page.querySelectorAll(selector)
}

/** Taps an element (for a van-button host, its inner button). */
async function tap(page, selectorOrEl) {
  const el = typeof selectorOrEl === 'string' ? $(page, selectorOrEl) : selectorOrEl
  let target = el
  if (el.querySelector) {
    const inner = el.querySelector('.van-button') || el.querySelector('.van-cell')
    if (inner) target = inner
  }
  target.dispatchEvent('tap')
  await settle()
}

/** Sends an input event ({detail: {value}}) to a native input/textarea/picker. */
async function input(page, selector, value, eventName = 'input') {
  const el = typeof selector === 'string' ? $(page, selector) : selector
  el.dispatchEvent(eventName, { detail: { value } })
  await settle()
}

module.exports = { detachAll, simulate, ROOT, APP_JSON, installWx, resetModules, openPage, renderPage, settle, text, $, $$, tap, input }
