// One activity in a list: category, title, next time, place, remaining places.
const fmt = require('../../utils/format')

Component({
  options: { addGlobalClass: true },
  properties: {
    activity: { type: Object, value: {} },
    communityName: { type: String, value: '' },
  },
  data: { categoryName: '', timeText: '', remainingText: '' },
  observers: {
    activity(a) {
      this.setData({
        categoryName: a.category_name || fmt.CATEGORY_NAMES[a.category] || '',
        timeText: fmt.formatDateTime(a.next_starts_at),
        remainingText: a.status === 'cancelled' ? '活动已取消' : fmt.CLOSED_STATUSES.indexOf(a.status) >= 0 ? '报名已结束' : fmt.remainingText(a.remaining),
      })
    },
  },
  methods: {
    onTap() {
      wx.navigateTo({ url: `/pages/activity/detail?id=${this.data.activity.id}` })
    },
  },
})
