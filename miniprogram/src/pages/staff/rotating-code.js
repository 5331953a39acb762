// Rotating self-check-in code for one session, shown on the staff's phone at the venue.
// Fetched again shortly before it expires; the countdown uses the server's clock (server_time),
// so a phone whose clock is off neither shows an expired code nor fetches in a loop.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const local = require('../../utils/local')

const EARLY_MS = 3000
// A fetch that failed for a reason that may pass (no signal at the venue, a busy server) is tried
// again after this long, so the code does not stop changing until someone taps 重新加载.
const RETRY_MS = 3000

/** @param {any} err */
function passing(err) {
  return !err || err.status === 0 || err.status === 429 || err.status >= 500
}

Component({
  data: { sessionId: '', title: '', time: '', code: '', expiresAt: 0, secondsLeft: 0, loading: true, error: '' },
  // expiresAt is in the phone's clock: the server's expires_at shifted by (phone − server) time.
  lifetimes: {
    detached() {
      local(this).gone = true
      this.stop()
    },
  },
  methods: {
    onLoad(query) {
      this.setData({ sessionId: query.session_id, title: decodeURIComponent(query.title || '') || '自助签到码', time: decodeURIComponent(query.time || '') })
      if (wx.setKeepScreenOn) wx.setKeepScreenOn({ keepScreenOn: true })
      return this.refresh()
    },
    onUnload() {
      local(this).gone = true
      this.stop()
    },
    stop() {
      const l = local(this)
      if (l.timer) clearInterval(l.timer)
      l.timer = null
      if (l.retry) clearTimeout(l.retry)
      l.retry = null
    },
    refresh() {
      this.stop()
      return api.rotatingCode(this.data.sessionId).then(
        (res) => {
          const exp = fmt.toDate(res.expires_at)
          const serverNow = fmt.toDate(res.server_time)
          const skew = serverNow ? Date.now() - serverNow.getTime() : 0
          const step = (res.step_seconds || 30) * 1000
          const expiresAt = exp ? exp.getTime() + skew : Date.now() + step
          this.setData({ loading: false, error: '', code: res.code, expiresAt })
          this.tick()
          local(this).timer = setInterval(() => this.tick(), 1000)
        },
        (err) => {
          this.setData({ loading: false, error: err.message || '签到码加载失败' })
          if (passing(err) && !local(this).gone) local(this).retry = setTimeout(() => this.refresh(), RETRY_MS)
        },
      )
    },
    tick() {
      const left = this.data.expiresAt - Date.now()
      this.setData({ secondsLeft: Math.max(0, Math.ceil(left / 1000)) })
      if (left <= EARLY_MS) this.refresh()
    },
  },
})
