// For the pages' tests: a page mounted at an address, with a router, so the
// filters it keeps in the address are read from it and written back to it.
import type { Component } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { installUI } from '../ui'

/** mountPage mounts component as the page at path, opened at address (path and query). */
export async function mountPage(component: Component, path: string, address: string) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path, component }] })
  await router.push(address)
  const w = mount(component, { global: { plugins: [{ install: installUI }, router] }, attachTo: document.body })
  await flushPromises()
  return Object.assign(w, { router })
}
