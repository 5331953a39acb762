// Shown when WeChat needs the user to agree to the privacy guide before a privacy API
// (location, phone number, camera, album). Put one on every page that uses such an API.
const privacy = require('../../utils/privacy')
const local = require('../../utils/local')

Component({
  options: { addGlobalClass: true },
  data: { show: false, contractName: '《共建小程序隐私保护指引》' },
  lifetimes: {
    attached() {
      local(this).resolve = null
      privacy.register(this)
      if (typeof wx.getPrivacySetting === 'function') {
        wx.getPrivacySetting({
          success: (res) => {
            if (res.privacyContractName) this.setData({ contractName: res.privacyContractName })
          },
        })
      }
    },
    detached() {
      privacy.unregister(this)
    },
  },
  pageLifetimes: {
    show() {
      privacy.register(this)
    },
  },
  methods: {
    /** @param {(r: {event: string, buttonId?: string}) => void} resolve */
    open(resolve) {
      local(this).resolve = resolve
      this.setData({ show: true })
    },
    onOpenContract() {
      if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({})
    },
    onAgree() {
      if (local(this).resolve) local(this).resolve({ event: 'agree', buttonId: 'agree-btn' })
      local(this).resolve = null
      this.setData({ show: false })
    },
    onDisagree() {
      if (local(this).resolve) local(this).resolve({ event: 'disagree' })
      local(this).resolve = null
      this.setData({ show: false })
    },
  },
})
