// WeChat's own compilers over the whole project: wcc (WXML), wcsc (WXSS) and a miniprogram-ci build.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const fs = require('fs')
const { spawnSync } = require('child_process')
const compiler = require('miniprogram-compiler')

const MP = path.join(__dirname, '..')
const ROOT = path.join(MP, 'src')

function ownFiles(ext) {
  const out = []
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'miniprogram_npm' || e.name === 'node_modules') continue
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (p.endsWith(ext)) out.push(path.relative(ROOT, p).replace(/\\/g, '/'))
    }
  }
  walk(ROOT)
  return out
}

test('every WXML template compiles with wcc', () => {
  const wxmlList = ownFiles('.wxml')
  assert.ok(wxmlList.length > 20)
  const js = compiler.wxmlToJs(ROOT, { wxmlList, wxsList: [] })
  assert.match(js, /\$gwx/)
})

test('every WXSS file compiles with wcsc', () => {
  const wxssList = ownFiles('.wxss')
  const js = compiler.wxssToJs(ROOT, { wxssList })
  assert.match(js, /wxssMap/)
})

test('miniprogram-ci builds the whole project offline', { timeout: 240000 }, () => {
  const r = spawnSync(process.execPath, [path.join(MP, 'tools', 'ci-build.js')], { cwd: MP, encoding: 'utf8', timeout: 230000 })
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /build ok/)
})

test('type check: tsc --noEmit with checkJs and miniprogram-api-typings', { timeout: 120000 }, () => {
  const tsc = path.join(MP, 'node_modules', 'typescript', 'bin', 'tsc')
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(MP, 'tsconfig.json')], { cwd: MP, encoding: 'utf8', timeout: 110000 })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})
