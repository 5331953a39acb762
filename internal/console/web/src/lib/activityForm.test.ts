import { describe, expect, it } from 'vitest'
import { allowedActions, emptyForm, formOf, inputOf, nextSession, problems, sessionCancellable, soleCommunity } from './activityForm'

function filled() {
  const f = emptyForm()
  f.title = '  社区义诊 '
  f.address = '社区卫生服务站'
  f.community_id = 2
  f.host_org_id = 5
  f.sessions = [
    { starts_at: new Date('2026-12-10T01:00:00Z'), ends_at: new Date('2026-12-10T03:00:00Z'), capacity: 20, waitlist_capacity: 5 },
  ]
  return f
}

describe('problems', () => {
  it('accepts a complete form', () => {
    expect(problems(filled(), true)).toEqual([])
  })
  it('names every problem in Chinese', () => {
    const f = emptyForm()
    f.sessions = [{ starts_at: new Date('2026-12-10T03:00:00Z'), ends_at: new Date('2026-12-10T01:00:00Z'), capacity: 0, waitlist_capacity: -1 }]
    f.questions = [{ id: '', type: 'choice', title: '', options: ['只有一个'] }]
    expect(problems(f, true)).toEqual([
      '请填写活动名称', '请填写活动地点', '请选择所属社区', '请选择主办单位',
      '第 1 场：结束时间须晚于开始时间', '第 1 场：名额至少为 1', '第 1 场：候补名额不能为负',
      '第 1 个报名问题没有题目', '第 1 个报名问题至少需要两个选项',
    ])
  })
  it('does not ask for sessions, community or host when editing', () => {
    const f = filled()
    f.community_id = null
    f.sessions = []
    expect(problems(f, false)).toEqual([])
  })
  it('checks the sign-up window and ages', () => {
    const f = filled()
    f.signup_opens_at = new Date('2026-12-05T00:00:00Z')
    f.signup_closes_at = new Date('2026-12-04T00:00:00Z')
    f.min_age = 60
    f.max_age = 6
    expect(problems(f, true)).toEqual(['报名截止时间须晚于报名开始时间', '年龄上限不能小于年龄下限'])
  })
})

describe('inputOf', () => {
  it('sends sessions, community and host only on create, trimmed', () => {
    const f = filled()
    f.questions = [{ id: '', type: 'choice', title: ' 是否需要轮椅 ', options: ['是', ' 否 ', ''] }]
    const c = inputOf(f, true, new Date('2026-12-03T00:00:00Z'))
    expect(c.title).toBe('社区义诊')
    expect([c.signup_opens_at, c.signup_closes_at]).toEqual(['2026-12-03T00:00:00.000Z', '2026-12-10T01:00:00.000Z'])
    expect(c.community_id).toBe(2)
    expect(c.sessions).toEqual([{ starts_at: '2026-12-10T01:00:00.000Z', ends_at: '2026-12-10T03:00:00.000Z', capacity: 20, waitlist_capacity: 5 }])
    expect(c.questions).toEqual([{ id: 'q1', type: 'choice', title: '是否需要轮椅', required: false, options: ['是', '否'] }])
    const e = inputOf(f, false)
    expect(e).not.toHaveProperty('sessions')
    expect(e).not.toHaveProperty('community_id')
    expect(e).not.toHaveProperty('series')
  })
  it('round-trips an activity through the form', () => {
    const a = {
      id: 1, title: '四点半课堂', category: 'after_school', status: 'draft', community_id: 3, host_org_id: 4,
      place: { address: '活动室' }, description: 'd', eligibility: { community_only: true, min_age: 6, max_age: 12, roles: [] },
      questions: [{ id: 'q1', type: 'text' as const, title: '孩子年级', required: true }],
      sessions: [{ id: 9, starts_at: '2026-12-10T08:30:00Z', ends_at: '2026-12-10T10:00:00Z', capacity: 15, waitlist_capacity: 3 }],
      cancel_deadline_minutes: 60, per_account_limit: 2, popular: true,
    }
    const body = inputOf(formOf(a), true)
    expect(body).toMatchObject({
      title: '四点半课堂', community_id: 3, host_org_id: 4, place: { address: '活动室' }, popular: true, per_account_limit: 2,
      eligibility: { community_only: true, min_age: 6, max_age: 12 },
      questions: [{ id: 'q1', type: 'text', title: '孩子年级', required: true }],
      sessions: [{ starts_at: '2026-12-10T08:30:00.000Z', capacity: 15, waitlist_capacity: 3 }],
    })
  })
})

describe('nextSession', () => {
  it('proposes the same slot a week later', () => {
    const s = nextSession(filled().sessions)
    expect(s.starts_at?.toISOString()).toBe('2026-12-17T01:00:00.000Z')
    expect(s.ends_at?.toISOString()).toBe('2026-12-17T03:00:00.000Z')
    expect(s.capacity).toBe(20)
  })
  it('is empty after an unfinished row', () => {
    expect(nextSession([{ starts_at: null, ends_at: null, capacity: 8, waitlist_capacity: 0 }])).toMatchObject({ starts_at: null, capacity: 8 })
  })
})

describe('allowedActions', () => {
  it.each([
    ['draft', ['edit', 'publish', 'cancel']],
    ['published', ['edit', 'finish', 'cancel']],
    ['cancelled', []],
    ['finished', []],
  ])('%s', (s, want) => expect(allowedActions(s)).toEqual(want))
})

describe('soleCommunity', () => {
  it('picks the only community listed or the only one in scope', () => {
    expect(soleCommunity([4], [])).toBe(4)
    expect(soleCommunity([1, 2, 3], [2])).toBe(2)
    expect(soleCommunity([1, 2, 3], [])).toBeNull()
    expect(soleCommunity([1, 2, 3], [2, 3])).toBeNull()
    expect(soleCommunity([1, 2], [9])).toBeNull()
  })
})

describe('sessionCancellable', () => {
  const now = new Date('2026-05-01T10:00:00+08:00')
  it('offers to cancel a session not started and not cancelled only', () => {
    expect(sessionCancellable({ starts_at: '2026-05-02T09:00:00+08:00', status: 'open' }, now)).toBe(true)
    expect(sessionCancellable({ starts_at: '2026-05-02T09:00:00+08:00' }, now)).toBe(true)
    expect(sessionCancellable({ starts_at: '2026-05-02T09:00:00+08:00', status: 'cancelled' }, now)).toBe(false)
    expect(sessionCancellable({ starts_at: '2026-05-01T09:00:00+08:00', status: 'open' }, now)).toBe(false)
  })
})
