import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { auth } from '../lib/store'
import type { Session } from '../api/session'
import CommunitiesView from './CommunitiesView.vue'
import { buttonsNamed, cleanUpPage, fakeFetch, json, mountView } from './mountPage'

// A fake server: one community on the default threshold (10) and one with
// its own (3); PATCH changes it as the server does (null: the default).
function fakeServer() {
  const communities = [
    { id: 1, name: '幸福里社区', address: '幸福路1号', subdistrict_id: 1, subdistrict_name: '默认街道', support_threshold: 10, support_threshold_is_default: true },
    { id: 2, name: '和平社区', address: '', subdistrict_id: 1, subdistrict_name: '默认街道', support_threshold: 3, support_threshold_is_default: false },
  ]
  const calls = fakeFetch(({ method, path, body }) => {
    if (path === '/api/v1/console/subdistricts') return json(200, { items: [{ id: 1, name: '默认街道', community_count: 2, created_at: '' }] })
    if (path === '/api/v1/console/communities') return json(200, { items: communities })
    const m = path.match(/^\/api\/v1\/console\/communities\/(\d+)$/)
    if (m && method === 'PATCH') {
      const c = communities.find((x) => x.id === Number(m[1]))!
      if ('support_threshold' in body) {
        const t = body.support_threshold
        Object.assign(c, t === null ? { support_threshold: 10, support_threshold_is_default: true } : { support_threshold: t, support_threshold_is_default: false })
      }
      return json(200, c)
    }
    return json(404, { code: 'NOT_FOUND', message: '内容不存在' })
  })
  return { calls }
}

function signIn(permissions: string[]) {
  auth.session = {
    user: { id: 1, nickname: '', real_name: '', avatar_url: '', roles: [] }, csrf_token: 'x', idle_expires_at: '', expires_at: '',
    scope: { level: 'community', subdistrict_ids: [], community_ids: [1, 2], org_ids: [] }, permissions,
  } as Session
}

const page = () => mountView(CommunitiesView)

const thresholdInput = () => document.querySelector('[data-test="threshold-input"] input') as HTMLInputElement

// Types value into the threshold box of the dialog open.
async function enterThreshold(value: string) {
  const input = thresholdInput()
  input.value = value
  input.dispatchEvent(new Event('input'))
  input.dispatchEvent(new Event('change'))
  await flushPromises()
}

// Saves the (first) community dialog.
async function saveCommunity() {
  ;(document.querySelector('[data-test="save-community"]') as HTMLButtonElement).click()
  await flushPromises()
}

afterEach(() => {
  cleanUpPage()
  auth.session = null
})

describe('CommunitiesView 议事厅附议门槛', () => {
  it('shows each community its threshold in force, marking the default', async () => {
    fakeServer()
    signIn(['orgs', 'cobuild.review'])
    const w = await page()
    const cells = w.findAll('[data-test="threshold"]').map((c) => c.text())
    expect(cells).toEqual(['10', '3'])
    expect(w.text()).toContain('议事厅附议门槛')
    expect(w.text()).toContain('（默认）')
  })

  it("a community's staff set only the threshold (PATCH support_threshold), and can go back to the default", async () => {
    const { calls } = fakeServer()
    signIn(['orgs', 'cobuild.review'])
    const w = await page()
    expect(buttonsNamed('编辑')).toHaveLength(0)
    buttonsNamed('设置门槛')[0].click()
    await flushPromises()
    expect(document.body.textContent).toContain('议事厅附议门槛')
    ;(document.querySelector('[data-test="threshold-default"] input') as HTMLInputElement).click()
    await flushPromises()
    await enterThreshold('20')
    await saveCommunity()
    const patch = calls.find((c) => c.method === 'PATCH')
    expect(patch?.url).toBe('/api/v1/console/communities/1')
    expect(patch?.body).toEqual({ support_threshold: 20 })
    expect(w.findAll('[data-test="threshold"]').map((c) => c.text())).toEqual(['20', '3'])

    // Back to the default: null.
    buttonsNamed('设置门槛')[1].click()
    await flushPromises()
    const boxes = document.querySelectorAll<HTMLInputElement>('[data-test="threshold-default"] input')
    boxes[boxes.length - 1].click()
    await flushPromises()
    const saves = document.querySelectorAll<HTMLButtonElement>('[data-test="save-community"]')
    saves[saves.length - 1].click()
    await flushPromises()
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)).toMatchObject({ url: '/api/v1/console/communities/2', body: { support_threshold: null } })
  })

  it('district admins edit the threshold with the rest of the community', async () => {
    const { calls } = fakeServer()
    signIn(['orgs', 'cobuild.review', 'communities.manage'])
    await page()
    buttonsNamed('编辑')[1].click()
    await flushPromises()
    expect(thresholdInput().value).toBe('3')
    await enterThreshold('8')
    await saveCommunity()
    expect(calls.find((c) => c.method === 'PATCH')).toMatchObject({
      url: '/api/v1/console/communities/2', body: { name: '和平社区', subdistrict_id: 1, support_threshold: 8 },
    })
  })
})
