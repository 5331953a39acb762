// Labels and date formatting shared by pages.

/**
 * A picker's options, { key, name } in the order given, from the names by key.
 * @param {Record<string, string>} names
 * @returns {{key: string, name: string}[]}
 */
function options(names) {
  return Object.keys(names).map((key) => ({ key, name: names[key] }))
}

const CATEGORIES = options({ after_school: '四点半学校', clinic: '义诊', performance: '文艺演出', youth_camp: '青少年快乐营地', lecture: '讲座', volunteer_service: '志愿服务' })

const CATEGORY_NAMES = CATEGORIES.reduce((m, c) => Object.assign(m, { [c.key]: c.name }), { volunteer: '志愿服务', other: '其他' })

/** Activity statuses in which sign-up is over. */
const CLOSED_STATUSES = ['closed', 'ended', 'finished', 'cancelled', 'draft']

// Registration statuses the server sends (confirmed, waitlisted, cancelled); whether someone came
// is not a status: a registration carries checked_in_at once checked in, and a no-show flag.
const REGISTRATION_STATUS = {
  confirmed: '报名成功',
  waitlisted: '候补中',
  cancelled: '已取消',
}

// Sources of hours-ledger entries (internal/hours: checkin, claim, correction).
const HOURS_SOURCES = { checkin: '扫码签到签退', claim: '补录审核通过', correction: '时长更正' }

const CLAIM_STATUS = { pending: '待审核', approved: '已通过', rejected: '未通过' }

const RELATIONS = options({ child: '子女', parent: '父母', spouse: '配偶', other: '其他' })
const RELATION_NAMES = RELATIONS.reduce((m, r) => Object.assign(m, { [r.key]: r.name }), {})

// The server's roles (internal/resident).
const ROLE_NAMES = {
  resident: '居民',
  volunteer: '志愿者',
  party_member: '党员',
  unit_contact: '共建单位联系人',
  staff: '社区工作人员',
  admin: '管理员',
}

const ALARM_TYPES = {
  sos: '紧急呼叫（SOS）',
  fall: '跌倒告警',
  taken_off: '手环被摘下',
  heart_rate: '心率异常',
  blood_pressure: '血压异常',
  blood_glucose: '血糖异常',
  fence: '离开安全区域',
  low_battery: '电量过低',
  offline: '手环离线',
}
const ALARM_STATUS = { open: '待处理', acked: '处理中', resolved: '已处理' }

/** Alarm labels: the server's own Chinese text (type_text, status_text); the latest note. */
function alarmView(a) {
  return Object.assign({}, a, {
    typeText: a.type_text || ALARM_TYPES[a.type] || '告警',
    statusText: a.status_text || ALARM_STATUS[a.status] || '',
    timeText: formatDateTime(a.at),
    repeatsText: a.repeats > 1 ? `（${a.repeats} 次）` : '',
    note: a.resolve_note || a.ack_note || '',
  })
}

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六']

const pad = (n) => (n < 10 ? `0${n}` : `${n}`)

/** @param {string|number|Date|undefined|null} v */
function toDate(v) {
  if (!v) return null
  const d = v instanceof Date ? v : new Date(v)
  return isNaN(d.getTime()) ? null : d
}

/** "11月28日 周六 16:30" */
function formatDateTime(v) {
  const d = toDate(v)
  if (!d) return ''
  return `${d.getMonth() + 1}月${d.getDate()}日 周${WEEKDAYS[d.getDay()]} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** "16:30" */
function formatTime(v) {
  const d = toDate(v)
  return d ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : ''
}

/** "11月28日 周六 16:30-18:00"; across days "11月28日 周六 16:30 至 11月29日 周日 12:00" */
function formatRange(start, end) {
  const s = formatDateTime(start)
  const a = toDate(start)
  const b = toDate(end)
  if (!b) return s
  if (a && a.toDateString() !== b.toDateString()) return `${s} 至 ${formatDateTime(b)}`
  return `${s}-${formatTime(b)}`
}

/** "2026-11-28" */
function formatDate(v) {
  const d = toDate(v)
  return d ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` : ''
}

/** "2026年11月" from "2026-11" */
function formatMonth(m) {
  const parts = String(m || '').split('-')
  return parts.length === 2 ? `${parts[0]}年${Number(parts[1])}月` : String(m || '')
}

/** "3小时30分钟"; a correction's negative minutes as "-30分钟" (like the server's FormatMinutes). */
function formatMinutes(min) {
  const n = Math.round(Number(min) || 0)
  const sign = n < 0 ? '-' : ''
  const m = Math.abs(n)
  const h = Math.floor(m / 60)
  const r = m % 60
  if (!h) return `${sign}${r}分钟`
  return sign + (r ? `${h}小时${r}分钟` : `${h}小时`)
}

/** Age in whole years on a given day. */
function ageOn(birthDate, on) {
  const b = toDate(birthDate)
  const d = toDate(on) || new Date()
  if (!b) return null
  let age = d.getFullYear() - b.getFullYear()
  if (d.getMonth() < b.getMonth() || (d.getMonth() === b.getMonth() && d.getDate() < b.getDate())) age -= 1
  return age
}

/** "剩余 12 个名额" / "已满" */
function remainingText(remaining) {
  if (remaining === undefined || remaining === null) return ''
  return remaining > 0 ? `剩余 ${remaining} 个名额` : '名额已满'
}

/** Room bookings: status names and tag types. */
const BOOKING_STATUS = {
  pending: { text: '待审批', tag: 'warning' },
  confirmed: { text: '已预约', tag: 'success' },
  checked_in: { text: '已签到', tag: 'primary' },
  no_show: { text: '未到场', tag: 'danger' },
  cancelled: { text: '已取消', tag: 'default' },
  rejected: { text: '未通过', tag: 'danger' },
  expired: { text: '未审批', tag: 'default' },
}

module.exports = {
  options,
  BOOKING_STATUS,
  CATEGORIES,
  CATEGORY_NAMES,
  CLOSED_STATUSES,
  REGISTRATION_STATUS,
  HOURS_SOURCES,
  CLAIM_STATUS,
  RELATIONS,
  RELATION_NAMES,
  ROLE_NAMES,
  toDate,
  formatDateTime,
  formatTime,
  formatRange,
  formatDate,
  formatMonth,
  formatMinutes,
  ageOn,
  remainingText,
  ALARM_TYPES,
  ALARM_STATUS,
  alarmView,
}
