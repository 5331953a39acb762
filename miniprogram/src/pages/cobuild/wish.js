// Make a small wish (微心愿) and follow mine: what staff decided (with the reason when declined)
// and the need it became. The contact is my bound phone unless I give another.
const fields = require('../../behaviors/fields')
const api = require('../../utils/api')
const cb = require('../../utils/cobuild')
const fmt = require('../../utils/format')
const { submitThen } = require('../../utils/request')

function view(w) {
  return Object.assign({}, w, {
    statusText: w.content_check === 'checking' ? '内容审核中' : cb.WISH_STATUS[w.status] || w.status,
    dateText: fmt.formatDateTime(w.created_at),
  })
}

Component({
  behaviors: [fields],
  data: { title: '', description: '', phone: '', wishes: [], next: '', loadingMore: false, submitting: false, loading: true },
  methods: {
    onLoad() {
      return this.load()
    },
    load() {
      return api.myWishes().then(
        (res) => this.setData({ wishes: ((res && res.items) || []).map(view), next: (res && res.next_cursor) || '', loading: false }),
        () => this.setData({ loading: false }),
      )
    },
    // Older wishes, a page at a time, on reaching the bottom.
    onReachBottom() {
      if (!this.data.next || this.data.loadingMore) return Promise.resolve()
      this.setData({ loadingMore: true })
      return api.myWishes(this.data.next).then(
        (res) => this.setData({ wishes: this.data.wishes.concat(((res && res.items) || []).map(view)), next: (res && res.next_cursor) || '', loadingMore: false }),
        () => this.setData({ loadingMore: false }),
      )
    },
    onSubmit() {
      const title = this.data.title.trim()
      if (!title) {
        wx.showToast({ title: '请写下您的心愿', icon: 'none' })
        return Promise.resolve()
      }
      const body = { title, description: this.data.description.trim() }
      if (this.data.phone.trim()) body.contact_phone = this.data.phone.trim()
      return submitThen(this, 'submitting', api.createWish(body), () => {
        this.setData({ title: '', description: '' })
        wx.showToast({ title: '心愿已提交', icon: 'success' })
        return this.load()
      })
    },
    onGo(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
  },
})
