// Staff: wristband alarms of the community; acknowledge, resolve with a note, open location.
const loads = require('../../behaviors/loads')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { showError } = require('../../utils/request')

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
  behaviors: [loads],
  data: { items: [], loading: true, error: '' },
  methods: {
    onLoad() {
      return this.load()
    },
    load() {
      return this.loadFrom(api.adminAlarms(), (res) => this.setData({ loading: false, items: ((res && res.items) || []).map(view) }))
    },
    onMap(e) {
      const a = this.data.items.find((x) => x.id === e.currentTarget.dataset.id)
      if (a && a.hasLocation) wx.openLocation({ latitude: Number(a.lat), longitude: Number(a.lng), name: a.wearer_name, address: a.typeText, scale: 17 })
    },
    /** Asks for a note, then calls ack or resolve. */
    act(id, kind) {
      return new Promise((resolve) => {
        wx.showModal({
          title: kind === 'ack' ? '受理告警' : '处理完成',
          editable: true,
          placeholderText: kind === 'ack' ? '例如：已电话联系家属' : '例如：已上门查看，老人无碍',
          confirmText: '确定',
          success: (res) => {
            if (!res.confirm) return resolve(undefined)
            const note = String(res.content || '').trim()
            const call = kind === 'ack' ? api.ackAlarm(id, note) : api.resolveAlarm(id, note)
            call.then(
              () => {
                wx.showToast({ title: kind === 'ack' ? '已受理' : '已处理', icon: 'success' })
                resolve(this.load())
              },
              (err) => {
                showError(err)
                resolve(undefined)
              },
            )
          },
          fail: () => resolve(undefined),
        })
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
