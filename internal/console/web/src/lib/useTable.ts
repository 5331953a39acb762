import { reactive, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import type { Page, Query } from '../api/http'
import { defaultSortOf, fromRoute, sortParam, toQuery, toRoute, type TableState } from './table'

/**
 * useTable runs a server-paged table: its state lives in the URL, every
 * change asks the server again, and an answer arriving after a newer request
 * was sent is dropped (typing in a filter never shows stale rows).
 */
export function useTable<T>(
  fetch: (q: Query) => Promise<Page<T>>,
  opts: { filters: readonly string[]; defaultSort?: string; extra?: () => Query },
) {
  const route = useRoute()
  const router = useRouter()
  const dflt = opts.defaultSort ?? ''
  const state = reactive<TableState>(fromRoute(route.query, opts.filters, dflt))
  const rows = ref<T[]>([]) as { value: T[] }
  const total = ref(0)
  const loading = ref(false)
  const error = ref('')
  let seq = 0

  async function load() {
    const mine = ++seq
    loading.value = true
    error.value = ''
    try {
      const p = await fetch({ ...toQuery(state), ...(opts.extra?.() ?? {}) })
      if (mine !== seq) return
      rows.value = p.items ?? []
      total.value = p.total ?? rows.value.length
    } catch (e) {
      if (mine !== seq) return
      error.value = (e as Error).message
      rows.value = []
      total.value = 0
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  function sync() {
    router.replace({ query: { ...otherQuery(), ...toRoute(state, dflt) } })
  }

  // Query keys that belong to the page rather than the table (e.g. a tab).
  function otherQuery() {
    const keep: Record<string, string> = {}
    const mine = new Set(['page', 'page_size', 'sort', ...opts.filters])
    for (const [k, v] of Object.entries(route.query)) if (!mine.has(k) && typeof v === 'string') keep[k] = v
    return keep
  }

  watch(
    () => JSON.stringify(state),
    () => {
      sync()
      load()
    },
  )

  return {
    state,
    rows,
    total,
    loading,
    error,
    load,
    defaultSort: defaultSortOf(state.sort),
    onSort: (e: { prop: string | null; order: string | null }) => {
      state.sort = sortParam(e.prop, e.order) || dflt
      state.page = 1
    },
    setFilter: (k: string, v: string) => {
      state.filters[k] = v
      state.page = 1
    },
  }
}
