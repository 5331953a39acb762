// Community staff: review residents' wishes and proposals (accept into the needs list or decline
// with a reason the resident sees), confirm party members' report-ins, and publish needs.
const fields = require('../../behaviors/fields')
const api = require('../../utils/api')
const cb = require('../../utils/cobuild')
const local = require('../../utils/local')
const { showError, submitThen } = require('../../utils/request')

// everyPage reads a keyset list to its end (next_cursor, null on the last
// page): the queues reviewed here are what is still undecided.
function everyPage(fetch, cursor, got) {
  const items = got || []
  return fetch(cursor).then((res) => {
    const all = items.concat((res && res.items) || [])
    return res && res.next_cursor ? everyPage(fetch, res.next_cursor, all) : { items: all }
  })
}

Component({
  behaviors: [fields],
  data: {
    communityId: 0, wishes: [], proposals: [], reports: [], reportsNext: '', loadingMore: false, categories: cb.CATEGORIES, category: 'elderly_care',
    needTitle: '', needQuantity: '', needUnit: '', shareable: true, busy: false, loading: true,
  },
  methods: {
    onLoad() {
      return api.getMe().then((u) => {
        const staff = (u.roles || []).find((r) => r.role === 'staff' && r.community_id)
        this.setData({ communityId: (staff && staff.community_id) || u.community_id || 0 })
      }, () => {}).then(() => this.load())
    },
    load() {
      const c = this.data.communityId || undefined
      const gen = (local(this).gen = (local(this).gen || 0) + 1)
      return Promise.all([
        everyPage((cursor) => api.reviewWishes({ community_id: c, status: 'pending', limit: 100, cursor })).catch(() => ({ items: [] })),
        Promise.all(['agenda', 'open'].map((status) => everyPage((cursor) => api.listProposals({ community_id: c, status, limit: 100, cursor }))))
          .then((lists) => ({ items: lists[0].items.concat(lists[1].items) })) // on the agenda first, each newest first
          .catch(() => ({ items: [] })),
        api.listReportIns({ community_id: c, status: 'pending' }).catch(() => ({ items: [] })),
      ]).then(([w, p, r]) => gen === local(this).gen && this.setData({
        wishes: (w.items || []),
        proposals: (p.items || []).filter((x) => x.status === 'open' || x.status === 'agenda').map((x) => Object.assign({}, x, { statusText: cb.PROPOSAL_STATUS[x.status] })),
        // Report-ins come a keyset page at a time (newest change first); 加载更多 follows next_cursor.
        reports: r.items || [],
        reportsNext: r.next_cursor || '',
        loadingMore: false,
        loading: false,
      }))
    },
    /** The next page of pending report-ins, when there is one. */
    onMoreReports() {
      const cursor = this.data.reportsNext
      if (!cursor || this.data.loadingMore) return Promise.resolve()
      const gen = local(this).gen
      this.setData({ loadingMore: true })
      return api.listReportIns({ community_id: this.data.communityId || undefined, status: 'pending', cursor }).then(
        (r) => {
          if (gen !== local(this).gen) return // reloaded meanwhile
          this.setData({ reports: this.data.reports.concat(r.items || []), reportsNext: r.next_cursor || '', loadingMore: false })
        },
        (err) => {
          this.setData({ loadingMore: false })
          showError(err, '加载失败')
        },
      )
    },
    /** Asks for a decline reason (shown to the resident). */
    reason(title) {
      return new Promise((resolve) => {
        wx.showModal({ title, editable: true, placeholderText: '原因（居民可以看到）', success: (res) => resolve(res.confirm ? (res.content || '').trim() : null) })
      })
    },
    decide(call, e, accept) {
      const id = Number(e.currentTarget.dataset.id)
      const go = (body) => call(id, body).then(
        () => {
          wx.showToast({ title: '已处理', icon: 'success' })
          return this.load()
        },
        (err) => showError(err),
      )
      if (accept) return go({ decision: 'accept', need: { category: e.currentTarget.dataset.category || 'other', quantity: 1, quantity_unit: '项' } })
      return this.reason('不采纳的原因').then((reason) => (reason ? go({ decision: 'decline', reason }) : null))
    },
    onAcceptWish(e) {
      return this.decide(api.reviewWish, e, true)
    },
    onDeclineWish(e) {
      return this.decide(api.reviewWish, e, false)
    },
    onAcceptProposal(e) {
      return this.decide(api.reviewProposal, e, true)
    },
    onDeclineProposal(e) {
      return this.decide(api.reviewProposal, e, false)
    },
    onConfirm(e) {
      return api.reviewReportIn(Number(e.currentTarget.dataset.id), { confirm: true }).then(
        () => {
          wx.showToast({ title: '已确认报到', icon: 'success' })
          return this.load()
        },
        (err) => showError(err),
      )
    },
    onCategory(e) {
      this.setData({ category: e.currentTarget.dataset.key })
    },
    onShareable(e) {
      this.setData({ shareable: !!e.detail.value })
    },
    onPublish() {
      const quantity = parseInt(this.data.needQuantity, 10)
      if (!this.data.needTitle.trim() || !(quantity > 0) || !this.data.needUnit.trim()) {
        wx.showToast({ title: '请填写需求名称、数量和单位', icon: 'none' })
        return Promise.resolve()
      }
      const req = api.createNeed({ community_id: this.data.communityId, category: this.data.category, title: this.data.needTitle.trim(),
        quantity, quantity_unit: this.data.needUnit.trim(), shareable: this.data.shareable })
      return submitThen(this, 'busy', req, () => {
        this.setData({ needTitle: '', needQuantity: '', needUnit: '' })
        wx.showToast({ title: '需求已发布', icon: 'success' })
      })
    },
  },
})
