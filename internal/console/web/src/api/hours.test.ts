import { afterEach, describe, expect, it, vi } from 'vitest'
import { hoursApi } from './hours'

afterEach(() => vi.unstubAllGlobals())

function stubFetch(body: unknown) {
  const f = vi.fn(async (_url: string) => new Response(JSON.stringify(body), { status: 200 }))
  vi.stubGlobal('fetch', f)
  return f
}

describe('review queues', () => {
  it.each([
    ['claims', '/admin/hours/claims', hoursApi.claims],
    ['corrections', '/admin/hours/corrections', hoursApi.corrections],
    ['presences', '/admin/presences', hoursApi.presences],
  ] as const)('%s: 100 a page, the next one by next_cursor', async (_name, path, list) => {
    const f = stubFetch({ items: [{ id: 9 }], next_cursor: 'c9' })
    const first = await list('pending')
    expect(first.next_cursor).toBe('c9')
    const u1 = new URL(String(f.mock.calls[0][0]), 'http://x')
    expect(u1.pathname.endsWith(path)).toBe(true)
    expect(Object.fromEntries(u1.searchParams)).toEqual({ status: 'pending', limit: '100' })
    await list('pending', first.next_cursor)
    const u2 = new URL(String(f.mock.calls[1][0]), 'http://x')
    expect(Object.fromEntries(u2.searchParams)).toEqual({ status: 'pending', limit: '100', cursor: 'c9' })
  })
})
