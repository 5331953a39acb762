// Add or edit a family member. Children under 14 need a guardian-consent step before saving.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { showError, submitThenBack, confirmThenBack } = require('../../utils/request')

const CONSENT_AGE = 14
// The page shows the consent the server serves (api.guardianConsent) and sends back its version;
// this copy (resident.CurrentConsentVersion and resident.ConsentText, a Go test keeps the version
// equal) is shown only when that request fails.
const CONSENT_VERSION = 'guardian-v1' // resident.CurrentConsentVersion on the server
const CONSENT_TEXT =
  '您正在为未满 14 周岁的儿童登记信息。我们仅将其姓名、性别、出生日期及证件号用于活动报名、入场核验和安全保障，' +
  '不用于其他用途，您可随时在“家庭成员”中删除。根据《儿童个人信息网络保护规定》，需要您作为监护人同意。'

Component({
  data: {
    id: '',
    form: { name: '', relation: 'child', gender: '', birth_date: '', id_number: '' },
    relations: fmt.RELATIONS,
    today: fmt.formatDate(new Date()),
    idPlaceholder: '选填，用于义诊等实名活动',
    hasConsent: false,
    needsConsent: false,
    steps: [{ text: '填写信息' }, { text: '监护人同意' }],
    step: 0,
    agreed: false,
    saving: false,
    consentText: CONSENT_TEXT,
    consentVersion: CONSENT_VERSION,
  },
  methods: {
    onLoad(query) {
      return Promise.all([this.loadConsent(), this.loadMember(query)])
    },
    /** The guardian consent in force (the server's text and version; this copy when it fails). */
    loadConsent() {
      return api.guardianConsent().then(
        (c) => {
          if (c && typeof c.version === 'string' && c.version && typeof c.text === 'string' && c.text) this.setData({ consentText: c.text, consentVersion: c.version })
        },
        () => {},
      )
    },
    loadMember(query) {
      if (!query || !query.id) return Promise.resolve()
      this.setData({ id: query.id })
      wx.setNavigationBarTitle({ title: '编辑家庭成员' })
      return api.listDependents().then(
        (res) => {
          const d = ((res && res.items) || []).find((x) => String(x.id) === String(query.id))
          if (!d) return
          this.setData({
            form: { name: d.name, relation: d.relation, gender: d.gender, birth_date: d.birth_date, id_number: '' },
            idPlaceholder: d.id_number_masked ? `已登记 ${d.id_number_masked}，不改请留空` : '选填，用于义诊等实名活动',
            hasConsent: !!d.consent,
          })
          this.updateConsent()
        },
        (err) => showError(err),
      )
    },
    updateConsent() {
      const age = fmt.ageOn(this.data.form.birth_date)
      const needsConsent = age !== null && age < CONSENT_AGE && !this.data.hasConsent
      this.setData({ needsConsent, step: needsConsent ? this.data.step : 0 })
    },
    onInput(e) {
      this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value })
    },
    onPick(e) {
      const { field, value } = e.currentTarget.dataset
      this.setData({ [`form.${field}`]: value })
    },
    onBirthDate(e) {
      this.setData({ 'form.birth_date': e.detail.value })
      this.updateConsent()
    },
    onToggleAgree() {
      this.setData({ agreed: !this.data.agreed })
    },
    onBack() {
      this.setData({ step: 0 })
    },
    validate() {
      const f = this.data.form
      if (!f.name.trim()) return '请填写姓名'
      if (!f.relation) return '请选择关系'
      if (!f.gender) return '请选择性别'
      if (!f.birth_date) return '请选择出生日期'
      if (f.id_number && !/^\d{17}[\dXx]$/.test(f.id_number.trim())) return '身份证号格式不正确'
      return ''
    },
    onNext() {
      const problem = this.validate()
      if (problem) {
        wx.showToast({ title: problem, icon: 'none' })
        return Promise.resolve()
      }
      if (this.data.needsConsent && this.data.step === 0) {
        this.setData({ step: 1 })
        return Promise.resolve()
      }
      if (this.data.needsConsent && !this.data.agreed) {
        wx.showToast({ title: '请先勾选监护人同意', icon: 'none' })
        return Promise.resolve()
      }
      return this.save()
    },
    save() {
      const f = this.data.form
      /** @type {Record<string, any>} */
      const body = { name: f.name.trim(), relation: f.relation, gender: f.gender, birth_date: f.birth_date }
      if (f.id_number.trim()) body.id_number = f.id_number.trim().toUpperCase()
      if (this.data.needsConsent) body.guardian_consent = { version: this.data.consentVersion }
      const req = this.data.id ? api.updateDependent(this.data.id, body) : api.createDependent(body)
      return submitThenBack(this, 'saving', req, { title: '已保存', icon: 'success' })
    },
    onDelete() {
      const modal = { title: '删除家庭成员', content: `删除后，其未开始的报名将被取消，名额让给其他居民；其佩戴的手环也将解绑。确定删除「${this.data.form.name}」吗？`, confirmText: '删除' }
      return confirmThenBack(modal, () => api.deleteDependent(this.data.id), '已删除')
    },
  },
})
