// Draws the tab-bar icons (81×81 PNG, grey and red) from inline SVG with headless Chromium.
// Run once after changing an icon: node tools/make-tab-icons.js   (needs apt's chromium)
const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync } = require('child_process')

const OUT = path.join(__dirname, '..', 'src', 'images')
const COLORS = { normal: '#555555', active: '#c8322b' }
const ICONS = {
  // calendar
  activity: (c) => `<rect x="10" y="16" width="60" height="54" rx="8" fill="none" stroke="${c}" stroke-width="6"/><path d="M10 32h60M26 8v16M54 8v16" stroke="${c}" stroke-width="6" stroke-linecap="round"/><rect x="22" y="42" width="10" height="10" rx="2" fill="${c}"/><rect x="36" y="42" width="10" height="10" rx="2" fill="${c}"/><rect x="50" y="42" width="10" height="10" rx="2" fill="${c}"/>`,
  // ticket
  ticket: (c) => `<path d="M8 22a6 6 0 0 1 6-6h52a6 6 0 0 1 6 6v10a8 8 0 0 0 0 16v10a6 6 0 0 1-6 6H14a6 6 0 0 1-6-6V48a8 8 0 0 0 0-16z" fill="none" stroke="${c}" stroke-width="6" stroke-linejoin="round"/><path d="M50 18v44" stroke="${c}" stroke-width="5" stroke-dasharray="6 6"/><path d="M20 32h20M20 46h16" stroke="${c}" stroke-width="6" stroke-linecap="round"/>`,
  // heart
  volunteer: (c) => `<path d="M40 68S10 50 10 29a15 15 0 0 1 30-4 15 15 0 0 1 30 4c0 21-30 39-30 39z" fill="none" stroke="${c}" stroke-width="6" stroke-linejoin="round"/><path d="M28 38h24M40 26v24" stroke="${c}" stroke-width="6" stroke-linecap="round"/>`,
  // person
  me: (c) => `<circle cx="40" cy="26" r="15" fill="none" stroke="${c}" stroke-width="6"/><path d="M12 72c2-16 14-24 28-24s26 8 28 24" fill="none" stroke="${c}" stroke-width="6" stroke-linecap="round"/>`,
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gj-icons-'))
fs.mkdirSync(OUT, { recursive: true })
for (const [name, draw] of Object.entries(ICONS)) {
  for (const [state, color] of Object.entries(COLORS)) {
    const html = path.join(tmp, `${name}-${state}.html`)
    fs.writeFileSync(html, `<!doctype html><html><body style="margin:0;background:transparent"><svg xmlns="http://www.w3.org/2000/svg" width="81" height="81" viewBox="0 0 80 80">${draw(color)}</svg></body></html>`)
    const png = path.join(OUT, `tab-${name}${state === 'active' ? '-active' : ''}.png`)
    execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--default-background-color=00000000', `--user-data-dir=${path.join(tmp, 'p')}`, '--window-size=81,81', `--screenshot=${png}`, `file://${html}`], { stdio: 'ignore' })
    console.log(path.relative(process.cwd(), png))
  }
}
fs.rmSync(tmp, { recursive: true, force: true })
