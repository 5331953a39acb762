const { login } = require('./utils/request')
const privacy = require('./utils/privacy')
const subscribe = require('./utils/subscribe')

App({
  globalData: {},
  onLaunch() {
    privacy.install()
    // Log in at start so the first page already has a token; pages retry by themselves on failure.
    login()
      .then(() => subscribe.prefetch())
      .catch(() => {})
  },
})
