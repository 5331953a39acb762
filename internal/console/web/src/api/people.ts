import { del, get, post, type Query } from './http'
import type { Role } from './session'

export interface User {
  id: number; nickname: string; real_name?: string; phone_masked?: string; community_id?: number
  roles: Array<Role & { scope?: string }>; created_at?: string
}
export interface RoleChange {
  role: string; community_id?: number; org_id?: number; subdistrict_id?: number; scope?: 'subdistrict' | 'community' | 'org'
}

/** One line of a service record (GET /console/people/{id}/record): an activity session's hours. */
export interface RecordLine {
  activity_id: number; session_id: number; activity_title: string; content: string; date: string
  minutes: number; hours: number; sources: string[]
}
/** A page of a person's service record; next_cursor is null on the last page. */
export interface ServiceRecord {
  record_number: string; name: string; total_minutes: number; total_hours: number
  entries: RecordLine[]; next_cursor?: string | null
}

/**
 * The filters of the people search (GET /console/people); '' = not narrowed. name: a name fragment (姓名);
 * phone: phone digits, the last ones or the masked form (手机号); role: the holders of a role (角色). Each
 * given narrows the list.
 */
export interface PeopleFilter { name: string; phone: string; role: string; subdistrict_id: number | ''; community_id: number | '' }
/** One keyset page of the people search; next_cursor is absent on the last page. */
export interface PeoplePage { items: User[]; limit: number; next_cursor?: string }

export const PEOPLE_PAGE_SIZE = 20

/** The roles the people search filters by (GET /console/people?role=), in the order the role grant offers them. */
export const peopleRoles = ['admin', 'staff', 'unit_contact', 'volunteer', 'party_member'] as const

/** peopleQuery: the query of one page of the people search (the server knows name, phone, role, subdistrict_id, community_id, cursor, limit). */
export function peopleQuery(f: PeopleFilter, cursor: string): Query {
  return {
    name: f.name.trim() || undefined,
    phone: f.phone.trim() || undefined,
    role: f.role || undefined,
    subdistrict_id: f.subdistrict_id || undefined,
    community_id: f.community_id || undefined,
    cursor: cursor || undefined,
    limit: PEOPLE_PAGE_SIZE,
  }
}

/**
 * searchBoxes: where a single search text (?q= of an older link: a name or phone digits) goes among the
 * 姓名 and 手机号 boxes: digits (with the mask's *) are a phone, anything else a name.
 */
export function searchBoxes(q: string): { name: string; phone: string } {
  const t = q.trim()
  return /^[\d*]*\d[\d*]*$/.test(t) ? { name: '', phone: t } : { name: t, phone: '' }
}

export const peopleApi = {
  search: (f: PeopleFilter, cursor: string) => get<PeoplePage>('/console/people', peopleQuery(f, cursor)),
  get: (id: number) => get<User>(`/admin/users/${id}`),
  record: (id: number, cursor: string) =>
    get<ServiceRecord>(`/console/people/${id}/record`, { cursor: cursor || undefined, limit: 50 }),
  grant: (id: number, r: RoleChange) => post<User>(`/admin/users/${id}/roles`, r),
  revoke: (id: number, r: RoleChange) => del<User>(`/admin/users/${id}/roles`, r),
}

/** roleChangeOf: the body that grants or revokes a role as the user holds it (scope named explicitly for staff). */
export function roleChangeOf(r: Role & { scope?: string }): RoleChange {
  const out: RoleChange = { role: r.role }
  if (r.community_id) out.community_id = r.community_id
  if (r.org_id) out.org_id = r.org_id
  if (r.subdistrict_id) out.subdistrict_id = r.subdistrict_id
  if (r.role === 'staff' || r.role === 'unit_contact') {
    out.scope = r.community_id ? 'community' : r.org_id ? 'org' : 'subdistrict'
  }
  return out
}

/** scopeText: where a role applies, in words. */
export function scopeText(r: Role, names: { community: (id: number) => string; org: (id: number) => string; subdistrict: (id: number) => string }): string {
  if (r.community_id) return names.community(r.community_id)
  if (r.org_id) return names.org(r.org_id)
  if (r.subdistrict_id) return names.subdistrict(r.subdistrict_id)
  return r.role === 'admin' ? '全区' : r.role === 'staff' ? '全部社区' : ''
}
