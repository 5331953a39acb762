// The QR login's polling loop, apart from the page so that it can be tested
// with a fake server and fake clock: ask for a code, poll its state, stop on
// confirmed/refused/expired, and never poll after stop().
import type { QRStatus, QRTicket, Session } from '../api/session'

export interface QRApi {
  newQR(): Promise<QRTicket>
  pollQR(): Promise<QRStatus>
}

export type QRView =
  | { state: 'loading' }
  | { state: 'waiting'; image: string }
  | { state: 'scanned'; image: string; nickname: string }
  | { state: 'refused' }
  | { state: 'expired' }
  | { state: 'error'; message: string }
  | { state: 'done' }

export interface QRLoop {
  start(): Promise<void>
  stop(): void
}

export function qrLoop(
  api: QRApi,
  onView: (v: QRView) => void,
  onSession: (s: Session) => void,
  timers: { set: (fn: () => void, ms: number) => unknown; clear: (h: unknown) => void } = {
    set: (fn, ms) => setTimeout(fn, ms),
    clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  },
): QRLoop {
  let handle: unknown = null
  let generation = 0

  const stop = () => {
    generation++
    if (handle !== null) timers.clear(handle)
    handle = null
  }

  const start = async () => {
    stop()
    const gen = generation
    onView({ state: 'loading' })
    let t: QRTicket
    try {
      t = await api.newQR()
    } catch (e) {
      if (gen === generation) onView({ state: 'error', message: (e as Error).message })
      return
    }
    if (gen !== generation) return
    onView({ state: 'waiting', image: t.image })
    const interval = Math.max(500, t.poll_interval_ms || 1000)
    const tick = async () => {
      handle = null
      let s: QRStatus
      try {
        s = await api.pollQR()
      } catch (e) {
        if (gen !== generation) return
        onView({ state: 'error', message: (e as Error).message })
        return
      }
      if (gen !== generation) return
      switch (s.status) {
        case 'confirmed':
          onView({ state: 'done' })
          onSession(s.session)
          return
        case 'refused':
        case 'expired':
          onView({ state: s.status })
          return
        case 'scanned':
          onView({ state: 'scanned', image: t.image, nickname: s.nickname })
          break
        default:
          onView({ state: 'waiting', image: t.image })
      }
      handle = timers.set(tick, interval)
    }
    handle = timers.set(tick, interval)
  }

  return { start, stop }
}
