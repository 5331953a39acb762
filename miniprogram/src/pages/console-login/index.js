// The phone side of the desk console's QR login: the console shows a mini-program code whose
// scene is "cl=<ticket>"; a staff member scans it, sees which browser asked and when, and
// confirms or cancels. Opening the page marks the code scanned (the console then shows the
// staff member's name); the console collects its session once the phone confirms.
const api = require('../../utils/api')
const { formatDateTime, formatTime } = require('../../utils/format')

const SCENE_PREFIX = 'cl='

/**
 * The ticket of a console login code: from the scene WeChat passes (URL-encoded "cl=<ticket>")
 * or a plain ticket query (opened from a link in development).
 * @param {Record<string, string>} query
 */
function ticketOf(query) {
  const q = query || {}
  if (q.scene) {
    let scene = String(q.scene)
    try {
      scene = decodeURIComponent(scene)
    } catch (e) {
      // not encoded
    }
    return scene.startsWith(SCENE_PREFIX) ? scene.slice(SCENE_PREFIX.length) : ''
  }
  return q.ticket ? String(q.ticket) : ''
}

/** "Chrome 浏览器 · Windows 电脑" from a browser's User-Agent (what staff recognise). */
function deviceOf(ua) {
  const s = String(ua || '')
  if (!s) return '未知浏览器'
  /** @type {Array<[RegExp, string]>} */
  const browsers = [
    [/Edg\//, 'Edge 浏览器'], [/QQBrowser/, 'QQ 浏览器'], [/360SE|360EE/, '360 浏览器'], [/Firefox\//, 'Firefox 浏览器'],
    [/Chrome\/|Chromium\//, 'Chrome 浏览器'], [/Safari\//, 'Safari 浏览器'],
  ]
  /** @type {Array<[RegExp, string]>} */
  const systems = [[/Windows/, 'Windows 电脑'], [/Mac OS X|Macintosh/, 'Mac 电脑'], [/Android/, '安卓设备'], [/iPhone|iPad/, '苹果设备'], [/Linux|X11/, 'Linux 电脑']]
  /** @param {Array<[RegExp, string]>} list */
  const match = (list) => list.find((x) => x[0].test(s))
  const b = match(browsers)
  const o = match(systems)
  return [b ? b[1] : '浏览器', o ? o[1] : ''].filter(Boolean).join(' · ')
}

/** What the page says when the server refuses (its own message otherwise). */
const HINTS = {
  QR_EXPIRED: '请在电脑上点击「刷新二维码」，再用微信扫一扫新的二维码。',
  QR_ALREADY_USED: '每个二维码只能使用一次。如需登录，请在电脑上刷新二维码后重新扫码。',
  QR_NOT_FOUND: '请在电脑上刷新二维码后重新扫码。',
  CONSOLE_FORBIDDEN: '桌面控制台仅供社区工作人员、管理员和共建单位联络员使用。如有需要，请联系街道或社区管理员开通。',
}

Component({
  data: {
    state: 'loading', // loading | ready | done | refused | failed
    ticket: '',
    device: '',
    ip: '',
    requestedAt: '',
    expiresAt: '',
    errorTitle: '',
    errorHint: '',
    busy: false,
  },
  methods: {
    onLoad(query) {
      const ticket = ticketOf(query)
      if (!ticket) {
        this.setData({ state: 'failed', errorTitle: '二维码无效', errorHint: HINTS.QR_NOT_FOUND })
        return Promise.resolve()
      }
      this.setData({ ticket })
      return api.scanConsoleLogin(ticket).then(
        (res) => this.setData({
          state: 'ready',
          device: deviceOf(res.browser),
          ip: res.ip || '',
          requestedAt: formatDateTime(res.requested_at),
          expiresAt: formatTime(res.expires_at),
        }),
        (err) => this.fail(err),
      )
    },
    fail(err) {
      const code = (err && err.code) || ''
      this.setData({
        state: 'failed',
        busy: false,
        errorTitle: (err && err.message) || '操作失败，请稍后再试',
        errorHint: HINTS[code] || '',
      })
    },
    decide(call, next) {
      if (this.data.busy) return Promise.resolve()
      this.setData({ busy: true })
      return call(this.data.ticket).then(
        () => this.setData({ state: next, busy: false }),
        (err) => this.fail(err),
      )
    },
    onConfirm() {
      return this.decide(api.confirmConsoleLogin, 'done')
    },
    onCancel() {
      return this.decide(api.refuseConsoleLogin, 'refused')
    },
    onClose() {
      wx.switchTab({ url: '/pages/index/index' })
    },
  },
})
