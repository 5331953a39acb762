import { reactive } from 'vue'
import type { Session } from '../api/session'

/** The signed-in staff member, shared by every page. */
export const auth = reactive<{ session: Session | null }>({ session: null })

export function can(permission: string): boolean {
  return !!auth.session?.permissions.includes(permission)
}
