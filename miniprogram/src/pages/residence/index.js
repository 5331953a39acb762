// Residence confirmation: the community a resident lives in counts for "residents of this
// community only" activities once the community's staff approve an application (address,
// building, unit). The page shows the confirmed residence, the latest application (pending, or
// rejected with the reason) and the form to apply.
const api = require('../../utils/api')
const { showError, submitThen, cannotSubmit } = require('../../utils/request')

const STATUS = { pending: '待社区审核', approved: '已认证', rejected: '未通过', superseded: '已更换' }

Component({
  data: {
    confirmed: null,
    latest: null,
    communities: [],
    communityIndex: -1,
    form: { address: '', building: '', unit: '' },
    canApply: true,
    submitting: false,
  },
  methods: {
    onLoad() {
      return this.load()
    },
    load() {
      return Promise.all([api.getResidence(), api.listCommunities()]).then(
        ([res, cs]) => {
          const communities = (cs && cs.items) || []
          const name = (id) => (communities.find((c) => c.id === id) || {}).name || ''
          const show = (a) => a && Object.assign({}, a, { community_name: name(a.community_id), status_text: STATUS[a.status] || a.status })
          const apps = (res && res.applications) || []
          const latest = apps.length && apps[0].status !== 'approved' && apps[0].status !== 'superseded' ? show(apps[0]) : null
          this.setData({
            confirmed: show(res && res.confirmed),
            latest,
            communities,
            canApply: !(latest && latest.status === 'pending'),
          })
        },
        (err) => showError(err),
      )
    },
    onInput(e) {
      this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value })
    },
    onCommunity(e) {
      this.setData({ communityIndex: Number(e.detail.value) })
    },
    /** Checks the form; returns a Chinese message for the first problem, or ''. */
    validate() {
      if (this.data.communityIndex < 0) return '请选择所在社区'
      const f = this.data.form
      if (!f.address.trim()) return '请填写详细地址'
      if (!f.building.trim()) return '请填写楼栋'
      if (!f.unit.trim()) return '请填写单元和门牌号'
      return ''
    },
    onSubmit() {
      if (cannotSubmit(this)) return Promise.resolve()
      const f = this.data.form
      const body = { community_id: this.data.communities[this.data.communityIndex].id, address: f.address.trim(), building: f.building.trim(), unit: f.unit.trim() }
      return submitThen(this, 'submitting', api.applyResidence(body), () => {
        this.setData({ form: { address: '', building: '', unit: '' } })
        wx.showToast({ title: '已提交，等待社区审核', icon: 'none', duration: 2500 })
        return this.load()
      })
    },
  },
})
