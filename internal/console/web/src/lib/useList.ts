// What the list pages share: the communities in scope with their names, a
// loader that keeps the loading flag and the error text, a list searched and
// paged in the page, the filters and the tab kept in the address.
import { computed, reactive, ref, watch, type Ref, type WatchSource } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { placesApi, type Community } from '../api/places'
import { localPage } from './cobuild'
import { CursorPager } from './cursor'
import { errorText } from './feedback'

export function useCommunities() {
  const communities = ref<Community[]>([])
  const ready = placesApi.communities().catch(() => [] as Community[]).then((cs) => (communities.value = cs))
  const communityName = (id: number) => communities.value.find((c) => c.id === id)?.name ?? (id ? `社区 ${id}` : '—')
  return { communities, communityName, ready }
}

/** useLoader runs fn with a loading flag; a failure becomes the page's error text. */
export function useLoader(fn: () => Promise<unknown>) {
  const loading = ref(false)
  const error = ref('')
  async function run() {
    loading.value = true
    error.value = ''
    try {
      await fn()
    } catch (e) {
      error.value = errorText(e)
    } finally {
      loading.value = false
    }
  }
  return { loading, error, run }
}

/**
 * useLocalSearch is a list the server gives whole, searched and paged in the
 * page (lib/cobuild localPage, 20 rows a page): q and page, back to the first
 * page when q or one of resets (the page's other filters) changes;
 * pageOf(items, fields) is the page of items whose fields hold q.
 */
export function useLocalSearch(...resets: WatchSource[]) {
  const q = ref('')
  const page = ref(1)
  watch([q, ...resets], () => (page.value = 1))
  const pageOf = <T>(items: readonly T[], fields: Array<keyof T>) => localPage(items, q.value, fields, page.value, 20)
  return { q, page, pageOf }
}

/**
 * useCursorList runs a keyset-paged list (上一页/下一页): fetch gets the cursor
 * of the page to show ('' = the first) and answers the page; reload goes back
 * to the first page (after a filter changed).
 */
export function useCursorList<T>(fetch: (cursor: string) => Promise<{ items: T[]; next_cursor?: string }>) {
  const rows = ref([]) as Ref<T[]>
  const pager = reactive(new CursorPager())
  const { loading, error, run: load } = useLoader(async () => {
    const r = await fetch(pager.cursor)
    rows.value = r.items ?? []
    pager.seen(r.next_cursor ?? '')
  })
  const reload = () => (pager.reset(), load())
  const next = () => (pager.forward(), load())
  const prev = () => (pager.back(), load())
  return { rows, pager, loading, error, load, reload, next, prev }
}

/**
 * useMoreList runs a keyset-paged list read a page at a time into one list
 * (加载更多, 加载更早的…): load starts over with the first page (after a
 * filter changed, a decision was taken), more appends the page after the
 * last one read, following next_cursor (null on the last page, also when it
 * is exactly full; '' or none counts as null); hasMore says whether one
 * follows. A page without items adds none. A reply to a load that a later
 * load replaced is dropped.
 */
export function useMoreList<T>(
  fetch: (cursor: string | undefined) => Promise<{ items?: T[] | null; next_cursor?: string | null }>,
) {
  const rows = ref([]) as Ref<T[]>
  const next = ref<string | null>(null)
  let generation = 0
  const { loading, error, run } = useLoader(async () => {
    const mine = generation
    const r = await fetch(next.value ?? undefined)
    if (mine !== generation) return
    rows.value = next.value ? [...rows.value, ...(r.items ?? [])] : (r.items ?? [])
    next.value = r.next_cursor || null
  })
  const load = () => (generation++, (next.value = null), run())
  const more = () => (next.value ? run() : Promise.resolve())
  const hasMore = computed(() => next.value !== null)
  return { rows, hasMore, loading, error, load, more }
}

/**
 * useAddressQuery is a list's filters kept in the address: param(k) is one
 * as the page was opened ('' when absent), keep(values) writes the non-empty
 * ones back (replacing the history entry, so the back button leaves the page).
 */
export function useAddressQuery() {
  const route = useRoute()
  const router = useRouter()
  const param = (k: string) => (typeof route.query[k] === 'string' ? (route.query[k] as string) : '')
  function keep(values: Record<string, unknown>) {
    const q: Record<string, string> = {}
    for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') q[k] = String(v)
    router.replace({ query: q })
  }
  return { param, keep }
}

/** useQueryTab is a page's tab kept in the address (?tab=): one of tabs, else the first; show writes it back. */
export function useQueryTab(tabs: readonly string[]) {
  const route = useRoute()
  const router = useRouter()
  const tab = ref(tabs.includes(String(route.query.tab)) ? String(route.query.tab) : tabs[0])
  function show(t: string = tab.value) {
    tab.value = t
    router.replace({ query: { tab: t } })
  }
  return { tab, show }
}
