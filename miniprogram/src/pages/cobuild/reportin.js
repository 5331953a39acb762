// Party members report in to the community where they live (双报到), naming their workplace;
// once the community confirmed, they see its open needs and projects to serve in.
const api = require('../../utils/api')
const cb = require('../../utils/cobuild')
const { submitThen } = require('../../utils/request')

Component({
  data: { report: null, statusText: '', units: [], unitIndex: -1, needs: [], projects: [], busy: false, loading: true },
  methods: {
    onLoad() {
      return Promise.all([
        api.listUnits().then((res) => this.setData({ units: (res && res.items) || [] }), () => {}),
        this.load(),
      ])
    },
    load() {
      return api.myReportIn().then(
        (r) => {
          this.setData({ report: r, statusText: cb.REPORT_STATUS[r.status] || r.status, loading: false })
          if (r.status === 'confirmed') return this.loadServe(r.community_id)
          return null
        },
        () => this.setData({ report: null, loading: false }),
      )
    },
    loadServe(communityId) {
      return Promise.all([api.listNeeds({ community_id: communityId, status: 'open' }), api.listProjects({ community_id: communityId, status: 'in_progress' })]).then(
        ([n, p]) => this.setData({ needs: ((n && n.items) || []).map(cb.needView), projects: ((p && p.items) || []).map(cb.projectView) }),
        () => {},
      )
    },
    onUnit(e) {
      this.setData({ unitIndex: Number(e.detail.value) })
    },
    onReport() {
      const unit = this.data.units[this.data.unitIndex]
      if (!unit) {
        wx.showToast({ title: '请选择工作单位', icon: 'none' })
        return Promise.resolve()
      }
      return submitThen(this, 'busy', api.reportIn({ workplace_org_id: unit.id }), () => {
        wx.showToast({ title: '已提交，等待社区确认', icon: 'none' })
        return this.load()
      })
    },
    onGo(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
  },
})
