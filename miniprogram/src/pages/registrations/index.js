// My registrations: upcoming and past, cancel, entry QR (ticket page), waitlist position.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { confirmThen } = require('../../utils/request')

const PAGE_SIZE = 20

const TAG_TYPES = { confirmed: 'success', waitlisted: 'warning', cancelled: 'default' }

function statusOf(r, past) {
  if (r.no_show) return { text: '未到场', tag: 'danger' }
  if (r.checked_in_at) return { text: '已签到', tag: 'success' }
  if (past && r.status === 'confirmed') return { text: '已结束', tag: 'primary' }
  return { text: fmt.REGISTRATION_STATUS[r.status] || r.status, tag: TAG_TYPES[r.status] || 'default' }
}

function view(r, past) {
  const deadline = fmt.toDate(r.cancel_deadline)
  const beforeDeadline = !deadline || Date.now() < deadline.getTime()
  const st = statusOf(r, past)
  return Object.assign({}, r, {
    timeText: fmt.formatRange(r.starts_at, r.ends_at),
    statusText: st.text,
    tagType: st.tag,
    canTicket: r.status === 'confirmed',
    // the deadline holds confirmed places only: a waitlisted one can always leave the queue
    canCancel: (r.status === 'confirmed' && beforeDeadline) || r.status === 'waitlisted',
    deadlineText: deadline && beforeDeadline && r.status !== 'cancelled' ? fmt.formatDateTime(deadline) : '',
    attendee: r.attendee || {},
  })
}

/**
 * How many sessions a cancellation of registration r takes away: a series' every session (its
 * activity says so), else 0 (also when the activity cannot be read: the plain question is asked).
 * @param {any} r
 * @returns {Promise<number>}
 */
function seriesSessions(r) {
  if (!r || !r.activity_id) return Promise.resolve(0)
  return api.getActivity(r.activity_id).then(
    (a) => (a && a.series ? (a.sessions || []).length : 0),
    () => 0,
  )
}

Component({
  data: { scope: 'upcoming', items: [], page: 0, noMore: true, loading: true, error: '' },
  methods: {
    onLoad(query) {
      if (query && query.scope === 'past') this.setData({ scope: 'past' })
    },
    onShow() {
      return this.reload()
    },
    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },
    reload() {
      return this.fetch(1)
    },
    onReachBottom() {
      if (this.data.noMore || this.data.loading) return Promise.resolve()
      return this.fetch(this.data.page + 1)
    },
    fetch(page) {
      if (page === 1) this.setData({ loading: !this.data.items.length, error: '' })
      const scope = this.data.scope
      return api.myRegistrations(scope, page, PAGE_SIZE).then(
        (res) => {
          if (scope !== this.data.scope) return
          const got = ((res && res.items) || []).map((r) => view(r, scope === 'past'))
          const items = page === 1 ? got : this.data.items.concat(got)
          const total = res && typeof res.total === 'number' ? res.total : items.length
          this.setData({ items, page, noMore: items.length >= total || got.length < PAGE_SIZE, loading: false })
        },
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    onScope(e) {
      const scope = e.currentTarget.dataset.scope
      if (scope === this.data.scope) return Promise.resolve()
      this.setData({ scope, items: [] })
      return this.reload()
    },
    onTicket(e) {
      const id = e.currentTarget.dataset.id
      const r = this.data.items.find((x) => x.id === id)
      const title = encodeURIComponent((r && r.activity_title) || '')
      const name = encodeURIComponent((r && r.attendee && r.attendee.name) || '')
      wx.navigateTo({ url: `/pages/ticket/ticket?id=${id}&title=${title}&name=${name}` })
    },
    onCancel(e) {
      const id = e.currentTarget.dataset.id
      const r = this.data.items.find((x) => x.id === id)
      const title = r ? r.activity_title : ''
      const name = (r && r.attendee.name) || ''
      return seriesSessions(r).then((n) => {
        // a series is cancelled whole: the server cancels the attendee's every session
        const content =
          n > 1
            ? `「${title}」是系列活动，取消后${name}全部 ${n} 场的报名都将取消，名额让给其他居民。确定取消吗？`
            : `确定取消「${title}」${name ? `（${name}）` : ''}的报名吗？名额将让给其他居民。`
        const modal = { title: '取消报名', content, confirmText: '确定取消', cancelText: '再想想' }
        return confirmThen(modal, () => api.cancelRegistration(id), () => {
          wx.showToast({ title: '已取消', icon: 'success' })
          return this.reload()
        })
      })
    },
    onOpenActivity(e) {
      wx.navigateTo({ url: `/pages/activity/detail?id=${e.currentTarget.dataset.activity}` })
    },
    onBrowse() {
      wx.switchTab({ url: '/pages/index/index' })
    },
  },
})
