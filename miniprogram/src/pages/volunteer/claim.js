// Hours claim (补录): activity, minutes, description and photos (wx.chooseMedia, each uploaded first
// to POST /uploads, whose answer `url` goes into photo_urls); below, my earlier claims and how
// they were reviewed. The activities offered are my past registrations and the ended sessions
// staff appointed me to serve in as a volunteer (GET /me/volunteer-sessions).
const fields = require('../../behaviors/fields')
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const photos = require('../../utils/photos')
const privacy = require('../../utils/privacy')
const subscribe = require('../../utils/subscribe')
const { showError, submitThenBack } = require('../../utils/request')

const MAX_PHOTOS = 6

/** One of my earlier claims as the list below shows it. */
function claimView(c) {
  return {
    id: c.id,
    title: c.activity_title,
    status: c.status,
    statusText: fmt.CLAIM_STATUS[c.status] || c.status,
    minutesText: fmt.formatMinutes(c.minutes),
    grantedText: c.status === 'approved' ? fmt.formatMinutes(c.granted_minutes) : '',
    reason: c.reject_reason || '',
    dateText: fmt.formatDateTime(c.created_at),
  }
}

Component({
  behaviors: [fields],
  data: { activities: [], activityIndex: -1, hours: '', description: '', photos: [], maxPhotos: MAX_PHOTOS, submitting: false, claims: [] },
  methods: {
    onLoad(query) {
      subscribe.prefetch()
      this.loadClaims()
      // Sessions staff appointed me to as a volunteer are mine to claim for too, though I never
      // signed up for them; without that list (an older server) the registrations still serve.
      const appointed = api.myVolunteerSessions().then((res) => (res && res.items) || [], () => [])
      return Promise.all([api.myRegistrations('past', 1, 100), appointed]).then(
        ([res, slots]) => {
          const seen = {}
          const activities = []
          const add = (activityID, sessionID, title, startsAt) => {
            // a claim is for one session (the server asks for session_id when the activity has
            // several), so one line each
            if (seen[sessionID]) return
            seen[sessionID] = true
            const when = fmt.formatDateTime(startsAt)
            activities.push({ id: activityID, sessionId: sessionID, title, label: when ? `${title} · ${when}` : title })
          }
          ;((res && res.items) || []).forEach((r) => {
            // a cancelled registration is no service to claim for
            if (r.status !== 'cancelled') add(r.activity_id, r.session_id, r.activity_title, r.starts_at)
          })
          slots.forEach((v) => {
            // claims open once the session is over; a cancelled activity takes none
            if (v.ended && v.activity_status !== 'cancelled') add(v.activity_id, v.session_id, v.activity_title, v.starts_at)
          })
          let activityIndex = -1
          if (query && query.activity_id) activityIndex = activities.findIndex((a) => String(a.id) === String(query.activity_id))
          this.setData({ activities, activityIndex })
        },
        (err) => showError(err),
      )
    },
    loadClaims() {
      return api.myClaims().then(
        (res) => this.setData({ claims: ((res && res.items) || []).map(claimView) }),
        () => {},
      )
    },
    onActivity(e) {
      this.setData({ activityIndex: Number(e.detail.value) })
    },
    /** Privacy flow, then album/camera, then upload each photo. */
    onAddPhoto() {
      const left = MAX_PHOTOS - this.data.photos.length
      if (left <= 0) return Promise.resolve()
      return privacy
        .ensure()
        .then(() => photos.choose(left))
        .then((paths) => {
          wx.showLoading({ title: '正在上传', mask: true })
          return photos.upload(paths)
        })
        .then(
          (uploaded) => {
            wx.hideLoading()
            this.setData({ photos: this.data.photos.concat(uploaded) })
          },
          (err) => {
            wx.hideLoading()
            if (err && err.message === photos.CANCELLED) return
            showError(err, '照片上传失败，请重试')
          },
        )
    },
    onRemovePhoto(e) {
      const photos = this.data.photos.slice()
      photos.splice(Number(e.currentTarget.dataset.index), 1)
      this.setData({ photos })
    },
    onPreview(e) {
      const urls = this.data.photos.map((p) => p.local)
      wx.previewImage({ urls, current: urls[Number(e.currentTarget.dataset.index)] })
    },
    onSubmit() {
      const a = this.data.activities[this.data.activityIndex]
      const minutes = Math.round(parseFloat(this.data.hours) * 60)
      let problem = ''
      if (!a) problem = '请选择服务活动'
      else if (!(minutes > 0) || minutes > 24 * 60) problem = '请填写正确的服务时长'
      else if (!this.data.description.trim()) problem = '请填写服务内容'
      if (problem) {
        wx.showToast({ title: problem, icon: 'none' })
        return Promise.resolve()
      }
      const req = subscribe
        .ask(['claim_reviewed'])
        .then(() => api.createClaim({ activity_id: a.id, session_id: a.sessionId, description: this.data.description.trim(), minutes, photo_urls: this.data.photos.map((p) => p.url) }))
      return submitThenBack(this, 'submitting', req, { title: '已提交，等待审核', icon: 'none' })
    },
  },
})
