import { describe, expect, it } from 'vitest'
import { bookedForText, bookingStatus, deskBody, deskErrors, hoursErrors, hoursText, leaderCandidates, weekOf } from './rooms'

describe('opening hours', () => {
  it('joins days with the same hours, Monday first', () => {
    const week = [1, 2, 3, 4, 5].map((d) => ({ weekday: d, opens: '08:00', closes: '20:00' }))
    expect(hoursText([...week, { weekday: 6, opens: '09:00', closes: '17:00' }])).toBe('周一至周五 08:00-20:00；周六 09:00-17:00')
    expect(hoursText([{ weekday: 7, opens: '09:00', closes: '12:00' }, { weekday: 3, opens: '09:00', closes: '12:00' }])).toBe('周三 09:00-12:00；周日 09:00-12:00')
    expect(hoursText([6, 7].map((d) => ({ weekday: d, opens: '09:00', closes: '12:00' })))).toBe('周六至周日 09:00-12:00')
    expect(hoursText([])).toBe('未设置开放时间')
  })
  it('finds bad times, closing before opening and a day twice', () => {
    expect(hoursErrors([{ weekday: 1, opens: '08:00', closes: '20:00' }])).toEqual([])
    expect(hoursErrors([{ weekday: 1, opens: '8:00', closes: '20:00' }])).toEqual(['周一的时间应写成 08:30 这样的格式'])
    expect(hoursErrors([{ weekday: 2, opens: '18:00', closes: '09:00' }])).toEqual(['周二的关门时间应晚于开门时间'])
    expect(hoursErrors([{ weekday: 7, opens: '08:00', closes: '09:00' }, { weekday: 7, opens: '10:00', closes: '11:00' }])).toEqual(['周日填了两次'])
  })
})

describe('weekOf', () => {
  it('is the Monday-to-Sunday week of a day, with the next Monday as the end', () => {
    expect(weekOf('2026-12-03')).toEqual({ from: '2026-11-30', to: '2026-12-07', days: ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06'] })
    expect(weekOf('2026-12-06').from).toBe('2026-11-30') // a Sunday belongs to the week before
    expect(weekOf('2026-11-30').from).toBe('2026-11-30')
  })
})

describe('desk booking', () => {
  const ok = { name: '王秀英', phone: '13800001234', reason: '老人不会用手机', purpose: '合唱排练', starts_at: '2026-12-05T01:00:00Z', ends_at: '2026-12-05T03:00:00Z' }
  it('accepts a complete booking', () => {
    expect(deskErrors(ok)).toEqual([])
  })
  it('requires the reason, a name, an 11-digit phone and a time range that runs forward', () => {
    expect(deskErrors({ ...ok, reason: '  ' })).toEqual(['请填写代订原因'])
    expect(deskErrors({ ...ok, name: '', phone: '1380000' })).toEqual(['请填写访客姓名', '请填写 11 位手机号'])
  })
  it('for a registered resident requires their account id instead of a name and phone', () => {
    expect(deskErrors({ ...ok, kind: 'resident', name: '', phone: '', user_id: 42 })).toEqual([])
    expect(deskErrors({ ...ok, kind: 'resident', name: '', phone: '', user_id: null })).toEqual(['请填写居民的用户编号'])
    expect(deskErrors({ ...ok, kind: 'resident', user_id: 0, reason: '' })).toEqual(['请填写居民的用户编号', '请填写代订原因'])
    expect(deskErrors({ ...ok, ends_at: ok.starts_at })).toEqual(['结束时间应晚于开始时间'])
    expect(deskErrors({ ...ok, starts_at: '' })).toEqual(['请选择开始和结束时间'])
  })
  it('sends a registered resident by account id, a guest by name and phone', () => {
    expect(deskBody({ ...ok, kind: 'resident', user_id: 42, reason: ' 老人不会用手机 ', purpose: ' 合唱排练 ' }, 12)).toEqual({
      starts_at: ok.starts_at, ends_at: ok.ends_at, purpose: '合唱排练', attendance: 12, on_behalf_of: { user_id: 42, reason: '老人不会用手机' },
    })
    expect(deskBody({ ...ok, name: ' 王秀英 ' }, 3).on_behalf_of).toEqual({ name: '王秀英', phone: '13800001234', reason: '老人不会用手机' })
  })
  it('names booking statuses', () => {
    expect(bookingStatus('pending')).toEqual({ label: '待审批', type: 'warning' })
    expect(bookingStatus('x').label).toBe('x')
  })
})

describe('leaderCandidates', () => {
  it('is the active members but the leader, by name; requests and invitations are not members yet', () => {
    const team = {
      leader_id: 7,
      member_list: [
        { user_id: 7, name: '王秀英', status: 'active' }, { user_id: 42, name: '张玉梅', status: 'active' },
        { user_id: 41, name: '李桂芳', status: 'active' }, { user_id: 44, name: '赵春兰', status: 'requested' },
        { user_id: 45, name: '孙丽华', status: 'invited' },
      ],
    }
    expect(leaderCandidates(team).map((m) => m.user_id)).toEqual([41, 42])
    expect(leaderCandidates({ leader_id: 7 })).toEqual([])
  })
})

describe('bookedForText', () => {
  it('tells a desk booking for a registered resident from one for a guest', () => {
    expect(bookedForText({ booked_for: 'desk', booked_by_desk: true, for_user_id: 7 })).toBe('代居民预约')
    expect(bookedForText({ booked_for: 'desk', booked_by_desk: true })).toBe('代访客预约')
    expect(bookedForText({ booked_for: 'desk' })).toBe('代访客预约')
  })
  it('names other bookings by their kind', () => {
    expect(bookedForText({ booked_for: 'resident' })).toBe('居民')
    expect(bookedForText({ booked_for: 'team' })).toBe('文体团队')
    expect(bookedForText({ booked_for: 'staff' })).toBe('社区自用')
  })
})
