#!/usr/bin/env bash
# Tests of the desk console's web app (internal/console/web): a type check
# (vue-tsc) and the vitest unit tests. The Go side (embedding, the committed
# build equal to what the sources build, the end-to-end test in Chromium)
# runs with `go test`.
#
# Idempotent: npm ci runs only when node_modules is missing or package-lock.json changed
# (the same stamp as internal/console's TestDistIsWhatSourcesBuild).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../internal/console/web"

if ! command -v npm >/dev/null 2>&1; then
  echo "test-console: npm is not installed" >&2
  exit 1
fi
STAMP=node_modules/.gongjian-lock-stamp
if [ ! -d node_modules ] || ! cmp -s package-lock.json "$STAMP"; then
  echo "test-console: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$STAMP"
fi
export TZ=UTC
npx vue-tsc --noEmit
npx vitest run
