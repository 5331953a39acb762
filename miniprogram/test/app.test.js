// app.js: on start the mini-program logs in (wx.login → POST /auth/login → token), fetches the
// subscribe-message templates, and installs the privacy-authorisation handler.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const h = require('./_helpers')

test.beforeEach(() => h.resetModules())

/** Loads app.js with an App() shim (simulate defines Component and Behavior only); answers its options. */
function loadApp() {
  let options = null
  globalThis.App = (o) => {
    options = o
  }
  try {
    require(path.join(h.ROOT, 'app.js'))
  } finally {
    delete globalThis.App
  }
  assert.ok(options, 'app.js calls App()')
  return options
}

test('on launch: wx.login, POST /auth/login with its code, the token kept; templates fetched; privacy handler installed', async () => {
  const w = h.installWx()
  const app = loadApp()
  app.onLaunch()
  await h.settle()
  const logins = w.requests('POST', '/api/v1/auth/login')
  assert.equal(logins.length, 1)
  assert.deepEqual(logins[0].data, { code: 'wx-code-1' })
  assert.equal(w.storage.get('gj_token').data, 'tok-1')
  assert.equal(w.requests('GET', '/api/v1/subscriptions').length, 1)
  assert.equal(w.requests('GET', '/api/v1/subscriptions')[0].header.Authorization, 'Bearer tok-1')
  assert.equal(typeof w.privacyHandler, 'function', 'wx.onNeedPrivacyAuthorization is handled from the start')

  // the first page finds the token: no second login
  const api = require(path.join(h.ROOT, 'utils', 'api'))
  w.server.calls.length = 0
  await assert.rejects(api.getMe()) // no route in this fake server: 404, but sent with the token
  assert.equal(w.requests('POST', '/api/v1/auth/login').length, 0)
  assert.equal(w.requests('GET', '/api/v1/me')[0].header.Authorization, 'Bearer tok-1')
})

test('on launch: a failed login is not fatal; the first request logs in again', async () => {
  const w = h.installWx({ routes: { 'POST /api/v1/auth/login': { status: 503, body: { code: 'UNAVAILABLE', message: '服务暂时不可用，请稍后再试' } } } })
  const app = loadApp()
  app.onLaunch()
  await h.settle()
  assert.equal(w.requests('POST', '/api/v1/auth/login').length, 1)
  assert.equal(w.storage.get('gj_token'), undefined)
  const api = require(path.join(h.ROOT, 'utils', 'api'))
  await assert.rejects(api.getMe(), /服务暂时不可用/)
  assert.equal(w.requests('POST', '/api/v1/auth/login').length, 2)
})
