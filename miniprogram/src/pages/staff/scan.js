// Staff ticket scanning. Online: POST /checkins per scan. Offline: the activity's check-in kit
// (downloaded beforehand) verifies each ticket's signature with the kit's public key and screens
// other activities' tickets, revoked and already checked-in registrations, repeats and the
// session's check-in window; scans are kept in encrypted storage and sent with
// POST /checkins/batch when back online (the server judges each one again).
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const privacy = require('../../utils/privacy')
const store = require('../../utils/secure-store')
const local = require('../../utils/local')
const { judge } = require('../../utils/offline-check')
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
  NO_KIT: '核验包不完整',
}

// The server takes at most this many scans in one batch.
const BATCH_MAX = 500

const kitKey = (activityId) => `gj_checkin_kit_${activityId}`
const queueKey = (activityId) => `gj_checkin_queue_${activityId}`

function nonce() {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`
}

/** What the server accepts for one scan (it refuses unknown fields). */
function wireScan(p, activityId) {
  const s = { ticket: p.ticket, nonce: p.nonce, scanned_at: p.scanned_at }
  if (activityId) s.activity_id = activityId
  return s
}

/** "王*英 · 09:31" from an answer or an error's details. */
function who(x, at) {
  const name = (x && x.attendee_name_masked) || ''
  const time = fmt.formatTime(at)
  return [name, time].filter(Boolean).join(' · ')
}

Component({
  data: { activityId: '', title: '', mode: 'online', kitReady: false, kitTime: '', kitTitle: '', result: null, pending: [], syncing: false, syncSummary: '', history: [] },
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
        this.setData({
          kitReady: !!kit,
          kitTime: kit ? fmt.formatDateTime(kit.downloaded_at) : '',
          kitTitle: (kit && kit.activity_title) || '',
          pending: queue || [],
          mode: kit && queue && queue.length ? 'offline' : 'online',
        })
      })
    },
    activityId() {
      const n = Number(this.data.activityId)
      return n > 0 ? n : 0
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
            this.setData({ kitReady: true, kitTime: fmt.formatDateTime(saved.downloaded_at), kitTitle: saved.activity_title || '' })
            wx.showToast({ title: '核验包已下载', icon: 'success' })
          })
        },
        (err) => showError(err),
      )
    },
    onScan() {
      return privacy.scanCode({ scanType: ['qrCode'] }).then(
        (ticket) => (this.data.mode === 'online' ? this.checkOnline(String(ticket).trim()) : this.checkOffline(String(ticket).trim())),
        privacy.scanFailed(showError),
      )
    },
    show(ok, title, detail, n) {
      wx.vibrateShort({ type: ok ? 'light' : 'heavy' })
      this.setData({ result: { ok, title, detail }, history: [{ nonce: n, name: detail, text: title, ok }].concat(this.data.history).slice(0, 50) })
    },
    checkOnline(ticket) {
      const n = nonce()
      const body = wireScan({ ticket, nonce: n, scanned_at: new Date().toISOString() }, this.activityId())
      return api.checkin(body).then(
        (res) => {
          const title = res.session && res.session.activity_title ? `签到成功 · ${res.session.activity_title}` : '签到成功'
          this.show(true, title, who(res, res.checked_in_at), n)
        },
        (err) => {
          if (err.status === 0) {
            // Network gone: keep the scan for later instead of losing it (the server judges it at sync).
            return this.enqueue({ ticket, nonce: n, scanned_at: body.scanned_at }).then(() => this.show(true, '已离线记录', '网络不可用，联网后自动同步', n))
          }
          const d = err.details || {}
          let detail = err.message
          if (err.code === 'ALREADY_CHECKED_IN' && d.first_checked_in_at) detail = `${who(d, '')} 已于 ${fmt.formatTime(d.first_checked_in_at)} 签到`.trim()
          else if (d.attendee_name_masked) detail = `${d.attendee_name_masked} · ${err.message}`
          return this.show(false, RESULT_TEXT[err.code] || '核验失败', detail, n)
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
      const v = judge(kit, ticket, Date.now(), this.data.pending)
      if (!v.ok) return Promise.resolve(this.show(false, RESULT_TEXT[v.code] || '核验失败', v.message, n))
      return this.enqueue({ ticket, nonce: n, scanned_at: new Date().toISOString(), registration_id: v.registrationId, session_id: v.sessionId }).then(() =>
        this.show(true, '入场码有效，已离线记录', `报名编号 ${v.registrationId} · 待同步第 ${this.data.pending.length} 条`, n),
      )
    },
    enqueue(scan) {
      const pending = this.data.pending.concat([scan])
      this.setData({ pending })
      return store.write(queueKey(this.data.activityId), pending)
    },
    /** Sends the queue in batches; keeps whatever the server did not answer for. */
    onSync() {
      if (!this.data.pending.length || this.data.syncing) return Promise.resolve()
      const batch = this.data.pending.slice()
      const activityId = this.activityId()
      this.setData({ syncing: true })
      const counts = { checked_in: 0, duplicate: 0, refused: 0 }
      const done = {}
      const notes = []
      const send = (from) => {
        if (from >= batch.length) return Promise.resolve()
        const chunk = batch.slice(from, from + BATCH_MAX)
        return api.checkinBatch(chunk.map((p) => wireScan(p, activityId))).then((res) => {
          ;((res && res.results) || []).forEach((r) => {
            done[r.nonce] = true
            counts[r.result] = (counts[r.result] || 0) + 1
            const text = r.result === 'checked_in' ? '已同步：签到成功' : r.result === 'duplicate' ? '已同步：重复签到' : `未通过：${r.message || RESULT_TEXT[r.code] || '无效'}`
            notes.push({ nonce: `sync-${r.nonce}`, name: who(r, r.checked_in_at) || `扫码 ${r.nonce}`, text, ok: r.result !== 'refused' })
          })
          return send(from + BATCH_MAX)
        })
      }
      const finish = () => {
        // Keep anything the server did not answer for (and anything scanned meanwhile).
        const pending = this.data.pending.filter((p) => !done[p.nonce])
        const parts = [`已同步：${counts.checked_in} 人签到成功`]
        if (counts.duplicate) parts.push(`${counts.duplicate} 条重复（已签到过）`)
        if (counts.refused) parts.push(`${counts.refused} 条未通过`)
        this.setData({ syncing: false, pending, syncSummary: parts.join('，'), history: notes.concat(this.data.history).slice(0, 50) })
        return store.write(queueKey(this.data.activityId), pending)
      }
      return send(0).then(finish, (err) => {
        const answered = Object.keys(done).length
        return (answered ? finish() : Promise.resolve(this.setData({ syncing: false }))).then(() => showError(err, '同步失败，请稍后再试'))
      })
    },
  },
})
