import { describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import { useCursorList, useLocalSearch, useMoreList } from './useList'

describe('useCursorList', () => {
  it('asks for the page of the cursor it walked to and starts over on reload', async () => {
    const pages: Record<string, { items: number[]; next_cursor?: string }> = {
      '': { items: [1, 2], next_cursor: 'c2' },
      c2: { items: [3], next_cursor: 'c3' },
      c3: { items: [4] },
    }
    const asked: string[] = []
    const l = useCursorList<number>(async (cursor) => (asked.push(cursor), pages[cursor]))
    await l.load()
    await l.next()
    await l.next()
    expect([l.rows.value, l.pager.page, l.pager.hasNext]).toEqual([[4], 3, false])
    await l.prev()
    expect([l.rows.value, l.pager.hasNext]).toEqual([[3], true])
    await l.reload()
    expect([l.rows.value, l.pager.page]).toEqual([[1, 2], 1])
    expect(asked).toEqual(['', 'c2', 'c3', 'c2', ''])
  })
  it('keeps the rows and shows the error when a page fails', async () => {
    const l = useCursorList<number>(async (cursor) => {
      if (cursor) throw new Error('boom')
      return { items: [1], next_cursor: 'c2' }
    })
    await l.load()
    await l.next()
    expect(l.rows.value).toEqual([1])
    expect(l.error.value).not.toBe('')
  })
})

describe('useMoreList', () => {
  it('appends the pages it follows through next_cursor until null, and starts over on load', async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      '': { items: [1, 2], next_cursor: 'c2' },
      c2: { items: [3, 4], next_cursor: null },
    }
    const asked: string[] = []
    const l = useMoreList<number>(async (cursor) => (asked.push(cursor ?? ''), pages[cursor ?? '']))
    await l.load()
    expect([l.rows.value, l.hasMore.value]).toEqual([[1, 2], true])
    await l.more()
    expect([l.rows.value, l.hasMore.value]).toEqual([[1, 2, 3, 4], false])
    await l.more() // nothing follows: not asked again
    await l.load()
    expect(l.rows.value).toEqual([1, 2])
    expect(asked).toEqual(['', 'c2', ''])
  })
  it('follows the new first page after starting over, not the cursor of the pages read before', async () => {
    // (a filter changed, a decision was taken)
    const first = [
      { items: [9, 8], next_cursor: '8' },
      { items: [7], next_cursor: null },
      { items: [3], next_cursor: '3' },
      { items: [2, 1], next_cursor: null },
    ]
    const asked: string[] = []
    const l = useMoreList<number>(async (cursor) => (asked.push(cursor ?? ''), first.shift()!))
    await l.load()
    await l.more()
    expect([l.rows.value, l.hasMore.value]).toEqual([[9, 8, 7], false])
    await l.load()
    expect([l.rows.value, l.hasMore.value]).toEqual([[3], true])
    await l.more()
    expect([l.rows.value, l.hasMore.value]).toEqual([[3, 2, 1], false])
    expect(asked).toEqual(['', '8', '', '3'])
  })
  it('takes a page without items as empty, and an empty or missing next_cursor as the last page', async () => {
    const pages: Array<{ items?: number[] | null; next_cursor?: string | null }> = [
      { items: null, next_cursor: 'c2' },
      { items: [1], next_cursor: '' },
      { next_cursor: 'c3' },
      { items: [2] },
    ]
    const l = useMoreList<number>(async () => pages.shift()!)
    await l.load()
    expect([l.rows.value, l.hasMore.value]).toEqual([[], true])
    await l.more()
    expect([l.rows.value, l.hasMore.value]).toEqual([[1], false])
    await l.load()
    expect([l.rows.value, l.hasMore.value]).toEqual([[], true])
    await l.more()
    expect([l.rows.value, l.hasMore.value]).toEqual([[2], false])
  })
  it('keeps the rows read and shows the error when a later page fails', async () => {
    let calls = 0
    const l = useMoreList<number>(async () => {
      if (++calls === 2) throw new Error('boom')
      return { items: [1, 2], next_cursor: 'c2' }
    })
    await l.load()
    await l.more()
    expect([l.rows.value, l.hasMore.value, l.error.value !== '']).toEqual([[1, 2], true, true])
  })
  it('drops the reply of a load that a later one replaced', async () => {
    let release: (v: { items: number[]; next_cursor: string | null }) => void = () => {}
    const slow = new Promise<{ items: number[]; next_cursor: string | null }>((r) => (release = r))
    let calls = 0
    const l = useMoreList<number>(() => (++calls === 1 ? slow : Promise.resolve({ items: [9], next_cursor: null })))
    const first = l.load()
    await l.load()
    release({ items: [1], next_cursor: 'c2' })
    await first
    expect([l.rows.value, l.hasMore.value]).toEqual([[9], false])
  })
})

describe('useLocalSearch', () => {
  it('pages what holds q, and goes back to the first page when q or another filter changes', async () => {
    const kind = ref('')
    const s = useLocalSearch(kind)
    const items = Array.from({ length: 45 }, (_, i) => ({ name: i % 2 ? `团队 ${i}` : `场地 ${i}` }))
    s.page.value = 3
    expect(s.pageOf(items, ['name'])).toMatchObject({ total: 45, page: 3 })
    expect(s.pageOf(items, ['name']).rows).toHaveLength(5)
    s.q.value = '团队'
    await nextTick()
    expect(s.page.value).toBe(1)
    expect(s.pageOf(items, ['name'])).toMatchObject({ total: 22, page: 1 })
    s.page.value = 2
    kind.value = '舞蹈'
    await nextTick()
    expect(s.page.value).toBe(1)
  })
})
