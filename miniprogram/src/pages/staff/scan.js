// Staff ticket scanning. Online: POST /checkins per scan. Offline: the activity's check-in kit
// (downloaded beforehand) screens revoked tickets and repeats; scans are kept in encrypted storage
// and sent with POST /checkins/batch when back online.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const privacy = require('../../utils/privacy')
const store = require('../../utils/secure-store')
const local = require('../../utils/local')
const { showError } = require('../../utils/request')

const RESULT_TEXT = {
  checked_in: '签到成功',
  ALREADY_CHECKED_IN: '已签到过',
  REVOKED: '入场码已作废',
  WRONG_SESSION: '不是本场次的入场码',
  TOO_EARLY: '还没到签到时间',
  TOO_LATE: '签到时间已过',
  NOT_A_CHECKER: '您没有核验权限',
  BAD_TICKET: '无效的入场码',
}

const kitKey = (activityId) => `gj_checkin_kit_${activityId}`
const queueKey = (activityId) => `gj_checkin_queue_${activityId}`

/** TOO_EARLY / TOO_LATE against the kit's check-in window ('' when inside or unknown). */
function windowCheck(win, now) {
  if (!win) return ''
  const start = fmt.toDate(win.opens_at || win.from || win.not_before || win.starts_at)
  const end = fmt.toDate(win.closes_at || win.until || win.not_after || win.ends_at)
  if (start && now < start.getTime()) return 'TOO_EARLY'
  if (end && now > end.getTime()) return 'TOO_LATE'
  return ''
}

function nonce() {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`
}

Component({
  data: { activityId: '', title: '', mode: 'online', kitReady: false, kitTime: '', result: null, pending: [], syncing: false, syncSummary: '', history: [] },
  lifetimes: {
    detached() {
      const l = local(this)
      if (l.netHandler && wx.offNetworkStatusChange) wx.offNetworkStatusChange(l.netHandler)
    },
  },
  methods: {
    onLoad(query) {
      this.setData({ activityId: query.activity_id, title: decodeURIComponent(query.title || '') || '扫码核验' })
      const l = local(this)
      l.netHandler = (res) => {
        if (res.isConnected && this.data.pending.length) this.onSync()
      }
      if (wx.onNetworkStatusChange) wx.onNetworkStatusChange(l.netHandler)
      return Promise.all([store.read(kitKey(query.activity_id)), store.read(queueKey(query.activity_id))]).then(([kit, queue]) => {
        l.kit = kit
        this.setData({ kitReady: !!kit, kitTime: kit ? fmt.formatDateTime(kit.downloaded_at) : '', pending: queue || [], mode: kit && queue && queue.length ? 'offline' : 'online' })
      })
    },
    onMode(e) {
      this.setData({ mode: e.currentTarget.dataset.mode, result: null })
    },
    onDownloadKit() {
      return api.checkinKit(this.data.activityId).then(
        (kit) => {
          const saved = Object.assign({}, kit, { downloaded_at: new Date().toISOString() })
          local(this).kit = saved
          return store.write(kitKey(this.data.activityId), saved).then(() => {
            this.setData({ kitReady: true, kitTime: fmt.formatDateTime(saved.downloaded_at) })
            wx.showToast({ title: '核验包已下载', icon: 'success' })
          })
        },
        (err) => showError(err),
      )
    },
    onScan() {
      return privacy
        .ensure()
        .then(
          () =>
            new Promise((resolve, reject) => {
              wx.scanCode({ onlyFromCamera: true, scanType: ['qrCode'], success: (r) => resolve(r.result), fail: () => reject(new Error('已取消扫码')) })
            }),
        )
        .then(
          (ticket) => (this.data.mode === 'online' ? this.checkOnline(String(ticket)) : this.checkOffline(String(ticket))),
          (err) => {
            if (err && err.message === '已取消扫码') return
            showError(err)
          },
        )
    },
    show(ok, title, detail, n) {
      wx.vibrateShort({ type: ok ? 'light' : 'heavy' })
      this.setData({ result: { ok, title, detail }, history: [{ nonce: n, name: detail, text: title, ok }].concat(this.data.history).slice(0, 50) })
    },
    checkOnline(ticket) {
      const n = nonce()
      return api.checkin({ ticket, nonce: n, scanned_at: new Date().toISOString() }).then(
        (res) => this.show(true, '签到成功', `${res.attendee_name_masked} · ${fmt.formatTime(res.checked_in_at)}`, n),
        (err) => {
          if (err.status === 0) {
            // Network gone: keep the scan for later instead of losing it.
            return this.enqueue(ticket, n).then(() => this.show(true, '已离线记录', '网络不可用，联网后自动同步', n))
          }
          return this.show(false, RESULT_TEXT[err.code] || '核验失败', err.message, n)
        },
      )
    },
    checkOffline(ticket) {
      const n = nonce()
      const kit = local(this).kit
      if (!kit) {
        wx.showModal({ title: '提示', content: '请先在有网络的地方下载核验包。', showCancel: false })
        return Promise.resolve()
      }
      const outside = windowCheck(kit.window, Date.now())
      if (outside) return Promise.resolve(this.show(false, RESULT_TEXT[outside], outside === 'TOO_EARLY' ? '请在签到开始后再扫码' : '本场签到已结束', n))
      if ((kit.revoked || []).indexOf(ticket) >= 0) return Promise.resolve(this.show(false, RESULT_TEXT.REVOKED, '该入场码已取消或作废', n))
      if (this.data.pending.some((p) => p.ticket === ticket)) return Promise.resolve(this.show(false, RESULT_TEXT.ALREADY_CHECKED_IN, '本机已记录过这张入场码', n))
      return this.enqueue(ticket, n).then(() => this.show(true, '已离线记录', `待同步第 ${this.data.pending.length} 条`, n))
    },
    enqueue(ticket, n) {
      const pending = this.data.pending.concat([{ ticket, nonce: n, scanned_at: new Date().toISOString() }])
      this.setData({ pending })
      return store.write(queueKey(this.data.activityId), pending)
    },
    onSync() {
      if (!this.data.pending.length || this.data.syncing) return Promise.resolve()
      const batch = this.data.pending.slice()
      this.setData({ syncing: true })
      return api.checkinBatch(batch).then(
        (res) => {
          const results = (res && res.results) || []
          const done = {}
          let ok = 0
          let bad = 0
          results.forEach((r) => {
            done[r.nonce] = true
            if (r.result === 'checked_in') ok++
            else bad++
          })
          // Keep anything the server did not answer for (and anything scanned meanwhile).
          const pending = this.data.pending.filter((p) => !done[p.nonce])
          this.setData({ syncing: false, pending, syncSummary: `已同步：${ok} 人签到成功${bad ? `，${bad} 条未通过（重复或无效）` : ''}` })
          return store.write(queueKey(this.data.activityId), pending)
        },
        (err) => {
          this.setData({ syncing: false })
          showError(err, '同步失败，请稍后再试')
        },
      )
    },
  },
})
