// Co-building's words and small rules for the console pages: the Chinese
// names of categories, kinds and statuses (as the server and the
// mini-program name them), paging of the short lists the server gives whole,
// and the rows an import refused.
import { ApiError } from '../api/http'
import type { ImportRowError, Project } from '../api/cobuild'

export type Option = { key: string; name: string }

export const needCategories: Option[] = [
  { key: 'elderly_care', name: '养老助老' }, { key: 'children_study', name: '儿童与学业' }, { key: 'health', name: '医疗健康' },
  { key: 'culture', name: '文化活动' }, { key: 'environment_repairs', name: '环境与维修' }, { key: 'legal_aid', name: '法律援助' },
  { key: 'employment', name: '就业帮扶' }, { key: 'other', name: '其他' },
]
export const unitKinds: Option[] = [
  { key: 'government', name: '机关' }, { key: 'institution', name: '事业单位' }, { key: 'school', name: '学校' },
  { key: 'hospital', name: '医院' }, { key: 'enterprise', name: '企业' }, { key: 'commercial_complex', name: '商务楼宇' },
  { key: 'social_org', name: '社会组织' },
]
export const resourceKinds: Option[] = [
  { key: 'venue', name: '场地' }, { key: 'expert', name: '专家与服务' }, { key: 'material', name: '物资' },
  { key: 'fund', name: '资金' }, { key: 'team', name: '志愿服务队' },
]

const statusNames: Record<string, Record<string, [string, string]>> = {
  need: { open: ['待认领', 'danger'], full: ['已认领满', 'success'], closed: ['已关闭', 'info'], expired: ['已截止', 'info'] },
  project: {
    claimed: ['已认领', 'warning'], in_progress: ['实施中', 'warning'], delivered: ['已交付', 'success'],
    evaluated: ['已评价', 'success'], closed: ['已结项', 'info'], withdrawn: ['已撤回', 'info'],
  },
  resource: { open: ['可认领', 'success'], full: ['已认领满', 'info'], closed: ['已下架', 'info'], expired: ['已过期', 'info'] },
  wish: { pending: ['待处理', 'warning'], accepted: ['已纳入需求清单', 'success'], merged: ['已并入需求', 'success'], declined: ['未采纳', 'info'], hidden: ['未通过内容审核', 'danger'] },
  proposal: { open: ['征集支持中', 'warning'], agenda: ['已列入议程', 'success'], accepted: ['已纳入需求清单', 'success'], declined: ['未采纳', 'info'], review: ['内容审核中', 'warning'] },
  reportin: { pending: ['待确认', 'warning'], confirmed: ['已报到', 'success'], declined: ['未通过', 'info'] },
  unit: { active: ['共建中', 'success'], suspended: ['已暂停', 'info'] },
}

/** statusOf: the Chinese label and tag colour of a co-building status of one kind of object. */
export function statusOf(kind: keyof typeof statusNames, s: string): { label: string; type: string } {
  const v = statusNames[kind]?.[s]
  return v ? { label: v[0], type: v[1] } : { label: s, type: 'info' }
}

export function nameOf(options: Option[], key: string): string {
  return options.find((o) => o.key === key)?.name ?? key
}

/** claimedPercent: how much of a need or resource is claimed, 0–100. */
export function claimedPercent(x: { quantity: number; claimed: number }): number {
  if (!x.quantity) return 0
  return Math.min(100, Math.round((x.claimed / x.quantity) * 100))
}

/**
 * localPage searches and pages a list the server gives whole (units,
 * resources, review queues: hundreds of rows at most): q matches any of the
 * named text fields; the page is clamped to the last one.
 */
export function localPage<T>(items: readonly T[], q: string, fields: Array<keyof T>, page: number, size: number): { rows: T[]; total: number; page: number } {
  const s = q.trim().toLowerCase()
  const hit = s ? items.filter((x) => fields.some((f) => String(x[f] ?? '').toLowerCase().includes(s))) : items.slice()
  const last = Math.max(1, Math.ceil(hit.length / size))
  const p = Math.min(Math.max(1, page), last)
  return { rows: hit.slice((p - 1) * size, p * size), total: hit.length, page: p }
}

/** importErrorsOf: the rows an import refused (422 IMPORT_REJECTED, details.errors), sorted by row; [] for other errors. */
export function importErrorsOf(e: unknown): ImportRowError[] {
  if (!(e instanceof ApiError) || e.code !== 'IMPORT_REJECTED') return []
  const list = e.details?.errors
  if (!Array.isArray(list)) return []
  return list
    .filter((x): x is ImportRowError => typeof x?.row === 'number' && typeof x?.message === 'string')
    .sort((a, b) => a.row - b.row)
}

/** projectActions: what a party unit or the community can do next with a project, in the order shown. */
export function projectActions(status: string): Array<{ action: 'start' | 'deliver' | 'close'; label: string }> {
  switch (status) {
    case 'claimed':
      return [{ action: 'start', label: '开始实施' }]
    case 'in_progress':
      return [{ action: 'deliver', label: '确认交付' }]
    case 'delivered':
    case 'evaluated':
      return [{ action: 'close', label: '结项' }]
  }
  return []
}

type ProgressAction = 'start' | 'deliver' | 'close'

/**
 * advanceProject posts a progress action on the version of the project the
 * page shows. When someone else updated the project since (409
 * PROJECT_CHANGED) it calls reload, so the page shows the latest progress,
 * and rethrows: the caller shows the server's message.
 */
export async function advanceProject(
  p: Pick<Project, 'id' | 'version'>, action: ProgressAction,
  post: (id: number, body: { action: ProgressAction; version: number }) => Promise<unknown>, reload: () => unknown,
): Promise<void> {
  try {
    await post(p.id, { action, version: p.version })
  } catch (e) {
    if (e instanceof ApiError && e.code === 'PROJECT_CHANGED') reload()
    throw e
  }
}
