// Volunteer centre: scan the session's rotating code to check in / out (with location, after the
// privacy flow), hours by month, recent entries, links to claims and the service record.
const loads = require('../../behaviors/loads')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const privacy = require('../../utils/privacy')
const subscribe = require('../../utils/subscribe')
const { showError } = require('../../utils/request')


/**
 * The code a scan or a launch carries: a mini-program code (the printed poster) gives its page's
 * path with scene=<code>, WeChat's camera opens this page with query.scene; the rotating QR code
 * is the code itself.
 * @param {string} text
 */
function codeOf(text) {
  let s = String(text || '').trim()
  const m = s.match(/(?:^|[?&])scene=([^&]*)/)
  if (m) s = m[1]
  try {
    s = decodeURIComponent(s)
  } catch (e) {
    // not encoded
  }
  return s.trim()
}

/** Scans the rotating QR code or the poster's mini-program code (after the privacy flow). */
function scan() {
  return privacy.scanCodeResult({ scanType: ['qrCode', 'wxCode'] }).then((r) => codeOf(r.path && /scene=/.test(r.path) ? r.path : r.result))
}

// The message of a location refused in the settings: WeChat asks for the permission only once, so
// the page offers to open the settings (wx.openSetting) instead of failing on every tap.
const LOCATION_REFUSED = '签到、签退需要确认您在活动现场。请在设置中打开“位置信息”后再试。'

function locate() {
  return new Promise((resolve, reject) => {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => resolve(res),
      fail: (res) => {
        const refused = /auth|deny|denied/i.test(String((res && res.errMsg) || ''))
        reject(new Error(refused ? LOCATION_REFUSED : '无法获取位置，请在设置中允许使用位置信息后重试'))
      },
    })
  })
}

/** Asks to open the settings where the location permission is turned back on. */
function offerSettings() {
  wx.showModal({
    title: '需要位置权限',
    content: LOCATION_REFUSED,
    confirmText: '去设置',
    cancelText: '暂不',
    success: (r) => {
      if (r.confirm) wx.openSetting({})
    },
  })
}

Component({
  behaviors: [loads],
  // sceneCode: the poster's code WeChat opened this page with, used by the next tap instead of a scan
  data: { totalText: '0分钟', months: [], entries: [], loading: true, error: '', lastResult: '', busy: false, sceneCode: '' },
  methods: {
    onLoad(query) {
      subscribe.prefetch()
      if (query && query.scene) this.setData({ sceneCode: codeOf(query.scene) })
    },
    onShow() {
      return this.load()
    },
    load() {
      return this.loadFrom(api.myHours(), (res) => {
        const byMonth = (res && res.by_month) || []
        const max = byMonth.reduce((m, x) => Math.max(m, x.minutes), 0) || 1
        this.setData({
          loading: false,
          totalText: fmt.formatMinutes(res.total_minutes),
          // the server lists months oldest first; the latest (this month) leads here
          months: byMonth
            .slice()
            .reverse()
            .map((x) => ({ month: x.month, monthText: fmt.formatMonth(x.month), text: fmt.formatMinutes(x.minutes), percent: Math.max(0, Math.round((x.minutes / max) * 100)) })),
          entries: ((res && res.entries) || []).slice(0, 10).map((x) => ({
            id: x.id,
            title: x.activity_title || '志愿服务',
            minutesText: fmt.formatMinutes(x.minutes),
            negative: x.minutes < 0,
            dateText: fmt.formatDateTime(x.served_at),
            sourceText: fmt.HOURS_SOURCES[x.source] || '服务时长',
            // corrections carry the staff's reason; approved claims "补录：…"
            reason: x.source === 'correction' ? x.reason : '',
          })),
        })
      })
    },
    onCheckIn() {
      return this.selfCheck('in')
    },
    onCheckOut() {
      return this.selfCheck('out')
    },
    /** Tap → subscribe prompt → privacy → scan → location → POST /self-checkins. */
    selfCheck(action) {
      if (this.data.busy) return Promise.resolve()
      this.setData({ busy: true })
      return subscribe
        .ask(action === 'in' ? ['checkin_done', 'hours_credited'] : ['hours_credited'])
        .then(() => privacy.ensure())
        .then(() => this.data.sceneCode || scan())
        .then((code) => locate().then((loc) => ({ code, loc })))
        .then(({ code, loc }) => api.selfCheckin({ code, lat: loc.latitude, lng: loc.longitude, action }))
        .then(
          (res) => {
            // the poster's code served once; the next tap scans
            if (this.data.sceneCode) this.setData({ sceneCode: '' })
            // A repeated check-in or check-out answers the first one again (repeated: true).
            const at = fmt.formatTime(res.at)
            // in_review: checked out away from the place (or closed by the system): the hours
            // count only once staff approve them
            const review = action === 'out' && !!res.in_review
            let title = action === 'in' ? (res.repeated ? '已签到过' : '签到成功') : res.repeated ? '已签退过' : '签退成功'
            if (review && !res.repeated) title = '已签退'
            const extra = action === 'out' ? `，本次服务 ${fmt.formatMinutes(res.minutes)}` : ''
            // a fresh check-out is held only when away; a repeated one may be the system's closing
            let note = ''
            if (review) note = res.repeated ? '。本次服务时长需工作人员审核后计入' : '。您签退时不在活动现场附近，本次服务时长需工作人员审核后计入'
            this.setData({ busy: false, lastResult: `${title}（${at}）${extra}${res.activity_title ? ` · ${res.activity_title}` : ''}${note}` })
            wx.showToast({ title: review ? '已签退，时长待审核' : title, icon: review ? 'none' : 'success' })
            return this.load()
          },
          (err) => {
            this.setData({ busy: false })
            if (err && err.message === '已取消扫码') return
            if (err && err.message === LOCATION_REFUSED) return offerSettings()
            showError(err)
          },
        )
    },
    onClaim() {
      wx.navigateTo({ url: '/pages/volunteer/claim' })
    },
    onRecord() {
      wx.navigateTo({ url: '/pages/volunteer/record' })
    },
  },
})
