import { describe, expect, it } from 'vitest'
import { changesText } from './audit'

describe('changesText', () => {
  it('shows from → to pairs and plain values', () => {
    expect(changesText({ status: { from: 'draft', to: 'published' }, reason: '天气原因', minutes: 90, extra: null, ids: [1, 2] })).toEqual([
      'status：draft → published', 'reason：天气原因', 'minutes：90', 'extra：（空）', 'ids：[1,2]',
    ])
    expect(changesText({ title: { to: '新标题' } })).toEqual(['title：（空） → 新标题'])
    expect(changesText(undefined)).toEqual([])
  })
})
