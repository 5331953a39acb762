// Staff hub: the published activities I manage (GET /admin/activities: those of my organisations
// and communities, with their sessions) with entries to registrations, the rotating
// self-check-in code and ticket scanning; hours-claim review, wristband alarms, room bookings
// and scanning the desk console's login code.
const loads = require('../../behaviors/loads')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const privacy = require('../../utils/privacy')
const { showError } = require('../../utils/request')

const CONSOLE_LOGIN = '/pages/console-login/index'

const PAGE_SIZE = 50

/** The activities of one page of GET /admin/activities, as the hub shows them. */
function shown(res) {
  return ((res && res.items) || []).map((a) => Object.assign({}, a, {
    categoryName: a.category_name || fmt.CATEGORY_NAMES[a.category] || '',
    timeText: fmt.formatDateTime(a.next_starts_at),
    sessionOptions: (a.sessions || []).map((s) => ({ id: s.id, timeText: fmt.formatRange(s.starts_at, s.ends_at) })),
  }))
}

/** Whether a page follows: fewer shown than the total, and this page was full. */
function hasMore(res, activities) {
  const items = (res && res.items) || []
  return typeof (res && res.total) === 'number' && activities.length < res.total && items.length >= PAGE_SIZE
}

Component({
  behaviors: [loads],
  data: { activities: [], loading: true, error: '', pick: null, page: 1, more: false, loadingMore: false },
  methods: {
    onLoad() {
      return this.load()
    },
    load() {
      return this.loadFrom(api.adminActivities({ status: 'published', page: 1, page_size: PAGE_SIZE }), (res) => {
        const activities = shown(res)
        this.setData({ loading: false, activities, page: 1, more: hasMore(res, activities) })
      })
    },
    /** The list is paged (newest first): the next page when there is one. */
    onReachBottom() {
      if (!this.data.more || this.data.loadingMore) return Promise.resolve()
      const page = this.data.page + 1
      this.setData({ loadingMore: true })
      return api.adminActivities({ status: 'published', page, page_size: PAGE_SIZE }).then(
        (res) => {
          const activities = this.data.activities.concat(shown(res))
          this.setData({ activities, page, more: hasMore(res, activities), loadingMore: false })
        },
        () => this.setData({ loadingMore: false }),
      )
    },
    onRegistrations(e) {
      const { id, title } = e.currentTarget.dataset
      wx.navigateTo({ url: `/pages/staff/registrations?activity_id=${id}&title=${encodeURIComponent(title)}` })
    },
    onScan(e) {
      const { id, title } = e.currentTarget.dataset
      wx.navigateTo({ url: `/pages/staff/scan?activity_id=${id}&title=${encodeURIComponent(title)}` })
    },
    /** The rotating code is per session: pick one when the activity has several. */
    onRotatingCode(e) {
      const { id, title } = e.currentTarget.dataset
      const a = this.data.activities.find((x) => x.id === id)
      const sessions = (a && a.sessionOptions) || []
      if (!sessions.length) wx.showToast({ title: '该活动没有场次', icon: 'none' })
      else if (sessions.length === 1) this.openCode(sessions[0].id, title, sessions[0].timeText)
      else this.setData({ pick: { title, sessions } })
    },
    onPickSession(e) {
      const s = this.data.pick.sessions.find((x) => x.id === e.currentTarget.dataset.id)
      this.openCode(s.id, this.data.pick.title, s.timeText)
      this.setData({ pick: null })
    },
    openCode(sessionId, title, timeText) {
      wx.navigateTo({ url: `/pages/staff/rotating-code?session_id=${sessionId}&title=${encodeURIComponent(title)}&time=${encodeURIComponent(timeText)}` })
    },
    /** A grid entry: opens the page its data-url names. */
    onGo(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    /** Scans the desk console's login code (a mini-program code) and opens its confirm page. */
    onConsoleLogin() {
      return privacy.scanCodeResult({ scanType: ['wxCode', 'qrCode'] }).then((res) => {
        const p = '/' + String(res.path || '').replace(/^\//, '')
        if (p.startsWith(CONSOLE_LOGIN + '?')) wx.navigateTo({ url: p })
        else wx.showToast({ title: '这不是桌面控制台的登录二维码', icon: 'none' })
      }, privacy.scanFailed(showError))
    },
  },
})
