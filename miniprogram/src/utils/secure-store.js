// Encrypted wx storage (wx.setStorage with encrypt: true, AES-128 by WeChat) for data that must
// survive a restart but is not the session token: the staff's offline check-in queue and kit.
// Nothing personal is written with the *Sync storage calls, which store plain text.

/**
 * @param {string} key
 * @returns {Promise<any>}
 */
function read(key) {
  return new Promise((resolve) => {
    wx.getStorage({
      key,
      encrypt: true,
      success: (res) => resolve(res.data),
      fail: () => resolve(null),
    })
  })
}

/**
 * @param {string} key
 * @param {any} data
 * @returns {Promise<void>}
 */
function write(key, data) {
  return new Promise((resolve, reject) => {
    wx.setStorage({
      key,
      data,
      encrypt: true,
      success: () => resolve(),
      fail: () => reject(new Error('本地保存失败，请检查手机存储空间')),
    })
  })
}

/** @param {string} key */
function remove(key) {
  return new Promise((resolve) => {
    wx.removeStorage({ key, complete: () => resolve(undefined) })
  })
}

module.exports = { read, write, remove }
