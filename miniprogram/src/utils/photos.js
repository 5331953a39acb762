// Photos for a form: picked from the album or camera (wx.chooseMedia), then uploaded one by one
// (POST /uploads) so the form can send their URLs.
const api = require('./api')

/** The message a rejected choose() carries when the resident closed the picker. */
const CANCELLED = '已取消选择'

/**
 * Lets the resident pick up to count compressed images; resolves with their local paths.
 * @param {number} count
 * @returns {Promise<string[]>}
 */
function choose(count) {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count,
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      sizeType: ['compressed'],
      success: (res) => resolve(res.tempFiles.map((f) => f.tempFilePath)),
      fail: () => reject(new Error(CANCELLED)),
    })
  })
}

/**
 * Uploads each local path; resolves with { local, url } per photo.
 * @param {string[]} paths
 * @returns {Promise<{local: string, url: string}[]>}
 */
function upload(paths) {
  return Promise.all(paths.map((p) => api.uploadFile(p).then((res) => ({ local: p, url: res.url }))))
}

module.exports = { CANCELLED, choose, upload }
