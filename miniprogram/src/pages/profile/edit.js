// Edit profile: avatar (chooseAvatar, uploaded: its avatar_url is the upload's server path, shown
// from the local file or a download with the token), nickname, real name, community.
const api = require('../../utils/api')
const session = require('../../utils/session')
const { showError, submitThenBack } = require('../../utils/request')

Component({
  data: { form: { nickname: '', real_name: '', avatar_url: '', community_id: null }, avatarSrc: '', communities: [], communityIndex: -1, saving: false },
  methods: {
    onLoad() {
      return Promise.all([api.getMe(), api.listCommunities()]).then(
        ([user, res]) => {
          const communities = (res && res.items) || []
          this.setData({
            form: { nickname: user.nickname || '', real_name: user.real_name || '', avatar_url: user.avatar_url || '', community_id: user.community_id || null },
            communities,
            communityIndex: communities.findIndex((c) => c.id === user.community_id),
          })
          const url = user.avatar_url || ''
          if (url.charAt(0) !== '/') this.setData({ avatarSrc: url })
          else api.downloadPhoto(url).then((local) => this.setData({ avatarSrc: local }), () => {})
        },
        (err) => showError(err),
      )
    },
    onInput(e) {
      this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value })
    },
    onCommunity(e) {
      const i = Number(e.detail.value)
      this.setData({ communityIndex: i, 'form.community_id': this.data.communities[i].id })
    },
    onChooseAvatar(e) {
      const path = e.detail && e.detail.avatarUrl
      if (!path) return Promise.resolve()
      wx.showLoading({ title: '上传中' })
      return api.uploadFile(path).then(
        (res) => {
          wx.hideLoading()
          this.setData({ 'form.avatar_url': res.url, avatarSrc: path })
        },
        (err) => {
          wx.hideLoading()
          showError(err)
        },
      )
    },
    onSave() {
      const f = this.data.form
      if (!String(f.nickname).trim()) {
        wx.showToast({ title: '请填写昵称', icon: 'none' })
        return Promise.resolve()
      }
      const req = api.updateMe({ nickname: f.nickname.trim(), real_name: f.real_name.trim(), avatar_url: f.avatar_url, community_id: f.community_id })
      return submitThenBack(this, 'saving', req, { title: '已保存', icon: 'success' }, (user) => session.setUser(user))
    },
  },
})
