import { get, post, type Query } from './http'

export interface Alarm {
  id: number; device_id: number; type: string; type_text?: string; status: string; status_text?: string; detail?: string
  wearer_name?: string; at: string; last_event_at?: string; repeats?: number; acked_at?: string; ack_note?: string
  resolved_at?: string; resolve_note?: string; escalated_at?: string; location?: { lat: number; lng: number }
  imei?: string; community_id?: number
}
export interface Binding {
  binding_id: number; device_id: number; imei: string; owner_user_id: number; wearer_name: string; community_id: number
  bind_reason?: string; started_at: string; ended_at?: string; active: boolean
}
export interface Device {
  id: number; imei: string; model: string; vendor: string; batch: string; battery?: number; online?: boolean
  status_at?: string; created_at: string; binding?: Binding | null
}
export interface Unattached { id: number; vendor?: string; imei_masked: string; imei?: string; type: string; reason: string; at: string; received_at: string }
export interface ImportLineError { line: number; imei: string; code: string; message: string }

export const wristbandsApi = {
  devices: (q: Query) => get<{ items: Device[]; next_cursor: string | null }>('/admin/wristbands', q),
  importFile: (file: File) => {
    const fd = new FormData()
    fd.append('file', file)
    return post<{ imported: number }>('/admin/wristbands/import', fd)
  },
  bind: (body: { imei: string; user_id: number; wearer: { self?: boolean; dependent_id?: number }; consent: { version: string }; reason: string }) =>
    post<Binding>('/admin/wristbands/bind', body),
  unbind: (id: number, reason: string) => post(`/admin/wristbands/${id}/unbind`, { reason }),
  bindCode: (id: number) => post<{ code: string; expires_at: string }>(`/admin/wristbands/${id}/bind-code`),
  alarms: (q: Query) => get<{ items: Alarm[]; next_cursor: string | null }>('/admin/wristbands/alarms', q),
  ack: (id: number, note: string) => post<Alarm>(`/admin/wristbands/alarms/${id}/ack`, { note }),
  resolve: (id: number, note: string) => post<Alarm>(`/admin/wristbands/alarms/${id}/resolve`, { note }),
  unattached: (q: Query) => get<{ items: Unattached[] }>('/admin/wristbands/unattached', q),
}
