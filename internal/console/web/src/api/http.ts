// The one door to the server: same-origin JSON over fetch, the session
// cookie sent by the browser, the CSRF token (kept in memory, never in a
// cookie or storage) on every changing request, errors turned into ApiError
// carrying the server's Chinese message and request id.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId = '',
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
  }
}

export type Query = Record<string, string | number | boolean | undefined | null | Array<string | number>>

import { finishTask, readAll, startTask } from '../lib/tasks'

let csrfToken = ''
let onUnauthenticated: ((code: string) => void) | null = null

export function setCsrfToken(t: string) {
  csrfToken = t
}

export function getCsrfToken() {
  return csrfToken
}

/** Called on every 401 (expired, revoked or no session): the app goes to its login page. */
export function setUnauthenticatedHandler(fn: ((code: string) => void) | null) {
  onUnauthenticated = fn
}

const changing = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** queryString drops empty values and repeats array values: {a:[1,2]} → "?a=1&a=2". */
export function queryString(q?: Query): string {
  if (!q) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue
    if (Array.isArray(v)) v.forEach((x) => p.append(k, String(x)))
    else p.append(k, String(v))
  }
  const s = p.toString()
  return s ? '?' + s : ''
}

export function apiURL(path: string, q?: Query) {
  return '/api/v1' + path + queryString(q)
}

function headersFor(method: string, json: boolean): Record<string, string> {
  const h: Record<string, string> = { Accept: 'application/json' }
  if (json) h['Content-Type'] = 'application/json'
  if (changing.has(method) && csrfToken) h['X-CSRF-Token'] = csrfToken
  return h
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: { code?: string; message?: string; request_id?: string; details?: Record<string, unknown> } = {}
  try {
    body = await res.json()
  } catch {
    /* not JSON: a proxy's page */
  }
  const rid = body.request_id || res.headers.get('X-Request-Id') || ''
  const msg = body.message || (res.status >= 500 ? '服务暂时不可用，请稍后再试' : `请求失败（${res.status}）`)
  return new ApiError(res.status, body.code || 'HTTP_' + res.status, msg, rid, body.details)
}

async function send(method: string, path: string, q?: Query, body?: unknown): Promise<Response> {
  const isForm = typeof FormData !== 'undefined' && body instanceof FormData
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: headersFor(method, body !== undefined && !isForm),
  }
  if (body !== undefined) init.body = isForm ? (body as FormData) : JSON.stringify(body)
  let res: Response
  try {
    res = await fetch(apiURL(path, q), init)
  } catch {
    throw new ApiError(0, 'NETWORK', '网络连接失败，请检查网络后重试')
  }
  if (!res.ok) {
    const e = await errorOf(res)
    if (res.status === 401 && onUnauthenticated) onUnauthenticated(e.code)
    throw e
  }
  return res
}

export async function request<T>(method: string, path: string, q?: Query, body?: unknown): Promise<T> {
  const res = await send(method, path, q, body)
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const get = <T>(path: string, q?: Query) => request<T>('GET', path, q)
export const post = <T>(path: string, body?: unknown, q?: Query) => request<T>('POST', path, q, body ?? {})
export const patch = <T>(path: string, body?: unknown) => request<T>('PATCH', path, undefined, body ?? {})
export const put = <T>(path: string, body?: unknown) => request<T>('PUT', path, undefined, body ?? {})
export const del = <T>(path: string, body?: unknown) => request<T>('DELETE', path, undefined, body)

/**
 * download fetches a file (an export) as a task shown in the header (it goes
 * on while other pages are opened) and hands it to the browser under its
 * server-given name.
 */
export async function download(path: string, q?: Query, fallbackName = 'export.xlsx'): Promise<string> {
  const task = startTask('导出 ' + fallbackName.replace(/-\d+(?=\.)/, ''))
  let res: Response
  let blob: Blob
  try {
    res = await send('GET', path, q)
    blob = await readAll(res, (done, total) => {
      task.done = done
      task.total = total
    })
  } catch (e) {
    finishTask(task, false, (e as Error).message)
    throw e
  }
  finishTask(task, true, '已下载')
  const name = fileNameOf(res.headers.get('Content-Disposition')) || fallbackName
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  return name
}

/**
 * upload posts a file as multipart form data (field "file") and reports the
 * bytes sent: fetch cannot tell upload progress, XMLHttpRequest can.
 * Errors are the same ApiError as every other request's.
 */
export function upload<T>(path: string, file: Blob, onProgress: (sent: number, total: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', apiURL(path))
    xhr.withCredentials = true
    for (const [k, v] of Object.entries(headersFor('POST', false))) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size)
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', '网络连接失败，请检查网络后重试'))
    xhr.onload = async () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size)
        resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T)
        return
      }
      const e = await errorOf(new Response(xhr.responseText || null, {
        status: xhr.status,
        headers: { 'Content-Type': xhr.getResponseHeader('Content-Type') || 'application/json', 'X-Request-Id': xhr.getResponseHeader('X-Request-Id') || '' },
      }))
      if (xhr.status === 401 && onUnauthenticated) onUnauthenticated(e.code)
      reject(e)
    }
    const fd = new FormData()
    fd.append('file', file)
    xhr.send(fd)
  })
}

/** fileNameOf reads the file name of a Content-Disposition header (RFC 6266, filename* first). */
export function fileNameOf(cd: string | null): string {
  if (!cd) return ''
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(cd)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(cd)
  return plain ? plain[1].trim() : ''
}

export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

export interface Cursor<T> {
  items: T[]
  next_cursor: string
}
