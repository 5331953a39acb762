// Compiles the whole project with miniprogram-ci (WeChat DevTools' own build: every page in
// app.json, WXML/WXSS, ES6 → ES5), offline. Fails on a missing page, a broken template or a JS
// syntax error. Nothing is uploaded or signed: a throwaway RSA key is generated for each run.
const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
const ci = require('miniprogram-ci')

const ROOT = path.join(__dirname, '..')

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gj-ci-'))
  const keyPath = path.join(tmp, 'private.key')
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs1', format: 'pem' }))
  const project = new ci.Project({
    appid: 'wx0000000000000000',
    type: 'miniProgram',
    projectPath: ROOT,
    privateKeyPath: keyPath,
    ignores: ['node_modules/**/*', 'test/**/*', 'tools/**/*'],
  })
  // Offline: do not ask WeChat's servers for the project's attributes.
  project.attr = async () => ci.DefaultProjectAttr
  const out = path.join(tmp, 'out')
  const result = await ci.getCompiledResult({ project, version: '0.0.0', setting: { es6: true, enhance: true, minify: false } }, out)
  const files = Object.keys(result)
  const appJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'app.json'), 'utf8'))
  const missing = appJson.pages.filter((p) => !files.some((f) => f.replace(/\\/g, '/').includes(p)))
  fs.rmSync(tmp, { recursive: true, force: true })
  if (missing.length) throw new Error(`pages missing from the build: ${missing.join(', ')}`)
  console.log(`miniprogram-ci build ok: ${files.length} files, ${appJson.pages.length} pages`)
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error('miniprogram-ci build failed:', err && err.message ? err.message : err)
    process.exit(1)
  },
)
