import { describe, expect, it, vi } from 'vitest'
import { finishTask, percent, readAll, running, startTask, tasks } from './tasks'

describe('tasks', () => {
  it('are listed while running and leave after finishing', () => {
    vi.useFakeTimers()
    const t = startTask('导出报名名单')
    expect(running()).toBe(1)
    t.done = 50
    t.total = 200
    expect(percent(t)).toBe(25)
    finishTask(t, true, '已导出')
    expect(running()).toBe(0)
    expect(tasks.list).toContain(t)
    vi.advanceTimersByTime(8000)
    expect(tasks.list).not.toContain(t)
    vi.useRealTimers()
  })
  it('has no percentage when the size is unknown', () => {
    expect(percent({ done: 10, total: 0 })).toBeNull()
    expect(percent({ done: 300, total: 200 })).toBe(100)
  })
  it('reads a body reporting bytes', async () => {
    const seen: Array<[number, number]> = []
    const enc = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode('abc'))
        c.enqueue(enc.encode('defg'))
        c.close()
      },
    })
    const res = new Response(body, { headers: { 'Content-Length': '7', 'Content-Type': 'text/plain' } })
    const b = await readAll(res, (d, t) => seen.push([d, t]))
    expect(b.size).toBe(7)
    expect(b.type).toBe('text/plain')
    expect(seen).toEqual([[3, 7], [7, 7]])
  })
})
