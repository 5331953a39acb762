// Rooms' words and small rules for the console: opening hours in words and
// their checks, the week a calendar shows, booking statuses, and what a desk
// booking on behalf of a resident needs before it is sent, and whom a team's
// leadership can go to.
import type { Booking, DayHours, DeskBooking, TeamDetail, TeamMember } from '../api/rooms'

/** The server's weekdays: 1 = Monday … 7 = Sunday (ISO 8601). */
export const weekdays: Array<{ day: number; name: string }> = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'].map((name, i) => ({ day: i + 1, name }))

export function weekdayName(day: number): string {
  return weekdays.find((w) => w.day === day)?.name ?? `第 ${day} 天`
}

export const roomKinds = [
  { key: 'library', name: '图书室' }, { key: 'reading_room', name: '阅览室' }, { key: 'chess_room', name: '棋牌室' },
  { key: 'gym', name: '健身房' }, { key: 'dance_room', name: '舞蹈室' }, { key: 'activity_room', name: '活动室' },
  { key: 'meeting_room', name: '会议室' }, { key: 'classroom', name: '教室' }, { key: 'sports_hall', name: '体育馆' },
  { key: 'other', name: '其他' },
]

export const audiences = [
  { key: 'residents', name: '本社区居民' }, { key: 'teams', name: '文体团队' }, { key: 'units', name: '共建单位' }, { key: 'staff', name: '工作人员' },
]

const bookingStatuses: Record<string, [string, string]> = {
  pending: ['待审批', 'warning'], confirmed: ['已确认', 'success'], checked_in: ['已签到', 'success'], no_show: ['未到场', 'danger'],
  cancelled: ['已取消', 'info'], rejected: ['已驳回', 'danger'], expired: ['已过期', 'info'],
}
export function bookingStatus(s: string): { label: string; type: string } {
  const v = bookingStatuses[s]
  return v ? { label: v[0], type: v[1] } : { label: s, type: 'info' }
}

const bookedFor: Record<string, string> = { resident: '居民', team: '文体团队', unit: '共建单位', desk: '窗口代订', staff: '社区自用' }
export function bookedForLabel(s: string): string {
  return bookedFor[s] ?? s
}

/**
 * bookedForText: whom a booking is for, as the desk reads it: a desk booking made for a registered
 * resident (for_user_id; the booking is theirs) is 代居民预约, one for a guest without an account
 * 代访客预约; any other booking by its kind (bookedForLabel).
 */
export function bookedForText(b: Pick<Booking, 'booked_for' | 'booked_by_desk' | 'for_user_id'>): string {
  if (b.booked_by_desk || b.booked_for === 'desk') return b.for_user_id ? '代居民预约' : '代访客预约'
  return bookedForLabel(b.booked_for)
}

const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/

/** hoursErrors: what is wrong with a week of opening hours (bad times, closing before opening, a day twice). */
export function hoursErrors(hours: readonly DayHours[]): string[] {
  const out: string[] = []
  const seen = new Set<number>()
  for (const h of hours) {
    const day = weekdayName(h.weekday)
    if (!hhmm.test(h.opens) || !hhmm.test(h.closes)) out.push(`${day}的时间应写成 08:30 这样的格式`)
    else if (h.opens >= h.closes) out.push(`${day}的关门时间应晚于开门时间`)
    if (seen.has(h.weekday)) out.push(`${day}填了两次`)
    seen.add(h.weekday)
  }
  return out
}

/** hoursText: a week of opening hours in words, days with the same hours joined: "周一至周五 08:00-20:00；周六 09:00-17:00". */
export function hoursText(hours: readonly DayHours[]): string {
  if (!hours.length) return '未设置开放时间'
  const order = weekdays.map((w) => w.day)
  const byDay = new Map(hours.map((h) => [h.weekday, `${h.opens}-${h.closes}`]))
  const parts: string[] = []
  let i = 0
  while (i < order.length) {
    const t = byDay.get(order[i])
    if (!t) {
      i++
      continue
    }
    let j = i
    while (j + 1 < order.length && byDay.get(order[j + 1]) === t) j++
    const days = j > i ? `${weekdayName(order[i])}至${weekdayName(order[j])}` : weekdayName(order[i])
    parts.push(`${days} ${t}`)
    i = j + 1
  }
  return parts.join('；')
}

/** weekOf: the Monday-to-Sunday week (China time) holding day "YYYY-MM-DD", as from/to dates for the calendar query. */
export function weekOf(day: string): { from: string; to: string; days: string[] } {
  const d = new Date(day + 'T00:00:00Z')
  const back = (d.getUTCDay() + 6) % 7
  const monday = new Date(d.getTime() - back * 86400_000)
  const days = Array.from({ length: 7 }, (_, k) => new Date(monday.getTime() + k * 86400_000).toISOString().slice(0, 10))
  const next = new Date(monday.getTime() + 7 * 86400_000).toISOString().slice(0, 10)
  return { from: days[0], to: next, days }
}

/**
 * A desk booking's form: for a guest without an account (kind guest, the default: name and phone) or a
 * registered resident (kind resident: their account id, user_id).
 */
export interface DeskForm {
  kind?: 'guest' | 'resident'; user_id?: number | null
  name: string; phone: string; reason: string; purpose: string; starts_at: string; ends_at: string
}

/** deskErrors: what a desk booking on behalf of a resident or a guest still lacks (the reason is required and audited). */
export function deskErrors(f: DeskForm): string[] {
  const out: string[] = []
  if (f.kind === 'resident') {
    if (!f.user_id || f.user_id < 1) out.push('请填写居民的用户编号')
  } else {
    if (!f.name.trim()) out.push('请填写访客姓名')
    if (!/^1\d{10}$/.test(f.phone.trim())) out.push('请填写 11 位手机号')
  }
  if (!f.reason.trim()) out.push('请填写代订原因')
  if (!f.purpose.trim()) out.push('请填写用途')
  if (!f.starts_at || !f.ends_at) out.push('请选择开始和结束时间')
  else if (new Date(f.starts_at) >= new Date(f.ends_at)) out.push('结束时间应晚于开始时间')
  return out
}

/** deskBody: the body of a desk booking (deskErrors found nothing): a registered resident by account id, else the guest's name and phone. */
export function deskBody(f: DeskForm, attendance: number): DeskBooking {
  const reason = f.reason.trim()
  return {
    starts_at: f.starts_at, ends_at: f.ends_at, purpose: f.purpose.trim(), attendance,
    on_behalf_of: f.kind === 'resident' ? { user_id: Number(f.user_id), reason } : { name: f.name.trim(), phone: f.phone.trim(), reason },
  }
}

/** leaderCandidates: the team's active members who could lead it instead of its leader, by name. */
export function leaderCandidates(t: Pick<TeamDetail, 'leader_id' | 'member_list'>): TeamMember[] {
  return (t.member_list ?? []).filter((m) => m.status === 'active' && m.user_id !== t.leader_id).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
}
