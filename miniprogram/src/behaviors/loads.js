// A page that loads its data from the server: `loading` until the first answer, `error` (shown by
// state-view) when a load fails, and pull-down refresh loading again. The page's load() returns
// this.loadFrom(request, show).
module.exports = Behavior({
  data: { loading: true, error: '' },
  methods: {
    onPullDownRefresh() {
      const page = /** @type {any} */ (this)
      return page.load().then(() => wx.stopPullDownRefresh())
    },
    /** Clears the error and waits for request: show(res) renders the answer (ending `loading`); a
     * failure ends `loading` with its message. */
    loadFrom(request, show) {
      this.setData({ error: '' })
      return request.then(show, (err) => this.setData({ loading: false, error: err.message || '加载失败' }))
    },
  },
})
