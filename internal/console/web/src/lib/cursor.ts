// Keyset paging (the audit log): the server gives the next page's cursor;
// the pages already seen are remembered so that 上一页 needs no cursor back.

export class CursorPager {
  private stack: string[] = ['']
  next = ''

  get cursor(): string {
    return this.stack[this.stack.length - 1]
  }
  get page(): number {
    return this.stack.length
  }
  get hasPrev(): boolean {
    return this.stack.length > 1
  }
  get hasNext(): boolean {
    return this.next !== ''
  }
  /** seen records the next cursor of the page just shown. */
  seen(next: string) {
    this.next = next || ''
  }
  forward(): string {
    if (this.next) this.stack.push(this.next)
    this.next = ''
    return this.cursor
  }
  back(): string {
    if (this.stack.length > 1) this.stack.pop()
    this.next = ''
    return this.cursor
  }
  reset() {
    this.stack = ['']
    this.next = ''
  }
}

/**
 * MoreList is a keyset list read a page at a time and kept whole (加载更早的…):
 * take(page, from) keeps the page read from cursor from ('' = the first page,
 * which replaces what was kept) and remembers its next_cursor (null on the
 * last page, also when it is exactly full) as more ('' when none follows).
 */
export class MoreList<T> {
  rows: T[] = []
  more = ''
  take(page: { items?: T[] | null; next_cursor?: string | null }, from: string): T[] {
    const items = page.items ?? []
    this.rows = from ? [...this.rows, ...items] : items
    this.more = page.next_cursor ?? ''
    return this.rows
  }
}
