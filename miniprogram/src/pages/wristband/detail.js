// One wristband: latest location on a map, readings, alarms, guardians and invitations, unbind.
const loads = require('../../behaviors/loads')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const session = require('../../utils/session')
const { showError, confirmThen, confirmThenBack } = require('../../utils/request')

/** latest_readings of the server's band, each with the time it was measured. */
function readingList(r) {
  if (!r) return []
  const out = []
  if (r.heart_rate) out.push({ label: '心率(次/分)', value: `${r.heart_rate}`, at: fmt.formatTime(r.heart_rate_at) })
  if (r.systolic && r.diastolic) out.push({ label: '血压(mmHg)', value: `${r.systolic}/${r.diastolic}`, at: fmt.formatTime(r.blood_pressure_at) })
  if (r.glucose) out.push({ label: '血糖(mmol/L)', value: `${r.glucose}`, at: fmt.formatTime(r.glucose_at) })
  if (r.battery !== undefined && r.battery !== null) out.push({ label: '电量(%)', value: `${r.battery}`, at: '' })
  return out
}


Component({
  behaviors: [loads],
  data: { id: '', loading: true, error: '', band: null, isOwner: true, stateText: '', hasLocation: false, locationText: '', markers: [], readings: [], alarms: [], guardians: [], invite: null },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return this.load()
    },
    load() {
      const id = this.data.id
      return this.loadFrom(Promise.all([api.myWristbands(), api.wristbandAlarms(id).catch(() => ({ items: [] })), api.wristbandGuardians(id).catch(() => ({ items: [] }))]), ([bands, alarms, guardians]) => {
        const band = ((bands && bands.items) || []).find((b) => String(b.id) === String(id))
        if (!band) {
          this.setData({ loading: false, error: '手环不存在或已解绑' })
          return
        }
        const loc = band.latest_location
        const hasLocation = !!(loc && loc.lat && loc.lng)
        const me = session.getUser()
        this.setData({
          loading: false,
          band,
          hasLocation,
          locationText: hasLocation ? `最近定位：${fmt.formatDateTime(loc.at)}` : '暂无定位',
          markers: hasLocation ? [{ id: 1, latitude: Number(loc.lat), longitude: Number(loc.lng), title: band.wearer_name, width: 32, height: 40, callout: { content: `${band.wearer_name} ${fmt.formatTime(loc.at)}`, display: 'ALWAYS', fontSize: 16, padding: 8, borderRadius: 8 } }] : [],
          readings: readingList(band.latest_readings),
          alarms: ((alarms && alarms.items) || []).map(fmt.alarmView),
          isOwner: band.owner !== false,
          stateText: band.collecting === false ? '监护同意已撤回，手环已停止采集数据' : band.online === false ? '手环离线，显示的是最后一次上报的数据' : '',
          guardians: ((guardians && guardians.items) || []).map((g) => Object.assign({}, g, {
            name: g.name || g.nickname || '家人',
            roleText: g.owner ? '（绑定人）' : me && g.user_id === me.id ? '（我）' : '',
            // the owner removes others; a guardian may only leave
            canRemove: !g.owner && (band.owner !== false || (me && g.user_id === me.id)),
            removeText: me && g.user_id === me.id ? '退出监护' : '移除',
          })),
        })
        wx.setNavigationBarTitle({ title: `${band.wearer_name}的手环` })
      })
    },
    /** A guardian confirms they are dealing with an open alarm. */
    onAckAlarm(e) {
      const alarmId = e.currentTarget.dataset.id
      return api.ackBandAlarm(this.data.id, alarmId, '家属已知晓，正在处理').then(
        () => {
          wx.showToast({ title: '已告知社区', icon: 'success' })
          return this.load()
        },
        (err) => showError(err),
      )
    },
    onInvite() {
      return api.inviteGuardian(this.data.id).then(
        (res) => this.setData({ invite: { code: res.code, expiresText: fmt.formatDateTime(res.expires_at) } }),
        (err) => showError(err),
      )
    },
    onCopy() {
      if (this.data.invite) wx.setClipboardData({ data: this.data.invite.code })
    },
    onRemoveGuardian(e) {
      const uid = e.currentTarget.dataset.uid
      const g = this.data.guardians.find((x) => x.user_id === uid)
      const leaving = !!g && g.removeText === '退出监护'
      const modal = {
        title: '移除监护人',
        content: leaving ? '退出后您将不再收到该手环的位置和告警。确定退出吗？' : `确定不再让「${g ? g.name : ''}」查看该手环的位置和告警吗？`,
      }
      return confirmThen(modal, () => api.removeGuardian(this.data.id, uid), () => {
        if (!leaving) return this.load()
        wx.navigateBack()
      })
    },
    onUnbind() {
      const modal = { title: '解绑手环', content: '解绑后将停止采集位置和健康数据，监护人也无法再查看。确定解绑吗？', confirmText: '解绑' }
      return confirmThenBack(modal, () => api.unbindWristband(this.data.id), '已解绑')
    },
  },
})
