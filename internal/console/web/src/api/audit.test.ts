import { describe, expect, it } from 'vitest'
import { changesText, objectText } from './audit'

describe('changesText', () => {
  it('shows from → to pairs and plain values', () => {
    expect(changesText({ status: { from: 'draft', to: 'published' }, reason: '天气原因', minutes: 90, extra: null, ids: [1, 2] })).toEqual([
      'status：draft → published', 'reason：天气原因', 'minutes：90', 'extra：（空）', 'ids：[1,2]',
    ])
    expect(changesText({ title: { to: '新标题' } })).toEqual(['title：（空） → 新标题'])
    expect(changesText(undefined)).toEqual([])
  })
})

describe('objectText', () => {
  it('names the object in Chinese', () => {
    expect(objectText('activity', 12)).toBe('活动 #12')
    expect(objectText('claim', '7')).toBe('时长申请 #7')
    expect(objectText('activity', 0)).toBe('活动')
    expect(objectText('thing', 3)).toBe('thing #3')
  })
})
