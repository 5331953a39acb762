#!/usr/bin/env bash
# Tests for the WeChat mini-program in miniprogram/: page and component tests (miniprogram-simulate
# + j-component on jsdom), WeChat's own WXML/WXSS compilers, a miniprogram-ci build, a tsc type
# check, and a front-to-back test against the real Go server (skipped when it cannot be built).
#
# Idempotent: npm ci runs only when node_modules is missing or package-lock.json changed;
# miniprogram_npm is rebuilt only when missing or older than package-lock.json.
# Env: GONGJIAN_SERVER_BIN=/path/to/gongjian uses a prebuilt server for the front-to-back test;
#      GONGJIAN_E2E_REQUIRED=1 makes that test fail instead of skipping when it cannot run.
# `--install-only` installs and packs npm without running the checks (used by scripts/screenshots).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/npm-install.sh"
MP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../miniprogram" && pwd)"
cd "$MP_DIR"
npm_install test-miniprogram node "(first run takes a few minutes)"

if [ ! -d src/miniprogram_npm ] || [ package-lock.json -nt src/miniprogram_npm ]; then
  node tools/pack-npm.js
  touch src/miniprogram_npm
fi

if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi

# miniprogram-ci leaves empty hash-named folders in the working directory; remove ours.
cleanup() { find "$MP_DIR" -maxdepth 1 -type d -empty -regextype posix-extended -regex '.*/[0-9a-f]{32}' -delete 2>/dev/null || true; }
trap cleanup EXIT

export TZ=Asia/Shanghai
node --test --test-reporter=spec test/*.test.js
