// A need: what is asked, how much is claimed; a unit's contact claims (part of) it for their unit.
const fields = require('../../behaviors/fields')
const api = require('../../utils/api')
const cb = require('../../utils/cobuild')
const { showError } = require('../../utils/request')

Component({
  behaviors: [fields],
  data: { needId: 0, need: null, units: [], unitIndex: 0, quantity: '', plan: '', submitting: false, loading: true, error: '' },
  methods: {
    onLoad(query) {
      this.setData({ needId: Number(query && query.id) })
      return Promise.all([this.load(), api.myUnits().then((res) => this.setData({ units: (res && res.items) || [] }), () => {})])
    },
    load() {
      return api.getNeed(this.data.needId).then(
        (n) => this.setData({ need: cb.needView(n), quantity: n.shareable ? String(Math.min(n.remaining, 10)) : String(n.remaining), loading: false }),
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    onUnit(e) {
      this.setData({ unitIndex: Number(e.detail.value) })
    },
    onClaim() {
      const unit = this.data.units[this.data.unitIndex]
      const quantity = parseInt(this.data.quantity, 10)
      if (!unit || !(quantity > 0)) {
        wx.showToast({ title: '请选择单位并填写认领数量', icon: 'none' })
        return Promise.resolve()
      }
      this.setData({ submitting: true })
      return api.claimNeed(this.data.needId, { unit_id: unit.id, quantity, plan: this.data.plan.trim() }).then(
        (c) => {
          this.setData({ submitting: false })
          wx.showToast({ title: '认领成功', icon: 'success' })
          wx.navigateTo({ url: `/pages/cobuild/project?id=${c.project_id}` })
          return this.load()
        },
        (err) => {
          this.setData({ submitting: false })
          showError(err)
          return this.load()
        },
      )
    },
    onProject() {
      wx.navigateTo({ url: `/pages/cobuild/project?id=${this.data.need.project_id}` })
    },
  },
})
