import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { ElOption, ElSelect } from 'element-plus'
import TeamsView from './TeamsView.vue'
import { buttonNamed, callsTo, cleanUpPage, fakeFetch, json, mountView } from './mountPage'

// A fake server for the page's routes: the teams of a community, a team with
// its members as staff read it, and the leadership handover, which changes the
// team as the server does (the old leader stays a member) or refuses with an
// error of the server's shape.
type Member = { user_id: number; name: string; status: string }
function fakeServer(handover: (userId: number) => { status: number; body: unknown } | null = () => null) {
  const member = (user_id: number, name: string, status = 'active'): Member => ({ user_id, name, status })
  const team = {
    id: 5, community_id: 1, org_id: 21, name: '幸福里舞蹈队', kind: 'dance', kind_name: '舞蹈队', description: '每周二、四晚排练',
    leader_id: 7, leader_name: '王秀英', members: 3, created_at: '2026-03-01T01:00:00Z',
    member_list: [member(7, '王秀英'), member(41, '李桂芳'), member(42, '张玉梅'), member(44, '赵春兰', 'requested')],
  }
  const calls = fakeFetch(({ method, path, body }) => {
    if (path === '/api/v1/console/communities') return json(200, { items: [{ id: 1, name: '幸福里社区', address: '' }] })
    if (path === '/api/v1/teams') {
      const { member_list: _, ...row } = team
      return json(200, { items: [row, { ...row, id: 6, name: '幸福里合唱团', leader_id: 31, leader_name: '陈建华', members: 1 }] })
    }
    if (path === '/api/v1/teams/5' && method === 'GET') return json(200, { ...team, leads: true })
    if (path === '/api/v1/teams/5/leader' && method === 'POST') {
      const refusal = handover(body.user_id)
      if (refusal) return json(refusal.status, refusal.body)
      const to = team.member_list.find((m) => m.user_id === body.user_id)!
      Object.assign(team, { leader_id: to.user_id, leader_name: to.name })
      return json(200, team)
    }
    return json(404, { code: 'NOT_FOUND', message: '内容不存在' })
  })
  return { calls, team }
}

const page = () => mountView(TeamsView)

const rows = (w: VueWrapper) => w.findAll('[data-test="teams"] .el-table__body tr')
const leaderSelect = (w: VueWrapper) => w.findAllComponents(ElSelect).find((s) => s.attributes('data-test') === 'new-leader')!

// Opens the 移交队长 dialog of the first team.
async function openHandover(w: VueWrapper) {
  await rows(w)[0].findAll('button').find((b) => b.text() === '移交队长')!.trigger('click')
  await flushPromises()
}

afterEach(cleanUpPage)

describe('TeamsView 移交队长', () => {
  it('staff pick a member of the team and hand the leadership over; the list shows the new leader', async () => {
    const { calls } = fakeServer()
    const w = await page()
    expect(rows(w)).toHaveLength(2)
    expect(rows(w)[1].text()).not.toContain('移交队长') // a team of one has nobody to hand over to
    await openHandover(w)
    expect(calls.filter((c) => c.url === '/api/v1/teams/5')).toHaveLength(1)
    // The choice is the active members but the leader: not the leader, not a request to join.
    const select = leaderSelect(w)
    expect(select.findAllComponents(ElOption).map((o) => [o.props('label'), o.props('value')])).toEqual([['李桂芳', 41], ['张玉梅', 42]])
    expect(buttonNamed('移交')!.disabled).toBe(true)
    select.vm.$emit('update:modelValue', 42)
    await flushPromises()
    expect(document.body.textContent).toContain('移交后，张玉梅 将成为「幸福里舞蹈队」的队长')
    buttonNamed('移交')!.click()
    await flushPromises()
    expect(calls.filter((c) => c.method === 'POST')).toEqual([{ method: 'POST', url: '/api/v1/teams/5/leader', body: { user_id: 42 } }])
    expect(callsTo(calls, '/api/v1/teams')).toHaveLength(2) // reloaded
    expect(rows(w)[0].text()).toContain('张玉梅')
    expect(rows(w)[0].text()).not.toContain('王秀英')
    expect(document.body.textContent).toContain('已将队长移交给 张玉梅')
    w.unmount()
  })

  it('a refusal shows the server message; a leader changed meanwhile reloads the list', async () => {
    const { calls, team } = fakeServer((userId) => {
      if (userId === 41) return { status: 422, body: { code: 'LEADER_NOT_RESIDENT', message: '新队长须是社区确认的居民', request_id: 'r1' } }
      Object.assign(team, { leader_id: 41, leader_name: '李桂芳' }) // another staff member was quicker
      return { status: 409, body: { code: 'LEADER_CHANGED', message: '队长刚刚已被更换，请刷新后重试' } }
    })
    const w = await page()
    await openHandover(w)
    const pick = (id: number) => leaderSelect(w).vm.$emit('update:modelValue', id)
    pick(41)
    await flushPromises()
    buttonNamed('移交')!.click()
    await flushPromises()
    expect(document.body.textContent).toContain('新队长须是社区确认的居民（请求编号 r1）')
    expect(callsTo(calls, '/api/v1/teams')).toHaveLength(1) // nothing changed: no reload
    pick(42)
    await flushPromises()
    buttonNamed('移交')!.click()
    await flushPromises()
    expect(document.body.textContent).toContain('队长刚刚已被更换，请刷新后重试')
    expect(callsTo(calls, '/api/v1/teams')).toHaveLength(2)
    expect(rows(w)[0].text()).toContain('李桂芳')
    w.unmount()
  })
})
