import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import CobuildReviewView from './CobuildReviewView.vue'
import { cleanUpPage, fakeFetch, json, mountPage } from './mountPage'

// A fake server with two keyset pages of wishes and two of report-ins
// (next_cursor null on the last), recording the cursors asked for.
function fakeServer() {
  const wish = (id: number) => ({ id, community_id: 1, title: `心愿${id}`, description: '', status: 'pending', contact_name: `居民${id}`, created_at: '2026-11-01T01:00:00Z' })
  const report = (id: number) => ({ user_id: id, user_name: `党员${id}`, workplace_name: `单位${id}`, community_id: 1, status: 'pending', created_at: '2026-11-01T01:00:00Z' })
  const pages: Record<string, Record<string, { items: unknown[]; next_cursor: string | null }>> = {
    '/api/v1/admin/wishes': { '': { items: [wish(9), wish(8)], next_cursor: 'w8' }, w8: { items: [wish(7)], next_cursor: null } },
    '/api/v1/admin/report-ins': { '': { items: [report(5)], next_cursor: 'r5' }, r5: { items: [report(4)], next_cursor: null } },
  }
  const asked: string[] = []
  fakeFetch(({ path, query }) => {
    if (path === '/api/v1/console/communities') return json(200, { items: [{ id: 1, name: '幸福里社区', address: '' }] })
    const list = pages[path]
    if (list) {
      const cursor = new URLSearchParams(query).get('cursor') ?? ''
      asked.push(`${path.split('/').pop()}:${cursor}`)
      return json(200, list[cursor])
    }
    return json(404, { code: 'NOT_FOUND', message: '内容不存在' })
  })
  return { asked }
}

afterEach(cleanUpPage)

const open = (tab: string) => mountPage(CobuildReviewView, '/cobuild/review', `/cobuild/review?tab=${tab}`)

describe('CobuildReviewView review queues', () => {
  it('adds the earlier wishes after the ones shown, following next_cursor until the last page', async () => {
    const { asked } = fakeServer()
    const w = await open('wishes')
    const titles = () => w.findAll('[data-test="wishes"] .el-table__body tr').map((r) => r.find('td').text())
    expect(titles()).toEqual(['心愿9', '心愿8'])
    expect(w.find('[data-test="load-more"]').text()).toBe('加载更早的心愿')
    await w.find('[data-test="load-more"]').trigger('click')
    await flushPromises()
    expect(titles()).toEqual(['心愿9', '心愿8', '心愿7'])
    expect(w.find('[data-test="load-more"]').exists()).toBe(false)
    expect(asked).toEqual(['wishes:', 'wishes:w8'])
    w.unmount()
  })

  it('adds the next page of report-ins with 加载更多 and starts over when the status changes', async () => {
    const { asked } = fakeServer()
    const w = await open('reportins')
    const names = () => w.findAll('[data-test="reportins"] .el-table__body tr').map((r) => r.find('td').text())
    expect(names()).toEqual(['党员5'])
    // the filters speak of report-ins (a declined one is 未通过, as its tag and the 不通过 action say)
    expect(w.findAll('.el-radio-button').map((b) => b.text())).toEqual(['待处理', '已确认', '未通过'])
    expect(w.find('input[aria-label="搜索"]').attributes('placeholder')).toBe('搜索姓名或工作单位')
    await w.find('[data-test="more-reportins"]').trigger('click')
    await flushPromises()
    expect(names()).toEqual(['党员5', '党员4'])
    expect(w.find('[data-test="more-reportins"]').exists()).toBe(false)
    await w.findAll('.el-radio-button__original-radio')[1].setValue(true) // 已确认
    await flushPromises()
    expect(names()).toEqual(['党员5'])
    expect(w.find('[data-test="more-reportins"]').exists()).toBe(true)
    expect(asked).toEqual(['report-ins:', 'report-ins:r5', 'report-ins:'])
    w.unmount()
  })
})
