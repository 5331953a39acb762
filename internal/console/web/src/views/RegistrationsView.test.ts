import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import RegistrationsView from './RegistrationsView.vue'
import { cleanUpPage, fakeFetch, json, lastQuery, mountPage, openSelect, optionNamed, type Call } from './mountPage'

// A fake server: one registration on the console's registrations list; every call is kept.
function fakeServer() {
  return fakeFetch(({ url }) => {
    if (url.startsWith('/api/v1/console/registrations')) {
      return json(200, { items: [{ id: 1, activity_id: 3, session_id: 4, user_id: 5, attendee: { self: true, name: '李秀英' }, status: 'confirmed' }], limit: 20 })
    }
    return json(200, { items: [] })
  })
}

const page = (address: string) => mountPage(RegistrationsView, '/registrations', address)

const lastList = (calls: Call[]) => lastQuery(calls, '/api/v1/console/registrations')

afterEach(cleanUpPage)

describe('RegistrationsView 签到状态', () => {
  it('sends ?checked_in= of the address to the server and shows the choice', async () => {
    const calls = fakeServer()
    const w = await page('/registrations?checked_in=false&status=confirmed')
    expect(lastList(calls).get('checked_in')).toBe('false')
    expect(lastList(calls).get('status')).toBe('confirmed')
    expect(w.find('[data-test="checked-in"]').text()).toContain('未签到')
    w.unmount()
  })

  it('choosing 已签到 asks again and keeps it in the address; 全部 leaves it out', async () => {
    const calls = fakeServer()
    const w = await page('/registrations')
    expect(lastList(calls).has('checked_in')).toBe(false)
    await openSelect(w, 'checked-in')
    expect(['全部', '已签到', '未签到'].every((l) => optionNamed(l))).toBe(true)
    optionNamed('已签到')!.click()
    await flushPromises()
    expect(lastList(calls).get('checked_in')).toBe('true')
    expect(w.router.currentRoute.value.query.checked_in).toBe('true')
    await openSelect(w, 'checked-in')
    optionNamed('全部')!.click()
    await flushPromises()
    expect(lastList(calls).has('checked_in')).toBe(false)
    expect(w.router.currentRoute.value.query.checked_in).toBeUndefined()
    w.unmount()
  })
})
