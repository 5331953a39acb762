import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import CobuildBoardView from './CobuildBoardView.vue'
import { callsTo, cleanUpPage, fakeFetch, json, mountPage } from './mountPage'

// A fake server for the projects tab: one project in progress, whose version
// another desk bumps (it is delivered there) before this one acts on it; a
// progress action on a stale version is refused as the server does.
function fakeServer() {
  const project = {
    id: 402, community_id: 1, title: '独居老人助餐', quantity: 15, quantity_unit: '人', status: 'in_progress', status_name: '实施中',
    overdue: false, parties: [{ unit_id: 11, unit_name: '区疾控中心', quantity: 15, claim_id: 110 }], evidence: {},
    rating_avg: 0, rating_count: 0, created_at: '2026-11-01T01:00:00Z', version: 3,
  }
  const calls = fakeFetch(({ path, body }) => {
    if (path === '/api/v1/console/communities') return json(200, { items: [{ id: 1, name: '幸福里社区', address: '' }] })
    if (path === '/api/v1/me/units') return json(200, { items: [] })
    if (path === '/api/v1/projects') return json(200, { items: [{ ...project }], next_cursor: null })
    if (path === '/api/v1/projects/402/progress') {
      if (body.version !== project.version) {
        return json(409, { code: 'PROJECT_CHANGED', message: '项目已被他人更新，请刷新后查看最新进度再提交' })
      }
      Object.assign(project, { status: 'delivered', status_name: '已交付', version: project.version + 1 })
      return json(200, project)
    }
    return json(404, { code: 'NOT_FOUND', message: '内容不存在' })
  })
  return { calls, project }
}

afterEach(cleanUpPage)

describe('CobuildBoardView project progress', () => {
  it('sends the version shown; a stale one shows the server message and reloads, after which the action goes through', async () => {
    const { calls, project } = fakeServer()
    const w = await mountPage(CobuildBoardView, '/cobuild', '/cobuild?tab=projects')
    const lists = () => callsTo(calls, '/api/v1/projects')
    const progress = () => calls.filter((c) => c.method === 'POST').map((c) => c.body)
    const deliver = () => w.findAll('[data-test="projects"] .el-table__body button').find((b) => b.text() === '确认交付')!
    expect(lists()).toHaveLength(1)

    project.version = 4 // another desk updated it meanwhile (the row still shows version 3)
    await deliver().trigger('click')
    await flushPromises()
    expect(progress()).toEqual([{ action: 'deliver', version: 3 }])
    expect(document.body.textContent).toContain('项目已被他人更新，请刷新后查看最新进度再提交')
    expect(lists()).toHaveLength(2) // reloaded: the row now carries version 4

    await deliver().trigger('click')
    await flushPromises()
    expect(progress()).toEqual([{ action: 'deliver', version: 3 }, { action: 'deliver', version: 4 }])
    expect(document.body.textContent).toContain('确认交付：已完成')
    w.unmount()
  })
})
