// QR codes drawn on a <canvas type="2d"> from a string (tickets, rotating check-in codes).
const qrcode = require('qrcode-generator')

/**
 * @param {string} text
 * @returns {boolean[][]} dark modules, row by row
 */
function matrix(text) {
  const qr = qrcode(0, 'M')
  qr.addData(String(text))
  qr.make()
  const n = qr.getModuleCount()
  const rows = []
  for (let r = 0; r < n; r++) {
    const row = []
    for (let c = 0; c < n; c++) row.push(qr.isDark(r, c))
    rows.push(row)
  }
  return rows
}

/**
 * Draws text as a QR code filling a square canvas of cssSize px (with a quiet zone).
 * @param {any} canvas canvas node from SelectorQuery fields({node: true})
 * @param {string} text
 * @param {number} cssSize
 * @param {number} [dpr]
 * @returns {number} number of dark modules drawn
 */
function draw(canvas, text, cssSize, dpr) {
  const ratio = dpr || 1
  const m = matrix(text)
  const n = m.length
  const quiet = 2
  canvas.width = Math.round(cssSize * ratio)
  canvas.height = Math.round(cssSize * ratio)
  const ctx = canvas.getContext('2d')
  ctx.scale(ratio, ratio)
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, cssSize, cssSize)
  const cell = cssSize / (n + quiet * 2)
  ctx.fillStyle = '#000000'
  let dark = 0
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (m[r][c]) {
        dark++
        ctx.fillRect((c + quiet) * cell, (r + quiet) * cell, Math.ceil(cell), Math.ceil(cell))
      }
    }
  }
  return dark
}

module.exports = { matrix, draw }
