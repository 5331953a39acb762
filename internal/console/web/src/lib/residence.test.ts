import { describe, expect, it } from 'vitest'
import type { ResidenceApplication } from '../api/residence'
import { applicantName, approvedText, beforeId, placeText, residencePage, residenceStatus, statusFilters, statusParam, statusQuery } from './residence'

const app = (id: number): ResidenceApplication => ({
  id, user_id: 100 + id, user_name: `居民${id}`, community_id: 1, address: '幸福路88号', building: '3号楼', unit: '2单元301',
  status: 'pending', created_at: '2026-12-03T05:40:00Z',
})

describe('residencePage', () => {
  it('shows the page and, when the extra row came, continues below the last shown id', () => {
    const r = residencePage([app(9), app(7), app(5)], 2)
    expect(r.items.map((a) => a.id)).toEqual([9, 7])
    expect(r.next_cursor).toBe('7')
    expect(beforeId(r.next_cursor)).toBe(7)
  })
  it('is the last page when no extra row came (a full page included)', () => {
    expect(residencePage([app(9), app(7)], 2)).toEqual({ items: [app(9), app(7)], next_cursor: '' })
    expect(residencePage([], 2)).toEqual({ items: [], next_cursor: '' })
  })
  it('reads the first page from an empty or bad cursor', () => {
    expect(beforeId('')).toBe(0)
    expect(beforeId('x')).toBe(0)
    expect(beforeId('-3')).toBe(0)
  })
})

describe('status filter', () => {
  it('defaults to 待审核, first of the choices', () => {
    expect(statusFilters[0]).toEqual({ value: 'pending', label: '待审核' })
    expect(statusParam('')).toBe('pending')
    expect(statusParam('bogus')).toBe('pending')
    expect(statusParam('rejected')).toBe('rejected')
  })
  it('asks the server for every status with 全部, only for the statuses it knows otherwise', () => {
    expect(statusQuery('all')).toBe('')
    expect(statusQuery('approved')).toBe('approved')
    expect(statusQuery('drop table')).toBe('pending')
  })
  it('names each status in Chinese, passing an unknown one through', () => {
    expect(residenceStatus('pending')).toEqual({ label: '待审核', type: 'warning' })
    expect(residenceStatus('rejected').label).toBe('未通过')
    expect(residenceStatus('superseded').label).toBe('已更换')
    expect(residenceStatus('new')).toEqual({ label: 'new', type: 'info' })
  })
})

describe('words', () => {
  it('joins the address, building and unit, leaving out empty parts', () => {
    expect(placeText(app(1))).toBe('幸福路88号 3号楼 2单元301')
    expect(placeText({ address: '幸福路88号', building: ' ', unit: '2单元' })).toBe('幸福路88号 2单元')
  })
  it('names an applicant without a name by their number', () => {
    expect(applicantName(app(1))).toBe('居民1')
    expect(applicantName({ user_id: 42, user_name: '' })).toBe('居民 42')
  })
  it('says how many community-only sign-ups approving cancelled', () => {
    expect(approvedText({ cancelled_registrations: 0 })).toBe('已通过')
    expect(approvedText({ cancelled_registrations: 2 })).toContain('2 个')
  })
})
