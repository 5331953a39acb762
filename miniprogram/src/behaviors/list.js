// A page listing the items an API call answers (with behaviors/loads: `loading`, `error`, pull-down
// refresh): list(request, view, when) loads request() when the page loads (when 'onShow': each time
// it shows) and shows the answer's items, each through view; the page's listed(items), if it has
// one, runs after they show.
const loads = require('./loads')

/**
 * @param {() => Promise<any>} request
 * @param {(item: any) => any} view
 * @param {'onLoad' | 'onShow'} [when]
 */
module.exports = function list(request, view, when) {
  return Behavior({
    behaviors: [loads],
    data: { items: [] },
    methods: {
      [when || 'onLoad']() {
        const page = /** @type {any} */ (this)
        return page.load()
      },
      load() {
        const page = /** @type {any} */ (this)
        return page.loadFrom(request(), (res) => {
          const items = ((res && res.items) || []).map(view)
          page.setData({ items, loading: false })
          return page.listed ? page.listed(items) : undefined
        })
      },
    },
  })
}
