import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/http'
import { advanceProject, claimedPercent, importErrorsOf, localPage, projectActions, statusOf } from './cobuild'

describe('localPage', () => {
  const items = Array.from({ length: 45 }, (_, i) => ({ id: i + 1, name: i % 2 ? `区医院${i}` : `第${i}中学`, note: '' }))
  it('pages 20 at a time and clamps a page past the end to the last', () => {
    expect(localPage(items, '', ['name'], 1, 20).rows.map((x) => x.id)).toEqual(items.slice(0, 20).map((x) => x.id))
    const last = localPage(items, '', ['name'], 9, 20)
    expect(last.page).toBe(3)
    expect(last.rows.map((x) => x.id)).toEqual([41, 42, 43, 44, 45])
    expect(last.total).toBe(45)
  })
  it('searches the named fields, ignoring case and spaces around the query', () => {
    const r = localPage(items, ' 医院 ', ['name'], 1, 20)
    expect(r.total).toBe(22)
    expect(r.rows.every((x) => x.name.includes('医院'))).toBe(true)
    expect(localPage([{ name: 'ABC' }], 'abc', ['name'], 1, 20).total).toBe(1)
    expect(localPage(items, '医院', ['note'], 1, 20).total).toBe(0)
  })
  it('an empty list is one empty page', () => {
    expect(localPage([], '', [], 3, 20)).toEqual({ rows: [], total: 0, page: 1 })
  })
})

describe('importErrorsOf', () => {
  it('reads the refused rows of IMPORT_REJECTED, sorted', () => {
    const e = new ApiError(422, 'IMPORT_REJECTED', '有 2 行有误', 'r1', { errors: [{ row: 7, message: '社区不存在' }, { row: 3, message: '单位类型无效' }, { bad: true }] })
    expect(importErrorsOf(e)).toEqual([{ row: 3, message: '单位类型无效' }, { row: 7, message: '社区不存在' }])
  })
  it('is empty for any other error', () => {
    expect(importErrorsOf(new ApiError(400, 'IMPORT_BAD_FILE', '请上传 XLSX 文件'))).toEqual([])
    expect(importErrorsOf(new Error('x'))).toEqual([])
    expect(importErrorsOf(new ApiError(422, 'IMPORT_REJECTED', 'x', '', { errors: 'no' }))).toEqual([])
  })
})

describe('statuses and actions', () => {
  it('names statuses per kind of object, passing unknown ones through', () => {
    expect(statusOf('need', 'open')).toEqual({ label: '待认领', type: 'danger' })
    expect(statusOf('project', 'in_progress').label).toBe('实施中')
    expect(statusOf('wish', 'declined').label).toBe('未采纳')
    expect(statusOf('reportin', 'mystery')).toEqual({ label: 'mystery', type: 'info' })
  })
  it('offers the next step of a project only', () => {
    expect(projectActions('claimed').map((a) => a.action)).toEqual(['start'])
    expect(projectActions('in_progress').map((a) => a.action)).toEqual(['deliver'])
    expect(projectActions('evaluated').map((a) => a.action)).toEqual(['close'])
    expect(projectActions('closed')).toEqual([])
    expect(projectActions('withdrawn')).toEqual([])
  })
  it('claimed percent is bounded and safe for a zero quantity', () => {
    expect(claimedPercent({ quantity: 40, claimed: 32 })).toBe(80)
    expect(claimedPercent({ quantity: 10, claimed: 12 })).toBe(100)
    expect(claimedPercent({ quantity: 0, claimed: 0 })).toBe(0)
  })
})

describe('advanceProject', () => {
  const p = { id: 402, version: 7 }
  it('posts the action on the version shown', async () => {
    const sent: unknown[] = []
    let reloads = 0
    await advanceProject(p, 'deliver', async (id, body) => sent.push([id, body]), () => reloads++)
    expect(sent).toEqual([[402, { action: 'deliver', version: 7 }]])
    expect(reloads).toBe(0)
  })
  it('reloads when someone else updated the project (409 PROJECT_CHANGED) and passes the server message on', async () => {
    const stale = new ApiError(409, 'PROJECT_CHANGED', '项目已被他人更新，请刷新后查看最新进度再提交')
    let reloads = 0
    await expect(advanceProject(p, 'start', async () => { throw stale }, () => reloads++)).rejects.toBe(stale)
    expect(reloads).toBe(1)
  })
  it('does not reload on other refusals', async () => {
    const refused = new ApiError(409, 'PROJECT_STATE', '项目当前状态不能进行此操作')
    let reloads = 0
    await expect(advanceProject(p, 'close', async () => { throw refused }, () => reloads++)).rejects.toBe(refused)
    expect(reloads).toBe(0)
  })
})
