// For the pages' tests: a page mounted at an address, with a router, so the
// filters it keeps in the address are read from it and written back to it;
// a page mounted without one; a fake server standing in for fetch that keeps
// every request; and the lookups the pages' tests share.
import { vi } from 'vitest'
import type { Component, Plugin } from 'vue'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { installUI } from '../ui'

async function mountWith(component: Component, plugins: Plugin[]) {
  const w = mount(component, { global: { plugins: [{ install: installUI }, ...plugins] }, attachTo: document.body })
  await flushPromises()
  return w
}

/** mountView mounts component as a page that reads nothing from the address. */
export const mountView = (component: Component) => mountWith(component, [])

/** mountPage mounts component as the page at path, opened at address (path and query). */
export async function mountPage(component: Component, path: string, address: string) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path, component }] })
  await router.push(address)
  const w = await mountWith(component, [router])
  return Object.assign(w, { router })
}

/** cleanUpPage undoes what a page's test left behind: the fake server and the page in the document. */
export function cleanUpPage() {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
}

/** A request the fake server was sent, with its JSON body parsed. */
export type Call = { method: string; url: string; body?: any }

/** A request as the fake server answers it: the call, its path and its query string. */
export type FakeRequest = Call & { path: string; query: string }

/** json is a response of the server's: status and body as JSON. */
export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

/** fakeFetch stands in for the server: respond answers every request, and each request is kept, in order, in the calls returned. */
export function fakeFetch(respond: (req: FakeRequest) => Response | Promise<Response>): Call[] {
  const calls: Call[] = []
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
    const call: Call = { method: init?.method ?? 'GET', url, body: init?.body ? JSON.parse(String(init.body)) : undefined }
    calls.push(call)
    const [path, query = ''] = url.split('?')
    return respond({ ...call, path, query })
  }))
  return calls
}

/** callsTo is the calls to path (whatever their query). */
export const callsTo = (calls: Call[], path: string) => calls.filter((c) => c.url.split('?')[0] === path)

/** lastQuery is the query of the last call to path (empty when there was none). */
export const lastQuery = (calls: Call[], path: string) => new URLSearchParams(callsTo(calls, path).at(-1)?.url.split('?')[1] ?? '')

/** buttonsNamed is the buttons of the document whose text is text. */
export const buttonsNamed = (text: string) =>
  [...document.querySelectorAll<HTMLButtonElement>('button')].filter((b) => b.textContent?.trim() === text)

/** buttonNamed is the first button of the document whose text is text, if any. */
export const buttonNamed = (text: string): HTMLButtonElement | undefined => buttonsNamed(text)[0]

/** openSelect opens the select marked data-test="name" and returns the options dropped down in the document. */
export async function openSelect(w: Pick<VueWrapper, 'find'>, name: string) {
  await w.find(`[data-test="${name}"] .el-select__wrapper`).trigger('click')
  await flushPromises()
  return [...document.querySelectorAll<HTMLElement>('.el-select-dropdown__item')]
}

/** optionNamed is the first option dropped down in the document whose text is label. */
export const optionNamed = (label: string) =>
  [...document.querySelectorAll<HTMLElement>('.el-select-dropdown__item')].find((o) => o.textContent?.trim() === label)
