import { get, post, setCsrfToken } from './http'

export interface Role {
  role: string
  subdistrict_id: number
  community_id: number
  org_id: number
}

export interface Session {
  user: { id: number; nickname: string; real_name: string; avatar_url: string; roles: Role[] }
  csrf_token: string
  idle_expires_at: string
  expires_at: string
  scope: {
    level: 'district' | 'subdistrict' | 'community' | 'org' | 'unit'
    subdistrict_ids: number[]
    community_ids: number[]
    org_ids: number[]
  }
  permissions: string[]
}

export type QRStatus =
  | { status: 'waiting' }
  | { status: 'scanned'; nickname: string }
  | { status: 'refused' }
  | { status: 'expired' }
  | { status: 'confirmed'; session: Session }

export interface QRTicket {
  ticket: string
  image: string
  expires_at: string
  poll_interval_ms: number
}

function keep(s: Session): Session {
  setCsrfToken(s.csrf_token)
  return s
}

export const sessionApi = {
  options: () => get<{ qr: boolean; dev: boolean }>('/console/login/options'),
  current: async () => keep(await get<Session>('/console/session')),
  devLogin: async (name: string) => keep(await post<Session>('/console/login/dev', { name })),
  newQR: () => post<QRTicket>('/console/login/qr'),
  pollQR: async () => {
    const s = await get<QRStatus>('/console/login/qr')
    if (s.status === 'confirmed') keep(s.session)
    return s
  },
  logout: async () => {
    await post<void>('/console/logout')
    setCsrfToken('')
  },
}
