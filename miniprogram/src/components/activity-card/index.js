// One activity in a list: category, title, next time, place, remaining places.
const fmt = require('../../utils/format')

Component({
  options: { addGlobalClass: true },
  properties: {
    activity: { type: Object, value: {} },
    communityName: { type: String, value: '' },
  },
  data: { categoryName: '', timeText: '', remainingText: '', open: false },
  observers: {
    activity(a) {
      // a published activity stays listed until it ends: its places count only while sign-up is open
      const now = Date.now()
      const opens = fmt.toDate(a.signup_opens_at)
      const closes = fmt.toDate(a.signup_closes_at)
      let remainingText = ''
      if (a.status === 'cancelled') remainingText = '活动已取消'
      else if (fmt.CLOSED_STATUSES.indexOf(a.status) >= 0 || (closes && now >= closes.getTime())) remainingText = '报名已结束'
      else if (opens && now < opens.getTime()) remainingText = `${fmt.formatDateTime(opens)} 开放报名`
      const open = !remainingText
      if (open) remainingText = fmt.remainingText(a.remaining)
      this.setData({
        categoryName: a.category_name || fmt.CATEGORY_NAMES[a.category] || '',
        timeText: fmt.formatDateTime(a.next_starts_at),
        remainingText,
        open,
      })
    },
  },
  methods: {
    onTap() {
      wx.navigateTo({ url: `/pages/activity/detail?id=${this.data.activity.id}` })
    },
  },
})
