// Formatting shared by the pages: China time (whatever the desk's clock
// zone), hours from minutes, activity categories and statuses in Chinese.

const cst = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hour12: false,
})

function parts(iso: string) {
  const d = new Date(iso)
  if (isNaN(d.getTime())) return null
  const p: Record<string, string> = {}
  for (const x of cst.formatToParts(d)) p[x.type] = x.value
  return p
}

/** dateTime: "2026-12-03 13:40" in China time; "" for an empty or bad value. */
export function dateTime(iso?: string | null): string {
  const p = iso ? parts(iso) : null
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}` : ''
}

/** date: "2026-12-03" in China time. */
export function date(iso?: string | null): string {
  return dateTime(iso).slice(0, 10)
}

/** hours: minutes as hours with at most one decimal, "2.5 小时". */
export function hours(minutes: number): string {
  const h = Math.round((minutes / 60) * 10) / 10
  return `${h} 小时`
}

const categoryNames: Record<string, string> = {
  after_school: '四点半学校',
  clinic: '义诊',
  performance: '文艺演出',
  youth_camp: '青少年快乐营地',
  lecture: '讲座/培训',
  volunteer_service: '志愿服务',
  other: '其他',
}

/** categories: the activity categories in the order the pickers list them. */
export const categories: Array<{ key: string; name: string }> = Object.entries(categoryNames).map(([key, name]) => ({ key, name }))

export function categoryName(key: string): string {
  return categoryNames[key] ?? key
}

const statusNames: Record<string, [string, string]> = {
  draft: ['草稿', 'info'],
  published: ['报名中', 'success'],
  cancelled: ['已取消', 'danger'],
  finished: ['已结束', 'info'],
  registered: ['已报名', 'success'],
  confirmed: ['已报名', 'success'],
  waitlisted: ['候补', 'warning'],
  removed: ['已移除', 'danger'],
  no_show: ['缺席', 'warning'],
  checked_in: ['已签到', 'success'],
  pending: ['待审核', 'warning'],
  approved: ['已通过', 'success'],
  rejected: ['已驳回', 'danger'],
  open: ['未处理', 'danger'],
  acknowledged: ['已确认', 'warning'],
  resolved: ['已解决', 'success'],
}

/** status: the Chinese label of a status and the tag type that colours it. */
export function status(s: string): { label: string; type: string } {
  const v = statusNames[s]
  return v ? { label: v[0], type: v[1] } : { label: s, type: 'info' }
}

/** registrationStatuses: the statuses a list of registrations is filtered by. */
export const registrationStatuses = ['confirmed', 'waitlisted', 'cancelled'] as const

/** checkedInChoices: the check-in state filter of a registrations list (?checked_in=; '' = 全部). */
export const checkedInChoices = [
  { label: '全部', value: '' },
  { label: '已签到', value: 'true' },
  { label: '未签到', value: 'false' },
] as const
