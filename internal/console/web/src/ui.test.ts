import { describe, expect, it } from 'vitest'
import { createApp } from 'vue'
import { installUI } from './ui'
import { menu } from './lib/menu'

describe('installUI', () => {
  it('registers every component the templates use, sub-components included', () => {
    const app = createApp({})
    installUI(app)
    for (const name of ['ElRadioGroup', 'ElRadioButton', 'ElTableColumn', 'ElOption', 'ElTabPane', 'ElFormItem', 'ElMenuItem',
      'ElMenuItemGroup', 'ElDescriptionsItem', 'ElDatePicker', 'ElPagination', 'Search', 'Bell']) {
      expect(app.component(name), name).toBeTruthy()
    }
  })
  it('registers the icon of every menu entry', () => {
    const app = createApp({})
    installUI(app)
    for (const i of menu.flatMap((g) => g.items)) expect(app.component(i.icon), `${i.path}: ${i.icon}`).toBeTruthy()
  })
})

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

function vueFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? vueFiles(p) : p.endsWith('.vue') ? [p] : []
  })
}

describe('templates', () => {
  it('use only Element Plus components that installUI registers', () => {
    const app = createApp({})
    installUI(app)
    const pascal = (tag: string) => tag.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('')
    const missing = new Set<string>()
    for (const f of vueFiles(join(__dirname))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/<(el-[a-z-]+)/g)) {
        if (!app.component(pascal(m[1]))) missing.add(`${m[1]} (${f.split('/src/')[1]})`)
      }
    }
    expect([...missing]).toEqual([])
  })
})
