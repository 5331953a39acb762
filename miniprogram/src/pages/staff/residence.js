// Staff: residents' applications to be confirmed as living in one of my communities (address,
// building, unit). Approving makes it the resident's confirmed residence, which "residents of
// this community only" activities check; the server then cancels the resident's upcoming
// community-only sign-ups elsewhere and says how many. Rejecting needs a reason the resident sees.
const loads = require('../../behaviors/loads')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { showError, confirmThen } = require('../../utils/request')

Component({
  behaviors: [loads],
  data: { items: [] },
  methods: {
    onLoad() {
      return this.load()
    },
    load() {
      const names = api.listCommunities().then((cs) => (cs && cs.items) || [], () => [])
      return this.loadFrom(Promise.all([api.pendingResidenceApplications(), names]), ([res, communities]) => {
        const name = (id) => (communities.find((c) => c.id === id) || {}).name || ''
        this.setData({
          loading: false,
          items: ((res && res.items) || []).map((a) => Object.assign({}, a, {
            user_name: a.user_name || '居民',
            placeText: [name(a.community_id), a.address, a.building, a.unit].filter(Boolean).join(' '),
            createdText: fmt.formatDateTime(a.created_at),
          })),
        })
      })
    },
    remove(id) {
      this.setData({ items: this.data.items.filter((a) => a.id !== id) })
    },
    onApprove(e) {
      const id = e.currentTarget.dataset.id
      return api.approveResidence(id).then(
        (res) => {
          this.remove(id)
          const n = (res && res.cancelled_registrations) || 0
          if (n > 0) {
            wx.showModal({ title: '已通过', content: `已取消该居民 ${n} 个不再符合条件的“仅限本社区居民”报名，并已通知本人。`, showCancel: false })
          } else {
            wx.showToast({ title: '已通过', icon: 'success' })
          }
        },
        (err) => showError(err),
      )
    },
    onReject(e) {
      const id = e.currentTarget.dataset.id
      const modal = { title: '不通过的原因', editable: true, placeholderText: '例如：门牌号与登记不符', confirmText: '不通过' }
      return confirmThen(modal, (text) => api.rejectResidence(id, text.trim()), () => {
        wx.showToast({ title: '已处理', icon: 'none' })
        this.remove(id)
      })
    },
  },
})
