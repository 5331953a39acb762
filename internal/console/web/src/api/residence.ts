import { get, post } from './http'

/** A resident's application to be confirmed as living in a community (GET /admin/residence/applications). */
export interface ResidenceApplication {
  id: number; user_id: number; user_name?: string; community_id: number
  address: string; building: string; unit: string
  status: string; reason?: string; reviewed_at?: string; created_at: string
}
/** What approving answers: the application and how many of the resident's community-only sign-ups elsewhere were cancelled. */
export interface ResidenceDecision { application: ResidenceApplication; cancelled_registrations: number }

export const residenceApi = {
  list: (status: string, beforeId: number, limit: number) =>
    get<{ items: ResidenceApplication[] }>('/admin/residence/applications', { status: status || undefined, before_id: beforeId || undefined, limit }),
  approve: (id: number) => post<ResidenceDecision>(`/admin/residence/applications/${id}/approve`),
  reject: (id: number, reason: string) => post<ResidenceApplication>(`/admin/residence/applications/${id}/reject`, { reason }),
}
