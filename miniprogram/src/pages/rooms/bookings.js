// My room bookings: status, the entry QR of a confirmed booking (ticket page), cancel. Bookings
// the community's desk made for me (on_behalf_of my account: booked_by_desk) are among them.
const list = require('../../behaviors/list')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { confirmThen } = require('../../utils/request')

/** Whom the booking is for: a team, a resident the desk booked for by account (it is theirs to
 * show at the door and cancel, as their own), or a guest without an account. */
function forText(b) {
  if (b.team_name) return `队伍：${b.team_name}`
  if (b.booked_by_desk && b.for_user_id) return `社区前台代为预约${b.guest_name ? `：${b.guest_name}` : ''}`
  return b.guest_name ? `代约：${b.guest_name}` : ''
}

function view(b) {
  const st = fmt.BOOKING_STATUS[b.status] || { text: b.status, tag: 'default' }
  const ended = fmt.toDate(b.ends_at) <= new Date()
  return Object.assign({}, b, {
    timeText: fmt.formatRange(b.starts_at, b.ends_at),
    statusText: st.text,
    tagType: st.tag,
    canTicket: b.status === 'confirmed' && !ended,
    canCancel: (b.status === 'confirmed' || b.status === 'pending') && !ended,
    forText: forText(b),
  })
}

Component({
  // Newest first, a page at a time: scrolling to the bottom loads the next (next_cursor).
  behaviors: [list((cursor) => api.myBookings(cursor), view, 'onShow', { paged: true })],
  methods: {
    onTicket(e) {
      const id = e.currentTarget.dataset.id
      const b = this.data.items.find((x) => x.id === id)
      wx.navigateTo({ url: `/pages/ticket/ticket?kind=booking&id=${id}&title=${encodeURIComponent((b && b.room_name) || '场地预约')}` })
    },
    onCancel(e) {
      const id = e.currentTarget.dataset.id
      const b = this.data.items.find((x) => x.id === id)
      const modal = { title: '取消预约', content: `确定取消「${(b && b.room_name) || ''}」${(b && b.timeText) || ''}的预约吗？取消后时段立即释放。` }
      return confirmThen(modal, () => api.cancelBooking(id, '本人取消'), () => {
        wx.showToast({ title: '已取消', icon: 'success' })
        return this.load()
      }, '取消失败')
    },
    onRooms() {
      wx.navigateTo({ url: '/pages/rooms/index' })
    },
  },
})
