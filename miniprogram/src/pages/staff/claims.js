// Staff: review volunteers' hours claims (approve with minutes, or reject with a reason).
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { showError } = require('../../utils/request')

Component({
  data: { items: [], loading: true, error: '' },
  methods: {
    onLoad() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({ error: '' })
      return api.pendingClaims().then(
        (res) => this.setData({
          loading: false,
          items: ((res && res.items) || []).map((c) => Object.assign({}, c, {
            volunteerName: c.volunteer_name || c.user_name || (c.user && (c.user.real_name || c.user.nickname)) || '志愿者',
            minutesText: fmt.formatMinutes(c.minutes),
            approveMinutes: c.minutes,
            photo_urls: c.photo_urls || [],
          })),
        }),
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    onMinutes(e) {
      const i = this.data.items.findIndex((c) => c.id === e.currentTarget.dataset.id)
      if (i >= 0) this.setData({ [`items[${i}].approveMinutes`]: e.detail.value })
    },
    onPreview(e) {
      const c = this.data.items.find((x) => x.id === e.currentTarget.dataset.id)
      wx.previewImage({ urls: c ? c.photo_urls : [e.currentTarget.dataset.url], current: e.currentTarget.dataset.url })
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
      return new Promise((resolve) => {
        wx.showModal({
          title: '驳回原因',
          editable: true,
          placeholderText: '例如：照片无法证明服务内容',
          confirmText: '驳回',
          success: (res) => {
            if (!res.confirm) return resolve(undefined)
            const reason = String(res.content || '').trim() || '材料不足'
            api.rejectClaim(id, reason).then(
              () => {
                wx.showToast({ title: '已驳回', icon: 'none' })
                this.remove(id)
                resolve(undefined)
              },
              (err) => {
                showError(err)
                resolve(undefined)
              },
            )
          },
          fail: () => resolve(undefined),
        })
      })
    },
  },
})
