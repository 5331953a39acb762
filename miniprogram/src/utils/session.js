// Login state. Only the session token is written to wx storage (it must survive a restart);
// the refresh token and the user profile (phone, real name, roles) stay in memory.
const TOKEN_KEY = 'gj_token'

let token = ''
let refreshToken = ''
let user = null
const listeners = []

function getToken() {
  if (!token) {
    try {
      token = wx.getStorageSync(TOKEN_KEY) || ''
    } catch (e) {
      token = ''
    }
  }
  return token
}

/** @param {{token: string, refresh_token?: string, user?: any}} res */
function setSession(res) {
  token = res.token || ''
  refreshToken = res.refresh_token || ''
  if (res.user) setUser(res.user)
  try {
    wx.setStorageSync(TOKEN_KEY, token)
  } catch (e) {
    // storage full or unavailable: keep the token in memory only
  }
}

function getRefreshToken() {
  return refreshToken
}

function getUser() {
  return user
}

function setUser(u) {
  user = u || null
  listeners.forEach((fn) => fn(user))
}

/** Calls fn whenever the user changes; returns an unsubscribe function. */
function onUserChange(fn) {
  listeners.push(fn)
  return () => {
    const i = listeners.indexOf(fn)
    if (i >= 0) listeners.splice(i, 1)
  }
}

/** @param {string} role */
function hasRole(role) {
  return !!(user && (user.roles || []).some((r) => r.role === role))
}

function isStaff() {
  return hasRole('staff') || hasRole('admin')
}

function clear() {
  token = ''
  refreshToken = ''
  user = null
  try {
    wx.removeStorageSync(TOKEN_KEY)
  } catch (e) {
    // ignore
  }
}

module.exports = {
  TOKEN_KEY,
  getToken,
  setSession,
  getRefreshToken,
  getUser,
  setUser,
  onUserChange,
  hasRole,
  isStaff,
  clear,
}
