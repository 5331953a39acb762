import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, fileNameOf, get, post, queryString, setCsrfToken, setUnauthenticatedHandler } from './http'

afterEach(() => {
  vi.unstubAllGlobals()
  setCsrfToken('')
  setUnauthenticatedHandler(null)
})

function stubFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const f = vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status, headers }))
  vi.stubGlobal('fetch', f)
  return f
}

describe('queryString', () => {
  it('drops empty values and repeats arrays', () => {
    expect(queryString({ a: 1, b: '', c: undefined, d: null, e: [1, 2], f: '中' })).toBe('?a=1&e=1&e=2&f=%E4%B8%AD')
    expect(queryString({})).toBe('')
    expect(queryString({ ok: false })).toBe('?ok=false')
  })
})

describe('fileNameOf', () => {
  it.each([
    [`attachment; filename="a.xlsx"; filename*=UTF-8''%E6%8A%A5%E5%90%8D.xlsx`, '报名.xlsx'],
    ['attachment; filename="plain.xlsx"', 'plain.xlsx'],
    ['attachment; filename=bare.xlsx', 'bare.xlsx'],
    [null, ''],
  ])('%s → %s', (cd, want) => {
    expect(fileNameOf(cd)).toBe(want)
  })
})

describe('request', () => {
  it('sends the CSRF token on changing requests only', async () => {
    const f = stubFetch(200, { ok: true })
    setCsrfToken('tok123')
    await post('/x', { a: 1 })
    await get('/y', { page: 2 })
    const [url1, init1] = f.mock.calls[0] as unknown as [string, RequestInit]
    const [url2, init2] = f.mock.calls[1] as unknown as [string, RequestInit]
    expect(url1).toBe('/api/v1/x')
    expect((init1.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok123')
    expect(init1.body).toBe('{"a":1}')
    expect(init1.credentials).toBe('same-origin')
    expect(url2).toBe('/api/v1/y?page=2')
    expect((init2.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined()
  })

  it('turns an error answer into ApiError with the server message and request id', async () => {
    stubFetch(409, { code: 'ACTIVITY_FULL', message: '名额已满', request_id: 'r-1' })
    const e = await get('/z').catch((e) => e)
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ status: 409, code: 'ACTIVITY_FULL', message: '名额已满', requestId: 'r-1' })
  })

  it('a non-JSON 502 gets a Chinese message', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502 })))
    const e = await get('/z').catch((e) => e)
    expect(e).toMatchObject({ status: 502, code: 'HTTP_502', message: '服务暂时不可用，请稍后再试' })
  })

  it('a network failure is a Chinese message too', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const e = await get('/z').catch((e) => e)
    expect(e).toMatchObject({ status: 0, code: 'NETWORK', message: '网络连接失败，请检查网络后重试' })
  })

  it('calls the unauthenticated handler on 401 with the code', async () => {
    stubFetch(401, { code: 'SESSION_EXPIRED', message: '登录已过期' })
    const seen: string[] = []
    setUnauthenticatedHandler((c) => seen.push(c))
    await get('/me').catch(() => {})
    expect(seen).toEqual(['SESSION_EXPIRED'])
  })

  it('answers undefined for 204', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })))
    expect(await post('/logout')).toBeUndefined()
  })
})
