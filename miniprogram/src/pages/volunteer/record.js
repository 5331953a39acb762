// Service record: every credited entry, to show to a school or employer.
const loads = require('../../behaviors/loads')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { showError } = require('../../utils/request')

/** The lines of a record page shown in the list; from: how many are shown already (keys stay unique). */
function lines(res, from) {
  return ((res && res.entries) || []).map((x, i) => ({
    key: `${x.activity_id}-${x.session_id}-${from + i}`,
    title: x.content,
    minutesText: fmt.formatMinutes(x.minutes),
    dateText: fmt.formatDateTime(x.date),
    place: x.place || '',
    org: x.organiser || '',
  }))
}

Component({
  behaviors: [loads],
  data: { loading: true, loaded: false, error: '', name: '', number: '', idNumber: '', totalText: '', generatedText: '', issuer: '', codePath: '', entries: [], next: '', loadingMore: false, exporting: false },
  methods: {
    onLoad() {
      return this.load()
    },
    load() {
      return this.loadFrom(api.myHoursRecord(), (res) => {
        this.setData({
          loading: false,
          loaded: true,
          name: res.name,
          number: res.record_number,
          idNumber: res.id_number_masked || '',
          totalText: fmt.formatMinutes(res.total_minutes),
          generatedText: fmt.formatDateTime(res.generated_at),
          issuer: res.issuer || '',
          // one line per activity and session (net of corrections), oldest first; later ones page by page
          entries: lines(res, 0),
          next: res.next_cursor || '',
        })
        this.loadCode()
      })
    },
    onReachBottom() {
      if (!this.data.next || this.data.loadingMore) return Promise.resolve()
      this.setData({ loadingMore: true })
      return api.myHoursRecord(this.data.next).then(
        (res) => this.setData({ entries: this.data.entries.concat(lines(res, this.data.entries.length)), next: res.next_cursor || '', loadingMore: false }),
        () => this.setData({ loadingMore: false }),
      )
    },
    /** The QR code of the record's verification page (a school or employer scans it); the record
     * reads well without it, so a failure only leaves it out. */
    loadCode() {
      return api.downloadHoursRecordCode().then(
        (codePath) => this.setData({ codePath }),
        () => this.setData({ codePath: '' }),
      )
    },
    onVerifyPage() {
      wx.navigateTo({ url: `/pages/verify/record?number=${encodeURIComponent(this.data.number)}` })
    },
    /** The same record as an XLSX file (the format schools and employers ask for), opened in WeChat. */
    onExport() {
      if (this.data.exporting) return Promise.resolve()
      this.setData({ exporting: true })
      return api.downloadHoursRecord().then(
        (filePath) =>
          new Promise((resolve) => {
            wx.openDocument({ filePath, fileType: 'xlsx', showMenu: true, complete: () => resolve(undefined) })
          }).then(() => this.setData({ exporting: false })),
        (err) => {
          this.setData({ exporting: false })
          showError(err, '导出失败，请稍后再试')
        },
      )
    },
  },
})
