import { describe, expect, it } from 'vitest'
import { CursorPager } from './cursor'

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
