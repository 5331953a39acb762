#!/usr/bin/env bash
# Screenshots of every page of the desk console in docs/screenshots/console/ (1366×768, headless
# Chromium): runs the console's end-to-end test (server/console_e2e_test.go) against this machine's
# MariaDB and Redis with GONGJIAN_CONSOLE_SCREENSHOTS set. Installs Debian's chromium and the CJK
# fonts when missing (apt-get, as root).
# Usage: bash scripts/screenshots-console/run.sh [outDir]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$REPO/scripts/screenshots-console/chromium.sh"
need_chromium

out="${1:-$REPO/docs/screenshots/console}"
mkdir -p "$out"
rm -f "$out"/*.png
cd "$REPO"
GONGJIAN_TEST_BACKEND="${GONGJIAN_TEST_BACKEND:-real}" GONGJIAN_E2E_REQUIRED=1 GONGJIAN_CONSOLE_SCREENSHOTS="$out" \
  go test -count=1 -timeout 10m ./server/ -run '^TestConsoleEndToEnd$'
rm -f "$out/failed.png"
ls "$out"
