// Rooms and venues of my community and the co-building units: pick one to see its free slots and book.
const api = require('../../utils/api')
const fmt = require('../../utils/format')

const KINDS = fmt.options({ '': '全部', activity_room: '活动室', dance_room: '舞蹈室', chess_room: '棋牌室', reading_room: '阅览室', library: '图书室', gym: '健身房' })

Component({
  data: { kinds: KINDS, kind: '', rooms: [], communityId: 0, loading: true, error: '' },
  methods: {
    onLoad() {
      return api.getMe().then(
        (me) => {
          this.setData({ communityId: (me && me.community_id) || 0 })
          return this.load()
        },
        () => this.load(),
      )
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({ loading: !this.data.rooms.length, error: '' })
      return api.listRooms({ community_id: this.data.communityId || '', kind: this.data.kind }).then(
        (res) => {
          const rooms = ((res && res.items) || []).map((r) =>
            Object.assign({}, r, {
              facilitiesText: (r.facilities || []).join(' · '),
              approval: r.rules && r.rules.needs_approval,
              unit: r.org_id > 0,
            }),
          )
          this.setData({ rooms, loading: false })
        },
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    onKind(e) {
      this.setData({ kind: e.currentTarget.dataset.kind, rooms: [] })
      return this.load()
    },
    onRoom(e) {
      wx.navigateTo({ url: `/pages/rooms/detail?id=${e.currentTarget.dataset.id}` })
    },
    onMine() {
      wx.navigateTo({ url: '/pages/rooms/bookings' })
    },
    onTeams() {
      wx.navigateTo({ url: '/pages/teams/index' })
    },
  },
})
