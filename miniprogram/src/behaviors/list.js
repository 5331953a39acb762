// A page listing the items an API call answers (with behaviors/loads: `loading`, `error`, pull-down
// refresh): list(request, view, when, options) loads request() when the page loads (when 'onShow':
// each time it shows) and shows the answer's items, each through view; the page's listed(items), if
// it has one, runs after they show. With options.paged the list is a keyset-paged route:
// request(cursor) answers a page and its next_cursor (null on the last page), and reaching the
// bottom (onReachBottom, or the page's 加载更多 calling loadMore) appends the next page while
// `nextCursor` says one follows.
const loads = require('./loads')
const local = require('../utils/local')

/**
 * @param {(cursor?: string) => Promise<any>} request
 * @param {(item: any) => any} view
 * @param {'onLoad' | 'onShow'} [when]
 * @param {{ paged?: boolean }} [options]
 */
module.exports = function list(request, view, when, options) {
  const paged = !!(options && options.paged)
  return Behavior({
    behaviors: [loads],
    data: { items: [], nextCursor: '', loadingMore: false },
    methods: {
      [when || 'onLoad']() {
        const page = /** @type {any} */ (this)
        return page.load()
      },
      load() {
        const page = /** @type {any} */ (this)
        const gen = (local(page).listGen = (local(page).listGen || 0) + 1)
        return page.loadFrom(request(), (res) => {
          if (gen !== local(page).listGen) return undefined // a later load replaced this one
          const items = ((res && res.items) || []).map(view)
          page.setData({ items, loading: false, loadingMore: false, nextCursor: (paged && res && res.next_cursor) || '' })
          return page.listed ? page.listed(items) : undefined
        })
      },
      onReachBottom() {
        const page = /** @type {any} */ (this)
        return page.loadMore()
      },
      /** Appends the next page, when there is one (paged lists only). */
      loadMore() {
        const page = /** @type {any} */ (this)
        const cursor = page.data.nextCursor
        if (!paged || !cursor || page.data.loadingMore) return Promise.resolve()
        const gen = local(page).listGen
        page.setData({ loadingMore: true })
        return request(cursor).then(
          (res) => {
            if (gen !== local(page).listGen) return undefined // reloaded meanwhile: the new first page stands
            const items = page.data.items.concat(((res && res.items) || []).map(view))
            page.setData({ items, nextCursor: (res && res.next_cursor) || '', loadingMore: false })
            return page.listed ? page.listed(items) : undefined
          },
          (err) => {
            page.setData({ loadingMore: false })
            wx.showToast({ title: (err && err.message) || '加载失败', icon: 'none' })
          },
        )
      },
    },
  })
}
