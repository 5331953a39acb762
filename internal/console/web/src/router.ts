import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { sessionApi } from './api/session'
import { setUnauthenticatedHandler } from './api/http'
import { auth } from './lib/store'
import { firstPage, permissionOf } from './lib/menu'
import Layout from './layout/ConsoleLayout.vue'

const page = (p: string, title: string, component: () => Promise<unknown>): RouteRecordRaw => ({
  path: p,
  component: component as RouteRecordRaw['component'] & object,
  meta: { title },
})

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('./views/LoginView.vue'), meta: { public: true, title: '登录' } },
  page('/checkin/screen/:sessionId(\\d+)', '签到大屏', () => import('./views/CheckinScreenView.vue')),
  {
    path: '/',
    component: Layout,
    children: [
      { path: '', redirect: () => firstPage(auth.session?.permissions ?? []) },
      page('dashboard', '工作台', () => import('./views/DashboardView.vue')),
      page('activities', '活动管理', () => import('./views/ActivitiesView.vue')),
      page('activities/new', '新建活动', () => import('./views/ActivityEditView.vue')),
      page('activities/:id(\\d+)', '活动详情', () => import('./views/ActivityDetailView.vue')),
      page('activities/:id(\\d+)/edit', '编辑活动', () => import('./views/ActivityEditView.vue')),
      page('checkin', '签到管理', () => import('./views/CheckinView.vue')),
      page('registrations', '报名管理', () => import('./views/RegistrationsView.vue')),
      page('hours/claims', '补录审核', () => import('./views/ClaimsView.vue')),
      page('hours/corrections', '时长更正', () => import('./views/CorrectionsView.vue')),
      page('hours/rollup', '时长统计', () => import('./views/HoursRollupView.vue')),
      page('wristbands/alarms', '告警看板', () => import('./views/AlarmsView.vue')),
      page('wristbands/devices', '设备与绑定', () => import('./views/DevicesView.vue')),
      page('people', '居民与角色', () => import('./views/PeopleView.vue')),
      page('residence', '居住认证', () => import('./views/ResidenceView.vue')),
      page('orgs', '党组织与单位', () => import('./views/OrgsView.vue')),
      page('communities', '街道与社区', () => import('./views/CommunitiesView.vue')),
      page('cobuild/units', '共建单位', () => import('./views/CobuildUnitsView.vue')),
      page('cobuild/board', '需求与项目', () => import('./views/CobuildBoardView.vue')),
      page('cobuild/review', '心愿与议事', () => import('./views/CobuildReviewView.vue')),
      page('rooms', '场地管理', () => import('./views/RoomsView.vue')),
      page('rooms/bookings', '预约审批', () => import('./views/BookingsView.vue')),
      page('rooms/teams', '文体团队', () => import('./views/TeamsView.vue')),
      page('audit', '操作日志', () => import('./views/AuditView.vue')),
      page('forbidden', '无权访问', () => import('./views/ForbiddenView.vue')),
      page(':rest(.*)*', '页面不存在', () => import('./views/NotFoundView.vue')),
    ],
  },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

/** guard decides where a navigation goes: the login page without a session, a refusal without the permission. */
export function guard(path: string, isPublic: boolean, permissions: readonly string[] | null): string | true {
  if (isPublic) return true
  if (!permissions) return '/login?redirect=' + encodeURIComponent(path)
  const need = permissionOf(path)
  if (need && !permissions.includes(need)) return '/forbidden'
  return true
}

router.beforeEach(async (to) => {
  if (!auth.session && !to.meta.public) {
    try {
      auth.session = await sessionApi.current()
    } catch {
      auth.session = null
    }
  }
  return guard(to.fullPath, !!to.meta.public, auth.session?.permissions ?? null)
})

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) || '工作台'} · 共建工作台`
})

setUnauthenticatedHandler(() => {
  auth.session = null
  const cur = router.currentRoute.value
  if (!cur.meta.public) router.replace('/login?redirect=' + encodeURIComponent(cur.fullPath))
})
