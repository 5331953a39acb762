// The public co-building board: needs and projects with progress, by community; entries to make
// a wish, the proposals hall, and (by role) the unit's desk, the staff's review and report-in.
const api = require('../../utils/api')
const cb = require('../../utils/cobuild')
const { showError } = require('../../utils/request')

Component({
  data: { communities: [], communityId: 0, tab: 'needs', needs: [], projects: [], role: {}, loading: true, error: '' },
  methods: {
    onLoad(query) {
      const communityId = Number((query && query.community_id) || 0)
      this.setData({ communityId })
      return Promise.all([
        api.listCommunities().then((res) => this.setData({ communities: (res && res.items) || [] }), () => {}),
        api.getMe().then((u) => {
          this.setData({ role: cb.roles(u) })
          if (!communityId && u.community_id) this.setData({ communityId: u.community_id })
        }, () => {}),
      ]).then(() => this.reload())
    },
    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },
    reload() {
      const params = this.data.communityId ? { community_id: this.data.communityId } : {}
      this.setData({ error: '' })
      return Promise.all([api.listNeeds(Object.assign({ limit: 50 }, params)), api.listProjects(Object.assign({ limit: 50 }, params))]).then(
        ([needs, projects]) => this.setData({
          needs: ((needs && needs.items) || []).map(cb.needView),
          projects: ((projects && projects.items) || []).filter((p) => p.status !== 'withdrawn').map(cb.projectView),
          loading: false,
        }),
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    onCommunity(e) {
      this.setData({ communityId: Number(e.currentTarget.dataset.id) })
      return this.reload()
    },
    onTab(e) {
      this.setData({ tab: e.currentTarget.dataset.tab })
    },
    onGo(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    showError,
  },
})
