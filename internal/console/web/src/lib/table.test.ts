import { describe, expect, it } from 'vitest'
import { defaultSortOf, fromRoute, sortParam, toQuery, toRoute, withFilter } from './table'

describe('table state', () => {
  it('reads the URL, ignoring malformed values', () => {
    expect(fromRoute({ page: '3', page_size: '50', sort: '-created_at', status: 'draft', x: 'y' }, ['status', 'q'])).toEqual({
      page: 3, pageSize: 50, sort: '-created_at', filters: { status: 'draft', q: '' },
    })
    expect(fromRoute({ page: '-1', page_size: '7', sort: 'drop table' }, [], '-id')).toEqual({
      page: 1, pageSize: 20, sort: '-id', filters: {},
    })
  })
  it('writes only what differs from the defaults', () => {
    const s = fromRoute({}, ['status'], '-created_at')
    expect(toRoute(s, '-created_at')).toEqual({})
    expect(toRoute({ ...s, page: 2, sort: 'name', filters: { status: 'pending' } }, '-created_at')).toEqual({
      page: '2', sort: 'name', status: 'pending',
    })
  })
  it('asks the server for page, size, sort and filters', () => {
    expect(toQuery({ page: 2, pageSize: 50, sort: '', filters: { q: '张' } })).toEqual({ page: 2, page_size: 50, sort: undefined, q: '张' })
  })
  it('maps Element Plus sort events both ways', () => {
    expect(sortParam('name', 'ascending')).toBe('name')
    expect(sortParam('created_at', 'descending')).toBe('-created_at')
    expect(sortParam('name', null)).toBe('')
    expect(defaultSortOf('-created_at')).toEqual({ prop: 'created_at', order: 'descending' })
    expect(defaultSortOf('')).toBeUndefined()
  })
  it('a new filter goes back to page 1', () => {
    const s = { page: 4, pageSize: 20, sort: '', filters: { status: '' } }
    expect(withFilter(s, 'status', 'waitlisted')).toEqual({ page: 1, pageSize: 20, sort: '', filters: { status: 'waitlisted' } })
  })
})
