import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { h } from 'vue'
import { installUI } from '../ui'
import FormDialog from './FormDialog.vue'

// The dialog is teleported to the document's body: it is read there.
async function open(props: Record<string, unknown>) {
  const w = mount(FormDialog, {
    props: { modelValue: true, title: '新增组织', ...props },
    slots: { default: () => h('p', { class: 'body' }, '表单') },
    global: { plugins: [{ install: installUI }] },
    attachTo: document.body,
  })
  await flushPromises()
  const buttons = [...document.querySelectorAll<HTMLButtonElement>('.el-dialog__footer button')]
  return { w, buttons, find: (css: string) => document.querySelector(css) }
}

describe('FormDialog', () => {
  it('confirms with its primary button and closes with 取消', async () => {
    const { w, buttons, find } = await open({ confirm: '保存', confirmTest: 'save-org', labelWidth: '90px' })
    expect(buttons.map((b) => b.textContent?.trim())).toEqual(['取消', '保存'])
    expect(buttons[1].dataset.test).toBe('save-org')
    expect(find('.el-dialog form .body')).not.toBeNull()
    buttons[1].click()
    expect(w.emitted('confirm')).toHaveLength(1)
    buttons[0].click()
    expect(w.emitted('update:modelValue')?.[0]).toEqual([false])
    w.unmount()
  })
  it('is 确定 by default, keeps a disabled button, and holds free content without a form', async () => {
    const { w, buttons, find } = await open({ disabled: true })
    expect(buttons[1].textContent?.trim()).toBe('确定')
    expect(buttons[1].disabled).toBe(true)
    expect(buttons[1].hasAttribute('data-test')).toBe(false)
    expect(find('.el-dialog form')).toBeNull()
    expect(find('.el-dialog .body')).not.toBeNull()
    w.unmount()
  })
})
