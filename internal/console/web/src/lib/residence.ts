// The residence applications page's words and paging (居住认证, issue 13
// point 5): statuses in Chinese, the status filter, where the applicant says
// they live, what approving did, and keyset pages over the server's
// before_id (the page asks for one row more than it shows: that row says
// whether a next page exists).
import type { ResidenceApplication, ResidenceDecision } from '../api/residence'

export const RESIDENCE_PAGE_SIZE = 20

const statuses: Record<string, [string, string]> = {
  pending: ['待审核', 'warning'], approved: ['已通过', 'success'], rejected: ['未通过', 'danger'], superseded: ['已更换', 'info'],
}

/** residenceStatus: the Chinese label and tag colour of an application's status. */
export function residenceStatus(s: string): { label: string; type: string } {
  const v = statuses[s]
  return v ? { label: v[0], type: v[1] } : { label: s, type: 'info' }
}

/** The status filter's choices, the first (待审核) the default; 'all' asks the server for every status. */
export const statusFilters: Array<{ value: string; label: string }> = [
  ...Object.entries(statuses).map(([value, [label]]) => ({ value, label })),
  { value: 'all', label: '全部' },
]

/** statusParam: the filter as the page's address holds it (a bad or missing one is 待审核) … */
export function statusParam(v: string): string {
  return statusFilters.some((f) => f.value === v) ? v : 'pending'
}

/** … and as the server is asked for it ('' = every status). */
export function statusQuery(v: string): string {
  return v === 'all' ? '' : statusParam(v)
}

/** beforeId: the server's before_id of a page's cursor ('' = the first page). */
export function beforeId(cursor: string): number {
  const n = Number(cursor)
  return Number.isInteger(n) && n > 0 ? n : 0
}

/**
 * residencePage cuts what the server gave (asked for size + 1 rows, newest
 * first) to the page shown; next_cursor is the last shown row's id when the
 * extra row says there is more ('' on the last page).
 */
export function residencePage(items: readonly ResidenceApplication[], size = RESIDENCE_PAGE_SIZE): { items: ResidenceApplication[]; next_cursor: string } {
  if (items.length <= size) return { items: items.slice(), next_cursor: '' }
  const shown = items.slice(0, size)
  return { items: shown, next_cursor: String(shown[size - 1].id) }
}

/** placeText: where the applicant says they live: 地址 楼栋 单元. */
export function placeText(a: Pick<ResidenceApplication, 'address' | 'building' | 'unit'>): string {
  return [a.address, a.building, a.unit].map((s) => (s || '').trim()).filter(Boolean).join(' ')
}

/** applicantName: the applicant as staff see them (the server gives the resident's shown name). */
export function applicantName(a: Pick<ResidenceApplication, 'user_name' | 'user_id'>): string {
  return a.user_name || `居民 ${a.user_id}`
}

/** approvedText: what the desk is told after approving (the community-only sign-ups elsewhere the server cancelled). */
export function approvedText(d: Pick<ResidenceDecision, 'cancelled_registrations'>): string {
  const n = d.cancelled_registrations || 0
  return n > 0 ? `已通过；该居民 ${n} 个不再符合条件的“仅限本社区居民”报名已取消，并已通知本人` : '已通过'
}
