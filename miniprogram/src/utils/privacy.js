// WeChat privacy authorisation (用户隐私保护指引). Before location, phone number, camera and album
// use, ensure() asks WeChat whether the user still has to agree; if so WeChat calls the
// onNeedPrivacyAuthorization handler, which shows the <privacy-popup> of the current page.

const popups = []
let installed = false

function install() {
  if (installed || typeof wx.onNeedPrivacyAuthorization !== 'function') return
  installed = true
  wx.onNeedPrivacyAuthorization((/** @type {any} */ resolve) => {
    const popup = popups[popups.length - 1]
    if (popup) popup.open(resolve)
    else resolve({ event: 'disagree' })
  })
}

/** Called by <privacy-popup> when attached and when its page shows: the popup of the page on
 * screen is the last one (tab pages stay attached while hidden). */
function register(popup) {
  install()
  unregister(popup)
  popups.push(popup)
}

function unregister(popup) {
  const i = popups.indexOf(popup)
  if (i >= 0) popups.splice(i, 1)
}

/**
 * Resolves when the user has agreed to the privacy guide (at once if already agreed);
 * rejects with a Chinese message otherwise.
 * @returns {Promise<void>}
 */
function ensure() {
  install()
  return new Promise((resolve, reject) => {
    if (typeof wx.getPrivacySetting !== 'function') {
      resolve()
      return
    }
    wx.getPrivacySetting({
      success: (res) => {
        if (!res.needAuthorization) {
          resolve()
          return
        }
        wx.requirePrivacyAuthorize({
          success: () => resolve(),
          fail: () => reject(new Error('需要您同意《用户隐私保护指引》后才能使用此功能')),
        })
      },
      fail: () => resolve(),
    })
  })
}

const SCAN_CANCELLED = '已取消扫码'

/**
 * Scans a code with the camera once the user has agreed to the privacy guide (wx.scanCode
 * options may add scanType); resolves with wx.scanCode's whole answer (a mini-program code's
 * page is in its path).
 * @returns {Promise<WechatMiniprogram.ScanCodeSuccessCallbackResult>}
 */
function scanCodeResult(options) {
  return ensure().then(
    () =>
      new Promise((resolve, reject) => {
        wx.scanCode(Object.assign({ onlyFromCamera: true }, options, { success: (r) => resolve(r), fail: () => reject(new Error(SCAN_CANCELLED)) }))
      }),
  )
}

/**
 * Scans a code with the camera once the user has agreed to the privacy guide (wx.scanCode
 * options may add scanType); resolves with its text.
 * @returns {Promise<string>}
 */
function scanCode(options) {
  return scanCodeResult(options).then((r) => r.result)
}

/** Shows why a scan failed (with show, e.g. request's showError), unless the user cancelled it. */
function scanFailed(show) {
  return (err) => {
    if (err && err.message === SCAN_CANCELLED) return
    show(err)
  }
}

module.exports = { install, register, unregister, ensure, scanCode, scanCodeResult, scanFailed }
