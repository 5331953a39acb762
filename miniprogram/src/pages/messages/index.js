// Messages: list with unread count, older ones page by page (before_id); opening one marks it
// read; a message about something in the app links to its page.
const loads = require('../../behaviors/loads')
const api = require('../../utils/api')
const fmt = require('../../utils/format')

const TAB_PAGES = ['pages/index/index', 'pages/registrations/index', 'pages/volunteer/index', 'pages/me/index']

function view(m) {
  return Object.assign({}, m, { timeText: fmt.formatDateTime(m.created_at), expanded: false, link: m.page ? `/${m.page}` : '' })
}

Component({
  behaviors: [loads],
  data: { items: [], unread: 0, nextBefore: 0, loading: true, loadingMore: false, error: '' },
  methods: {
    onLoad() {
      return this.load()
    },
    load() {
      return this.loadFrom(api.listMessages(), (res) => this.setData({ items: res.items.map(view), unread: res.unread, nextBefore: res.next_before_id || 0, loading: false }))
    },
    onReachBottom() {
      if (!this.data.nextBefore || this.data.loadingMore) return Promise.resolve()
      this.setData({ loadingMore: true })
      return api.listMessages(this.data.nextBefore).then(
        (res) => this.setData({ items: this.data.items.concat(res.items.map(view)), unread: res.unread, nextBefore: res.next_before_id || 0, loadingMore: false }),
        () => this.setData({ loadingMore: false }),
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
        (res) => this.setData({ [`items[${i}].read`]: true, unread: res.unread }),
        () => {},
      )
    },
    onGo(e) {
      const link = e.currentTarget.dataset.link
      if (!link) return
      if (TAB_PAGES.indexOf(link.slice(1)) >= 0) wx.switchTab({ url: link })
      else wx.navigateTo({ url: link })
    },
  },
})
