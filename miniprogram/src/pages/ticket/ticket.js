// Entry QR for one registration: the ticket string from the server drawn on a canvas.
const api = require('../../utils/api')
const fmt = require('../../utils/format')

Component({
  data: { id: '', title: '', name: '', ticket: '', validText: '', loading: true, error: '' },
  methods: {
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
          this.setData({
            loading: false,
            ticket: res.ticket,
            validText: fmt.formatRange(res.valid_from, res.valid_until),
          })
        },
        (err) => this.setData({ loading: false, error: err.message || '入场码加载失败' }),
      )
    },
  },
})
