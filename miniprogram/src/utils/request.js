// HTTP layer: base URL, login on demand (wx.login → token), one refresh-and-retry on 401,
// server errors turned into ApiError carrying the server's Chinese message.
const config = require('../config')
const session = require('./session')

class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 for a network failure)
   * @param {string} code machine code from the server, e.g. QUOTA_FULL
   * @param {string} message Chinese message to show
   * @param {string} [requestId]
   * @param {Record<string, any>} [details] structured details (e.g. first_checked_in_at)
   */
  constructor(status, code, message, requestId, details) {
    super(message)
    this.status = status
    this.code = code
    this.requestId = requestId || ''
    this.details = details || {}
  }
}

const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'
const GENERIC_MESSAGE = '服务暂时不可用，请稍后再试'

function toError(res) {
  const body = res && res.data && typeof res.data === 'object' ? res.data : {}
  const status = (res && res.statusCode) || 0
  let message = body.message
  if (!message) {
    if (status === 401) message = '登录已过期，请重新进入小程序'
    else if (status === 403) message = '没有权限进行此操作'
    else if (status === 404) message = '内容不存在或已删除'
    else message = GENERIC_MESSAGE
  }
  return new ApiError(status, body.code || `HTTP_${status}`, message, body.request_id, body.details)
}

/**
 * One wx.request, resolved with {statusCode, data} for any HTTP status.
 * @param {{url: string, method?: string, data?: any, header?: Record<string, string>}} opts
 * @returns {Promise<{statusCode: number, data: any}>}
 */
function send(opts) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.baseUrl + opts.url,
      method: /** @type {any} */ (opts.method || 'GET'),
      data: opts.data,
      header: Object.assign({ 'Content-Type': 'application/json' }, opts.header || {}),
      timeout: config.timeout,
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data }),
      fail: () => reject(new ApiError(0, 'NETWORK', NETWORK_MESSAGE)),
    })
  })
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new ApiError(0, 'WX_LOGIN', '微信登录失败，请稍后再试'))),
      fail: () => reject(new ApiError(0, 'WX_LOGIN', '微信登录失败，请稍后再试')),
    })
  })
}

let loginPromise = null

async function doLogin() {
  const code = config.devLoginCode || (await wxLogin())
  const res = await send({ url: '/api/v1/auth/login', method: 'POST', data: { code } })
  if (res.statusCode !== 200 && res.statusCode !== 201) throw toError(res)
  session.setSession(res.data)
  return res.data.user
}

/** Logs in once even when many requests ask at the same time. */
function login() {
  if (!loginPromise) {
    loginPromise = doLogin().then(
      (u) => {
        loginPromise = null
        return u
      },
      (e) => {
        loginPromise = null
        throw e
      },
    )
  }
  return loginPromise
}

let refreshPromise = null

/** Refreshes with the in-memory refresh token, or logs in again when there is none or it fails. */
function refresh() {
  if (!refreshPromise) {
    const rt = session.getRefreshToken()
    const p = rt
      ? send({ url: '/api/v1/auth/refresh', method: 'POST', data: { refresh_token: rt } }).then((res) => {
          if (res.statusCode === 200 || res.statusCode === 201) {
            session.setSession(res.data)
            return res.data.user
          }
          return doLogin()
        })
      : doLogin()
    refreshPromise = p.then(
      (u) => {
        refreshPromise = null
        return u
      },
      (e) => {
        refreshPromise = null
        throw e
      },
    )
  }
  return refreshPromise
}

function authHeader() {
  const t = session.getToken()
  return t ? { Authorization: `Bearer ${t}` } : {}
}

/**
 * Authenticated JSON request. Resolves with the response body; rejects with ApiError.
 * @param {{url: string, method?: string, data?: any, header?: Record<string, string>, auth?: boolean}} opts
 */
async function request(opts) {
  const auth = opts.auth !== false
  if (auth && !session.getToken()) await login()
  const build = () => Object.assign({}, opts, { header: Object.assign({}, opts.header || {}, auth ? authHeader() : {}) })
  let res = await send(build())
  if (res.statusCode === 401 && auth) {
    await refresh()
    res = await send(build())
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data
  throw toError(res)
}

/**
 * A file transfer (wx.uploadFile, wx.downloadFile) of opts to the server path opts.url, logged in
 * and with the access token, once more after a refresh when the token had expired. Resolves with
 * answer(the transfer's result).
 * @param {(opts: any) => any} call
 * @param {{url: string, [k: string]: any}} opts
 * @param {(res: any) => any} answer
 * @returns {Promise<any>}
 */
async function transfer(call, opts, answer) {
  if (!session.getToken()) await login()
  const once = () =>
    new Promise((resolve, reject) => {
      call(Object.assign({}, opts, {
        url: config.baseUrl + opts.url,
        header: authHeader(),
        timeout: config.timeout,
        success: (res) => resolve(answer(res)),
        fail: () => reject(new ApiError(0, 'NETWORK', NETWORK_MESSAGE)),
      }))
    })
  let res = await once()
  if (res.statusCode === 401) {
    await refresh()
    res = await once()
  }
  return res
}

/**
 * Multipart upload of a local file as field "file". Resolves with the parsed JSON body.
 * @param {string} url
 * @param {string} filePath
 */
async function upload(url, filePath) {
  const res = await transfer((o) => wx.uploadFile(o), { url, filePath, name: 'file' }, (r) => {
    let data = r.data
    try {
      data = JSON.parse(/** @type {string} */ (r.data))
    } catch (e) {
      // not JSON
    }
    return { statusCode: r.statusCode, data }
  })
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data
  throw toError(res)
}

/**
 * Authenticated download of a server path (e.g. an uploaded photo, an XLSX export) to a local
 * temporary file: <image> and wx.previewImage cannot send the Authorization header themselves.
 * Resolves with the temporary file path.
 * @param {string} url a path on the server, e.g. /api/v1/uploads/…
 */
async function download(url) {
  const res = await transfer((o) => wx.downloadFile(o), { url }, (r) => r)
  if (res.statusCode >= 200 && res.statusCode < 300) return res.tempFilePath
  throw toError({ statusCode: res.statusCode, data: savedError(res.tempFilePath) })
}

/**
 * The server's JSON error in the file wx.downloadFile saved for a refused download (it saves the
 * body whatever the status), so that its Chinese message shows; {} when there is none.
 * @param {string} [filePath]
 * @returns {Record<string, any>}
 */
function savedError(filePath) {
  if (!filePath || typeof wx.getFileSystemManager !== 'function') return {}
  try {
    const text = wx.getFileSystemManager().readFileSync(filePath, 'utf8')
    const body = JSON.parse(/** @type {string} */ (text))
    return body && typeof body === 'object' && typeof body.message === 'string' ? body : {}
  } catch (e) {
    return {} // no file, or not the server's JSON (a proxy's page)
  }
}

// Refusals that mean "a community has to confirm where you live first" (居住认证): wishes,
// proposals, supports and report-ins of co-building answer 403 NOT_COMMUNITY_RESIDENT; joining
// a cultural team answers 403 NOT_IN_COMMUNITY.
const RESIDENCE_CODES = ['NOT_COMMUNITY_RESIDENT', 'NOT_IN_COMMUNITY']
const RESIDENCE_PAGE = '/pages/residence/index'

/**
 * Shows an error to the user: the server's Chinese message, in a modal (easy to read for
 * elderly users, does not vanish by itself). A refusal that needs a confirmed residence
 * offers the way to the residence page (居住认证) beside 知道了.
 * @param {any} err
 * @param {string} [fallback]
 */
function showError(err, fallback) {
  const message = (err && err instanceof ApiError && err.message) || (err && err.message && /[\u4e00-\u9fa5]/.test(err.message) ? err.message : '') || fallback || GENERIC_MESSAGE
  if (err instanceof ApiError && RESIDENCE_CODES.includes(err.code)) {
    wx.showModal({
      title: '提示',
      content: message,
      cancelText: '知道了',
      confirmText: '居住认证',
      success: (res) => {
        if (res.confirm) wx.navigateTo({ url: RESIDENCE_PAGE })
      },
    })
    return
  }
  wx.showModal({ title: '提示', content: message, showCancel: false, confirmText: '知道了' })
}

/**
 * Whether a form must not be sent now: one is being sent (page.data.submitting), or
 * page.validate() finds something wrong, which a long toast then says.
 * @param {any} page
 * @returns {boolean}
 */
function cannotSubmit(page) {
  if (page.data.submitting) return true
  const problem = page.validate()
  if (problem) wx.showToast({ title: problem, icon: 'none', duration: 2500 })
  return !!problem
}

/**
 * Waits for a form's request with page.data[flag] true: when it succeeds, the returned promise
 * resolves with done(answer); when it fails, its error shows.
 * @param {any} page
 * @param {string} flag
 * @param {Promise<any>} req
 * @param {(res: any) => any} done
 */
function submitThen(page, flag, req, done) {
  page.setData({ [flag]: true })
  return req.then(
    (res) => {
      page.setData({ [flag]: false })
      return done(res)
    },
    (err) => {
      page.setData({ [flag]: false })
      showError(err)
    },
  )
}

/**
 * submitThen that, once the request succeeds, gives onDone (if any) its answer, shows the toast and
 * goes back.
 * @param {any} page
 * @param {string} flag
 * @param {Promise<any>} req
 * @param {WechatMiniprogram.ShowToastOption} toast
 * @param {(res: any) => void} [onDone]
 */
function submitThenBack(page, flag, req, toast, onDone) {
  return submitThen(page, flag, req, (res) => {
    if (onDone) onDone(res)
    wx.showToast(toast)
    wx.navigateBack()
  })
}

/**
 * Asks for confirmation with a modal (wx.showModal's options); when confirmed runs action(text),
 * text being what an editable modal got ('' otherwise), and, once it succeeds, after(answer), which
 * the returned promise resolves with; a failure shows its error (failText when it has no message
 * for the resident). Resolves with undefined when cancelled or failed.
 * @param {WechatMiniprogram.ShowModalOption} modal
 * @param {(text: string) => Promise<any>} action
 * @param {(res: any) => any} after
 * @param {string} [failText]
 * @returns {Promise<any>}
 */
function confirmThen(modal, action, after, failText) {
  return new Promise((resolve) => {
    wx.showModal(
      Object.assign({}, modal, {
        success: (res) => {
          if (!res.confirm) return resolve(undefined)
          action(String(res.content || '')).then(
            (answer) => resolve(after(answer)),
            (err) => {
              showError(err, failText)
              resolve(undefined)
            },
          )
        },
        fail: () => resolve(undefined),
      }),
    )
  })
}

/**
 * confirmThen that, once action() succeeds, toasts done and goes back.
 * @param {{title: string, content: string, confirmText: string}} modal
 * @param {() => Promise<any>} action
 * @param {string} done
 * @returns {Promise<void>}
 */
function confirmThenBack(modal, action, done) {
  return confirmThen(modal, () => action(), () => {
    wx.showToast({ title: done, icon: 'success' })
    wx.navigateBack()
  })
}

/** A random key for Idempotency-Key headers. */
function newIdempotencyKey() {
  const hex = () => Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')
  return `${Date.now().toString(16)}-${hex()}${hex()}-${hex()}${hex()}`
}

module.exports = {
  ApiError,
  request,
  upload,
  download,
  login,
  refresh,
  showError,
  cannotSubmit,
  submitThen,
  submitThenBack,
  confirmThen,
  confirmThenBack,
  newIdempotencyKey,
}
