// Rooms, bookings and cultural teams (issue 16), through the owner and desk
// routes the mini-program's staff pages use.
import { del, get, patch, post, type Query } from './http'

export interface DayHours { weekday: number; opens: string; closes: string }
export interface Rules {
  slot_minutes: number; min_minutes: number; max_minutes: number; ahead_days: number; weekly_hours: number
  audience: string[]; needs_approval: boolean; grace_minutes: number
}
export interface Room {
  id: number; community_id: number; org_id: number; name: string; kind: string; kind_name: string; place: string; capacity: number
  facilities: string[]; photos: string[]; description: string; hours: DayHours[]; rules: Rules; active: boolean; created_at: string
}
export interface Closure { id: number; room_id: number; starts_at: string; ends_at: string; reason: string }
export interface Booking {
  id: number; room_id: number; room_name?: string; series_id?: number; starts_at: string; ends_at: string; purpose: string
  attendance?: number; status: string; booked_for: string
  /** desk staff made it (on_behalf_of); for_user_id: the registered resident it is for (none: a guest without an account) */
  booked_by_desk?: boolean; for_user_id?: number; team_id?: number; team_name?: string; org_id?: number
  booked_by?: number; booker_name?: string; guest_name?: string; guest_phone_masked?: string; reason?: string
  decision_note?: string; cancel_reason?: string; checked_in_at?: string; created_at?: string; can_decide?: boolean
}
export interface Team {
  id: number; community_id: number; org_id: number; name: string; kind: string; kind_name: string; description: string
  leader_id: number; leader_name: string; members: number; created_at: string
}
export interface TeamMember { user_id: number; name: string; status: string; updated_at?: string }
/** A team as GET /teams/{id} answers staff: with its member list (active, requested and invited). */
export interface TeamDetail extends Team { my_status?: string; leads?: boolean; member_list?: TeamMember[] }
export interface Slot { starts_at: string; ends_at: string; state: string }
export interface Calendar {
  room: Room
  availability: { room_id: number; slots: Slot[]; open_minutes: number; booked_minutes: number; closed_minutes: number; utilisation: number }
  bookings?: Booking[]
  closures?: Closure[]
}
export type RoomInput = Partial<Pick<Room, 'name' | 'kind' | 'place' | 'capacity' | 'facilities' | 'description' | 'hours' | 'rules' | 'active'>> & {
  community_id?: number; org_id?: number
}
/** A desk booking: for a guest without an account ({name, phone, reason}) or a registered resident by account id ({user_id, reason}). */
export interface DeskBooking {
  starts_at: string; ends_at: string; purpose: string; attendance?: number
  on_behalf_of: { name: string; phone: string; reason: string } | { user_id: number; reason: string }
}

export const roomsApi = {
  managed: (q?: Query) => get<{ items: Room[] }>('/admin/rooms', q),
  create: (body: RoomInput) => post<Room>('/admin/rooms', body),
  update: (id: number, body: RoomInput) => patch<Room>(`/admin/rooms/${id}`, body),
  calendar: (id: number, q: Query) => get<Calendar>(`/rooms/${id}/calendar`, q),
  addClosure: (id: number, body: { starts_at: string; ends_at: string; reason: string }) =>
    post<{ closure: Closure; cancelled: Booking[] }>(`/admin/rooms/${id}/closures`, body),
  deleteClosure: (id: number, closureId: number) => del(`/admin/rooms/${id}/closures/${closureId}`),
  /** a keyset page (limit up to 100; cursor: the next_cursor of the previous page, null on the last). */
  bookings: (q: Query) => get<{ items: Booking[]; next_cursor: string | null }>('/admin/bookings', q),
  approve: (id: number, note = '') => post<Booking>(`/admin/bookings/${id}/approve`, { note }),
  reject: (id: number, reason: string) => post<Booking>(`/admin/bookings/${id}/reject`, { reason }),
  /** book on behalf of a registered resident or a guest without an account (desk booking): a reason is required. */
  bookForResident: (roomId: number, body: DeskBooking) => post<Booking>(`/rooms/${roomId}/bookings`, body),
  teams: (q: Query) => get<{ items: Team[] }>('/teams', q),
  team: (id: number) => get<TeamDetail>(`/teams/${id}`),
  /** hands the leadership to an active member (409 LEADER_CHANGED when it changed meanwhile); the old leader stays a member. */
  changeLeader: (id: number, userId: number) => post<Team>(`/teams/${id}/leader`, { user_id: userId }),
}
