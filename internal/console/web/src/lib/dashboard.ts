// Shapes the dashboard's figures into chart options (pure, tested).
import { categoryName } from './format'

export interface Dashboard {
  today: { sessions: number; checkins: number; registrations: number }
  signups_by_day: Array<{ date: string; category: string; count: number }>
  hours_by_org: Array<{ org_id: number; org_name: string; minutes: number }>
  alarms: { open: number; acknowledged_today: number; median_ack_seconds: number }
  generated_at: string
}

/** signupSeries: one stacked series per category over every day present, zero-filled. */
export function signupSeries(rows: Dashboard['signups_by_day']) {
  const days = [...new Set(rows.map((r) => r.date))].sort()
  const cats = [...new Set(rows.map((r) => r.category))].sort()
  const idx = new Map(days.map((d, i) => [d, i]))
  const series = cats.map((c) => {
    const data = days.map(() => 0)
    for (const r of rows) if (r.category === c) data[idx.get(r.date)!] += r.count
    return { name: categoryName(c), type: 'bar' as const, stack: 'signups', data }
  })
  return { days: days.map((d) => d.slice(5)), series }
}

/** orgHours: organisations by hours this month, most first, at most `top`, the rest summed as 其他. */
export function orgHours(rows: Dashboard['hours_by_org'], top = 10) {
  const sorted = [...rows].sort((a, b) => b.minutes - a.minutes || a.org_name.localeCompare(b.org_name))
  const head = sorted.slice(0, top)
  const rest = sorted.slice(top).reduce((s, r) => s + r.minutes, 0)
  const names = head.map((r) => r.org_name)
  const values = head.map((r) => Math.round((r.minutes / 60) * 10) / 10)
  if (rest > 0) {
    names.push('其他')
    values.push(Math.round((rest / 60) * 10) / 10)
  }
  return { names, values }
}

/** ackTime: a median acknowledgement time in words. */
export function ackTime(seconds: number): string {
  if (!seconds || seconds < 0) return '—'
  if (seconds < 60) return `${Math.round(seconds)} 秒`
  if (seconds < 3600) return `${Math.round(seconds / 60)} 分钟`
  return `${Math.round((seconds / 3600) * 10) / 10} 小时`
}

export interface CobuildFigures {
  needs: { open: number; quantity: number; claimed: number }
  projects: { active: number; overdue: number }
  pending: { wishes: number; report_ins: number }
  generated_at: string
}

export interface RoomsFigures {
  rooms: number
  today_bookings: number
  pending_approvals: number
  week: { open_minutes: number; booked_minutes: number; utilisation: number }
  generated_at: string
}

/** percent: a share (0..1) as a whole percentage, "—" when there is nothing to share. */
export function percent(share: number, of = 1): string {
  if (!of || !Number.isFinite(share / of)) return '—'
  return `${Math.round((share / of) * 100)}%`
}
