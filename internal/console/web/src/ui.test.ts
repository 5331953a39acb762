import { describe, expect, it } from 'vitest'
import { createApp } from 'vue'
import { installUI } from './ui'

describe('installUI', () => {
  it('registers every component the templates use, sub-components included', () => {
    const app = createApp({})
    installUI(app)
    for (const name of ['ElRadioGroup', 'ElRadioButton', 'ElTableColumn', 'ElOption', 'ElTabPane', 'ElFormItem', 'ElMenuItem',
      'ElMenuItemGroup', 'ElDescriptionsItem', 'ElDatePicker', 'ElPagination', 'Search', 'Bell']) {
      expect(app.component(name), name).toBeTruthy()
    }
  })
})
