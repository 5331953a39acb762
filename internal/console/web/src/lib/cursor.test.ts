import { describe, expect, it } from 'vitest'
import { CursorPager, MoreList } from './cursor'

describe('CursorPager', () => {
  it('walks forward and back over the cursors the server gave', () => {
    const p = new CursorPager()
    expect([p.cursor, p.page, p.hasPrev, p.hasNext]).toEqual(['', 1, false, false])
    p.seen('c2')
    expect(p.hasNext).toBe(true)
    expect(p.forward()).toBe('c2')
    p.seen('c3')
    expect(p.forward()).toBe('c3')
    p.seen('')
    expect([p.page, p.hasNext, p.hasPrev]).toEqual([3, false, true])
    expect(p.back()).toBe('c2')
    expect(p.back()).toBe('')
    expect(p.back()).toBe('')
    expect(p.page).toBe(1)
  })
  it('does not move forward without a next cursor, and resets', () => {
    const p = new CursorPager()
    p.seen('')
    expect(p.forward()).toBe('')
    expect(p.page).toBe(1)
    p.seen('x')
    p.forward()
    p.reset()
    expect([p.cursor, p.page]).toEqual(['', 1])
  })
})

describe('MoreList', () => {
  it('adds each later page to the kept rows until next_cursor is null', () => {
    const l = new MoreList<number>()
    expect(l.take({ items: [9, 8], next_cursor: '8' }, '')).toEqual([9, 8])
    expect(l.more).toBe('8')
    expect(l.take({ items: [7, 6], next_cursor: '6' }, l.more)).toEqual([9, 8, 7, 6])
    // the last page, exactly full: null, nothing more to ask
    expect(l.take({ items: [5, 4], next_cursor: null }, l.more)).toEqual([9, 8, 7, 6, 5, 4])
    expect(l.more).toBe('')
  })
  it('starts over on the first page (a filter changed, a decision was taken)', () => {
    const l = new MoreList<number>()
    l.take({ items: [9, 8], next_cursor: '8' }, '')
    l.take({ items: [7], next_cursor: null }, '8')
    expect(l.take({ items: [3], next_cursor: '3' }, '')).toEqual([3])
    expect(l.more).toBe('3')
  })
})
