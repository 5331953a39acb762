// Home: activities by category with community filter, remaining places, pull-to-refresh, paging.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const subscribe = require('../../utils/subscribe')
const local = require('../../utils/local')

const PAGE_SIZE = 20

Component({
  data: {
    categories: [{ key: '', name: '全部' }].concat(fmt.CATEGORIES),
    category: '',
    communityOptions: [{ id: '', name: '全部社区' }],
    communityIndex: 0,
    communityNames: {},
    hasSeats: false,
    activities: [],
    page: 0,
    total: 0,
    noMore: false,
    loading: false,
    loadingMore: false,
    error: '',
  },
  methods: {
    onLoad(query) {
      if (query && query.category) this.setData({ category: query.category })
      this.loadCommunities()
      subscribe.prefetch()
      return this.reload()
    },
    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      if (this.data.noMore || this.data.loading || this.data.loadingMore) return Promise.resolve()
      return this.fetch(this.data.page + 1)
    },
    onShareAppMessage() {
      return { title: '共建 · 社区活动报名', path: '/pages/index/index' }
    },
    loadCommunities() {
      return api.listCommunities().then(
        (res) => {
          const items = (res && res.items) || []
          const names = {}
          items.forEach((c) => {
            names[c.id] = c.name
          })
          this.setData({ communityOptions: [{ id: '', name: '全部社区' }].concat(items), communityNames: names })
        },
        () => {},
      )
    },
    reload() {
      return this.fetch(1)
    },
    fetch(page) {
      const first = page === 1
      // Only the latest request's answer shows: a slower answer for a filter changed since (or a
      // next page asked before a reload) would list activities the chips no longer select.
      const l = local(this)
      const seq = (l.fetchSeq = (l.fetchSeq || 0) + 1)
      const current = () => l.fetchSeq === seq
      this.setData(first ? { loading: true, error: '' } : { loadingMore: true })
      const community = this.data.communityOptions[this.data.communityIndex]
      return api
        .listActivities({
          category: this.data.category,
          community_id: community ? community.id : '',
          has_seats: this.data.hasSeats ? 'true' : '',
          page,
          page_size: PAGE_SIZE,
        })
        .then(
          (res) => {
            if (!current()) return
            const items = (res && res.items) || []
            const activities = first ? items : this.data.activities.concat(items)
            const total = res && typeof res.total === 'number' ? res.total : activities.length
            this.setData({
              activities,
              page,
              total,
              noMore: activities.length >= total || items.length < PAGE_SIZE,
              loading: false,
              loadingMore: false,
            })
          },
          (err) => {
            if (!current()) return
            this.setData({ loading: false, loadingMore: false, error: first ? err.message || '加载失败' : '' })
            if (!first) wx.showToast({ title: '加载失败，请重试', icon: 'none' })
          },
        )
    },
    onCategory(e) {
      this.setData({ category: e.currentTarget.dataset.key })
      return this.reload()
    },
    onCommunity(e) {
      this.setData({ communityIndex: Number(e.detail.value) })
      return this.reload()
    },
    onToggleSeats() {
      this.setData({ hasSeats: !this.data.hasSeats })
      return this.reload()
    },
  },
})
