// Staff: registrations of one activity (GET /admin/activities/{id}/registrations), grouped by
// session, with counts by status and who has checked in (each registration's checked_in_at).
// The list is read page by page (keyset cursor) as the staff member scrolls; the route returns no
// totals, so while pages remain the counts are those of the registrations loaded so far.
const loads = require('../../behaviors/loads')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const local = require('../../utils/local')

Component({
  behaviors: [loads],
  data: { activityId: '', title: '', loading: true, error: '', groups: [], nextCursor: '', loadingMore: false, loaded: 0, counts: { confirmed: 0, checked_in: 0, waitlisted: 0, cancelled: 0 } },
  methods: {
    onLoad(query) {
      this.setData({ activityId: query.activity_id, title: decodeURIComponent(query.title || '') || '报名名单' })
      return this.load()
    },
    load() {
      // The list comes in keyset pages of 100: the first one now, the next when the staff member
      // reaches the bottom (next_cursor is null on the last).
      return this.loadFrom(api.activityRegistrations(this.data.activityId), (res) => {
        // the loaded rows stay off data (not sent to the view); groups and counts are built from them
        const rows = (local(this).rows = (res && res.items) || [])
        this.setData({ nextCursor: (res && res.next_cursor) || '' })
        this.show(rows)
      })
    },
    /** The next page of registrations, when there is one. */
    onReachBottom() {
      if (!this.data.nextCursor || this.data.loadingMore) return Promise.resolve()
      this.setData({ loadingMore: true })
      const l = local(this)
      const before = l.rows
      return api.activityRegistrations(this.data.activityId, this.data.nextCursor).then(
        (res) => {
          if (l.rows !== before) return this.setData({ loadingMore: false }) // refreshed meanwhile
          l.rows = (l.rows || []).concat((res && res.items) || [])
          this.setData({ nextCursor: (res && res.next_cursor) || '', loadingMore: false })
          this.show(l.rows)
        },
        () => this.setData({ loadingMore: false }),
      )
    },
    show(items) {
      const counts = { confirmed: 0, checked_in: 0, waitlisted: 0, cancelled: 0 }
      const groups = []
      const byKey = {}
      items.forEach((r) => {
        if (counts[r.status] !== undefined) counts[r.status]++
        const inAt = r.status === 'confirmed' ? r.checked_in_at : null
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
      this.setData({ loading: false, groups, counts, loaded: items.length })
    },
    onCall(e) {
      const phone = e.currentTarget.dataset.phone
      if (phone && phone.indexOf('*') < 0) wx.makePhoneCall({ phoneNumber: phone })
    },
  },
})
