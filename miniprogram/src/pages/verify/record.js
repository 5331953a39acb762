// Verify a volunteer service record by its number (no login needed): typed in, scanned from the
// QR code printed on the record, or passed in the query (number=…, or q= when WeChat opens the
// page from the record's plain QR code). Shows whose record it is (name masked), the hours, the
// period, the issuer and whether a newer record replaced it.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const privacy = require('../../utils/privacy')
const { showError } = require('../../utils/request')

const NUMBER = /ZYJL-\d{6,12}-\d{1,18}-[A-Z2-7]{6}/i

/** The record number in what a code or link holds: a bare number, or a URL with number=…. */
function numberIn(text) {
  let s = String(text || '')
  try {
    s = decodeURIComponent(s)
  } catch (e) {
    // not encoded
  }
  const m = s.match(NUMBER)
  return m ? m[0].toUpperCase() : ''
}

/** "2026年5月3日" from "2026-05-03". */
function dateText(d) {
  const p = String(d || '').split('-')
  return p.length === 3 ? `${p[0]}年${Number(p[1])}月${Number(p[2])}日` : ''
}

Component({
  data: {
    number: '',
    checking: false,
    state: 'form', // form | found | missing
    result: /** @type {any} */ (null),
  },
  methods: {
    onLoad(query) {
      const q = query || {}
      const number = numberIn(q.number || q.q || q.scene || '')
      if (!number) return Promise.resolve()
      this.setData({ number })
      return this.verify()
    },
    onInput(e) {
      this.setData({ number: e.detail.value })
    },
    onScan() {
      return privacy.scanCode({ scanType: ['qrCode'] }).then(
        (text) => {
          const number = numberIn(text)
          if (!number) {
            wx.showModal({ title: '提示', content: '没有识别到记录编号，请扫描志愿服务记录上的核验二维码，或手动输入记录编号。', showCancel: false })
            return undefined
          }
          this.setData({ number })
          return this.verify()
        },
        privacy.scanFailed(showError),
      )
    },
    onVerify() {
      return this.verify()
    },
    verify() {
      const number = numberIn(this.data.number)
      if (!number) {
        wx.showToast({ title: '请输入正确的记录编号', icon: 'none' })
        return Promise.resolve()
      }
      if (this.data.checking) return Promise.resolve()
      this.setData({ checking: true, number })
      return api.verifyServiceRecord(number).then(
        (res) => {
          this.setData({
            checking: false,
            state: 'found',
            result: {
              number: res.number,
              holder: res.holder,
              totalText: fmt.formatMinutes(res.total_minutes),
              minutes: res.total_minutes,
              services: res.services,
              period: res.period ? `${dateText(res.period.from)} 至 ${dateText(res.period.to)}` : '',
              asOf: res.as_of ? fmt.formatDate(res.as_of) : '',
              issuer: res.issuer,
              superseded: !!res.superseded,
            },
          })
        },
        (err) => {
          this.setData({ checking: false })
          if (err && err.code === 'RECORD_NOT_FOUND') {
            this.setData({ state: 'missing', result: null })
            return
          }
          showError(err, '核验失败，请稍后再试')
        },
      )
    },
  },
})
