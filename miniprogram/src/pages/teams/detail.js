// One team: its members (for members), joining, the leader's approvals and handing the leadership
// on (移交队长), and its room bookings (a keyset page at a time: 加载更多 or scrolling to the bottom
// follows next_cursor).
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const local = require('../../utils/local')
const { confirmThen, showError } = require('../../utils/request')

const bookingView = (b) => Object.assign({}, b, { timeText: fmt.formatRange(b.starts_at, b.ends_at) })

const MEMBER_STATUS = { active: '队员', requested: '申请加入', invited: '已邀请' }

Component({
  data: { id: '', team: null, members: [], requests: [], bookings: [], bookingsNext: '', loadingMore: false, loading: true, error: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return this.load()
    },
    load() {
      return api.getTeam(this.data.id).then(
        (t) => {
          const list = t.member_list || []
          this.setData({
            team: Object.assign({}, t, { statusText: t.my_status === 'active' ? '我是队员' : t.my_status === 'requested' ? '已申请，等待队长同意' : '' }),
            members: list.filter((m) => m.status === 'active').map((m) => Object.assign({}, m, { leader: m.user_id === t.leader_id })),
            requests: t.leads ? list.filter((m) => m.status !== 'active').map((m) => Object.assign({}, m, { statusText: MEMBER_STATUS[m.status] })) : [],
            loading: false,
          })
          wx.setNavigationBarTitle({ title: t.name })
          if (t.leads || t.my_status === 'active') return this.loadBookings()
        },
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    loadBookings() {
      const gen = (local(this).bookingsGen = (local(this).bookingsGen || 0) + 1)
      return api.teamBookings(this.data.id).then(
        (res) => {
          if (gen !== local(this).bookingsGen) return
          this.setData({ bookings: ((res && res.items) || []).map(bookingView), bookingsNext: (res && res.next_cursor) || '', loadingMore: false })
        },
        () => {},
      )
    },
    /** The next page of the team's bookings, when there is one. */
    onMoreBookings() {
      const cursor = this.data.bookingsNext
      if (!cursor || this.data.loadingMore) return Promise.resolve()
      const gen = local(this).bookingsGen
      this.setData({ loadingMore: true })
      return api.teamBookings(this.data.id, cursor).then(
        (res) => {
          if (gen !== local(this).bookingsGen) return // reloaded meanwhile
          this.setData({ bookings: this.data.bookings.concat(((res && res.items) || []).map(bookingView)), bookingsNext: (res && res.next_cursor) || '', loadingMore: false })
        },
        (err) => {
          this.setData({ loadingMore: false })
          showError(err, '加载失败')
        },
      )
    },
    onReachBottom() {
      return this.onMoreBookings()
    },
    onJoin() {
      return api.joinTeam(this.data.id).then(
        (m) => {
          wx.showToast({ title: m.status === 'active' ? '已加入' : '已申请', icon: 'success' })
          return this.load()
        },
        (err) => showError(err, '申请失败'),
      )
    },
    onApprove(e) {
      return api.approveMember(this.data.id, e.currentTarget.dataset.user).then(() => this.load(), (err) => showError(err, '操作失败'))
    },
    onReject(e) {
      return api.rejectMember(this.data.id, e.currentTarget.dataset.user).then(() => this.load(), (err) => showError(err, '操作失败'))
    },
    /** Hands the leadership to a member after a confirmation naming them; the team reloads (the old leader is a member now). */
    onHandover(e) {
      const { user, name } = e.currentTarget.dataset
      return confirmThen(
        { title: '移交队长', content: `确定将队长移交给「${name}」吗？移交后原队长${this.data.team.leader_name}仍是队员。`, confirmText: '移交' },
        () =>
          api.changeTeamLeader(this.data.id, Number(user)).catch((err) => {
            if (err && err.code === 'LEADER_CHANGED') this.load() // changed meanwhile: show who leads now
            throw err
          }),
        () => {
          wx.showToast({ title: '已移交队长', icon: 'success' })
          return this.load()
        },
        '移交失败，请稍后再试',
      )
    },
    onRooms() {
      wx.navigateTo({ url: '/pages/rooms/index' })
    },
  },
})
