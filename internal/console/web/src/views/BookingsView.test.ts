import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import BookingsView from './BookingsView.vue'
import { cleanUpPage, fakeFetch, json, mountPage } from './mountPage'

// A fake server as the desk meets it: one room, two pending desk bookings (one for a registered
// resident, one for a guest without an account); a desk booking's body is kept.
function fakeServer() {
  const sent: unknown[] = []
  const booking = (id: number, extra: object) => ({ id, room_id: 1, room_name: '多功能活动室', starts_at: '2026-12-08T02:00:00Z', ends_at: '2026-12-08T03:00:00Z',
    purpose: '合唱排练', status: 'pending', booked_for: 'desk', booked_by_desk: true, booked_by: 31, booker_name: '张晓岚', can_decide: true, ...extra })
  fakeFetch(({ method, path, body }) => {
    if (path === '/api/v1/admin/rooms') return json(200, { items: [{ id: 1, name: '多功能活动室' }] })
    if (path === '/api/v1/admin/bookings') {
      return json(200, { items: [booking(1, { for_user_id: 7, guest_name: '王建国' }), booking(2, { guest_name: '陈阿姨' })], next_cursor: null })
    }
    if (path === '/api/v1/rooms/1/bookings' && method === 'POST') {
      sent.push(body)
      return json(201, booking(3, { for_user_id: 7, guest_name: '王建国', status: 'confirmed' }))
    }
    return json(200, { items: [] })
  })
  return sent
}

const page = () => mountPage(BookingsView, '/rooms/bookings', '/rooms/bookings')

afterEach(cleanUpPage)

describe('BookingsView 窗口代订', () => {
  it('tells a desk booking for a registered resident (代居民预约, with their name) from one for a guest (代访客预约)', async () => {
    fakeServer()
    const w = await page()
    const rows = w.findAll('[data-test="bookings"] .el-table__body tr')
    expect(rows.length).toBe(2)
    expect(rows[0].text()).toContain('王建国')
    expect(rows[0].find('[data-test="booked-for"]').text()).toBe('代居民预约')
    expect(rows[1].text()).toContain('陈阿姨')
    expect(rows[1].find('[data-test="booked-for"]').text()).toBe('代访客预约')
    expect(w.text()).not.toContain('窗口代订 ')
    w.unmount()
  })

  it('books for a registered resident by account id', async () => {
    const sent = fakeServer()
    const w = await page()
    await w.find('[data-test="desk-booking"]').trigger('click')
    await flushPromises()
    const radio = [...document.querySelectorAll<HTMLInputElement>('[data-test="desk-kind"] input')]
    expect(radio.length).toBe(2)
    radio[0].click() // 代居民预约
    await flushPromises()
    expect(document.body.textContent).toContain('用户编号')
    expect(document.body.textContent).not.toContain('访客姓名')
    document.querySelector<HTMLButtonElement>('[data-test="submit-desk"]')!.click()
    await flushPromises()
    expect(document.body.textContent).toContain('请填写居民的用户编号')
    expect(document.body.textContent).not.toContain('请填写访客姓名')
    expect(sent).toEqual([])
    w.unmount()
  })
})
