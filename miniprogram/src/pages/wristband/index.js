// Wristbands I wear or guard: list, bind a new one, accept a guardian invitation.
const fields = require('../../behaviors/fields')
const list = require('../../behaviors/list')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { showError } = require('../../utils/request')


/** The band's latest readings (latest_readings of the server's band: heart rate, blood pressure,
 * glucose, battery; each only when the band has reported it). */
function readingsText(r) {
  if (!r) return ''
  const parts = []
  if (r.heart_rate) parts.push(`心率 ${r.heart_rate}`)
  if (r.systolic && r.diastolic) parts.push(`血压 ${r.systolic}/${r.diastolic}`)
  if (r.glucose) parts.push(`血糖 ${r.glucose}`)
  if (r.battery !== undefined && r.battery !== null) parts.push(`电量 ${r.battery}%`)
  return parts.join(' · ')
}

/** Collection stopped (consent revoked) or the band offline, else ''. */
function stateText(b) {
  if (b.collecting === false) return '已停止采集数据'
  if (b.online === false) return '手环离线'
  return ''
}

function view(b) {
  return Object.assign({}, b, {
    locationText: b.latest_location && b.latest_location.at ? `最近定位：${fmt.formatDateTime(b.latest_location.at)}` : '暂无定位',
    readingsText: readingsText(b.latest_readings),
    stateText: stateText(b),
  })
}

Component({
  behaviors: [list(() => api.myWristbands(), view, 'onShow'), fields],
  data: { inviteCode: '' },
  methods: {
    onOpen(e) {
      wx.navigateTo({ url: `/pages/wristband/detail?id=${e.currentTarget.dataset.id}` })
    },
    onBind() {
      wx.navigateTo({ url: '/pages/wristband/bind' })
    },
    onAccept() {
      const code = this.data.inviteCode.trim()
      if (!code) {
        wx.showToast({ title: '请输入邀请码', icon: 'none' })
        return Promise.resolve()
      }
      return api.acceptInvitation(code).then(
        () => {
          this.setData({ inviteCode: '' })
          wx.showToast({ title: '已成为监护人', icon: 'success' })
          return this.load()
        },
        (err) => showError(err),
      )
    },
  },
})
