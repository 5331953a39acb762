import { describe, expect, it } from 'vitest'
import { qrLoop, type QRView } from './qrLogin'
import type { QRStatus, Session } from '../api/session'

function fakeTimers() {
  const queue: Array<() => void> = []
  return {
    set: (fn: () => void) => { queue.push(fn); return queue.length },
    clear: () => { queue.length = 0 },
    async step() {
      const fn = queue.shift()
      if (fn) fn()
      await new Promise((r) => setTimeout(r, 0))
    },
    get pending() { return queue.length },
  }
}

const session = { csrf_token: 't', permissions: ['dashboard'] } as unknown as Session

function fakeApi(answers: QRStatus[]) {
  let polls = 0
  return {
    api: {
      newQR: async () => ({ ticket: 'tk', image: 'data:image/jpeg;base64,AA', expires_at: '', poll_interval_ms: 1000 }),
      pollQR: async () => answers[Math.min(polls++, answers.length - 1)],
    },
    polls: () => polls,
  }
}

describe('qrLoop', () => {
  it('waits, shows the scanner, then hands over the session and stops polling', async () => {
    const t = fakeTimers()
    const { api, polls } = fakeApi([
      { status: 'waiting' },
      { status: 'scanned', nickname: '张三' },
      { status: 'confirmed', session },
    ])
    const views: QRView[] = []
    let got: Session | null = null
    const loop = qrLoop(api, (v) => views.push(v), (s) => (got = s), t)
    await loop.start()
    for (let i = 0; i < 5; i++) await t.step()
    expect(views.map((v) => v.state)).toEqual(['loading', 'waiting', 'waiting', 'scanned', 'done'])
    expect(got).toBe(session)
    expect(polls()).toBe(3)
    expect(t.pending).toBe(0)
  })

  it.each(['expired', 'refused'] as const)('stops on %s', async (end) => {
    const t = fakeTimers()
    const { api, polls } = fakeApi([{ status: 'waiting' }, { status: end }])
    const views: QRView[] = []
    const loop = qrLoop(api, (v) => views.push(v), () => {}, t)
    await loop.start()
    for (let i = 0; i < 5; i++) await t.step()
    expect(views.at(-1)).toEqual({ state: end })
    expect(polls()).toBe(2)
  })

  it('never polls after stop', async () => {
    const t = fakeTimers()
    const { api, polls } = fakeApi([{ status: 'waiting' }])
    const loop = qrLoop(api, () => {}, () => {}, t)
    await loop.start()
    loop.stop()
    for (let i = 0; i < 3; i++) await t.step()
    expect(polls()).toBe(0)
  })

  it('shows the error when a code cannot be made', async () => {
    const views: QRView[] = []
    const loop = qrLoop(
      { newQR: async () => { throw new Error('服务暂时不可用') }, pollQR: async () => ({ status: 'waiting' }) },
      (v) => views.push(v), () => {}, fakeTimers(),
    )
    await loop.start()
    expect(views.at(-1)).toEqual({ state: 'error', message: '服务暂时不可用' })
  })
})
