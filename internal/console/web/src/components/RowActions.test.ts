import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { ElTable, ElTableColumn } from 'element-plus'
import { installUI } from '../ui'
import RowActions from './RowActions.vue'
import type { RowAction } from '../lib/table'

type Row = { id: number; status: string }

// A table with a column before the actions, as the pages have them.
async function table(actions: RowAction<Row>[], rows: Row[]) {
  const w = mount(
    defineComponent(() => () =>
      h(ElTable, { data: rows }, () => [h(ElTableColumn, { prop: 'status', label: '状态' }), h(RowActions, { width: '140', actions: actions as RowAction<unknown>[], fixed: false })]),
    ),
    { global: { plugins: [{ install: installUI }] }, attachTo: document.body },
  )
  await flushPromises()
  return w
}

describe('RowActions', () => {
  it('is the 操作 column after the others, each row with the buttons whose when holds', async () => {
    const ran: string[] = []
    const actions: RowAction<Row>[] = [
      { label: '确认', type: 'primary', when: (r) => r.status === 'open', run: (r) => ran.push(`确认 ${r.id}`) },
      { label: '解决', when: (r) => r.status !== 'resolved', run: (r) => ran.push(`解决 ${r.id}`) },
      { label: '查看', run: (r) => ran.push(`查看 ${r.id}`) },
    ]
    const w = await table(actions, [{ id: 1, status: 'open' }, { id: 2, status: 'acked' }, { id: 3, status: 'resolved' }])
    const heads = w.findAll('.el-table__header th').map((th) => th.text())
    expect(heads).toEqual(['状态', '操作'])
    const rows = w.findAll('.el-table__body tr')
    const labels = rows.map((r) => r.findAll('button').map((b) => b.text()))
    expect(labels).toEqual([['确认', '解决', '查看'], ['解决', '查看'], ['查看']])
    expect(rows[0].find('button').classes()).toContain('el-button--primary')
    await rows[1].findAll('button')[0].trigger('click')
    await rows[2].find('button').trigger('click')
    expect(ran).toEqual(['解决 2', '查看 3'])
    w.unmount()
  })
})
