import { download, get, post, type Query } from './http'

export interface Claim {
  id: number; user_id: number; volunteer_name: string; activity_id: number; session_id: number; activity_title: string
  served_at: string; minutes: number; description: string; photo_urls: string[]; status: string
  reviewed_at?: string; granted_minutes?: number; reject_reason?: string; created_at: string
  top_up?: boolean; credited_minutes?: number; session_minutes?: number; max_minutes?: number
}
export interface Correction {
  id: number; status: string; entry_id: number; user_id: number; user_name?: string; minutes: number; reason: string
  requested_by: number; requested_by_name?: string; created_at: string; reviewed_at?: string; reject_reason?: string
  activity_title?: string
}
export interface Presence {
  id: number; user_id: number; user_name: string; activity_title: string; in_at: string; out_at: string | null
  minutes: number; auto_closed: boolean; flagged: boolean; review_status: string
}
export interface HoursReport {
  from: string; to: string; total_minutes: number; total_hours: number; entries: number
  persons: Array<{ rank: number; user_id: number; name: string; org_name: string; community_name: string; minutes: number; hours: number; entries: number }>
  organizations: Array<{ org_id: number; parent_id: number; name: string; depth: number; own_minutes: number; minutes: number; hours: number; members: number }>
  communities: Array<{ community_id: number; name: string; minutes: number; hours: number; persons: number }>
}

/** A page of a review queue: next_cursor is null on the last page (also when it is exactly full). */
export interface ReviewPage<T> { items: T[]; next_cursor: string | null }
/** The review queues are read 100 (the server's largest page) at a time. */
const reviewPage = (status: string, cursor?: string | null) => ({ status, cursor: cursor || undefined, limit: 100 })

export const hoursApi = {
  claims: (status: string, cursor?: string | null) => get<ReviewPage<Claim>>('/admin/hours/claims', reviewPage(status, cursor)),
  approve: (id: number, minutes: number) => post<Claim>(`/admin/hours/claims/${id}/approve`, { minutes }),
  reject: (id: number, reason: string) => post<Claim>(`/admin/hours/claims/${id}/reject`, { reason }),
  corrections: (status: string, cursor?: string | null) => get<ReviewPage<Correction>>('/admin/hours/corrections', reviewPage(status, cursor)),
  correct: (entryId: number, minutes: number, reason: string) =>
    post<{ status?: string }>('/admin/hours/corrections', { entry_id: entryId, minutes, reason }),
  approveCorrection: (id: number) => post(`/admin/hours/corrections/${id}/approve`),
  rejectCorrection: (id: number, reason: string) => post(`/admin/hours/corrections/${id}/reject`, { reason }),
  presences: (status: string, cursor?: string | null) => get<ReviewPage<Presence>>('/admin/presences', reviewPage(status, cursor)),
  approvePresence: (id: number) => post(`/admin/presences/${id}/approve`, {}),
  rejectPresence: (id: number, note: string) => post(`/admin/presences/${id}/reject`, { note }),
  report: (q: Query) => get<HoursReport>('/admin/hours', q),
  exportReport: (q: Query) => download('/admin/hours', { ...q, format: 'xlsx' }, '服务时长统计.xlsx'),
}
