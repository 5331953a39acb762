// Staff: review volunteers' hours claims (approve with minutes, or reject with a reason). The
// photos are private uploads: each is downloaded with the staff member's credentials and shown
// from the local temporary file (an <image> cannot send the Authorization header).
const loads = require('../../behaviors/loads')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const local = require('../../utils/local')
const { showError, confirmThen } = require('../../utils/request')

function view(c) {
  // A claim for a session the volunteer already has credit for (check-in,
  // an earlier claim) is a top-up: the reviewer sees that credit, and the
  // minutes proposed stay within what the session has left (max_minutes).
  const left = c.max_minutes > 0 ? c.max_minutes : 0
  return Object.assign({}, c, {
    volunteerName: c.volunteer_name || '志愿者',
    minutesText: fmt.formatMinutes(c.minutes),
    servedText: fmt.formatDateTime(c.served_at),
    topUpText: c.top_up ? `补足：该场次已记 ${fmt.formatMinutes(c.credited_minutes)}，最多还能核定 ${fmt.formatMinutes(left)}` : '',
    approveMinutes: left ? Math.min(c.minutes, left) : c.minutes,
    photos: (c.photo_urls || []).map((url) => ({ url, local: '', failed: false })),
  })
}

Component({
  behaviors: [loads],
  data: { items: [], nextCursor: '', loadingMore: false },
  methods: {
    onLoad() {
      return this.load()
    },
    // The pending claims come in keyset pages of 100, newest first: the first one now, the next
    // when the staff member reaches the bottom (next_cursor is null on the last).
    load() {
      const l = local(this)
      const gen = (l.gen = (l.gen || 0) + 1)
      return this.loadFrom(api.pendingClaims(), (res) => {
        if (gen !== l.gen) return undefined // a newer load answered meanwhile
        const items = ((res && res.items) || []).map(view)
        this.setData({ items, loading: false, nextCursor: (res && res.next_cursor) || '' })
        return this.listed(items)
      })
    },
    /** The next page of claims, when there is one; claims reviewed meanwhile stay off the list. */
    onReachBottom() {
      if (!this.data.nextCursor || this.data.loadingMore) return Promise.resolve()
      const l = local(this)
      const gen = l.gen
      this.setData({ loadingMore: true })
      return api.pendingClaims(this.data.nextCursor).then(
        (res) => {
          if (gen !== l.gen) {
            this.setData({ loadingMore: false }) // refreshed meanwhile
            return []
          }
          const have = {}
          this.data.items.forEach((c) => (have[c.id] = true))
          const items = ((res && res.items) || []).filter((c) => !have[c.id]).map(view)
          this.setData({ items: this.data.items.concat(items), nextCursor: (res && res.next_cursor) || '', loadingMore: false })
          return this.listed(items)
        },
        (err) => {
          this.setData({ loadingMore: false })
          showError(err)
        },
      )
    },
    /** Once listed, downloads every claim's photos; each shows as soon as it is there. */
    listed(items) {
      const jobs = []
      items.forEach((c) => {
        c.photos.forEach((p, j) => {
          jobs.push(
            api.downloadPhoto(p.url).then(
              (local) => this.setPhoto(c.id, j, { local }),
              () => this.setPhoto(c.id, j, { failed: true }),
            ),
          )
        })
      })
      return Promise.all(jobs)
    },
    setPhoto(claimId, j, patch) {
      const i = this.data.items.findIndex((x) => x.id === claimId)
      if (i < 0) return
      const upd = {}
      Object.keys(patch).forEach((k) => {
        upd[`items[${i}].photos[${j}].${k}`] = patch[k]
      })
      this.setData(upd)
    },
    onMinutes(e) {
      const i = this.data.items.findIndex((c) => c.id === e.currentTarget.dataset.id)
      if (i >= 0) this.setData({ [`items[${i}].approveMinutes`]: e.detail.value })
    },
    onPreview(e) {
      const c = this.data.items.find((x) => x.id === e.currentTarget.dataset.id)
      const urls = c ? c.photos.filter((p) => p.local).map((p) => p.local) : []
      if (urls.length) wx.previewImage({ urls, current: e.currentTarget.dataset.local })
    },
    remove(id) {
      this.setData({ items: this.data.items.filter((c) => c.id !== id) })
    },
    onApprove(e) {
      const id = e.currentTarget.dataset.id
      const c = this.data.items.find((x) => x.id === id)
      const minutes = parseInt(String(c.approveMinutes), 10)
      if (!(minutes > 0)) {
        wx.showToast({ title: '请填写核定分钟数', icon: 'none' })
        return Promise.resolve()
      }
      return api.approveClaim(id, minutes).then(
        () => {
          wx.showToast({ title: '已通过', icon: 'success' })
          this.remove(id)
        },
        (err) => showError(err),
      )
    },
    onReject(e) {
      const id = e.currentTarget.dataset.id
      const modal = { title: '驳回原因', editable: true, placeholderText: '例如：照片无法证明服务内容', confirmText: '驳回' }
      return confirmThen(modal, (text) => api.rejectClaim(id, text.trim() || '材料不足'), () => {
        wx.showToast({ title: '已驳回', icon: 'none' })
        this.remove(id)
      })
    },
  },
})
