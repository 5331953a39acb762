import { describe, expect, it } from 'vitest'
import { firstPage, permissionOf, visibleMenu, scopeLabel, roleLabel } from './menu'

describe('visibleMenu', () => {
  it('shows only the entries the permissions allow and drops empty groups', () => {
    const m = visibleMenu(['dashboard', 'hours'])
    expect(m.map((g) => g.title)).toEqual(['概览', '服务时长'])
    expect(m[1].items.map((i) => i.path)).toEqual(['/hours/claims', '/hours/corrections', '/hours/rollup'])
  })
  it('a unit contact sees co-building and rooms but not the review queues', () => {
    const paths = visibleMenu(['dashboard', 'activities', 'cobuild', 'rooms']).flatMap((g) => g.items.map((i) => i.path))
    expect(paths).toEqual(['/dashboard', '/activities', '/registrations', '/cobuild/units', '/cobuild/board', '/rooms', '/rooms/bookings', '/rooms/teams'])
    const staff = visibleMenu(['cobuild', 'cobuild.review']).flatMap((g) => g.items.map((i) => i.path))
    expect(staff).toEqual(['/cobuild/units', '/cobuild/board', '/cobuild/review'])
  })
  it('shows 居住认证 to those who decide residence applications, beside the people page', () => {
    const people = visibleMenu(['people', 'residence']).flatMap((g) => g.items.map((i) => `${i.path} ${i.title}`))
    expect(people).toEqual(['/people 居民与角色', '/residence 居住认证'])
    expect(visibleMenu(['people']).flatMap((g) => g.items.map((i) => i.path))).toEqual(['/people'])
  })
  it('shows nothing without permissions', () => {
    expect(visibleMenu([])).toEqual([])
  })
  it('a unit contact with only activities sees the activity pages', () => {
    const paths = visibleMenu(['activities']).flatMap((g) => g.items.map((i) => i.path))
    expect(paths).toEqual(['/activities', '/registrations'])
  })
})

describe('firstPage', () => {
  it('is the first visible page', () => {
    expect(firstPage(['audit', 'hours'])).toBe('/hours/claims')
    expect(firstPage(['dashboard', 'audit'])).toBe('/dashboard')
  })
  it('is the refusal page without any permission', () => {
    expect(firstPage([])).toBe('/forbidden')
  })
})

describe('permissionOf', () => {
  it.each([
    ['/dashboard', 'dashboard'],
    ['/activities', 'activities'],
    ['/activities/12/edit', 'activities'],
    ['/hours/claims', 'hours'],
    ['/wristbands/alarms', 'wristbands'],
    ['/audit', 'audit'],
    ['/cobuild/units', 'cobuild'],
    ['/cobuild/review', 'cobuild.review'],
    ['/rooms', 'rooms'],
    ['/rooms/bookings', 'rooms'],
    ['/residence', 'residence'],
    ['/rooms-other', ''],
    ['/audit-other', ''],
    ['/forbidden', ''],
  ])('%s needs %s', (path, want) => {
    expect(permissionOf(path)).toBe(want)
  })
})

describe('labels', () => {
  it('names scopes and roles in Chinese, passing unknown ones through', () => {
    expect(scopeLabel('subdistrict')).toBe('街道')
    expect(roleLabel('unit_contact')).toBe('单位联络员')
    expect(roleLabel('subdistrict_admin')).toBe('街道管理员')
    expect(roleLabel('org_staff')).toBe('组织工作人员')
    expect(roleLabel('mystery')).toBe('mystery')
  })
})
