// The alarms board's state: the first page from the list route, then the
// live stream's events merged in (a new alarm on top, an update in place,
// a repeated event never duplicated), newest first.
import type { Alarm } from '../api/wristbands'

/** The stream's alarm event (contract §5). */
export interface StreamAlarm {
  id: number; wristband_id: number; kind: string; level?: string; holder_name?: string
  community_id?: number; at: string; status: string; detail?: string
}

const kindText: Record<string, string> = {
  sos: 'SOS 求救', fall: '跌倒告警', taken_off: '手环摘下', heart_rate: '心率异常',
  blood_pressure: '血压异常', blood_glucose: '血糖异常',
}
const statusText: Record<string, string> = { open: '待处理', acked: '已确认', resolved: '已解决' }

export function alarmTypeText(type: string): string {
  return kindText[type] ?? type
}

export function alarmStatusText(s: string): string {
  return statusText[s] ?? s
}

/** fromStream turns a stream event into the list's shape. */
export function fromStream(e: StreamAlarm): Alarm {
  return {
    id: e.id, device_id: e.wristband_id, type: e.kind, type_text: kindText[e.kind] ?? e.kind,
    status: e.status, status_text: statusText[e.status] ?? e.status, wearer_name: e.holder_name,
    community_id: e.community_id, at: e.at, detail: e.detail,
  }
}

/** merge puts an alarm into the board: replaced in place when known (keeping what the event lacks), else on top. */
export function merge(board: readonly Alarm[], a: Alarm, limit = 200): Alarm[] {
  const i = board.findIndex((x) => x.id === a.id)
  if (i >= 0) {
    const next = [...board]
    const defined = Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined))
    next[i] = { ...board[i], ...defined }
    return next
  }
  return [a, ...board].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : y.id - x.id)).slice(0, limit)
}

/** openCount: alarms nobody has acknowledged yet. */
export function openCount(board: readonly Alarm[]): number {
  return board.filter((a) => a.status === 'open').length
}

/** ageText: how long ago an alarm opened, in words ("3 分钟前"). */
export function ageText(at: string, now: number): string {
  const s = Math.max(0, Math.floor((now - new Date(at).getTime()) / 1000))
  if (s < 60) return '刚刚'
  if (s < 3600) return `${Math.floor(s / 60)} 分钟前`
  if (s < 86400) return `${Math.floor(s / 3600)} 小时前`
  return `${Math.floor(s / 86400)} 天前`
}
