import { describe, expect, it } from 'vitest'
import { runBatch, summary } from './batch'

describe('runBatch', () => {
  it('runs every item, keeps failures with reasons and reports progress in order', async () => {
    const seen: number[] = []
    let running = 0
    let peak = 0
    const r = await runBatch(
      [1, 2, 3, 4, 5, 6, 7],
      async (n) => {
        running++
        peak = Math.max(peak, running)
        await new Promise((res) => setTimeout(res, 5))
        running--
        if (n % 3 === 0) throw new Error(`第 ${n} 条已审核`)
      },
      (done, total) => seen.push(done * 100 + total),
      3,
    )
    expect(r.ok.sort()).toEqual([1, 2, 4, 5, 7])
    expect(r.failed.map((f) => f.error).sort()).toEqual(['第 3 条已审核', '第 6 条已审核'])
    expect(seen).toEqual([107, 207, 307, 407, 507, 607, 707])
    expect(peak).toBe(3)
  })
  it('does nothing for no items', async () => {
    expect(await runBatch([], async () => {})).toEqual({ ok: [], failed: [] })
  })
  it('summarises', () => {
    expect(summary({ ok: [1, 2], failed: [] }, '已通过')).toBe('已通过 2 条')
    expect(summary({ ok: [1], failed: [{ item: 2, error: 'x' }] }, '已驳回')).toBe('已驳回 1 条，1 条失败')
  })
})
