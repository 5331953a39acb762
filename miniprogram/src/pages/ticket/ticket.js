// Entry QR for one registration: the ticket string from the server drawn on a canvas.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const store = require('../../utils/secure-store')

// The last ticket is kept in encrypted storage so it can be shown where the venue has no signal.
const cacheKey = (id) => `gj_ticket_${id}`

Component({
  data: { id: '', title: '', name: '', ticket: '', validText: '', loading: true, error: '', offline: false },
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
        title: decodeURIComponent(query.title || '') || '入场码',
        name: decodeURIComponent(query.name || ''),
      })
      wx.setKeepScreenOn && wx.setKeepScreenOn({ keepScreenOn: true })
      return this.load()
    },
    load() {
      this.setData({ loading: !this.data.ticket, error: '' })
      return api.getTicket(this.data.id).then(
        (res) => {
          this.show(res, false)
          return store.write(cacheKey(this.data.id), res).catch(() => {})
        },
        (err) => {
          if (err.status !== 0) return this.setData({ loading: false, error: err.message || '入场码加载失败' })
          return store.read(cacheKey(this.data.id)).then((cached) => {
            if (cached && cached.ticket) this.show(cached, true)
            else this.setData({ loading: false, error: err.message })
          })
        },
      )
    },
  },
})
