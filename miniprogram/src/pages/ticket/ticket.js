// Entry QR for one registration (or, with kind=booking, one room booking): the ticket string from
// the server drawn on a canvas.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const store = require('../../utils/secure-store')

// The last ticket is kept in encrypted storage so it can be shown where the venue has no signal.
const cacheKey = (id, kind) => (kind === 'booking' ? `gj_booking_ticket_${id}` : `gj_ticket_${id}`)

Component({
  data: { id: '', kind: '', title: '', name: '', ticket: '', validText: '', loading: true, error: '', offline: false },
  methods: {
    show(res, offline) {
      this.setData({
        loading: false,
        error: '',
        offline,
        ticket: res.ticket,
        validText: fmt.formatRange(res.valid_from, res.valid_until),
      })
    },
    onLoad(query) {
      this.setData({
        id: query.id,
        kind: query.kind || '',
        title: decodeURIComponent(query.title || '') || '入场码',
        name: decodeURIComponent(query.name || ''),
      })
      wx.setKeepScreenOn && wx.setKeepScreenOn({ keepScreenOn: true })
      return this.load()
    },
    load() {
      this.setData({ loading: !this.data.ticket, error: '' })
      const fetch = this.data.kind === 'booking' ? api.bookingTicket : api.getTicket
      return fetch(this.data.id).then(
        (res) => {
          this.show(res, false)
          return store.write(cacheKey(this.data.id, this.data.kind), res).catch(() => {})
        },
        (err) => {
          if (err.status !== 0) return this.setData({ loading: false, error: err.message || '入场码加载失败' })
          return store.read(cacheKey(this.data.id, this.data.kind)).then((cached) => {
            if (cached && cached.ticket) this.show(cached, true)
            else this.setData({ loading: false, error: err.message })
          })
        },
      )
    },
  },
})
