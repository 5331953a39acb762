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
