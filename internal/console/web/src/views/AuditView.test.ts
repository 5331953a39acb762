import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import AuditView from './AuditView.vue'
import { buttonNamed, cleanUpPage, fakeFetch, json, lastQuery, mountPage, openSelect, optionNamed } from './mountPage'

// A fake server: one audit entry, the actions, and the export; every call is kept.
function fakeServer() {
  const calls = fakeFetch(({ url }) => {
    if (url.startsWith('/api/v1/console/audit/export')) return new Response(new Blob(['xlsx']), { status: 200 })
    if (url.startsWith('/api/v1/console/audit/actions')) return json(200, { items: [] })
    if (url.startsWith('/api/v1/console/audit')) {
      return json(200, { items: [{ id: 1, at: '2026-12-01T02:00:00Z', actor_id: 7, actor_name: '张晓岚', actor_role: 'subdistrict_admin', action: 'activity.publish',
        object_type: 'activity', object_id: 3, ip: '127.0.0.1', request_id: 'r1' }], next_cursor: '' })
    }
    return json(200, { items: [] })
  })
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:x', revokeObjectURL: () => {} }))
  return calls
}

const mountAt = (address: string) => mountPage(AuditView, '/audit', address)

afterEach(cleanUpPage)

describe('AuditView 操作人角色', () => {
  it('filters the list and the export by the role the actor acted in, named in Chinese', async () => {
    const calls = fakeServer()
    const w = await mountAt('/audit')
    expect(w.find('[data-test="audit"]').text()).toContain('街道管理员')
    expect(lastQuery(calls, '/api/v1/console/audit').has('role')).toBe(false)

    const options = await openSelect(w, 'audit-role')
    const labels = options.map((o) => o.textContent?.trim())
    expect(labels).toEqual(expect.arrayContaining(['管理员', '街道管理员', '工作人员', '组织工作人员', '单位联络员']))
    optionNamed('工作人员')!.click()
    await flushPromises()
    buttonNamed('查询')!.click()
    await flushPromises()
    expect(lastQuery(calls, '/api/v1/console/audit').get('role')).toBe('staff')
    buttonNamed('导出 Excel')!.click()
    await flushPromises()
    expect(lastQuery(calls, '/api/v1/console/audit/export').get('role')).toBe('staff')
    w.unmount()
  })
})

describe('AuditView 筛选条件在地址中', () => {
  it('opens with the filters the address names, and writes a search back into the address', async () => {
    const calls = fakeServer()
    const w = await mountAt('/audit?object_type=activity&object_id=3&role=staff&from=2026-12-01&to=2026-12-02')
    const first = lastQuery(calls, '/api/v1/console/audit')
    expect(Object.fromEntries(first)).toMatchObject({ object_type: 'activity', object_id: '3', role: 'staff', from: '2026-12-01', to: '2026-12-02' })
    expect((w.find('input[aria-label="对象编号"]').element as HTMLInputElement).value).toBe('3')

    await w.find('input[aria-label="对象编号"]').setValue('')
    await w.find('input[aria-label="操作人编号"]').setValue('7')
    buttonNamed('查询')!.click()
    await flushPromises()
    expect(lastQuery(calls, '/api/v1/console/audit').get('actor_id')).toBe('7')
    expect(lastQuery(calls, '/api/v1/console/audit').has('object_id')).toBe(false)
    expect(w.router.currentRoute.value.query).toEqual({ object_type: 'activity', actor_id: '7', role: 'staff', from: '2026-12-01', to: '2026-12-02' })
    buttonNamed('导出 Excel')!.click()
    await flushPromises()
    expect(lastQuery(calls, '/api/v1/console/audit/export').get('actor_id')).toBe('7')
    w.unmount()
  })
})
