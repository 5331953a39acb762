// The console's menu: each entry names the permission (from the session)
// that shows it. Hiding is a courtesy; the server refuses anything out of scope.

import menuData from './menu.json'

export interface MenuItem {
  path: string
  title: string
  permission: string
  icon: string
}

export interface MenuGroup {
  title: string
  items: MenuItem[]
}

// The entries, in menu order, are data: menu.json.
export const menu: MenuGroup[] = menuData

/** visibleMenu keeps the entries the user's permissions show, dropping empty groups. */
export function visibleMenu(permissions: readonly string[]): MenuGroup[] {
  const has = new Set(permissions)
  return menu
    .map((g) => ({ title: g.title, items: g.items.filter((i) => has.has(i.permission)) }))
    .filter((g) => g.items.length > 0)
}

/** firstPage is where a user lands after logging in: the first page they may open. */
export function firstPage(permissions: readonly string[]): string {
  const m = visibleMenu(permissions)
  return m.length ? m[0].items[0].path : '/forbidden'
}

/** permissionOf names the permission a path needs ('' for pages anyone signed in may open). */
export function permissionOf(path: string): string {
  let best: MenuItem | undefined
  for (const g of menu)
    for (const i of g.items)
      if ((path === i.path || path.startsWith(i.path + '/')) && (!best || i.path.length > best.path.length)) best = i
  if (best) return best.permission
  if (path.startsWith('/activities/')) return 'activities'
  return ''
}

const levelNames: Record<string, string> = {
  district: '全区',
  subdistrict: '街道',
  community: '社区',
  org: '组织',
  unit: '单位',
}

export function scopeLabel(level: string): string {
  return levelNames[level] ?? level
}

const roleNames: Record<string, string> = {
  admin: '管理员',
  resident: '居民',
  staff: '工作人员',
  unit_contact: '单位联络员',
  checker: '签到员',
  volunteer: '志愿者',
  party_member: '党员',
  // The roles an audit entry's actor acted in (actor_role) beside the granted ones.
  subdistrict_admin: '街道管理员',
  org_staff: '组织工作人员',
}

export function roleLabel(role: string): string {
  return roleNames[role] ?? role
}
