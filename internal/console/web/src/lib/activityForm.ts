// The activity editor's model and its conversion to and from the API's
// ActivityInput, with the checks a staff member should hear about before
// the server does (the server checks again).
import type { Activity, ActivityInput, Question } from '../api/activities'

export interface SessionRow { id?: number; starts_at: Date | null; ends_at: Date | null; capacity: number; waitlist_capacity: number }

export interface ActivityForm {
  title: string
  category: string
  description: string
  community_id: number | null
  host_org_id: number | null
  address: string
  signup_opens_at: Date | null
  signup_closes_at: Date | null
  cancel_deadline_minutes: number
  per_account_limit: number
  series: boolean
  popular: boolean
  community_only: boolean
  min_age: number
  max_age: number
  roles: string[]
  questions: Question[]
  sessions: SessionRow[]
}

export function emptyForm(): ActivityForm {
  return {
    title: '', category: 'volunteer_service', description: '', community_id: null, host_org_id: null, address: '',
    signup_opens_at: null, signup_closes_at: null, cancel_deadline_minutes: 120, per_account_limit: 0,
    series: false, popular: false, community_only: false, min_age: 0, max_age: 0, roles: [], questions: [],
    sessions: [{ starts_at: null, ends_at: null, capacity: 30, waitlist_capacity: 0 }],
  }
}

const d = (s?: string) => (s ? new Date(s) : null)

export function formOf(a: Activity): ActivityForm {
  return {
    title: a.title, category: a.category, description: a.description ?? '', community_id: a.community_id || null,
    host_org_id: a.host_org_id || null, address: a.place?.address ?? '', signup_opens_at: d(a.signup_opens_at),
    signup_closes_at: d(a.signup_closes_at), cancel_deadline_minutes: a.cancel_deadline_minutes ?? 0,
    per_account_limit: a.per_account_limit ?? 0, series: !!a.series, popular: !!a.popular,
    community_only: !!a.eligibility?.community_only, min_age: a.eligibility?.min_age ?? 0,
    max_age: a.eligibility?.max_age ?? 0, roles: a.eligibility?.roles ?? [],
    questions: (a.questions ?? []).map((q) => ({ ...q, options: [...(q.options ?? [])] })),
    sessions: (a.sessions ?? []).map((s) => ({
      id: s.id, starts_at: d(s.starts_at), ends_at: d(s.ends_at), capacity: s.capacity, waitlist_capacity: s.waitlist_capacity,
    })),
  }
}

const iso = (x: Date | null) => (x ? x.toISOString() : undefined)

/**
 * inputOf is the body of a create (with sessions, community and host) or an
 * edit (without them). An empty sign-up window opens now and closes when the
 * first session starts.
 */
export function inputOf(f: ActivityForm, creating: boolean, now = new Date()): ActivityInput {
  const starts = f.sessions.map((s) => s.starts_at).filter((x): x is Date => !!x).sort((a, b) => a.getTime() - b.getTime())
  const body: ActivityInput = {
    title: f.title.trim(), category: f.category, description: f.description.trim(), place: { address: f.address.trim() },
    signup_opens_at: iso(f.signup_opens_at ?? now), signup_closes_at: iso(f.signup_closes_at ?? starts[0] ?? null),
    cancel_deadline_minutes: f.cancel_deadline_minutes, per_account_limit: f.per_account_limit, popular: f.popular,
    eligibility: { community_only: f.community_only, min_age: f.min_age, max_age: f.max_age, roles: f.roles },
    questions: f.questions.map((q, i) => ({
      id: q.id || `q${i + 1}`, type: q.type, title: q.title.trim(), required: !!q.required,
      ...(q.type === 'choice' ? { options: (q.options ?? []).map((o) => o.trim()).filter(Boolean) } : {}),
    })),
  }
  if (creating) {
    body.community_id = f.community_id ?? undefined
    body.host_org_id = f.host_org_id ?? undefined
    body.series = f.series
    body.sessions = f.sessions.map((s) => ({
      starts_at: iso(s.starts_at)!, ends_at: iso(s.ends_at)!, capacity: s.capacity, waitlist_capacity: s.waitlist_capacity,
    }))
  }
  return body
}

/** problems lists what is wrong with the form, in Chinese; empty when it may be sent. */
export function problems(f: ActivityForm, creating: boolean): string[] {
  const out: string[] = []
  if (!f.title.trim()) out.push('请填写活动名称')
  else if ([...f.title.trim()].length > 100) out.push('活动名称不能超过 100 个字')
  if (!f.address.trim()) out.push('请填写活动地点')
  if (creating && !f.community_id) out.push('请选择所属社区')
  if (creating && !f.host_org_id) out.push('请选择主办单位')
  if (f.signup_opens_at && f.signup_closes_at && f.signup_closes_at <= f.signup_opens_at) out.push('报名截止时间须晚于报名开始时间')
  if (f.min_age && f.max_age && f.max_age < f.min_age) out.push('年龄上限不能小于年龄下限')
  if (creating) {
    if (f.sessions.length === 0) out.push('至少需要一个场次')
    f.sessions.forEach((s, i) => {
      const n = `第 ${i + 1} 场`
      if (!s.starts_at || !s.ends_at) out.push(`${n}：请填写开始和结束时间`)
      else if (s.ends_at <= s.starts_at) out.push(`${n}：结束时间须晚于开始时间`)
      if (!(s.capacity >= 1)) out.push(`${n}：名额至少为 1`)
      if (s.waitlist_capacity < 0) out.push(`${n}：候补名额不能为负`)
    })
  }
  f.questions.forEach((q, i) => {
    if (!q.title.trim()) out.push(`第 ${i + 1} 个报名问题没有题目`)
    if (q.type === 'choice' && (q.options ?? []).filter((o) => o.trim()).length < 2) out.push(`第 ${i + 1} 个报名问题至少需要两个选项`)
  })
  return out
}

/** nextSession proposes a session a week after the last one, same length and capacities. */
export function nextSession(rows: SessionRow[]): SessionRow {
  const last = rows[rows.length - 1]
  if (!last?.starts_at || !last.ends_at) return { starts_at: null, ends_at: null, capacity: last?.capacity ?? 30, waitlist_capacity: last?.waitlist_capacity ?? 0 }
  const week = 7 * 24 * 3600 * 1000
  return {
    starts_at: new Date(last.starts_at.getTime() + week), ends_at: new Date(last.ends_at.getTime() + week),
    capacity: last.capacity, waitlist_capacity: last.waitlist_capacity,
  }
}

/** allowedActions: which status changes a staff member may ask for. */
export function allowedActions(status: string): Array<'publish' | 'cancel' | 'finish' | 'edit'> {
  switch (status) {
    case 'draft': return ['edit', 'publish', 'cancel']
    case 'published': return ['edit', 'finish', 'cancel']
    default: return []
  }
}

/** soleCommunity: the community a new activity belongs to when there is no choice (one listed, or one in the user's scope). */
export function soleCommunity(listed: number[], scoped: number[]): number | null {
  if (listed.length === 1) return listed[0]
  const inList = scoped.filter((id) => listed.includes(id))
  return inList.length === 1 ? inList[0] : null
}

/** sessionCancellable: staff may cancel a session not cancelled yet that has not started by now. */
export function sessionCancellable(s: { starts_at: string; status?: string }, now = new Date()): boolean {
  return s.status !== 'cancelled' && new Date(s.starts_at).getTime() > now.getTime()
}
