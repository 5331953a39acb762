#!/usr/bin/env bash
# Renders the mini-program's main pages with demo data to docs/screenshots/*.png
# (headless Chromium; see render.js). Installs what it needs: the mini-program's npm packages,
# and Debian's chromium + CJK and emoji fonts when missing (apt-get, as root).
# Usage: bash scripts/screenshots/run.sh [outDir]      SHOTS=01,05 renders only those.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

bash "$REPO/scripts/test-miniprogram.sh" --install-only

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || need+=(fonts-noto-color-emoji)
if [ ${#need[@]} -gt 0 ]; then
  echo "screenshots: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

export TZ=Asia/Shanghai
node "$REPO/scripts/screenshots/render.js" "${1:-$REPO/docs/screenshots}"
