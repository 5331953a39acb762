// The one file to edit to point the mini-program at a server.
// In WeChat DevTools tick 详情 → 本地设置 → "不校验合法域名…" to use http://127.0.0.1.
module.exports = {
  // Base URL of the Gongjian server (no trailing slash).
  baseUrl: 'http://127.0.0.1:8080',
  // Embedded (development) server only: a login code such as 'dev:alice' logs in as a stable
  // demo user instead of the code from wx.login. Leave empty for a real server.
  devLoginCode: '',
  // Request timeout in milliseconds.
  timeout: 15000,
}
