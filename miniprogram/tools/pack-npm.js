// Builds src/miniprogram_npm/ from package.json "dependencies" with WeChat's own packer
// (miniprogram-ci, offline). Same result as DevTools "工具 → 构建 npm".
const path = require('path')
const ci = require('miniprogram-ci')

const ROOT = path.join(__dirname, '..')

ci.packNpmManually({
  packageJsonPath: path.join(ROOT, 'package.json'),
  miniprogramNpmDistDir: path.join(ROOT, 'src'),
}).then((res) => {
  console.log(`miniprogram_npm: ${res.miniProgramPackNum} mini-program packages, ${res.otherNpmPackNum} other packages`)
  process.exit(0)
}, (err) => {
  console.error('packNpm failed:', err && err.message ? err.message : err)
  process.exit(1)
})
