// One wristband: latest location on a map, readings and their recent history, alarms, guardians and
// invitations, the data consent (revoke, give again), unbind.
const loads = require('../../behaviors/loads')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const session = require('../../utils/session')
const consent = require('../../utils/wristband-consent')
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

/** The history shows health readings only: locations are not listed (a list of them is a logged
 * location view on the server, and the page shows the latest location already). */
const HISTORY_KINDS = 'heart_rate,blood_pressure,blood_glucose'
const HISTORY_LIMIT = 20

/** One item of GET /wristbands/:id/readings (readingDTO) for the history list. */
function historyItem(r, i) {
  let label = ''
  let value = ''
  if (r.kind === 'heart_rate') {
    label = '心率'
    value = `${r.heart_rate} 次/分`
  } else if (r.kind === 'blood_pressure') {
    label = '血压'
    value = `${r.systolic}/${r.diastolic} mmHg`
  } else if (r.kind === 'blood_glucose') {
    label = '血糖'
    value = `${r.glucose} mmol/L`
  }
  return { key: `${r.kind}-${r.at}-${i}`, id: r.id, kind: r.kind, at: r.at, label, value, timeText: fmt.formatDateTime(r.at) }
}

/** What the revocation does on the server (wristband.Service.RevokeConsent and the webhook's
 * no-consent outcome), in plain words for the confirmation. */
function revokeWarning(name) {
  return `撤回后，系统将立即停止保存${name}的位置和健康数据，并删除已保存的全部位置、心率、血压、血糖记录，删除后无法恢复。` +
    '告警记录会保留，但其中的位置和数值会被清除，未处理的告警将自动关闭；撤回期间，紧急呼叫、跌倒等告警也不会再通知监护人。' +
    '之后可以随时重新同意。确定撤回吗？'
}

Component({
  behaviors: [loads],
  data: {
    id: '', loading: true, error: '', band: null, isOwner: true, stateText: '', hasLocation: false, locationText: '', markers: [], readings: [], alarms: [], guardians: [], invite: null,
    // the data consent
    revoked: false, consentInfo: '', consentText: consent.CONSENT_TEXT, consentTitle: consent.CONSENT_TITLE, consentVersion: consent.CONSENT_VERSION, agreed: false, consentBusy: false,
    // recent readings, newest first; more: the last page was full
    history: /** @type {any[]} */ ([]), historyMore: false, historyError: '', historyLoading: false,
    // alarms come 50 a page, newest first: alarmsCursor is the next page's (empty on the last)
    alarmsCursor: '', alarmsLoading: false,
  },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return Promise.all([this.load(), this.loadConsent()])
    },
    /** The consent text the server records, and its version (sent back when giving it again). */
    loadConsent() {
      return consent.inForce(api).then((c) => this.setData({ consentText: c.text, consentVersion: c.version }))
    },
    load() {
      const id = this.data.id
      return this.loadFrom(Promise.all([api.myWristbands(), api.wristbandAlarms(id).catch(() => ({ items: [] })), api.wristbandGuardians(id).catch(() => ({ items: [] })), this.readingsPage().catch(() => null)]), ([bands, alarms, guardians, history]) => {
        const band = ((bands && bands.items) || []).find((b) => String(b.id) === String(id))
        if (!band) {
          this.setData({ loading: false, error: '手环不存在或已解绑' })
          return
        }
        const loc = band.latest_location
        const hasLocation = !!(loc && loc.lat && loc.lng)
        const me = session.getUser()
        const c = band.consent || {}
        const revoked = band.collecting === false || !!c.revoked_at
        const items = (history && history.items) || []
        this.setData({
          loading: false,
          band,
          hasLocation,
          locationText: hasLocation ? `最近定位：${fmt.formatDateTime(loc.at)}` : '暂无定位',
          markers: hasLocation ? [{ id: 1, latitude: Number(loc.lat), longitude: Number(loc.lng), title: band.wearer_name, width: 32, height: 40, callout: { content: `${band.wearer_name} ${fmt.formatTime(loc.at)}`, display: 'ALWAYS', fontSize: 16, padding: 8, borderRadius: 8 } }] : [],
          readings: readingList(band.latest_readings),
          alarms: ((alarms && alarms.items) || []).map(fmt.alarmView),
          alarmsCursor: (alarms && alarms.next_cursor) || '',
          isOwner: band.owner !== false,
          revoked,
          consentInfo: revoked
            ? `已于${fmt.formatDate(c.revoked_at)}撤回同意，目前不保存位置和健康数据，也不发出告警。`
            : `佩戴人已于${fmt.formatDate(c.at)}同意${consent.CONSENT_TITLE}（版本 ${c.version || ''}）。`,
          agreed: false,
          history: items.map(historyItem),
          historyMore: items.length === HISTORY_LIMIT,
          historyError: history ? '' : '近期读数加载失败，请下拉刷新重试',
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
    /** One page of the readings history after the last shown item (its time and id: readings sharing
     * that time are not skipped); none for the first page. */
    readingsPage(last) {
      const q = { kind: HISTORY_KINDS, limit: HISTORY_LIMIT }
      if (last) Object.assign(q, { before: last.at, before_id: last.id })
      return api.wristbandReadings(this.data.id, q)
    },
    onMoreReadings() {
      const shown = this.data.history
      if (this.data.historyLoading || !shown.length) return Promise.resolve()
      this.setData({ historyLoading: true })
      return this.readingsPage(shown[shown.length - 1]).then(
        (res) => {
          const items = (res && res.items) || []
          this.setData({
            historyLoading: false,
            history: shown.concat(items.map((r, i) => historyItem(r, shown.length + i))),
            historyMore: items.length === HISTORY_LIMIT,
          })
        },
        (err) => {
          this.setData({ historyLoading: false })
          showError(err)
        },
      )
    },
    /** The primary guardian revokes the data consent (the server deletes the wearer's data). */
    onRevokeConsent() {
      const band = this.data.band
      const modal = { title: '撤回数据使用同意', content: revokeWarning(band ? band.wearer_name : '佩戴人'), confirmText: '撤回', confirmColor: '#c8322b' }
      return confirmThen(modal, () => api.revokeWristbandConsent(this.data.id), (res) => {
        const n = (res && res.deleted_readings) || 0
        wx.showToast({ title: n ? `已撤回同意，删除了${n}条数据` : '已撤回同意', icon: 'none' })
        return this.load()
      })
    },
    onToggleAgree() {
      this.setData({ agreed: !this.data.agreed })
    },
    /** The primary guardian gives the consent again, with the text version the bind page shows. */
    onGiveConsent() {
      if (this.data.consentBusy) return Promise.resolve()
      if (!this.data.agreed) {
        wx.showToast({ title: '请先勾选知情同意', icon: 'none' })
        return Promise.resolve()
      }
      this.setData({ consentBusy: true })
      return api.giveWristbandConsent(this.data.id, this.data.consentVersion).then(
        () => {
          this.setData({ consentBusy: false })
          wx.showToast({ title: '已重新同意', icon: 'success' })
          return this.load()
        },
        (err) => {
          this.setData({ consentBusy: false })
          showError(err)
        },
      )
    },
    /** A guardian confirms they are dealing with an open alarm. */
    /** Appends the next page of older alarms. */
    onMoreAlarms() {
      const cursor = this.data.alarmsCursor
      if (!cursor || this.data.alarmsLoading) return Promise.resolve()
      this.setData({ alarmsLoading: true })
      return api.wristbandAlarms(this.data.id, cursor).then(
        (res) => {
          this.setData({
            alarmsLoading: false,
            alarms: this.data.alarms.concat(((res && res.items) || []).map(fmt.alarmView)),
            alarmsCursor: (res && res.next_cursor) || '',
          })
        },
        (err) => {
          this.setData({ alarmsLoading: false })
          showError(err)
        },
      )
    },
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
