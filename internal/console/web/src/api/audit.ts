import { download, get, type Cursor, type Query } from './http'

export interface AuditEntry {
  id: number; at: string; actor_id: number; actor_name: string; actor_role: string; action: string
  action_label?: string; object_type: string; object_id: number | string; community_id?: number; subdistrict_id?: number
  changes?: Record<string, unknown>; ip: string; request_id: string
}

/** The roles an entry's actor acted in (actor_role; GET /console/audit?role=), widest first. */
export const auditRoles = ['admin', 'subdistrict_admin', 'staff', 'org_staff', 'unit_contact', 'resident'] as const

export const auditApi = {
  list: (q: Query) => get<Cursor<AuditEntry>>('/console/audit', q),
  actions: () => get<{ items: Array<{ action: string; label: string }> }>('/console/audit/actions'),
  exportXlsx: (q: Query) => download('/console/audit/export', q, '操作日志.xlsx'),
}

/** changesText: the changes of an entry as short lines ("状态：draft → published"). */
export function changesText(c?: Record<string, unknown>): string[] {
  if (!c) return []
  return Object.entries(c).map(([k, v]) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && ('from' in v || 'to' in v)) {
      const o = v as { from?: unknown; to?: unknown }
      return `${k}：${show(o.from)} → ${show(o.to)}`
    }
    return `${k}：${show(v)}`
  })
}

function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return '（空）'
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}

const objectNames: Record<string, string> = {
  activity: '活动', session: '场次', registration: '报名', claim: '时长申请', correction: '时长更正', hours_entry: '时长记录',
  presence: '在岗记录', wristband: '手环', alarm: '告警', user: '用户', organization: '组织', community: '社区',
  subdistrict: '街道', audit: '操作日志',
}

/** objectText: "活动 #12" */
export function objectText(type: string, id: number | string): string {
  const name = objectNames[type] ?? type
  return id && id !== '0' ? `${name} #${id}` : name
}
