// The state of a server-paged table (page, size, sort, filters), kept in the
// page's URL so that a reload, the back button or a shared link shows the
// same rows. Pure functions here; lib/useTable.ts binds them to Vue.
import type { Query } from '../api/http'

export interface TableState {
  page: number
  pageSize: number
  sort: string // "field" ascending, "-field" descending, "" server default
  filters: Record<string, string>
}

export const pageSizes = [20, 50, 100]

function posInt(v: unknown, dflt: number): number {
  const n = Number(Array.isArray(v) ? v[0] : v)
  return Number.isInteger(n) && n > 0 ? n : dflt
}

function str(v: unknown): string {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' ? s : ''
}

/** fromRoute reads a table's state from the URL query, ignoring what is malformed. */
export function fromRoute(q: Record<string, unknown>, filterKeys: readonly string[], defaultSort = ''): TableState {
  const size = posInt(q.page_size, pageSizes[0])
  const filters: Record<string, string> = {}
  for (const k of filterKeys) filters[k] = str(q[k])
  return {
    page: posInt(q.page, 1),
    pageSize: pageSizes.includes(size) ? size : pageSizes[0],
    sort: /^-?[a-z_]+$/.test(str(q.sort)) ? str(q.sort) : defaultSort,
    filters,
  }
}

/** toRoute is the URL query of a state, leaving out defaults and empty filters. */
export function toRoute(s: TableState, defaultSort = ''): Record<string, string> {
  const out: Record<string, string> = {}
  if (s.page > 1) out.page = String(s.page)
  if (s.pageSize !== pageSizes[0]) out.page_size = String(s.pageSize)
  if (s.sort && s.sort !== defaultSort) out.sort = s.sort
  for (const [k, v] of Object.entries(s.filters)) if (v) out[k] = v
  return out
}

/** toQuery is what the server is asked for. */
export function toQuery(s: TableState): Query {
  return { page: s.page, page_size: s.pageSize, sort: s.sort || undefined, ...s.filters }
}

/** sortParam turns Element Plus's sort-change event into the API's sort parameter. */
export function sortParam(prop: string | null | undefined, order: string | null | undefined): string {
  if (!prop || !order) return ''
  return order === 'descending' ? '-' + prop : prop
}

/** defaultSortOf is the table's default-sort for a sort parameter. */
export function defaultSortOf(sort: string): { prop: string; order: 'ascending' | 'descending' } | undefined {
  if (!sort) return undefined
  return sort.startsWith('-') ? { prop: sort.slice(1), order: 'descending' } : { prop: sort, order: 'ascending' }
}

/** withFilter changes one filter and goes back to the first page. */
export function withFilter(s: TableState, key: string, value: string): TableState {
  return { ...s, page: 1, filters: { ...s.filters, [key]: value } }
}

/** RowAction is a button of a table's 操作 column (components/RowActions): shown when when holds (always without it). */
export interface RowAction<T> {
  label: string
  type?: 'primary' | 'danger'
  when?: (row: T) => boolean
  run: (row: T) => unknown
}
