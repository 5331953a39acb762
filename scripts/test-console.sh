#!/usr/bin/env bash
# Tests of the desk console's web app (internal/console/web): a type check
# (vue-tsc) and the vitest unit tests. The Go side (embedding, the committed
# build equal to what the sources build, the end-to-end test in Chromium)
# runs with `go test`.
#
# Idempotent: npm ci runs only when node_modules is missing or package-lock.json changed
# (the same stamp as internal/console's TestDistIsWhatSourcesBuild).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/npm-install.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/../internal/console/web"
npm_install test-console npm
export TZ=UTC
npx vue-tsc --noEmit
npx vitest run
