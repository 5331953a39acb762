import { describe, expect, it } from 'vitest'
import { peopleQuery, roleChangeOf, scopeText, searchBoxes } from './people'

const names = { community: (id: number) => `社区${id}`, org: (id: number) => `组织${id}`, subdistrict: (id: number) => `街道${id}` }
const r = (role: string, c = 0, o = 0, s = 0) => ({ role, community_id: c, org_id: o, subdistrict_id: s })

describe('roles', () => {
  it('names the scope explicitly for staff, never widening it', () => {
    expect(roleChangeOf(r('staff', 3))).toEqual({ role: 'staff', community_id: 3, scope: 'community' })
    expect(roleChangeOf(r('staff', 0, 7))).toEqual({ role: 'staff', org_id: 7, scope: 'org' })
    expect(roleChangeOf(r('staff'))).toEqual({ role: 'staff', scope: 'subdistrict' })
    expect(roleChangeOf(r('unit_contact', 0, 9))).toEqual({ role: 'unit_contact', org_id: 9, scope: 'org' })
    expect(roleChangeOf(r('admin', 0, 0, 2))).toEqual({ role: 'admin', subdistrict_id: 2 })
    expect(roleChangeOf(r('volunteer'))).toEqual({ role: 'volunteer' })
  })
  it('says where a role applies', () => {
    expect(scopeText(r('staff', 3), names)).toBe('社区3')
    expect(scopeText(r('admin', 0, 0, 2), names)).toBe('街道2')
    expect(scopeText(r('admin'), names)).toBe('全区')
    expect(scopeText(r('staff'), names)).toBe('全部社区')
    expect(scopeText(r('volunteer'), names)).toBe('')
  })
})

describe('peopleQuery', () => {
  it('sends only the filters the server knows, trimmed texts and the cursor of the page', () => {
    expect(peopleQuery({ name: ' 王 ', phone: ' 139****5678 ', role: 'volunteer', subdistrict_id: 2, community_id: 5 }, 'c2')).toEqual({
      name: '王', phone: '139****5678', role: 'volunteer', subdistrict_id: 2, community_id: 5, cursor: 'c2', limit: 20,
    })
  })
  it('leaves out empty filters and the cursor of the first page', () => {
    expect(peopleQuery({ name: '  ', phone: '', role: '', subdistrict_id: '', community_id: '' }, '')).toEqual({
      name: undefined, phone: undefined, role: undefined, subdistrict_id: undefined, community_id: undefined, cursor: undefined, limit: 20,
    })
  })
})

describe('searchBoxes', () => {
  it('puts phone digits in the 手机号 box and anything else in the 姓名 box', () => {
    expect(searchBoxes(' 5678 ')).toEqual({ name: '', phone: '5678' })
    expect(searchBoxes('139****5678')).toEqual({ name: '', phone: '139****5678' })
    expect(searchBoxes('王小明')).toEqual({ name: '王小明', phone: '' })
    expect(searchBoxes('Tom2')).toEqual({ name: 'Tom2', phone: '' })
    expect(searchBoxes('****')).toEqual({ name: '****', phone: '' })
    expect(searchBoxes('')).toEqual({ name: '', phone: '' })
  })
})
