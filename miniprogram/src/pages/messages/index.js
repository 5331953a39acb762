// Messages: list with unread count; opening one marks it read.
const api = require('../../utils/api')
const fmt = require('../../utils/format')

Component({
  data: { items: [], unread: 0, loading: true, error: '' },
  methods: {
    onLoad() {
      return this.reload()
    },
    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },
    reload() {
      this.setData({ error: '' })
      return api.listMessages().then(
        (res) => {
          const items = ((res && res.items) || []).map((m) => Object.assign({}, m, { timeText: fmt.formatDateTime(m.created_at), expanded: false }))
          this.setData({ items, unread: (res && res.unread) || 0, loading: false })
        },
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    onOpen(e) {
      const id = e.currentTarget.dataset.id
      const i = this.data.items.findIndex((m) => m.id === id)
      if (i < 0) return Promise.resolve()
      const m = this.data.items[i]
      this.setData({ [`items[${i}].expanded`]: !m.expanded })
      if (m.read) return Promise.resolve()
      return api.readMessage(id).then(
        () => this.setData({ [`items[${i}].read`]: true, unread: Math.max(0, this.data.unread - 1) }),
        () => {},
      )
    },
  },
})
