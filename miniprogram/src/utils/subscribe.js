// Subscribe messages (订阅消息). The template list is fetched ahead of time, because
// wx.requestSubscribeMessage must be called directly in a tap handler. The user's choices are
// reported to the server so it knows which messages it may send.
const api = require('./api')

/** @type {{key: string, template_id: string}[] | null} */
let templates = null
let fetchedAt = 0
let loading = null

// The server decides what to ask for (e.g. only templates whose one-time grant is used up).
const MAX_AGE_MS = 60 * 1000

/** Loads the template list (again when older than a minute); call from every page's onLoad. */
function prefetch() {
  if (templates && Date.now() - fetchedAt < MAX_AGE_MS) return Promise.resolve(templates)
  if (!loading) {
    loading = api.subscriptionTemplates().then(
      (res) => {
        templates = (res && res.ask) || []
        fetchedAt = Date.now()
        loading = null
        return templates
      },
      () => {
        loading = null
        return []
      },
    )
  }
  return loading
}

/**
 * Asks for up to 3 templates by key. Call synchronously inside a tap handler.
 * Resolves with {key: 'accept'|'reject'|'ban'} (or null when nothing was asked); never rejects.
 * @param {string[]} keys
 */
function ask(keys) {
  const list = (templates || []).filter((t) => keys.indexOf(t.key) >= 0).slice(0, 3)
  if (!list.length || typeof wx.requestSubscribeMessage !== 'function') return Promise.resolve(null)
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: list.map((t) => t.template_id),
      success: (res) => {
        /** @type {Record<string, string>} */
        const results = {}
        list.forEach((t) => {
          const v = res[t.template_id]
          if (v === 'accept' || v === 'reject' || v === 'ban') results[t.key] = v
        })
        if (Object.keys(results).length) {
          api.reportSubscriptions(results).then(
            (r) => {
              if (r && Array.isArray(r.ask)) {
                templates = r.ask
                fetchedAt = Date.now()
              }
            },
            () => {},
          )
        }
        resolve(results)
      },
      fail: () => resolve(null),
    })
  })
}

function reset() {
  templates = null
  fetchedAt = 0
  loading = null
}

module.exports = { prefetch, ask, reset }
