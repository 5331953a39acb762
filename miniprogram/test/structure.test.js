// Project structure: every page exists, is reachable, and is rendered by some test.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const h = require('./_helpers')

const pages = h.APP_JSON.pages

function srcFiles(ext) {
  const out = []
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'miniprogram_npm') continue
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (p.endsWith(ext)) out.push(p)
    }
  }
  walk(h.ROOT)
  return out
}

test('every page in app.json has its .js, .json, .wxml and .wxss and is a Component() page', () => {
  for (const p of pages) {
    for (const ext of ['.js', '.json', '.wxml', '.wxss']) assert.ok(fs.existsSync(path.join(h.ROOT, p + ext)), `${p}${ext} missing`)
    const js = fs.readFileSync(path.join(h.ROOT, `${p}.js`), 'utf8')
    assert.match(js, /^Component\(\{/m, `${p} must be written as Component()`)
  }
})

test('every page is reachable from the tab bar or a link in another page', () => {
  const tabs = h.APP_JSON.tabBar.list.map((t) => t.pagePath)
  const code = srcFiles('.js').concat(srcFiles('.wxml')).map((f) => ({ f, s: fs.readFileSync(f, 'utf8') }))
  for (const p of pages) {
    if (tabs.includes(p)) continue
    const linked = code.some(({ f, s }) => !f.startsWith(path.join(h.ROOT, p)) && s.includes(`/${p}`))
    assert.ok(linked, `${p} is not reachable`)
  }
  assert.equal(tabs.length, 4)
})

test('every page is rendered by at least one test', () => {
  const tests = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).map((f) => fs.readFileSync(path.join(__dirname, f), 'utf8')).join('\n')
  // renderPage(route, …), or openPage(wx options, route, …)
  const missing = pages.filter((p) => !tests.includes(`renderPage('${p}'`) && !new RegExp(`openPage\\(\\{[^\\n]*\\}, '${p}'`).test(tests))
  assert.deepEqual(missing, [])
})

test('every page the server links to (messages, subscribe messages, mini-program codes) is in app.json', () => {
  // The Go code names pages as string literals ("pages/x/y", maybe followed by a query); tests and
  // the fake WeChat (wxemu) use made-up pages, and comments give examples.
  const repo = path.join(h.ROOT, '..', '..')
  const linked = []
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) {
        if (e.name !== 'wxemu' && e.name !== 'testdata') walk(p)
      } else if (p.endsWith('.go') && !p.endsWith('_test.go')) {
        fs.readFileSync(p, 'utf8')
          .split('\n')
          .map((line) => line.replace(/(^|\s)\/\/.*$/, ''))
          .forEach((line) => {
            for (const m of line.matchAll(/"\/?(pages\/[a-z0-9_-]+\/[a-z0-9_-]+)/g)) linked.push({ page: m[1], file: path.relative(repo, p) })
          })
      }
    }
  }
  walk(path.join(repo, 'internal'))
  walk(path.join(repo, 'server'))
  assert.ok(linked.length >= 10, `only ${linked.length} page links found in the Go code`)
  const missing = linked.filter((l) => !pages.includes(l.page)).map((l) => `${l.file}: ${l.page}`)
  assert.deepEqual(missing, [])
})

test('pages using location, camera, album or phone carry the privacy popup', () => {
  for (const p of pages) {
    const js = fs.readFileSync(path.join(h.ROOT, `${p}.js`), 'utf8')
    const wxml = fs.readFileSync(path.join(h.ROOT, `${p}.wxml`), 'utf8')
    // utils/photos.js's choose() is wx.chooseMedia
    const privateCall = /wx\.(scanCode|getLocation|chooseMedia)|photos\.choose\(/
    const usesPrivate = privateCall.test(js + wxml) || /getPhoneNumber|chooseAvatar/.test(js + wxml)
    if (usesPrivate) {
      assert.match(wxml, /<privacy-popup/, `${p} uses a privacy API without <privacy-popup>`)
      if (privateCall.test(js)) assert.match(js, /privacy\s*\.\s*ensure\(\)/, `${p} must call privacy.ensure() first`)
    }
  }
})

test('app.json declares location use, privacy check and a sitemap', () => {
  assert.deepEqual(h.APP_JSON.requiredPrivateInfos, ['getLocation'])
  assert.ok(h.APP_JSON.permission['scope.userLocation'].desc)
  assert.equal(h.APP_JSON.__usePrivacyCheck__, true)
  const sitemap = JSON.parse(fs.readFileSync(path.join(h.ROOT, 'sitemap.json'), 'utf8'))
  assert.ok(sitemap.rules.length > 0)
  const project = JSON.parse(fs.readFileSync(path.join(h.ROOT, '..', 'project.config.json'), 'utf8'))
  assert.equal(project.miniprogramRoot, 'src/')
})

test('user-facing text in templates is Chinese (no leftover English labels)', () => {
  const offenders = []
  for (const f of srcFiles('.wxml')) {
    const s = fs.readFileSync(f, 'utf8').replace(/\{\{[^}]*\}\}/g, '').replace(/<[^>]+>/g, '\n')
    for (const line of s.split('\n')) {
      const t = line.trim()
      if (/[A-Za-z]{4,}/.test(t) && !/[\u4e00-\u9fa5]/.test(t) && !/^(IMEI|SOS)/.test(t)) offenders.push(`${path.relative(h.ROOT, f)}: ${t}`)
    }
  }
  assert.deepEqual(offenders, [])
})

test('a page that refreshes on pulling down (its own onPullDownRefresh) has pull-down refresh enabled', () => {
  for (const p of pages) {
    const js = fs.readFileSync(path.join(h.ROOT, `${p}.js`), 'utf8')
    if (!/\bonPullDownRefresh\s*\(/.test(js)) continue
    const conf = JSON.parse(fs.readFileSync(path.join(h.ROOT, `${p}.json`), 'utf8'))
    assert.equal(conf.enablePullDownRefresh, true, `${p} refreshes on pulling down but its .json does not enable it`)
  }
})
