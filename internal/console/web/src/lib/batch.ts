// Batch actions (approve 30 claims at once): a few requests at a time, the
// progress reported as they finish, every failure kept with its reason; one
// refusal never stops the rest.

export interface BatchResult<T> {
  ok: T[]
  failed: Array<{ item: T; error: string }>
}

export async function runBatch<T>(
  items: readonly T[],
  fn: (item: T) => Promise<unknown>,
  onProgress: (done: number, total: number) => void = () => {},
  concurrency = 4,
): Promise<BatchResult<T>> {
  const res: BatchResult<T> = { ok: [], failed: [] }
  let next = 0
  let done = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]
      try {
        await fn(item)
        res.ok.push(item)
      } catch (e) {
        res.failed.push({ item, error: (e as Error)?.message || '失败' })
      }
      onProgress(++done, items.length)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return res
}

/** summary: "已通过 28 条，2 条失败" */
export function summary(r: BatchResult<unknown>, verb: string): string {
  return r.failed.length ? `${verb} ${r.ok.length} 条，${r.failed.length} 条失败` : `${verb} ${r.ok.length} 条`
}
