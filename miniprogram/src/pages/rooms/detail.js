// One room: its facilities and rules, the free slots of a chosen day, and the booking form.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { showError } = require('../../utils/request')
const local = require('../../utils/local')

function days(n) {
  const out = []
  const d = new Date()
  for (let i = 0; i < n; i++) {
    const x = new Date(d.getFullYear(), d.getMonth(), d.getDate() + i)
    out.push({ date: fmt.formatDate(x), label: i === 0 ? '今天' : i === 1 ? '明天' : `${x.getMonth() + 1}/${x.getDate()}`, week: `周${'日一二三四五六'[x.getDay()]}` })
  }
  return out
}

const STATE_TEXT = { free: '可约', booked: '已约', closed: '闭馆', past: '已过' }

Component({
  data: {
    id: '', room: null, days: [], date: '', slots: [], from: -1, to: -1, picked: '',
    purpose: '', attendance: '', idem: '', teams: [], teamId: 0, submitting: false, loading: true, error: '', done: null,
  },
  methods: {
    onLoad(query) {
      const ds = days(7)
      this.setData({ id: query.id, days: ds, date: ds[0].date, idem: api.newIdempotencyKey() })
      return Promise.all([this.loadRoom(), this.loadSlots(), this.loadTeams()])
    },
    loadRoom() {
      return api.getRoom(this.data.id).then(
        (room) => {
          const r = room.rules || {}
          this.setData({
            room: Object.assign({}, room, {
              facilitiesText: (room.facilities || []).join('、'),
              rulesText: `每段 ${r.slot_minutes} 分钟，单次最长 ${r.max_minutes / 60} 小时，可提前 ${r.ahead_days} 天预约` + (r.weekly_hours ? `，每周最多 ${r.weekly_hours} 小时` : ''),
            }),
          })
          wx.setNavigationBarTitle({ title: room.name })
        },
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    // Team leaders may book for their team.
    loadTeams() {
      return Promise.all([api.getMe(), api.myTeams()]).then(
        ([me, res]) => this.setData({ teams: ((res && res.items) || []).filter((t) => me && t.leader_id === me.id) }),
        () => {},
      )
    },
    onFor(e) {
      this.setData({ teamId: Number(e.currentTarget.dataset.team) || 0 })
    },
    loadSlots() {
      this.setData({ loading: !this.data.slots.length })
      return api.roomAvailability(this.data.id, this.data.date, this.data.date).then(
        (res) => {
          const slots = ((res && res.slots) || []).map((s) => Object.assign({}, s, { time: fmt.formatTime(s.starts_at), stateText: STATE_TEXT[s.state] || s.state }))
          this.setData({ slots, loading: false, from: -1, to: -1, picked: '' })
        },
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    onDay(e) {
      this.setData({ date: e.currentTarget.dataset.date })
      return this.loadSlots()
    },
    // A tap on a free slot starts a range, or extends it when the slot follows it.
    onSlot(e) {
      const i = Number(e.currentTarget.dataset.index)
      const s = this.data.slots[i]
      if (!s || s.state !== 'free') return
      let { from, to } = this.data
      if (from >= 0 && i === to + 1) to = i
      else from = to = i
      const slots = this.data.slots.map((x, k) => Object.assign({}, x, { picked: k >= from && k <= to }))
      this.setData({ slots, from, to, picked: `${fmt.formatDateTime(slots[from].starts_at)}-${fmt.formatTime(slots[to].ends_at)}` })
    },
    onPurpose(e) {
      this.setData({ purpose: e.detail.value })
    },
    onAttendance(e) {
      this.setData({ attendance: e.detail.value })
    },
    onSubmit() {
      const { from, to, slots, purpose, attendance } = this.data
      if (from < 0) return wx.showToast({ title: '请先选择时段', icon: 'none' })
      if (!purpose.trim()) return wx.showToast({ title: '请填写用途', icon: 'none' })
      if (!(Number(attendance) > 0)) return wx.showToast({ title: '请填写预计人数', icon: 'none' })
      const body = { starts_at: slots[from].starts_at, ends_at: slots[to].ends_at, purpose: purpose.trim(), attendance: Number(attendance) }
      if (this.data.teamId) body.team_id = this.data.teamId
      // A retry after a network failure keeps its key; a changed booking is a new one.
      const sent = JSON.stringify(body)
      const l = local(this)
      const idem = l.idemBody && l.idemBody !== sent ? api.newIdempotencyKey() : this.data.idem
      l.idemBody = sent
      this.setData({ submitting: true, idem })
      return api.bookRoom(this.data.id, body, idem).then(
        (b) => {
          local(this).idemBody = ''
          this.setData({ idem: api.newIdempotencyKey(), submitting: false, done: { pending: b.status === 'pending', timeText: fmt.formatRange(b.starts_at, b.ends_at) } })
          return this.loadSlots()
        },
        (err) => {
          // A refusal is final for this key; after a network failure the same key retries safely.
          if (err.status !== 0) local(this).idemBody = ''
          this.setData({ idem: err.status === 0 ? this.data.idem : api.newIdempotencyKey(), submitting: false })
          showError(err, '预约失败')
          if (err.code === 'SLOT_TAKEN') return this.loadSlots()
        },
      )
    },
    onMine() {
      wx.navigateTo({ url: '/pages/rooms/bookings' })
    },
  },
})
