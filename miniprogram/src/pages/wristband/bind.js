// Bind a wristband: scan its code (camera, after the privacy flow), choose the wearer, consent.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const privacy = require('../../utils/privacy')
const subscribe = require('../../utils/subscribe')
const { showError } = require('../../utils/request')
const consent = require('../../utils/wristband-consent')

/** Finds the 15-digit IMEI in what the band's code holds ("IMEI:86…", a URL, or digits). */
function parseImei(text) {
  const m = String(text || '').match(/\d{15}/)
  return m ? m[0] : ''
}

/** Finds an activation code the box's code may carry ("CODE:…" or "激活码:…"). */
function parseCode(text) {
  const m = String(text || '').match(/(?:CODE|激活码)[:：=]\s*([A-Za-z0-9-]{4,40})/i)
  return m ? m[1] : ''
}

Component({
  data: {
    steps: [{ text: '扫码' }, { text: '佩戴人' }, { text: '同意' }],
    step: 0,
    imei: '',
    code: '',
    imeiMasked: '',
    wearers: /** @type {{key: string, label: string, id?: number}[]} */ ([{ key: 'self', label: '本人' }]),
    wearerKey: 'self',
    wearerName: '本人',
    consentText: consent.CONSENT_TEXT,
    consentVersion: consent.CONSENT_VERSION,
    consentTitle: consent.CONSENT_TITLE,
    agreed: false,
    binding: false,
  },
  methods: {
    onLoad() {
      subscribe.prefetch()
      return Promise.all([this.loadDependents(), this.loadConsent()])
    },
    /** The consent text the server records, and its version (sent back when binding). */
    loadConsent() {
      return consent.inForce(api).then((c) => this.setData({ consentText: c.text, consentVersion: c.version }))
    },
    onShow() {
      return this.loadDependents()
    },
    loadDependents() {
      return api.listDependents().then(
        (res) => {
          const wearers = [{ key: 'self', label: '本人' }].concat(((res && res.items) || []).map((d) => ({ key: `d${d.id}`, id: d.id, label: `${d.name}（${fmt.RELATION_NAMES[d.relation] || '家人'}）` })))
          this.setData({ wearers })
        },
        () => {},
      )
    },
    onScan() {
      return privacy.scanCode().then(
        (text) => {
          const imei = parseImei(text)
          if (!imei) {
            wx.showModal({ title: '提示', content: '没有识别到手环号，请扫描手环背面的二维码，或手动输入 IMEI 号。', showCancel: false })
            return
          }
          this.setData({ imei, code: parseCode(text) || this.data.code })
          this.onNext()
        },
        privacy.scanFailed(showError),
      )
    },
    onImeiInput(e) {
      this.setData({ imei: e.detail.value })
    },
    onCodeInput(e) {
      this.setData({ code: e.detail.value })
    },
    onWearer(e) {
      const key = e.currentTarget.dataset.key
      const w = this.data.wearers.find((x) => x.key === key)
      this.setData({ wearerKey: key, wearerName: w ? w.label : '' })
    },
    onAddMember() {
      wx.navigateTo({ url: '/pages/family/edit' })
    },
    onToggleAgree() {
      this.setData({ agreed: !this.data.agreed })
    },
    onBack() {
      this.setData({ step: Math.max(0, this.data.step - 1) })
    },
    onNext() {
      if (this.data.step === 0) {
        if (!/^\d{15}$/.test(this.data.imei)) {
          wx.showToast({ title: '请扫描或输入15位手环号', icon: 'none' })
          return
        }
        if (this.data.code.trim().length < 4) {
          wx.showToast({ title: '请输入激活码或绑定码', icon: 'none' })
          return
        }
        this.setData({ step: 1, imeiMasked: `${this.data.imei.slice(0, 4)}****${this.data.imei.slice(-4)}` })
        return
      }
      if (this.data.step === 1) this.setData({ step: 2 })
    },
    onBind() {
      if (!this.data.agreed) {
        wx.showToast({ title: '请先勾选知情同意', icon: 'none' })
        return Promise.resolve()
      }
      const w = this.data.wearers.find((x) => x.key === this.data.wearerKey)
      const wearer = !w || w.key === 'self' ? { self: true } : { dependent_id: w.id }
      this.setData({ binding: true })
      return subscribe
        .ask(['wristband_alert'])
        .then(() => api.bindWristband({ imei: this.data.imei, code: this.data.code.trim(), wearer, consent: { version: this.data.consentVersion } }))
        .then(
          (band) => {
            this.setData({ binding: false })
            wx.showToast({ title: '绑定成功', icon: 'success' })
            if (band && band.id) wx.redirectTo({ url: `/pages/wristband/detail?id=${band.id}` })
            else wx.navigateBack()
          },
          (err) => {
            this.setData({ binding: false })
            showError(err)
          },
        )
    },
  },
})
