// The API layer: login on demand, one refresh on 401, Chinese errors, what goes into wx storage.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const h = require('./_helpers')

test.beforeEach(() => h.resetModules())

const req = (m) => require(path.join(h.ROOT, 'utils', m))

test('the first request logs in with the wx.login code and sends the bearer token', async () => {
  const w = h.installWx({ routes: { 'GET /api/v1/me': { id: 1, nickname: '王阿姨' } } })
  const api = req('api')
  const me = await api.getMe()
  assert.equal(me.nickname, '王阿姨')
  assert.deepEqual(w.requests('POST', '/api/v1/auth/login')[0].data, { code: 'wx-code-1' })
  assert.equal(w.requests('GET', '/api/v1/me')[0].header.Authorization, 'Bearer tok-1')
})

test('concurrent requests share one login', async () => {
  const w = h.installWx({ routes: { 'GET /api/v1/me': {}, 'GET /api/v1/communities': { items: [] } } })
  const api = req('api')
  await Promise.all([api.getMe(), api.listCommunities(), api.getMe()])
  assert.equal(w.requests('POST', '/api/v1/auth/login').length, 1)
})

test('config.devLoginCode logs in to the embedded server as a demo user', async () => {
  const w = h.installWx({ routes: { 'GET /api/v1/me': {} } })
  req('../config').devLoginCode = 'dev:alice'
  await req('api').getMe()
  assert.deepEqual(w.requests('POST', '/api/v1/auth/login')[0].data, { code: 'dev:alice' })
})

test('a 401 refreshes the token once and retries the request', async () => {
  let calls = 0
  const w = h.installWx({
    routes: {
      'GET /api/v1/me': (r) => {
        calls++
        return r.header.Authorization === 'Bearer tok-2' ? { id: 1 } : { status: 401, body: { code: 'TOKEN_EXPIRED', message: '登录已过期' } }
      },
      'POST /api/v1/auth/refresh': { token: 'tok-2', refresh_token: 'ref-2', expires_in: 7200, user: { id: 1 } },
    },
  })
  const me = await req('api').getMe()
  assert.equal(me.id, 1)
  assert.equal(calls, 2)
  assert.deepEqual(w.requests('POST', '/api/v1/auth/refresh')[0].data, { refresh_token: 'ref-1' })
})

test('a second 401 is not retried again and surfaces as an error', async () => {
  let calls = 0
  h.installWx({
    routes: {
      'GET /api/v1/me': () => {
        calls++
        return { status: 401, body: { code: 'UNAUTHORIZED', message: '请重新登录' } }
      },
      'POST /api/v1/auth/refresh': { token: 'tok-2', refresh_token: 'ref-2', user: {} },
    },
  })
  await assert.rejects(req('api').getMe(), (e) => e.status === 401 && e.message === '请重新登录')
  assert.equal(calls, 2)
})

test('a failed refresh falls back to a fresh wx.login', async () => {
  let logins = 0
  const w = h.installWx({
    routes: {
      'POST /api/v1/auth/login': () => {
        logins++
        return { token: `tok-login-${logins}`, refresh_token: 'ref-x', user: { id: 1 } }
      },
      'POST /api/v1/auth/refresh': { status: 401, body: { code: 'REFRESH_EXPIRED', message: '请重新登录' } },
      'GET /api/v1/me': (r) => (r.header.Authorization === 'Bearer tok-login-2' ? { id: 1 } : { status: 401, body: { code: 'X', message: '过期' } }),
    },
  })
  await req('api').getMe()
  assert.equal(logins, 2)
  assert.equal(w.requests('GET', '/api/v1/me').length, 2)
})

test('server errors carry the machine code and the Chinese message; showError shows it', async () => {
  const w = h.installWx({ routes: { 'POST /api/v1/registrations': { status: 422, body: { code: 'NOT_ELIGIBLE', message: '该活动仅限本社区居民报名', request_id: 'abc' } } } })
  const api = req('api')
  let err
  try {
    await api.createRegistrations({ session_id: 1, attendees: [{ self: true }], answers: {} }, 'k1')
  } catch (e) {
    err = e
  }
  assert.equal(err.code, 'NOT_ELIGIBLE')
  assert.equal(err.status, 422)
  assert.equal(err.requestId, 'abc')
  req('request').showError(err)
  await h.settle()
  assert.equal(w.modals[0].content, '该活动仅限本社区居民报名')
  assert.equal(w.requests('POST', '/api/v1/registrations')[0].header['Idempotency-Key'], 'k1')
})

test('errors without a body get a Chinese fallback message', async () => {
  h.installWx({ routes: { 'GET /api/v1/me': { status: 502, body: 'Bad Gateway' } } })
  await assert.rejects(req('api').getMe(), (e) => e.status === 502 && /服务暂时不可用/.test(e.message))
})

test('wx storage holds only the session token: no refresh token, phone or profile', async () => {
  const w = h.installWx({ routes: { 'GET /api/v1/me': { id: 1, phone_masked: '138****1234', real_name: '王秀英' } } })
  await req('api').getMe()
  const plain = [...w.storage.entries()].filter(([, v]) => !v.encrypt)
  assert.deepEqual(plain.map(([k]) => k), ['gj_token'])
  assert.equal(plain[0][1].data, 'tok-1')
  const dump = JSON.stringify(plain)
  for (const secret of ['ref-1', '王秀英', '138', 'phone']) assert.ok(!dump.includes(secret), `storage leaks ${secret}`)
})

test('uploads are multipart "file" with the token, answering the parsed JSON', async () => {
  const answer = { url: '/api/v1/uploads/3f1c0e4b9a2d4c6e8f0a1b2c3d4e5f60', id: '3f1c0e4b9a2d4c6e8f0a1b2c3d4e5f60', content_type: 'image/jpeg', size: 182044, width: 1280, height: 960 }
  const w = h.installWx({ routes: { 'POST /api/v1/uploads': { status: 201, body: answer } } })
  const res = await req('api').uploadFile('wxfile://tmp/a.jpg')
  assert.deepEqual(res, answer)
  const up = w.requests('POST', '/api/v1/uploads')[0]
  assert.equal(up.data.name, 'file')
  assert.equal(up.header.Authorization, 'Bearer tok-1')
})

test('downloads of private files send the token, refresh once on 401, and fail with the server status', async () => {
  let n = 0
  const w = h.installWx({ routes: {
    'GET /api/v1/uploads/:id': () => (++n === 1 ? { status: 401, body: { code: 'TOKEN_EXPIRED', message: '登录已过期' } } : 'JPEG'),
    'POST /api/v1/auth/refresh': { token: 'tok-2', refresh_token: 'ref-2', expires_in: 7200, user: { id: 1, roles: [] } },
  } })
  const path1 = await req('api').downloadPhoto('/api/v1/uploads/3f1c0e4b9a2d4c6e8f0a1b2c3d4e5f60')
  assert.equal(w.downloads[path1], 'JPEG')
  assert.deepEqual(w.requests('GET', '/api/v1/uploads/3f1c0e4b9a2d4c6e8f0a1b2c3d4e5f60').map((r) => r.header.Authorization), ['Bearer tok-1', 'Bearer tok-2'])
  h.resetModules()
  h.installWx({ routes: { 'GET /api/v1/uploads/:id': { status: 404, body: {} } } })
  await assert.rejects(req('api').downloadPhoto('/api/v1/uploads/00000000000000000000000000000000'), (e) => e.status === 404 && /内容不存在/.test(e.message))
})

test('every request the app makes is a route of the server (internal/httpapi/openapi.yaml and openapi/*.yaml)', async () => {
  const fs = require('fs')
  const dir = path.join(__dirname, '..', '..', 'internal', 'httpapi')
  const frags = fs.readdirSync(path.join(dir, 'openapi')).filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, 'openapi', f))
  const spec = [path.join(dir, 'openapi.yaml'), ...frags].map((f) => fs.readFileSync(f, 'utf8')).join('\n')
  // paths: "  /api/v1/...:" then methods "    get:" until the next path
  const routes = []
  let current = null
  for (const line of spec.split('\n')) {
    const p = line.match(/^  (\/api\/v1\/\S+):\s*$/)
    if (p) current = p[1]
    else if (/^\S/.test(line)) current = null
    const m = line.match(/^    (get|post|put|patch|delete):/)
    if (current && m) routes.push({ method: m[1].toUpperCase(), re: new RegExp(`^${current.replace(/\{[a-z_]+\}/g, '[^/]+')}$`) })
  }
  assert.ok(routes.length > 50, `only ${routes.length} routes read from openapi.yaml`)
  const w = h.installWx({ routes: {} })
  const api = req('api')
  const args = { createRegistrations: [{}, 'k'], myRegistrations: ['upcoming'], bindPhone: ['c'], acceptInvitation: ['c'], reportSubscriptions: [{}] }
  const calls = []
  for (const name of Object.keys(api)) {
    if (typeof api[name] !== 'function' || ['qs', 'newIdempotencyKey'].includes(name)) continue
    const before = w.calls.length
    await api[name](...(args[name] || ['1', '2', '3'])).catch(() => {})
    await h.settle()
    for (const c of w.calls.slice(before)) if (c.path !== '/api/v1/auth/login') calls.push({ name, method: c.method, path: c.path })
  }
  assert.ok(calls.length >= 40, `only ${calls.length} calls recorded`)
  const unknown = calls.filter((c) => !routes.some((r) => r.method === c.method && r.re.test(c.path)))
  assert.deepEqual(unknown, [])
})
test('every URL is built in utils/api.js: no page or component calls wx.request itself', () => {
  const fs = require('fs')
  const offenders = []
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.name === 'miniprogram_npm') continue
      if (e.isDirectory()) walk(p)
      else if (p.endsWith('.js') && !p.endsWith(path.join('utils', 'request.js'))) {
        const s = fs.readFileSync(p, 'utf8')
        if (/wx\.(request|uploadFile|downloadFile)\(/.test(s) || (/\/api\/v1\//.test(s) && !p.endsWith(path.join('utils', 'api.js')))) offenders.push(path.relative(h.ROOT, p))
        if (/setStorageSync\(/.test(s) && !p.endsWith(path.join('utils', 'session.js'))) offenders.push(`${path.relative(h.ROOT, p)} (plain storage)`)
      }
    }
  }
  walk(h.ROOT)
  assert.deepEqual(offenders, [])
})

test('a refused download shows the server\'s Chinese message and code (read from the file WeChat saved)', async () => {
  // wx.downloadFile saves the body whatever the status: a refusal's body is the server's JSON error.
  const w = h.installWx({ routes: {
    'GET /api/v1/me/hours/record': { status: 429, body: { code: 'RATE_LIMITED', message: '操作太频繁，请稍后再试', request_id: 'r-9' } },
  } })
  wx.getFileSystemManager = () => ({
    readFileSync: (p, enc) => {
      assert.equal(enc, 'utf8')
      if (!(p in w.downloads)) throw new Error('readFileSync:fail no such file')
      const b = w.downloads[p]
      return typeof b === 'string' ? b : JSON.stringify(b)
    },
  })
  await assert.rejects(req('api').downloadHoursRecord(), (e) => e.status === 429 && e.code === 'RATE_LIMITED' && e.message === '操作太频繁，请稍后再试' && e.requestId === 'r-9')
  // a body that is not the server's JSON error (a proxy's page): the status's Chinese fallback
  h.resetModules()
  const w2 = h.installWx({ routes: { 'GET /api/v1/uploads/:id': { status: 404, body: '<html>not found</html>' } } })
  wx.getFileSystemManager = () => ({ readFileSync: (p) => w2.downloads[p] })
  await assert.rejects(req('api').downloadPhoto('/api/v1/uploads/00000000000000000000000000000000'), (e) => e.status === 404 && /内容不存在/.test(e.message))
})
