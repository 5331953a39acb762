import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, setCsrfToken, setUnauthenticatedHandler, upload } from './http'

// A stand-in for XMLHttpRequest that answers with the given status and body
// after reporting upload progress in two steps.
function fakeXHR(status: number, body: unknown, sent: Array<{ url: string; headers: Record<string, string>; body: unknown }>) {
  return class {
    status = 0
    responseText = ''
    withCredentials = false
    upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null }
    onload: (() => void) | null = null
    onerror: (() => void) | null = null
    private url = ''
    private headers: Record<string, string> = {}
    open(_m: string, url: string) {
      this.url = url
    }
    setRequestHeader(k: string, v: string) {
      this.headers[k] = v
    }
    getResponseHeader(k: string) {
      return k === 'Content-Type' ? 'application/json' : ''
    }
    send(b: unknown) {
      sent.push({ url: this.url, headers: this.headers, body: b })
      setTimeout(() => {
        this.upload.onprogress?.({ loaded: 50, total: 100, lengthComputable: true })
        this.upload.onprogress?.({ loaded: 100, total: 100, lengthComputable: true })
        this.status = status
        this.responseText = JSON.stringify(body)
        this.onload?.()
      }, 0)
    }
  }
}

afterEach(() => {
  vi.unstubAllGlobals()
  setCsrfToken('')
  setUnauthenticatedHandler(null)
})

describe('upload', () => {
  it('posts the file with the CSRF token and reports progress', async () => {
    const sent: Array<{ url: string; headers: Record<string, string>; body: unknown }> = []
    vi.stubGlobal('XMLHttpRequest', fakeXHR(201, { imported: 3 }, sent))
    setCsrfToken('tok9')
    const seen: number[] = []
    const r = await upload<{ imported: number }>('/admin/units/import', new Blob(['x'.repeat(100)]), (done) => seen.push(done))
    expect(r).toEqual({ imported: 3 })
    expect(sent[0].url).toBe('/api/v1/admin/units/import')
    expect(sent[0].headers['X-CSRF-Token']).toBe('tok9')
    expect(sent[0].headers['Content-Type']).toBeUndefined() // the browser sets the multipart boundary
    expect((sent[0].body as FormData).get('file')).toBeInstanceOf(Blob)
    expect(seen).toEqual([50, 100, 100])
  })

  it('turns a refusal into ApiError with its details, and a 401 calls the login handler', async () => {
    vi.stubGlobal('XMLHttpRequest', fakeXHR(422, { code: 'IMPORT_REJECTED', message: '有 1 行有误', request_id: 'r7', details: { errors: [{ row: 2, message: '社区不存在' }] } }, []))
    const e = await upload('/admin/units/import', new Blob(['x']), () => {}).catch((e) => e)
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ status: 422, code: 'IMPORT_REJECTED', requestId: 'r7', details: { errors: [{ row: 2, message: '社区不存在' }] } })

    const codes: string[] = []
    setUnauthenticatedHandler((c) => codes.push(c))
    vi.stubGlobal('XMLHttpRequest', fakeXHR(401, { code: 'SESSION_EXPIRED', message: '登录已过期' }, []))
    await upload('/x', new Blob(['x']), () => {}).catch(() => {})
    expect(codes).toEqual(['SESSION_EXPIRED'])
  })
})
