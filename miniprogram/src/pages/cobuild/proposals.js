// The proposals hall (议事厅): my community's proposals with their supports; one support per
// resident; a proposal that reaches the threshold goes on the joint meeting's agenda.
const fields = require('../../behaviors/fields')
const api = require('../../utils/api')
const cb = require('../../utils/cobuild')
const { showError, submitThen } = require('../../utils/request')

function view(p, supported) {
  return Object.assign({}, p, {
    statusText: cb.PROPOSAL_STATUS[p.status] || p.status,
    pct: Math.min(100, Math.round((p.supports * 100) / (p.threshold || 1))),
    supported: !!supported[p.id],
  })
}

Component({
  behaviors: [fields],
  data: { supported: {}, items: [], next: '', loadingMore: false, title: '', description: '', communityId: 0, busy: false, loading: true, error: '' },
  methods: {
    onLoad() {
      return api.getMe().then((u) => {
        this.setData({ communityId: u.community_id || 0 })
      }, () => {}).then(() => this.load())
    },
    load() {
      return api.listProposals({ community_id: this.data.communityId || undefined }).then(
        (res) => this.setData({ items: ((res && res.items) || []).map((p) => view(p, this.data.supported)), next: (res && res.next_cursor) || '', loading: false }),
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    // Older proposals, a page at a time, on reaching the bottom.
    onReachBottom() {
      if (!this.data.next || this.data.loadingMore) return Promise.resolve()
      this.setData({ loadingMore: true })
      return api.listProposals({ community_id: this.data.communityId || undefined, cursor: this.data.next }).then(
        (res) => this.setData({
          items: this.data.items.concat(((res && res.items) || []).map((p) => view(p, this.data.supported))),
          next: (res && res.next_cursor) || '',
          loadingMore: false,
        }),
        () => this.setData({ loadingMore: false }),
      )
    },
    onSupport(e) {
      const id = Number(e.currentTarget.dataset.id)
      return api.supportProposal(id).then(
        () => {
          this.setData({ [`supported.${id}`]: true })
          wx.showToast({ title: '已支持', icon: 'success' })
          return this.load()
        },
        (err) => showError(err),
      )
    },
    onPropose() {
      const title = this.data.title.trim()
      const description = this.data.description.trim()
      if (!title || !description) {
        wx.showToast({ title: '请填写议题和具体内容', icon: 'none' })
        return Promise.resolve()
      }
      return submitThen(this, 'busy', api.createProposal({ title, description }), () => {
        this.setData({ title: '', description: '' })
        wx.showToast({ title: '议题已发布', icon: 'success' })
        return this.load()
      })
    },
  },
})
