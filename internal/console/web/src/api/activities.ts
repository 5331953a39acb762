import { del, download, get, patch, post, type Page, type Query } from './http'

export interface Place { address: string; lat?: number; lng?: number }
export interface Eligibility { community_only?: boolean; min_age?: number; max_age?: number; roles?: string[] }
export interface Question { id: string; type: 'text' | 'choice'; title: string; options?: string[]; required?: boolean }
export interface Session {
  id: number; starts_at: string; ends_at: string; capacity: number; waitlist_capacity: number
  remaining?: number; waitlist_remaining?: number; confirmed?: number; waitlisted?: number
  /** open, or cancelled once staff cancelled this session alone */
  status?: 'open' | 'cancelled'; cancelled_at?: string; cancel_reason?: string
}
export interface SessionInput { starts_at: string; ends_at: string; capacity: number; waitlist_capacity: number }
export interface Activity {
  id: number; title: string; category: string; category_name?: string; status: string
  community_id: number; host_org_id: number; host_org_name?: string; place?: Place; cover_url?: string
  signup_opens_at?: string; signup_closes_at?: string; next_starts_at?: string; sessions_count?: number
  remaining?: number; series?: boolean; popular?: boolean; description?: string; cancel_deadline_minutes?: number
  per_account_limit?: number; eligibility?: Eligibility; questions?: Question[]; sessions?: Session[]; cancel_reason?: string
}
export type ActivityInput = Partial<Omit<Activity, 'id' | 'status' | 'sessions' | 'category_name' | 'host_org_name'>> & {
  sessions?: SessionInput[]
}
export interface StaffRegistration {
  id: number; activity_id: number; session_id: number; user_id: number
  attendee: { self: boolean; dependent_id?: number | null; name: string }
  status: string; waitlist_position?: number | null; no_show?: boolean; checked_in_at?: string | null
  phone?: string; phone_masked?: string; source?: string; reason?: string; created_at?: string; starts_at?: string
  answers?: Record<string, string>
}
export interface Organization { id: number; name: string; type: string; parent_id?: number; community_ids?: number[] }
export interface Checker { user_id: number; name: string; created_at: string }
export interface Attendance {
  session_id: number; activity_title: string; confirmed: number; checked_in: number
  registrations: Array<{ registration_id: number; attendee_name: string; user_id: number; checked_in_at: string | null; offline: boolean }>
  presences: Array<{ user_id: number; in_at: string; out_at: string | null; minutes: number; auto_closed: boolean; flagged: boolean }>
}
export interface RotatingCode { code: string; session_id: number; step_seconds: number; expires_at: string; server_time: string }
export interface Notice { id: number; title?: string; template_key?: string; status: string; user_id?: number; created_at?: string; sent_at?: string; last_error?: string }

const a = (id: number, rest = '') => `/admin/activities/${id}${rest}`

export const activitiesApi = {
  list: (q: Query) => get<Page<Activity>>('/admin/activities', q),
  get: (id: number) => get<Activity>(a(id)),
  create: (body: ActivityInput) => post<Activity>('/admin/activities', body),
  update: (id: number, body: ActivityInput) => patch<Activity>(a(id), body),
  publish: (id: number) => post<Activity>(a(id, '/publish')),
  finish: (id: number) => post<Activity>(a(id, '/finish')),
  cancel: (id: number, reason: string) => post<Activity>(a(id, '/cancel'), { reason }),
  addSession: (id: number, s: SessionInput) => post<Activity>(a(id, '/sessions'), s),
  cancelSession: (id: number, sid: number, reason: string) => post<Activity>(a(id, `/sessions/${sid}/cancel`), { reason }),
  updateSession: (id: number, sid: number, s: Partial<SessionInput>) =>
    patch<{ session: Session; promoted: number }>(a(id, `/sessions/${sid}`), s),
  registrations: (id: number, q: Query) => get<Page<StaffRegistration>>(a(id, '/registrations'), q),
  exportRegistrations: (id: number) => download(a(id, '/registrations/export'), undefined, `报名名单-${id}.xlsx`),
  removeRegistration: (rid: number, reason: string) => post(`/admin/registrations/${rid}/remove`, { reason }),
  noShow: (rid: number, noShow: boolean) => post(`/admin/registrations/${rid}/no-show`, { no_show: noShow }),
  checkers: (id: number) => get<{ items: Checker[] }>(a(id, '/checkers')),
  appoint: (id: number, userId: number) => post(a(id, '/checkers'), { user_id: userId }),
  withdraw: (id: number, userId: number) => del(a(id, `/checkers/${userId}`)),
  attendance: (sid: number) => get<Attendance>(`/admin/sessions/${sid}/attendance`),
  rotatingCode: (sid: number) => get<RotatingCode>(`/admin/sessions/${sid}/rotating-code`),
  messages: (id: number, q?: Query) =>
    get<{ counts: Record<string, number>; items: Notice[]; next_cursor: string | null }>(a(id, '/messages'), q),
  organizations: () => get<{ items: Organization[] }>('/admin/organizations'),
  createOrganization: (body: { name: string; type: string; parent_id?: number; community_ids: number[] }) =>
    post<Organization>('/admin/organizations', body),
}
