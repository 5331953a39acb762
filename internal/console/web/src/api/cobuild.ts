// Co-building (issue 15): units, needs, resources, projects, residents'
// wishes and proposals, party members' report-ins. The routes are the ones
// the mini-program uses; the console adds no routes of its own.
import { get, post, type Query } from './http'
import { startTask, finishTask } from '../lib/tasks'
import { upload } from './http'

export interface Unit {
  id: number; name: string; kind: string; kind_name: string; party_org_id?: number; status: string; communities: number[]
  contacts?: Array<{ name: string; phone_masked: string }>
  agreements?: Array<{ community_id: number; starts_on: string; ends_on: string; content?: string; document_url?: string }>
}
export interface Need {
  id: number; community_id: number; category: string; category_name: string; title: string; description: string; place?: string
  quantity: number; quantity_unit: string; claimed: number; remaining: number; beneficiaries?: string; deadline?: string
  shareable: boolean; status: string; source: string; project_id?: number; created_at: string
}
export interface Resource {
  id: number; unit_id: number; unit_name: string; kind: string; kind_name: string; title: string; description: string
  quantity: number; quantity_unit: string; claimed: number; remaining: number; communities: number[]; room_id?: number
  valid_from: string; valid_to: string; status: string; created_at: string
}
export interface Project {
  id: number; need_id?: number; resource_id?: number; community_id: number; title: string; category?: string
  quantity: number; quantity_unit: string; plan?: string; status: string; status_name: string; overdue: boolean; due_at?: string
  parties: Array<{ unit_id: number; unit_name: string; quantity: number; claim_id: number }>
  evidence: { served?: number; photos?: string[]; note?: string }
  rating_avg: number; rating_count: number; unit_rating?: number; unit_comment?: string
  started_at?: string; delivered_at?: string; evaluated_at?: string; closed_at?: string; created_at: string
  /** bumped by every update; sent back with a progress action (409 PROJECT_CHANGED when stale) */
  version: number
}
export interface Wish {
  id: number; community_id: number; title: string; description: string; photos: string[]; status: string; content_check: string
  need_id?: number; decline_reason?: string; contact_name?: string; contact_phone?: string; reviewed_at?: string; created_at: string
}
export interface Proposal {
  id: number; community_id: number; title: string; description: string; status: string; content_check: string
  supports: number; threshold: number; need_id?: number; decline_reason?: string; agenda_at?: string; created_at: string
}
export interface ReportIn {
  user_id: number; user_name?: string; community_id: number; workplace_org_id: number; workplace_name: string
  status: string; note?: string; reviewed_at?: string; created_at: string; updated_at?: string
}
export interface ImportRowError { row: number; message: string }
export interface NeedInput {
  community_id: number; category: string; title: string; description?: string; place?: string; quantity: number
  quantity_unit: string; beneficiaries?: string; shareable: boolean; deadline?: string
}
/** A review decision: accept into the needs list (with the need to create) or decline with a reason the resident sees. */
export type Decision = { decision: 'accept'; need: { category: string; title?: string; quantity: number; quantity_unit: string } } | { decision: 'decline'; reason: string }

type Keyset<T> = { items: T[]; next_cursor?: string }

export const cobuildApi = {
  units: (q: Query) => get<{ items: Unit[] }>('/units', q),
  unit: (id: number) => get<Unit>(`/units/${id}`),
  myUnits: () => get<{ items: Unit[] }>('/me/units'),
  /** importUnits uploads an XLSX file as a header task with its progress; all rows or none are imported. */
  importUnits: async (file: File, onProgress?: (sent: number, total: number) => void) => {
    const task = startTask('导入共建单位 ' + file.name)
    try {
      const r = await upload<{ imported: number }>('/admin/units/import', file, (done, total) => {
        task.done = done
        task.total = total
        onProgress?.(done, total)
      })
      finishTask(task, true, `已导入 ${r.imported} 个单位`)
      return r
    } catch (e) {
      finishTask(task, false, (e as Error).message)
      throw e
    }
  },
  needs: (q: Query) => get<Keyset<Need>>('/needs', q),
  createNeed: (body: NeedInput) => post<Need>('/needs', body),
  claimNeed: (id: number, body: { unit_id: number; quantity: number; plan: string }) => post<{ project_id: number }>(`/needs/${id}/claims`, body),
  resources: (q: Query) => get<Keyset<Resource>>('/resources', q),
  claimResource: (id: number, body: { community_id: number; quantity: number; plan: string }) => post(`/resources/${id}/claims`, body),
  projects: (q: Query) => get<Keyset<Project>>('/projects', q),
  project: (id: number) => get<Project>(`/projects/${id}`),
  progress: (id: number, body: { action: 'start' | 'deliver' | 'close' | 'progress'; plan?: string; version?: number }) => post<Project>(`/projects/${id}/progress`, body),
  evaluate: (id: number, score: number, comment: string) => post<Project>(`/projects/${id}/evaluation`, { score, comment }),
  wishes: (q: Query) => get<Keyset<Wish>>('/admin/wishes', q),
  reviewWish: (id: number, d: Decision) => post(`/admin/wishes/${id}/review`, d),
  proposals: (q: Query) => get<Keyset<Proposal>>('/proposals', q),
  reviewProposal: (id: number, d: Decision) => post(`/admin/proposals/${id}/review`, d),
  /** a keyset page, newest change first (limit up to 100; cursor: the next_cursor of the previous page, null on the last). */
  reportIns: (q: Query) => get<{ items: ReportIn[]; next_cursor: string | null }>('/admin/report-ins', q),
  reviewReportIn: (userId: number, confirm: boolean, note = '') => post(`/admin/report-ins/${userId}/review`, { confirm, note }),
}
