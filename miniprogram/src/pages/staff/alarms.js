// Staff: wristband alarms of the community, page by page; acknowledge, resolve with a note, open location.
const list = require('../../behaviors/list')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { confirmThen } = require('../../utils/request')

/** Staff see the alarm's location (when the band sent one) and the band's IMEI. */
function view(a) {
  const loc = a.location || {}
  return Object.assign(fmt.alarmView(a), {
    hasLocation: !!(loc.lat && loc.lng),
    lat: loc.lat,
    lng: loc.lng,
  })
}

Component({
  // the server answers 50 alarms a page, newest first: an older one still open is on a later page
  behaviors: [list((cursor) => api.adminAlarms(cursor), view, 'onLoad', { paged: true })],
  methods: {
    onMap(e) {
      const a = this.data.items.find((x) => x.id === e.currentTarget.dataset.id)
      if (a && a.hasLocation) wx.openLocation({ latitude: Number(a.lat), longitude: Number(a.lng), name: a.wearer_name, address: a.typeText, scale: 17 })
    },
    /** Asks for a note, then calls ack or resolve. */
    act(id, kind) {
      const modal = {
        title: kind === 'ack' ? '受理告警' : '处理完成',
        editable: true,
        placeholderText: kind === 'ack' ? '例如：已电话联系家属' : '例如：已上门查看，老人无碍',
        confirmText: '确定',
      }
      const call = (text) => (kind === 'ack' ? api.ackAlarm(id, text.trim()) : api.resolveAlarm(id, text.trim()))
      return confirmThen(modal, call, () => {
        wx.showToast({ title: kind === 'ack' ? '已受理' : '已处理', icon: 'success' })
        return this.load()
      })
    },
    onAck(e) {
      return this.act(e.currentTarget.dataset.id, 'ack')
    },
    onResolve(e) {
      return this.act(e.currentTarget.dataset.id, 'resolve')
    },
  },
})
