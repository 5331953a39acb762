// Cultural teams (文体队伍): mine, and those of my community to join.
const api = require('../../utils/api')

Component({
  data: { mine: [], others: [], loading: true, error: '' },
  methods: {
    onShow() {
      return this.load()
    },
    load() {
      this.setData({ loading: !this.data.mine.length && !this.data.others.length, error: '' })
      return api.getMe()
        .then((me) => Promise.all([api.myTeams(), api.listTeams((me && me.community_id) || '')]))
        .then(
          ([mine, all]) => {
            const my = (mine && mine.items) || []
            const ids = my.map((t) => t.id)
            this.setData({ mine: my, others: ((all && all.items) || []).filter((t) => !ids.includes(t.id)), loading: false })
          },
          (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
        )
    },
    onTeam(e) {
      wx.navigateTo({ url: `/pages/teams/detail?id=${e.currentTarget.dataset.id}` })
    },
  },
})
