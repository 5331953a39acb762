// Long exports and imports run as tasks: they keep going while the staff
// member opens other pages (the app never reloads), and the header shows
// their progress until they finish.
import { reactive } from 'vue'

export interface Task {
  id: number
  title: string
  done: number // bytes or rows so far
  total: number // 0 = unknown
  state: 'running' | 'done' | 'failed'
  message: string
}

export const tasks = reactive<{ list: Task[] }>({ list: [] })
let seq = 0

export function startTask(title: string): Task {
  const t = reactive<Task>({ id: ++seq, title, done: 0, total: 0, state: 'running', message: '' }) as Task
  tasks.list.push(t)
  return t
}

export function finishTask(t: Task, ok: boolean, message = '', keepMs = 8000) {
  t.state = ok ? 'done' : 'failed'
  t.message = message
  setTimeout(() => {
    const i = tasks.list.indexOf(t)
    if (i >= 0) tasks.list.splice(i, 1)
  }, keepMs)
}

/** percent of a task, or null when its size is unknown. */
export function percent(t: Pick<Task, 'done' | 'total'>): number | null {
  if (!t.total) return null
  return Math.min(100, Math.floor((t.done / t.total) * 100))
}

export function running(): number {
  return tasks.list.filter((t) => t.state === 'running').length
}

/** readAll reads a response body to a Blob, reporting bytes as they arrive. */
export async function readAll(res: Response, onBytes: (done: number, total: number) => void): Promise<Blob> {
  const total = Number(res.headers.get('Content-Length')) || 0
  const type = res.headers.get('Content-Type') || 'application/octet-stream'
  if (!res.body) {
    const b = await res.blob()
    onBytes(b.size, total || b.size)
    return b
  }
  const reader = res.body.getReader()
  const parts: BlobPart[] = []
  let done = 0
  for (;;) {
    const r = await reader.read()
    if (r.done) break
    parts.push(r.value as BlobPart)
    done += r.value.byteLength
    onBytes(done, total)
  }
  return new Blob(parts, { type })
}
