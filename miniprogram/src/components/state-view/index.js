// Loading, error (with retry) and empty states, the same on every page.
Component({
  options: { addGlobalClass: true },
  properties: {
    loading: { type: Boolean, value: false },
    error: { type: String, value: '' },
    empty: { type: Boolean, value: false },
    emptyText: { type: String, value: '暂无内容' },
    icon: { type: String, value: '📭' },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
  },
})
