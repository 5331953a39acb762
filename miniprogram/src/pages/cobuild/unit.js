// A unit contact's desk: the needs my unit can claim (by category and community), my unit's
// projects with their progress, and the resources it offers (publish one here).
const fields = require('../../behaviors/fields')
const api = require('../../utils/api')
const cb = require('../../utils/cobuild')
const { showError, submitThen } = require('../../utils/request')

const DAY = 24 * 3600 * 1000

Component({
  behaviors: [fields],
  data: {
    units: [], unit: null, categories: cb.CATEGORIES, category: '', needs: [], projects: [], resources: [],
    kinds: cb.RESOURCE_KINDS, kind: 'expert', resTitle: '', resQuantity: '', resUnit: '', busy: false, loading: true, error: '',
  },
  methods: {
    onLoad() {
      return api.myUnits().then(
        (res) => {
          const units = (res && res.items) || []
          this.setData({ units, unit: units[0] || null, loading: false })
          return this.reload()
        },
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    reload() {
      const u = this.data.unit
      if (!u) return Promise.resolve()
      const needs = api.listNeeds({ status: 'open', category: this.data.category || undefined, limit: 50 })
      return Promise.all([needs, api.listProjects({ unit_id: u.id, limit: 50 }), api.listResources({ unit_id: u.id })]).then(
        ([n, p, r]) => this.setData({
          needs: ((n && n.items) || []).filter((x) => !x.community_id || u.communities.indexOf(x.community_id) >= 0).map(cb.needView),
          projects: ((p && p.items) || []).map(cb.projectView),
          resources: (r && r.items) || [],
        }),
        (err) => showError(err),
      )
    },
    onCategory(e) {
      this.setData({ category: e.currentTarget.dataset.key })
      return this.reload()
    },
    onGo(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    onKind(e) {
      this.setData({ kind: e.currentTarget.dataset.key })
    },
    onPublish() {
      const quantity = parseInt(this.data.resQuantity, 10)
      if (!this.data.resTitle.trim() || !(quantity > 0) || !this.data.resUnit.trim()) {
        wx.showToast({ title: '请填写资源名称、数量和单位', icon: 'none' })
        return Promise.resolve()
      }
      const now = Date.now()
      const req = api.createResource({
        unit_id: this.data.unit.id, kind: this.data.kind, title: this.data.resTitle.trim(), quantity, quantity_unit: this.data.resUnit.trim(),
        communities: this.data.unit.communities, valid_from: new Date(now).toISOString(), valid_to: new Date(now + 365 * DAY).toISOString(),
      })
      return submitThen(this, 'busy', req, () => {
        this.setData({ resTitle: '', resQuantity: '', resUnit: '' })
        wx.showToast({ title: '已发布', icon: 'success' })
        return this.reload()
      })
    },
  },
})
