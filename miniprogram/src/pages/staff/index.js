// Staff hub: activities of my community with entries to registrations, the rotating self-check-in
// code and ticket scanning; hours-claim review and wristband alarms.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const session = require('../../utils/session')

Component({
  data: { activities: [], loading: true, error: '', pick: null },
  methods: {
    onLoad() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      const me = session.getUser()
      const staffRole = me && (me.roles || []).find((r) => r.community_id)
      this.setData({ error: '' })
      return api.listActivities({ community_id: staffRole ? staffRole.community_id : '', page: 1, page_size: 50 }).then(
        (res) => this.setData({
          loading: false,
          activities: ((res && res.items) || []).map((a) => Object.assign({}, a, { categoryName: a.category_name || fmt.CATEGORY_NAMES[a.category] || '', timeText: fmt.formatDateTime(a.next_starts_at) })),
        }),
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
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
      return api.getActivity(id).then(
        (a) => {
          const sessions = (a.sessions || []).map((s) => ({ id: s.id, timeText: fmt.formatRange(s.starts_at, s.ends_at) }))
          if (sessions.length === 1) this.openCode(sessions[0].id, title, sessions[0].timeText)
          else this.setData({ pick: { title, sessions } })
        },
        () => wx.showToast({ title: '加载场次失败', icon: 'none' }),
      )
    },
    onPickSession(e) {
      const s = this.data.pick.sessions.find((x) => x.id === e.currentTarget.dataset.id)
      this.openCode(s.id, this.data.pick.title, s.timeText)
      this.setData({ pick: null })
    },
    openCode(sessionId, title, timeText) {
      wx.navigateTo({ url: `/pages/staff/rotating-code?session_id=${sessionId}&title=${encodeURIComponent(title)}&time=${encodeURIComponent(timeText)}` })
    },
    onClaims() {
      wx.navigateTo({ url: '/pages/staff/claims' })
    },
    onAlarms() {
      wx.navigateTo({ url: '/pages/staff/alarms' })
    },
  },
})
