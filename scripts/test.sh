#!/usr/bin/env bash
# The whole test suite: Go (with -race), the mini-program and the desk console.
#
# Uses the MariaDB and Redis of this machine when they are installed (starting
# them if they are stopped, each test creating its own database or key space);
# falls back to the embedded SQLite + in-process Redis where they are absent,
# and says which it used. Mini-program tests run when Node.js is installed.
set -uo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 60); do listening "$1" && return 0; sleep 0.5; done; return 1; }

# --- services ---------------------------------------------------------------
if ! listening 3306 && [ -x /usr/sbin/mariadbd ]; then
  say "starting MariaDB"
  mkdir -p /run/mysqld 2>/dev/null && chown mysql:mysql /run/mysqld 2>/dev/null
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1 || true
  wait_port 3306 || echo "MariaDB did not come up"
fi
if ! listening 6379 && command -v redis-server >/dev/null; then
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
  wait_port 6379 || echo "Redis did not come up"
fi
if listening 3306 && listening 6379; then
  export GONGJIAN_TEST_BACKEND=real
  say "backend: real MariaDB (127.0.0.1:3306) and Redis (127.0.0.1:6379)"
else
  export GONGJIAN_TEST_BACKEND=embedded
  say "backend: EMBEDDED (SQLite + in-process Redis): MariaDB/Redis not available here"
fi

# Every test creates its own database with its own pool; packages run in
# parallel, so allow more connections than MariaDB's default 151.
if [ "$GONGJIAN_TEST_BACKEND" = real ] && command -v mariadb >/dev/null; then
  mariadb -h 127.0.0.1 -u root -e "SET GLOBAL max_connections = 2000" 2>/dev/null || true
fi

status=0

# The desk console's end-to-end test drives Debian's Chromium (server/console_e2e_test.go).
source scripts/screenshots-console/chromium.sh
need_chromium

# --- Go ---------------------------------------------------------------------
say "go vet"
go vet ./... || status=1
say "go test -race"
# The server package's HTTP tests take about 8 minutes on an idle 2-core
# machine and twice that on a busy one: 15 minutes was too close.
go test -race -count=1 -timeout 40m ./... 2>&1 | tee /tmp/gongjian-go-test.log
[ "${PIPESTATUS[0]}" = 0 ] || status=1

# --- mini-program -----------------------------------------------------------
if command -v node >/dev/null && command -v npm >/dev/null && [ -f scripts/test-miniprogram.sh ]; then
  say "mini-program tests"
  bash scripts/test-miniprogram.sh || status=1
else
  say "mini-program tests skipped: Node.js/npm not installed"
fi

# --- desk console (web app) ---------------------------------------------------
if command -v node >/dev/null && command -v npm >/dev/null; then
  say "console tests"
  bash scripts/test-console.sh || status=1
else
  say "console tests skipped: Node.js/npm not installed"
fi

if [ "$status" = 0 ]; then say "ALL TESTS PASSED"; else say "TESTS FAILED"; fi
exit "$status"
