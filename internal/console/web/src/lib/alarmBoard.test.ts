import { describe, expect, it } from 'vitest'
import { ageText, fromStream, merge, openCount } from './alarmBoard'
import type { Alarm } from '../api/wristbands'

const a = (id: number, at: string, status = 'open'): Alarm => ({ id, device_id: 1, type: 'sos', status, at, wearer_name: '王奶奶' })

describe('alarm board', () => {
  it('puts a new alarm on top and an update in place', () => {
    let b = [a(2, '2026-12-03T05:00:00Z'), a(1, '2026-12-03T04:00:00Z')]
    b = merge(b, fromStream({ id: 3, wristband_id: 9, kind: 'fall', holder_name: '李爷爷', at: '2026-12-03T06:00:00Z', status: 'open' }))
    expect(b.map((x) => x.id)).toEqual([3, 2, 1])
    expect(b[0]).toMatchObject({ type_text: '跌倒告警', wearer_name: '李爷爷', device_id: 9 })
    b = merge(b, fromStream({ id: 2, wristband_id: 1, kind: 'sos', at: '2026-12-03T05:00:00Z', status: 'acked' }))
    expect(b.map((x) => x.id)).toEqual([3, 2, 1])
    expect(b[1]).toMatchObject({ status: 'acked', status_text: '已确认', wearer_name: '王奶奶' })
    expect(openCount(b)).toBe(2)
  })
  it('never duplicates a repeated event', () => {
    const e = fromStream({ id: 5, wristband_id: 1, kind: 'sos', at: '2026-12-03T05:00:00Z', status: 'open' })
    expect(merge(merge([], e), e)).toHaveLength(1)
  })
  it('keeps at most the limit, dropping the oldest', () => {
    let b: Alarm[] = []
    for (let i = 1; i <= 5; i++) b = merge(b, a(i, `2026-12-03T0${i}:00:00Z`), 3)
    expect(b.map((x) => x.id)).toEqual([5, 4, 3])
  })
  it('says how long ago', () => {
    const now = Date.parse('2026-12-03T06:00:00Z')
    expect(ageText('2026-12-03T05:59:30Z', now)).toBe('刚刚')
    expect(ageText('2026-12-03T05:57:00Z', now)).toBe('3 分钟前')
    expect(ageText('2026-12-03T03:00:00Z', now)).toBe('3 小时前')
    expect(ageText('2026-12-01T06:00:00Z', now)).toBe('2 天前')
  })
})
