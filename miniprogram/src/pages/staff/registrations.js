// Staff: registrations of one activity, grouped by session, with counts by status.
const api = require('../../utils/api')
const fmt = require('../../utils/format')

Component({
  data: { activityId: '', title: '', loading: true, error: '', groups: [], counts: { confirmed: 0, checked_in: 0, waitlisted: 0, cancelled: 0 } },
  methods: {
    onLoad(query) {
      this.setData({ activityId: query.activity_id, title: decodeURIComponent(query.title || '') || '报名名单' })
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({ error: '' })
      return api.activityRegistrations(this.data.activityId).then(
        (res) => {
          const items = (res && res.items) || []
          const counts = { confirmed: 0, checked_in: 0, waitlisted: 0, cancelled: 0 }
          const groups = []
          const byKey = {}
          items.forEach((r) => {
            if (counts[r.status] !== undefined) counts[r.status]++
            const key = String(r.session_id || '')
            if (!byKey[key]) {
              byKey[key] = { key, timeText: r.starts_at ? fmt.formatRange(r.starts_at, r.ends_at) : '全部报名', items: [] }
              groups.push(byKey[key])
            }
            const answers = r.answers || {}
            byKey[key].items.push({
              id: r.id,
              name: (r.attendee && r.attendee.name) || r.name || '',
              phone: r.phone_masked || '',
              status: r.status,
              statusText: r.status === 'waitlisted' && r.waitlist_position ? `候补第${r.waitlist_position}位` : fmt.REGISTRATION_STATUS[r.status] || r.status,
              answersText: Object.keys(answers).map((k) => answers[k]).filter(Boolean).join('；'),
            })
          })
          counts.confirmed += counts.checked_in
          this.setData({ loading: false, groups, counts })
        },
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
  },
})
