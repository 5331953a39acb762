import { describe, expect, it } from 'vitest'
import { ackTime, orgHours, percent, signupSeries } from './dashboard'
import { dateTime, date, hours, status, categoryName } from './format'

describe('signupSeries', () => {
  it('stacks one zero-filled series per category over the sorted days', () => {
    const s = signupSeries([
      { date: '2026-11-28', category: 'clinic', count: 3 },
      { date: '2026-11-27', category: 'lecture', count: 5 },
      { date: '2026-11-28', category: 'lecture', count: 1 },
    ])
    expect(s.days).toEqual(['11-27', '11-28'])
    expect(s.series).toEqual([
      { name: '义诊', type: 'bar', stack: 'signups', data: [0, 3] },
      { name: '讲座/培训', type: 'bar', stack: 'signups', data: [5, 1] },
    ])
  })
  it('is empty for no rows', () => {
    expect(signupSeries([])).toEqual({ days: [], series: [] })
  })
})

describe('orgHours', () => {
  it('sorts by hours, keeps the top and sums the rest as 其他', () => {
    const rows = [
      { org_id: 1, org_name: '一支部', minutes: 60 },
      { org_id: 2, org_name: '二支部', minutes: 180 },
      { org_id: 3, org_name: '三支部', minutes: 30 },
      { org_id: 4, org_name: '四支部', minutes: 15 },
    ]
    expect(orgHours(rows, 2)).toEqual({ names: ['二支部', '一支部', '其他'], values: [3, 1, 0.8] })
    expect(orgHours(rows).names).toHaveLength(4)
  })
})

describe('formatting', () => {
  it('shows China time whatever the zone of the desk', () => {
    expect(dateTime('2026-12-03T05:40:00Z')).toBe('2026-12-03 13:40')
    expect(dateTime('2026-12-03T16:30:00Z')).toBe('2026-12-04 00:30')
    expect(date('2026-12-03T16:30:00Z')).toBe('2026-12-04')
    expect(dateTime('')).toBe('')
    expect(dateTime('nonsense')).toBe('')
  })
  it('turns minutes into hours and seconds into words', () => {
    expect(hours(150)).toBe('2.5 小时')
    expect(hours(0)).toBe('0 小时')
    expect(ackTime(45)).toBe('45 秒')
    expect(ackTime(95)).toBe('2 分钟')
    expect(ackTime(5400)).toBe('1.5 小时')
    expect(ackTime(0)).toBe('—')
  })
  it('names statuses and categories in Chinese', () => {
    expect(status('waitlisted')).toEqual({ label: '候补', type: 'warning' })
    expect(status('weird')).toEqual({ label: 'weird', type: 'info' })
    expect(categoryName('after_school')).toBe('四点半学校')
  })
})

describe('percent', () => {
  it('rounds a share to a whole percentage', () => {
    expect(percent(10, 100)).toBe('10%')
    expect(percent(0.256)).toBe('26%')
    expect(percent(1, 3)).toBe('33%')
  })
  it('is a dash when there is nothing to share', () => {
    expect(percent(0, 0)).toBe('—')
    expect(percent(5, 0)).toBe('—')
  })
})
