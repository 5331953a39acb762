// Me: profile, phone binding (getPhoneNumber), roles, unread messages and entries to other pages.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const session = require('../../utils/session')
const { showError } = require('../../utils/request')

const LOAD_FAILED = '加载失败，请稍后重试'

/** An activity I check tickets of, with its first session's time. */
function checkingView(a) {
  return {
    id: a.activity_id,
    title: a.activity_title,
    place: a.place,
    timeText: a.sessions.length ? fmt.formatRange(a.sessions[0].starts_at, a.sessions[0].ends_at) : '',
  }
}

Component({
  data: { user: {}, avatarSrc: '', avatarText: '我', communityName: '', roleNames: [], isStaff: false, unread: 0, checking: [], error: '' },
  methods: {
    onShow() {
      return Promise.all([this.loadMe(), this.loadUnread(), this.loadChecking()])
    },
    /**
     * The profile from the server. A failure (e.g. offline) is said on the page, above what is
     * known of the user already, with a retry: this is a tab page, shown again and again, so a
     * modal on every show would be in the way.
     */
    loadMe() {
      return Promise.all([api.getMe(), api.listCommunities().catch(() => ({ items: [] }))]).then(
        ([user, communities]) => {
          session.setUser(user)
          this.applyUser(user, (communities && communities.items) || [])
          if (this.data.error) this.setData({ error: '' })
        },
        (err) => {
          const known = session.getUser()
          const shown = /** @type {any} */ (this.data.user)
          if (known && !shown.id) this.applyUser(known, [])
          this.setData({ error: (err && err.message) || LOAD_FAILED })
        },
      )
    },
    onRetry() {
      return this.onShow()
    },
    applyUser(user, communities) {
      const c = communities.find((x) => x.id === user.community_id)
      const roleNames = []
      ;(user.roles || []).forEach((r) => {
        const name = fmt.ROLE_NAMES[r.role] || r.role
        if (roleNames.indexOf(name) < 0) roleNames.push(name)
      })
      this.showAvatar(user.avatar_url)
      this.setData({
        user,
        avatarText: (user.nickname || user.real_name || '我').slice(0, 1),
        communityName: c ? c.name : this.data.communityName,
        roleNames,
        isStaff: session.isStaff(),
      })
    },
    /** An uploaded avatar (a server path) is private: shown from a download with the token. */
    showAvatar(url) {
      if (!url || url.charAt(0) !== '/') return this.setData({ avatarSrc: url || '' })
      return api.downloadPhoto(url).then(
        (local) => this.setData({ avatarSrc: local }),
        () => this.setData({ avatarSrc: '' }),
      )
    },
    loadUnread() {
      return api.listMessages().then(
        (res) => this.setData({ unread: (res && res.unread) || 0 }),
        () => {},
      )
    },
    /** Activities this resident was appointed to check tickets of (volunteer checkers). */
    loadChecking() {
      return api.myChecking().then(
        (res) => this.setData({ checking: ((res && res.items) || []).map(checkingView) }),
        () => this.setData({ checking: [] }),
      )
    },
    onCheck(e) {
      const { id, title } = e.currentTarget.dataset
      wx.navigateTo({ url: `/pages/staff/scan?activity_id=${id}&title=${encodeURIComponent(title)}` })
    },
    /** getPhoneNumber button: WeChat has already run the privacy flow (privacy-popup) by now. */
    onGetPhone(e) {
      const code = e.detail && e.detail.code
      if (!code) {
        wx.showToast({ title: '未授权手机号', icon: 'none' })
        return Promise.resolve()
      }
      return api.bindPhone(code).then(
        (user) => {
          session.setUser(user)
          this.setData({ user })
          wx.showToast({ title: '绑定成功', icon: 'success' })
        },
        (err) => showError(err),
      )
    },
    /** A menu entry: opens the page its data-url names. */
    onGo(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    onVolunteer() {
      wx.switchTab({ url: '/pages/volunteer/index' })
    },
  },
})
