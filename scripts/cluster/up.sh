#!/usr/bin/env bash
# Starts (or stops) a whole multi-process deployment on this machine: a real
# 3-master Redis Cluster on loopback ports (redis-cluster.sh, installing the
# Debian redis-server if missing) and N server processes on different ports
# against one fresh MariaDB database and that cluster, sharing the JWT
# secret, the personal-data key and the ticket key. The servers use the
# built-in WeChat emulator (development mode: `dev:<name>` login codes), and
# `dev:benchadmin` is an admin.
#
#   scripts/cluster/up.sh start [N] [HTTP_BASE_PORT] [REDIS_BASE_PORT]   # default 2 8181 7101
#   scripts/cluster/up.sh stop
#
# On success it prints the servers' URLs and the command that spreads the
# bench's load over all of them (go run ./scripts/bench -addr URL1,URL2,...).
# State (binary, logs, pids, secrets) lives in ${TMPDIR:-/tmp}/gongjian-cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmd=${1:-start}
n=${2:-2}
http_base=${3:-8181}
redis_base=${4:-7101}
dir=${TMPDIR:-/tmp}/gongjian-cluster
mysql_admin="root@tcp(127.0.0.1:3306)/" # the machine's MariaDB, as the tests and the bench use it
db=${GONGJIAN_CLUSTER_DB:-gjcluster}

stop() {
  if [ -d "$dir" ]; then
    for f in "$dir"/server-*.pid; do
      [ -e "$f" ] || continue
      pid=$(cat "$f")
      kill -TERM "$pid" 2>/dev/null || true
    done
    for f in "$dir"/server-*.pid; do
      [ -e "$f" ] || continue
      pid=$(cat "$f")
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      rm -f "$f"
    done
    [ -f "$dir/redis_base" ] && bash scripts/cluster/redis-cluster.sh stop "$(cat "$dir/redis_base")"
  fi
  mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
  rm -rf "$dir"
}

case "$cmd" in
stop) stop; exit 0 ;;
start) ;;
*) echo "usage: $0 start [N] [HTTP_BASE_PORT] [REDIS_BASE_PORT] | stop" >&2; exit 2 ;;
esac
[ "$n" -ge 1 ] || { echo "N must be at least 1" >&2; exit 2; }

stop
mkdir -p "$dir/data"
echo "$redis_base" >"$dir/redis_base"
redis_addr=$(bash scripts/cluster/redis-cluster.sh start "$redis_base")
echo "Redis Cluster: $redis_addr"

go build -o "$dir/gongjian" ./server
mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
dsn="${mysql_admin}${db}"
jwt=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export GONGJIAN_ENV=development GONGJIAN_DATA_DIR="$dir/data" GONGJIAN_MYSQL_DSN="$dsn" \
  GONGJIAN_MYSQL_MAX_OPEN_CONNS=$((64 / n > 16 ? 64 / n : 16)) \
  GONGJIAN_REDIS_ADDR="$redis_addr" GONGJIAN_REDIS_KEY_PREFIX="gjc:" GONGJIAN_JWT_SECRET="$jwt" \
  GONGJIAN_DATA_KEY="$(head -c 32 /dev/urandom | base64)" GONGJIAN_TICKET_KEY="$(head -c 32 /dev/urandom | base64)" \
  GONGJIAN_WECHAT_APP_ID= GONGJIAN_SEED_DEMO=never GONGJIAN_LOG_LEVEL=warn \
  GONGJIAN_LOGIN_PER_IP_PER_MINUTE=100000000 GONGJIAN_LIMIT_REGISTRATION_PER_IP=0 GONGJIAN_LIMIT_CHECKIN_PER_IP=0
"$dir/gongjian" migrate >"$dir/migrate.log" 2>&1

urls=()
for i in $(seq 0 $((n - 1))); do
  port=$((http_base + i))
  GONGJIAN_HTTP_ADDR="127.0.0.1:$port" nohup "$dir/gongjian" >"$dir/server-$i.log" 2>&1 &
  echo $! >"$dir/server-$i.pid"
  urls+=("http://127.0.0.1:$port")
done
for u in "${urls[@]}"; do
  ok=
  for _ in $(seq 1 300); do
    if curl -fsS "$u/readyz" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.2
  done
  [ -n "$ok" ] || { echo "$u did not become ready; logs in $dir" >&2; stop; exit 1; }
done

# dev:benchadmin logs in once (so the user exists) and becomes an admin.
openid=$(curl -fsS -XPOST "${urls[0]}/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"code":"dev:benchadmin"}' | sed -n 's/.*"openid":"\([^"]*\)".*/\1/p')
[ -n "$openid" ] || { echo "could not log dev:benchadmin in" >&2; stop; exit 1; }
"$dir/gongjian" admin grant --openid "$openid" --role admin >>"$dir/migrate.log" 2>&1

list=$(IFS=,; echo "${urls[*]}")
echo "$list" >"$dir/urls"
echo "servers: $list"
echo "bench over all of them:"
echo "  go run ./scripts/bench -addr $list -jwt-secret $jwt -mysql-dsn '$dsn' -admin benchadmin"
echo "stop: scripts/cluster/up.sh stop"
