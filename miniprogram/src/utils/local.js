// Per-instance scratch state for pages and components (timers, pending promises, idempotency
// keys) that must not go through setData. local(this).timer = …
const store = new WeakMap()

/**
 * @param {object} inst a page or component instance
 * @returns {Record<string, any>}
 */
module.exports = function local(inst) {
  let s = store.get(inst)
  if (!s) {
    s = {}
    store.set(inst, s)
  }
  return s
}
