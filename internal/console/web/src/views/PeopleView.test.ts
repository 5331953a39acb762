import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, type mount } from '@vue/test-utils'
import PeopleView from './PeopleView.vue'
import { buttonNamed, cleanUpPage, fakeFetch, json, lastQuery, mountPage, openSelect, type Call } from './mountPage'

// A fake server as a community's staff member meets it: the people of their
// community, a person's service record (two pages), and GET /admin/users/{id}
// refused (only the district's admins read any account by id).
function fakeServer() {
  const person = { id: 42, nickname: '小王', real_name: '王秀英', phone_masked: '139****5678', community_id: 1, roles: [{ role: 'resident' }], created_at: '2026-03-01T01:00:00Z' }
  const line = (n: number) => ({ activity_id: n, session_id: n, activity_title: `活动${n}`, content: '', date: '2026-11-0' + n + 'T00:00:00Z', minutes: 60, hours: 1, sources: ['claim'] })
  return fakeFetch(({ path, query }) => {
    if (path === '/api/v1/console/people') return json(200, { items: [person], next_cursor: null, limit: 20 })
    if (path === '/api/v1/console/people/42/record') {
      const more = new URLSearchParams(query).get('cursor') === 'p2'
      return json(200, { record_number: 'ZYJL-42', name: '王秀英', total_minutes: 180, total_hours: 3,
        entries: more ? [line(3)] : [line(1), line(2)], next_cursor: more ? null : 'p2' })
    }
    if (path === '/api/v1/admin/users/42') return json(403, { code: 'FORBIDDEN', message: '只有管理员可以操作' })
    if (path === '/api/v1/console/communities') return json(200, { items: [{ id: 1, name: '幸福里社区', address: '' }] })
    return json(200, { items: [] })
  })
}

const page = (address: string) => mountPage(PeopleView, '/people', address)

// The 姓名 or 手机号 box (Element Plus hands data-test to the input itself).
const box = (w: { find: (s: string) => ReturnType<ReturnType<typeof mount>['find']> }, name: string) => w.find(`input[data-test="people-${name}"]`)

// The query of the last people search the page sent.
const lastSearch = (calls: Call[]) => lastQuery(calls, '/api/v1/console/people')

const recordRows = () => document.querySelectorAll('[data-test="person-record"] .el-table__body tr')

afterEach(cleanUpPage)

describe('PeopleView 服务记录', () => {
  it("a person of the list opens with their service record, without reading the account by id", async () => {
    const calls = fakeServer()
    const w = await page('/people')
    await w.find('[data-test="people"] .el-table__body tr').trigger('click')
    await flushPromises()
    expect(calls.some((c) => c.url.startsWith('/api/v1/admin/users/'))).toBe(false)
    expect(document.body.textContent).toContain('合计 3 小时')
    expect(recordRows().length).toBe(2)
    buttonNamed('加载更多')!.click()
    await flushPromises()
    expect(recordRows().length).toBe(3)
    expect(buttonNamed('加载更多')).toBeUndefined()
    w.unmount()
  })

  it('the hours roll-up’s link (?user=) shows the record even when the account cannot be read by id', async () => {
    fakeServer()
    const w = await page('/people?user=42')
    await flushPromises()
    expect(document.body.textContent).toContain('王秀英（编号 42）')
    expect(recordRows().length).toBe(2)
    w.unmount()
  })
})

describe('PeopleView 筛选', () => {
  it('sends the 姓名, 手机号 and 角色 filters of the address to the server and shows them', async () => {
    const calls = fakeServer()
    const w = await page('/people?name=%E7%8E%8B&phone=5678&role=volunteer')
    const q = lastSearch(calls)
    expect([q.get('name'), q.get('phone'), q.get('role'), q.get('q')]).toEqual(['王', '5678', 'volunteer', null])
    expect((box(w, 'name').element as HTMLInputElement).value).toBe('王')
    expect((box(w, 'phone').element as HTMLInputElement).value).toBe('5678')
    expect(w.find('[data-test="people-role"]').text()).toContain('志愿者')
    w.unmount()
  })

  it('a box changed searches again and is kept in the address; every role is offered by its Chinese name', async () => {
    const calls = fakeServer()
    const w = await page('/people')
    await box(w, 'name').setValue('王秀英')
    await box(w, 'name').trigger('change')
    await box(w, 'phone').setValue('139****5678')
    await box(w, 'phone').trigger('change')
    await flushPromises()
    const q = lastSearch(calls)
    expect([q.get('name'), q.get('phone'), q.get('role')]).toEqual(['王秀英', '139****5678', null])
    expect(w.router.currentRoute.value.query).toMatchObject({ name: '王秀英', phone: '139****5678' })
    const options = (await openSelect(w, 'people-role')).map((o) => o.textContent?.trim())
    expect(options).toEqual(expect.arrayContaining(['管理员', '工作人员', '单位联络员', '志愿者', '党员']))
    expect(options).not.toContain('volunteer')
    w.unmount()
  })

  it('an older link’s ?q= fills the box it belongs in', async () => {
    const calls = fakeServer()
    const w = await page('/people?q=5678')
    expect(lastSearch(calls).get('phone')).toBe('5678')
    expect((box(w, 'phone').element as HTMLInputElement).value).toBe('5678')
    w.unmount()
  })
})
