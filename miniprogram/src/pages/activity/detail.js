// Activity detail and sign-up: sessions / clinic time slots with live remaining places,
// eligibility, questions, attendees (self and family members), sign-up or waitlist.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const session = require('../../utils/session')
const subscribe = require('../../utils/subscribe')
const local = require('../../utils/local')
const { showError, cannotSubmit } = require('../../utils/request')

// How often remaining places are refreshed while the page is visible.
const LIVE_REFRESH_MS = 15000

function eligibilityLines(a) {
  const e = a.eligibility || {}
  const lines = []
  if (e.community_only) lines.push('仅限本社区居民报名')
  if (e.min_age && e.max_age) lines.push(`年龄 ${e.min_age}-${e.max_age} 岁`)
  else if (e.min_age) lines.push(`年龄 ${e.min_age} 岁及以上`)
  else if (e.max_age) lines.push(`年龄 ${e.max_age} 岁及以下`)
  if (e.roles && e.roles.length) lines.push(`仅限${e.roles.map((r) => fmt.ROLE_NAMES[r] || r).join('、')}报名`)
  if (a.per_account_limit) lines.push(`每个账号最多报名 ${a.per_account_limit} 人`)
  return lines
}

/** Whether session s has begun at now (ms): the server takes no sign-up for it any more. */
function started(s, now) {
  const at = fmt.toDate(s.starts_at)
  return !!at && at.getTime() <= now
}

/**
 * @param {any} s
 * @param {number} now
 * @param {boolean} series a series is booked whole: its sessions are not chosen one by one
 */
function sessionView(s, now, series) {
  const full = s.remaining <= 0
  const canWait = full && s.waitlist_remaining > 0
  const begun = !series && started(s, now)
  let remainingText = `剩余 ${s.remaining} / ${s.capacity} 个名额`
  if (full) remainingText = canWait ? `名额已满，可候补（候补剩 ${s.waitlist_remaining} 位）` : '名额已满，候补也已满'
  if (begun) {
    const end = fmt.toDate(s.ends_at)
    remainingText = end && end.getTime() <= now ? '已结束' : '已开始，不能报名'
  }
  // staff cancelled this session alone: it is shown, never chosen
  const cancelled = s.status === 'cancelled'
  if (cancelled) remainingText = s.cancel_reason ? `已取消：${s.cancel_reason}` : '已取消'
  return Object.assign({}, s, {
    timeText: fmt.formatRange(s.starts_at, s.ends_at),
    remainingText,
    cancelled,
    disabled: cancelled || begun || (full && !canWait),
  })
}

/**
 * A series books every session at once (the server takes any one of its sessions): it has a seat
 * only when every session has one, and a waitlist place only when every session has one. Answers
 * the series as one slot: the id to send, its places and their text.
 * @param {any[]} all the sessions (a cancelled one is left out)
 */
function seriesSlot(all) {
  // a cancelled session of a series is not booked: the series is the sessions still held
  const sessions = all.filter((s) => !s.cancelled)
  if (!sessions.length) return null
  const remaining = Math.max(0, Math.min(...sessions.map((s) => s.remaining)))
  const waitlistRemaining = Math.max(0, Math.min(...sessions.map((s) => s.waitlist_remaining)))
  const full = remaining <= 0
  const canWait = full && waitlistRemaining > 0
  let remainingText = `剩余 ${remaining} 个名额`
  if (full) remainingText = canWait ? `名额已满，可候补（候补剩 ${waitlistRemaining} 位）` : '名额已满，候补也已满'
  return { id: sessions[0].id, count: sessions.length, remaining, waitlist_remaining: waitlistRemaining, remainingText, disabled: full && !canWait }
}

/**
 * The result lines of a sign-up: one per registration, or for a series one per person (the
 * server answers a registration per person and session).
 * @param {any[]} regs
 * @param {boolean} series
 */
function resultLines(regs, series) {
  const me = session.getUser()
  const nameOf = (r) => (r.attendee && r.attendee.name) || (r.attendee && r.attendee.self ? (me && (me.real_name || me.nickname)) || '本人' : '')
  /** @type {any[]} */
  const people = []
  const byKey = {}
  regs.forEach((r) => {
    const key = series ? (r.attendee && r.attendee.dependent_id ? `d${r.attendee.dependent_id}` : 'self') : `r${r.id}`
    if (byKey[key]) {
      byKey[key].count++
      return
    }
    byKey[key] = { id: r.id, name: nameOf(r), waitlisted: r.status === 'waitlisted', position: r.waitlist_position, count: 1 }
    people.push(byKey[key])
  })
  return people.map((p) => {
    const times = series ? `（共 ${p.count} 场）` : ''
    const text = p.waitlisted ? `候补第 ${p.position} 位${times}，有名额时自动递补并通知您` : `报名成功${times}`
    return { id: p.id, name: p.name, waitlisted: p.waitlisted, text }
  })
}

Component({
  data: {
    id: '',
    loading: true,
    error: '',
    activity: null,
    categoryName: '',
    isClinic: false,
    signupWindow: '',
    signupOpen: false,
    signupStatusText: '',
    eligibility: [],
    sessions: [],
    sessionId: null,
    // a series: {id, count, remaining, waitlist_remaining, remainingText, disabled}; null otherwise
    seriesSlot: null,
    dependents: [],
    attendeeOptions: [],
    questions: [],
    answers: {},
    results: [],
    submitting: false,
    canSubmit: false,
    coverSrc: '',
    submitText: '立即报名',
  },
  lifetimes: {
    detached() {
      this.stopLive()
    },
  },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      subscribe.prefetch()
      return Promise.all([this.reload(), this.loadDependents()])
    },
    onShow() {
      this.startLive()
    },
    onHide() {
      this.stopLive()
    },
    onUnload() {
      this.stopLive()
    },
    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },
    onShareAppMessage() {
      const a = this.data.activity
      return { title: a ? a.title : '社区活动', path: `/pages/activity/detail?id=${this.data.id}` }
    },
    startLive() {
      this.stopLive()
      local(this).timer = setInterval(() => this.refreshRemaining(), LIVE_REFRESH_MS)
    },
    stopLive() {
      const l = local(this)
      if (l.timer) clearInterval(l.timer)
      l.timer = null
    },

    reload() {
      this.setData({ loading: !this.data.activity, error: '' })
      return api.getActivity(this.data.id).then(
        (a) => this.applyActivity(a),
        (err) => this.setData({ loading: false, error: err.message || '加载失败' }),
      )
    },
    /** Quietly refreshes remaining places (live updates). */
    refreshRemaining() {
      return api.getActivity(this.data.id).then(
        (a) => this.applyActivity(a),
        () => {},
      )
    },
    applyActivity(a) {
      const now = Date.now()
      const opens = fmt.toDate(a.signup_opens_at)
      const closes = fmt.toDate(a.signup_closes_at)
      let signupOpen = fmt.CLOSED_STATUSES.indexOf(a.status) < 0
      let signupStatusText = '正在报名'
      if (opens && now < opens.getTime()) {
        signupOpen = false
        signupStatusText = `报名尚未开始，${fmt.formatDateTime(opens)} 开放报名`
      } else if ((closes && now > closes.getTime()) || !signupOpen || this.allStarted(a, now)) {
        signupOpen = false
        signupStatusText = a.status === 'cancelled' ? '活动已取消' : '报名已结束'
      }
      const sessions = (a.sessions || []).map((s) => sessionView(s, now, !!a.series))
      const series = a.series ? seriesSlot(sessions) : null
      let sessionId = this.data.sessionId
      if (series) sessionId = series.id
      else if (!sessions.some((s) => s.id === sessionId && !s.disabled)) {
        const first = sessions.find((s) => !s.disabled && s.remaining > 0) || sessions.find((s) => !s.disabled)
        sessionId = first ? first.id : null
      }
      this.setData({
        loading: false,
        activity: a,
        categoryName: a.category_name || fmt.CATEGORY_NAMES[a.category] || '',
        isClinic: a.category === 'clinic',
        signupWindow: `${fmt.formatDateTime(a.signup_opens_at)} 至 ${fmt.formatDateTime(a.signup_closes_at)}`,
        signupOpen,
        signupStatusText,
        eligibility: eligibilityLines(a),
        sessions,
        sessionId,
        seriesSlot: series,
        questions: a.questions || [],
      })
      wx.setNavigationBarTitle({ title: a.title })
      this.showCover(a.cover_url)
      this.refreshAttendees()
    },
    /** A cover is an https address or a reference to an upload (a server path), which <image>
     * cannot fetch itself (it needs the token): that one is downloaded, once per address. */
    showCover(url) {
      const l = local(this)
      if (l.coverUrl === (url || '')) return
      l.coverUrl = url || ''
      if (!url || url.charAt(0) !== '/') {
        this.setData({ coverSrc: url || '' })
        return
      }
      api.downloadPhoto(url).then(
        (path) => {
          if (l.coverUrl === url) this.setData({ coverSrc: path })
        },
        () => {
          if (l.coverUrl === url) this.setData({ coverSrc: '' })
        },
      )
    },
    loadDependents() {
      return api.listDependents().then(
        (res) => {
          this.setData({ dependents: (res && res.items) || [] })
          this.refreshAttendees()
        },
        () => this.refreshAttendees(),
      )
    },
    /** Builds the attendee chips: self plus family members, marking those who do not fit the age range. */
    refreshAttendees() {
      const a = this.data.activity
      const e = (a && a.eligibility) || {}
      const chosen = {}
      this.data.attendeeOptions.forEach((o) => {
        if (o.selected) chosen[o.key] = true
      })
      const first = this.data.attendeeOptions.length === 0
      const opts = [{ key: 'self', label: '本人', selected: first ? true : !!chosen.self, disabled: false }]
      const day = this.ageDay()
      this.data.dependents.forEach((d) => {
        // the age on the day, as the server counts it (d.age is today's)
        const age = d.birth_date ? fmt.ageOn(d.birth_date, day) : typeof d.age === 'number' ? d.age : null
        const tooYoung = e.min_age && age !== null && age < e.min_age
        const tooOld = e.max_age && age !== null && age > e.max_age
        // usable=false: the server still waits for the guardian's consent for this child
        const noConsent = d.usable === false || (d.needs_consent && !d.consent)
        const disabled = !!(tooYoung || tooOld || noConsent)
        const rel = fmt.RELATION_NAMES[d.relation] || ''
        let why = ''
        if (tooYoung || tooOld) why = ' 年龄不符'
        else if (noConsent) why = ' 待监护人同意'
        opts.push({
          key: `d${d.id}`,
          dependentId: d.id,
          label: `${d.name}${rel ? `（${rel}）` : ''}${why}`,
          selected: !disabled && !!chosen[`d${d.id}`],
          disabled,
        })
      })
      this.setData({ attendeeOptions: opts })
      this.updateSubmit()
    },
    /** Sign-up has ended with the sessions: a series once its first session still held has begun
     * (one staff cancelled is not attended, as the server counts), other activities once every
     * session has. */
    allStarted(a, now) {
      const all = a.sessions || []
      if (!all.length) return false
      if (!a.series) return all.every((s) => started(s, now))
      const held = all.filter((s) => s.status !== 'cancelled')
      return (held.length ? held : all).some((s) => started(s, now))
    },
    /** The day ages are counted on, as the server does: the chosen session's, a series' first
     * session still held. */
    ageDay() {
      const ss = this.data.sessions || []
      if (this.data.seriesSlot) {
        const held = ss.filter((s) => !s.cancelled)
        return (held.length ? held : ss).reduce((min, s) => (!min || fmt.toDate(s.starts_at) < fmt.toDate(min) ? s.starts_at : min), null) || undefined
      }
      const s = ss.find((x) => x.id === this.data.sessionId)
      return s ? s.starts_at : undefined
    },
    /** The slot the sign-up is for: the chosen session, or the whole series. */
    signupSlot() {
      if (this.data.seriesSlot) return this.data.seriesSlot
      return this.data.sessions.find((x) => x.id === this.data.sessionId)
    },
    updateSubmit() {
      const s = this.signupSlot()
      const waitlist = !!(s && s.remaining <= 0)
      const any = this.data.attendeeOptions.some((o) => o.selected)
      let submitText = waitlist ? '名额已满，加入候补' : '立即报名'
      if (s && s.disabled) submitText = '名额已满'
      if (!this.data.signupOpen) submitText = this.data.signupStatusText.indexOf('尚未开始') >= 0 ? '报名尚未开始' : '报名已结束'
      this.setData({ canSubmit: !!s && !s.disabled && any && this.data.signupOpen && !this.data.submitting, submitText })
    },

    onSession(e) {
      // a series is booked whole: there is no session to choose
      if (this.data.seriesSlot) return
      const id = e.currentTarget.dataset.id
      const s = this.data.sessions.find((x) => x.id === id)
      if (!s || s.disabled) return
      local(this).idemKey = null
      this.setData({ sessionId: id })
      // ages are counted on the chosen session's day
      this.refreshAttendees()
    },
    onAttendee(e) {
      const key = e.currentTarget.dataset.key
      const opts = this.data.attendeeOptions.map((o) => (o.key === key && !o.disabled ? Object.assign({}, o, { selected: !o.selected }) : o))
      local(this).idemKey = null
      this.setData({ attendeeOptions: opts })
      this.updateSubmit()
    },
    onAnswer(e) {
      local(this).idemKey = null // a changed form is a new sign-up, not a retry
      this.setData({ [`answers.${e.currentTarget.dataset.qid}`]: e.detail.value })
    },
    onChoice(e) {
      const { qid, value } = e.currentTarget.dataset
      local(this).idemKey = null
      this.setData({ [`answers.${qid}`]: value })
    },
    onAddMember() {
      wx.navigateTo({ url: '/pages/family/edit' })
    },
    onOpenMap() {
      const p = this.data.activity && this.data.activity.place
      if (p && p.lat && p.lng) wx.openLocation({ latitude: Number(p.lat), longitude: Number(p.lng), name: this.data.activity.title, address: p.address, scale: 16 })
    },
    onMyRegistrations() {
      wx.switchTab({ url: '/pages/registrations/index' })
    },

    /** Checks the form; returns a Chinese message for the first problem, or ''. */
    validate() {
      if (!this.data.sessionId) return '请选择场次'
      const selected = this.data.attendeeOptions.filter((o) => o.selected)
      if (!selected.length) return '请选择报名人'
      const limit = this.data.activity.per_account_limit
      if (limit && selected.length > limit) return `每个账号最多报名 ${limit} 人`
      const missing = this.data.questions.find((q) => q.required && !String(this.data.answers[q.id] || '').trim())
      if (missing) return `请填写：${missing.title}`
      return ''
    },

    /**
     * The session's cancellation deadline has passed: say so and sign up only if the resident
     * confirms (the server asked with CANCEL_DEADLINE_CONFIRM; nothing was reserved).
     * @param {any} err
     */
    confirmNoCancel(err) {
      return new Promise((resolve) => {
        wx.showModal({
          title: '报名后不能取消',
          content: err.message || '取消截止时间已过，报名成功后将不能自行取消。',
          confirmText: '确认报名',
          cancelText: '再想想',
          success: (r) => resolve(r.confirm ? this.submit(true) : undefined),
          fail: () => resolve(undefined),
        })
      })
    },

    /** Sign-up tap: ask for subscribe messages first (must be in the tap), then submit. */
    onSubmit() {
      if (cannotSubmit(this)) return Promise.resolve()
      const s = this.signupSlot()
      const waitlist = s.remaining <= 0
      const keys = waitlist ? ['waitlist_promoted', 'activity_reminder', 'activity_changed'] : ['registration_confirmed', 'activity_reminder', 'activity_changed']
      return subscribe.ask(keys).then(() => this.submit())
    },
    /** @param {boolean} [acceptNoCancel] the resident confirmed a sign-up after the cancellation deadline */
    submit(acceptNoCancel) {
      const l = local(this)
      // The same key is reused when the same sign-up is retried after a network failure.
      if (!l.idemKey) l.idemKey = api.newIdempotencyKey()
      const attendees = this.data.attendeeOptions.filter((o) => o.selected).map((o) => (o.key === 'self' ? { self: true } : { dependent_id: o.dependentId }))
      const answers = {}
      this.data.questions.forEach((q) => {
        const v = this.data.answers[q.id]
        if (v !== undefined && v !== '') answers[q.id] = v
      })
      /** @type {Record<string, any>} */
      const body = { session_id: this.data.sessionId, attendees, answers }
      if (acceptNoCancel) body.accept_no_cancel = true
      this.setData({ submitting: true, canSubmit: false })
      return api.createRegistrations(body, l.idemKey).then(
        (res) => {
          l.idemKey = null
          const results = resultLines((res && res.registrations) || [], !!this.data.seriesSlot)
          this.setData({ submitting: false, results })
          wx.showToast({ title: results.some((r) => r.waitlisted) ? '已加入候补' : '报名成功', icon: 'success' })
          return this.refreshRemaining().then(() => this.updateSubmit())
        },
        (err) => {
          if (err.status !== 0) l.idemKey = null
          this.setData({ submitting: false })
          this.updateSubmit()
          if (err.code === 'CANCEL_DEADLINE_CONFIRM' && !acceptNoCancel) return this.confirmNoCancel(err)
          showError(err)
          if (err.code === 'QUOTA_FULL') return this.refreshRemaining().then(() => this.updateSubmit())
          return undefined
        },
      )
    },
  },
})
