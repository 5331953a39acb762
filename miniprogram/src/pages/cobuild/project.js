// A project: parties, milestones and evidence. The units' contacts start it and deliver it with
// photos (uploaded first) and the number served; a beneficiary rates it once after delivery.
const api = require('../../utils/api')
const cb = require('../../utils/cobuild')
const photos = require('../../utils/photos')
const privacy = require('../../utils/privacy')
const { showError, submitThen } = require('../../utils/request')

Component({
  data: { projectId: 0, myUnits: [], project: null, isParty: false, served: '', note: '', photos: [], score: 0, comment: '', rated: false, busy: false, loading: true, error: '' },
  methods: {
    onLoad(query) {
      this.setData({ projectId: Number(query && query.id) })
      return api.getMe().then((u) => this.setData({ myUnits: cb.roles(u).units }), () => {}).then(() => this.load())
    },
    load() {
      return api.getProject(this.data.projectId).then(
        (p) => this.setData({
          project: cb.projectView(p),
          isParty: (p.parties || []).some((x) => this.data.myUnits.indexOf(x.unit_id) >= 0),
          loading: false,
        }),
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    /**
     * Posts a progress action on the version of the project shown. When someone else updated it
     * meanwhile (409 PROJECT_CHANGED) the server's message shows and the project reloads, so the
     * contact sees the latest progress; what they typed (served, note, photos) stays.
     */
    act(body, done) {
      this.setData({ busy: true })
      return api.projectProgress(this.data.projectId, Object.assign({}, body, { version: this.data.project.version })).then(
        (p) => {
          this.setData({ busy: false, project: cb.projectView(p) })
          wx.showToast({ title: done, icon: 'success' })
        },
        (err) => {
          this.setData({ busy: false })
          showError(err)
          if (err && err.code === 'PROJECT_CHANGED') return this.load()
        },
      )
    },
    onStart() {
      return this.act({ action: 'start' }, '已开始实施')
    },
    onServed(e) {
      this.setData({ served: e.detail.value })
    },
    onNote(e) {
      this.setData({ note: e.detail.value })
    },
    onAddPhoto() {
      return privacy
        .ensure()
        .then(() => photos.choose(9 - this.data.photos.length))
        .then(photos.upload)
        .then(
          (up) => this.setData({ photos: this.data.photos.concat(up) }),
          (err) => {
            if (err && err.message !== photos.CANCELLED) showError(err, '照片上传失败，请重试')
          },
        )
    },
    onDeliver() {
      const served = parseInt(this.data.served, 10)
      if (!(served > 0) || !this.data.photos.length) {
        wx.showToast({ title: '请填写服务人数并上传现场照片', icon: 'none' })
        return Promise.resolve()
      }
      return this.act({ action: 'deliver', evidence: { served, photos: this.data.photos.map((p) => p.url), note: this.data.note.trim() } }, '已提交交付')
    },
    onScore(e) {
      this.setData({ score: Number(e.currentTarget.dataset.score) })
    },
    onComment(e) {
      this.setData({ comment: e.detail.value })
    },
    onRate() {
      if (!this.data.score) {
        wx.showToast({ title: '请选择评分', icon: 'none' })
        return Promise.resolve()
      }
      return submitThen(this, 'busy', api.rateProject(this.data.projectId, { score: this.data.score, comment: this.data.comment.trim() }), () => {
        this.setData({ rated: true })
        wx.showToast({ title: '感谢评价', icon: 'success' })
        return this.load()
      })
    },
  },
})
