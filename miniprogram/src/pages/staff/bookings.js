// Room bookings waiting for approval: the room's owners approve or reject them (community staff see
// a unit's rooms' bookings but only the unit decides).
const list = require('../../behaviors/list')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { showError, confirmThen } = require('../../utils/request')

const FOR_TEXT = { resident: '居民', team: '文体队伍', unit: '共建单位', desk: '前台代约', staff: '社区自用' }

// A desk booking is made for a registered resident (for_user_id) or for a guest without an account.
function forText(b) {
  if (b.booked_for === 'desk') return b.for_user_id ? '代居民预约' : '代访客预约'
  return FOR_TEXT[b.booked_for] || ''
}

function view(b) {
  return Object.assign({}, b, {
    timeText: fmt.formatRange(b.starts_at, b.ends_at),
    who: b.team_name || b.guest_name || b.booker_name || '',
    forText: forText(b),
  })
}

Component({
  // In time order, a page at a time: scrolling to the bottom loads the next (next_cursor).
  behaviors: [list((cursor) => api.deskBookings('pending', cursor), view, 'onShow', { paged: true })],
  methods: {
    onApprove(e) {
      return api.approveBooking(e.currentTarget.dataset.id, '').then(
        () => {
          wx.showToast({ title: '已通过', icon: 'success' })
          return this.load()
        },
        (err) => showError(err, '审批失败'),
      )
    },
    onReject(e) {
      const id = e.currentTarget.dataset.id
      const modal = { title: '不通过', editable: true, placeholderText: '请填写原因（会通知预约人）' }
      return confirmThen(modal, (text) => api.rejectBooking(id, text), () => this.load(), '操作失败')
    },
  },
})
