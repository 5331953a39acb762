// The console's menu: each entry names the permission (from the session)
// that shows it. Hiding is a courtesy; the server refuses anything out of scope.

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

export const menu: MenuGroup[] = [
  { title: '概览', items: [{ path: '/dashboard', title: '工作台', permission: 'dashboard', icon: 'DataLine' }] },
  {
    title: '活动',
    items: [
      { path: '/activities', title: '活动管理', permission: 'activities', icon: 'Calendar' },
      { path: '/registrations', title: '报名管理', permission: 'activities', icon: 'Tickets' },
      { path: '/checkin', title: '签到管理', permission: 'checkin', icon: 'Stamp' },
    ],
  },
  {
    title: '服务时长',
    items: [
      { path: '/hours/claims', title: '补录审核', permission: 'hours', icon: 'DocumentChecked' },
      { path: '/hours/corrections', title: '时长更正', permission: 'hours', icon: 'EditPen' },
      { path: '/hours/rollup', title: '时长统计', permission: 'hours', icon: 'Histogram' },
    ],
  },
  {
    title: '智能手环',
    items: [
      { path: '/wristbands/alarms', title: '告警看板', permission: 'wristbands', icon: 'Bell' },
      { path: '/wristbands/devices', title: '设备与绑定', permission: 'wristbands', icon: 'Watch' },
    ],
  },
  {
    title: '共建',
    items: [
      { path: '/cobuild/units', title: '共建单位', permission: 'cobuild', icon: 'OfficeBuilding' },
      { path: '/cobuild/board', title: '需求与项目', permission: 'cobuild', icon: 'Connection' },
      { path: '/cobuild/review', title: '心愿与议事', permission: 'cobuild.review', icon: 'ChatDotRound' },
    ],
  },
  {
    title: '场地',
    items: [
      { path: '/rooms', title: '场地管理', permission: 'rooms', icon: 'House' },
      { path: '/rooms/bookings', title: '预约审批', permission: 'rooms', icon: 'Calendar' },
      { path: '/rooms/teams', title: '文体团队', permission: 'rooms', icon: 'Trophy' },
    ],
  },
  {
    title: '人员与组织',
    items: [
      { path: '/people', title: '居民与角色', permission: 'people', icon: 'User' },
      { path: '/orgs', title: '党组织与单位', permission: 'orgs', icon: 'OfficeBuilding' },
      { path: '/communities', title: '街道与社区', permission: 'orgs', icon: 'MapLocation' },
    ],
  },
  { title: '安全', items: [{ path: '/audit', title: '操作日志', permission: 'audit', icon: 'List' }] },
]

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
}

export function roleLabel(role: string): string {
  return roleNames[role] ?? role
}
