// Staff: registrations of one activity (GET /admin/activities/{id}/registrations), grouped by
// session, with counts by status; who has checked in comes from each session's attendance
// (GET /admin/sessions/{id}/attendance), since check-in is not a registration status.
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
          const sessionIds = []
          items.forEach((r) => {
            if (r.status === 'confirmed' && sessionIds.indexOf(r.session_id) < 0) sessionIds.push(r.session_id)
          })
          // Attendance is extra: the list still shows when it cannot be loaded.
          return Promise.all(sessionIds.map((id) => api.sessionAttendance(id).catch(() => null))).then((atts) => {
            const checkedIn = {}
            atts.forEach((a) => ((a && a.registrations) || []).forEach((x) => {
              if (x.checked_in_at) checkedIn[x.registration_id] = x.checked_in_at
            }))
            this.show(items, checkedIn)
          })
        },
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    show(items, checkedIn) {
      const counts = { confirmed: 0, checked_in: 0, waitlisted: 0, cancelled: 0 }
      const groups = []
      const byKey = {}
      items.forEach((r) => {
        if (counts[r.status] !== undefined) counts[r.status]++
        const inAt = r.status === 'confirmed' ? checkedIn[r.id] : null
        if (inAt) counts.checked_in++
        const key = String(r.session_id)
        if (!byKey[key]) {
          byKey[key] = { key, timeText: fmt.formatRange(r.starts_at, r.ends_at), items: [] }
          groups.push(byKey[key])
        }
        const answers = r.answers || {}
        let statusText = fmt.REGISTRATION_STATUS[r.status] || r.status
        if (r.status === 'waitlisted' && r.waitlist_position) statusText = `候补第${r.waitlist_position}位`
        else if (inAt) statusText = `已签到 ${fmt.formatTime(inAt)}`
        else if (r.no_show) statusText = '未到场'
        byKey[key].items.push({
          id: r.id,
          name: r.attendee.name,
          // community staff and admins get the full phone; organisation staff only the masked one
          phone: r.phone || r.phone_masked || '',
          status: inAt ? 'checked_in' : r.status,
          statusText,
          note: r.source === 'staff' && r.reason ? `工作人员代报：${r.reason}` : '',
          answersText: Object.keys(answers).map((k) => answers[k]).filter(Boolean).join('；'),
        })
      })
      this.setData({ loading: false, groups, counts })
    },
    onCall(e) {
      const phone = e.currentTarget.dataset.phone
      if (phone && phone.indexOf('*') < 0) wx.makePhoneCall({ phoneNumber: phone })
    },
  },
})
