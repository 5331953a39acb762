#!/usr/bin/env bash
# Starts (or stops) a real 3-master Redis Cluster on loopback ports with the
# Debian redis-server, installing it if missing. Nothing is kept on disk
# beyond a temporary directory.
#
#   scripts/cluster/redis-cluster.sh start [BASE_PORT]   # default 7101 → 7101,7102,7103
#   scripts/cluster/redis-cluster.sh stop  [BASE_PORT]
#
# Prints the comma-separated addresses for GONGJIAN_REDIS_ADDR on success.
set -euo pipefail
cmd=${1:-start}
base=${2:-7101}
ports=("$base" "$((base + 1))" "$((base + 2))")
dir=${TMPDIR:-/tmp}/gongjian-redis-cluster-$base

if ! command -v redis-server >/dev/null; then
  echo "installing redis-server" >&2
  (apt-get update -qq && apt-get install -y -qq redis-server) >&2
fi

stop() {
  for p in "${ports[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  rm -rf "$dir"
}

case "$cmd" in
stop) stop; exit 0 ;;
start) ;;
*) echo "usage: $0 start|stop [BASE_PORT]" >&2; exit 2 ;;
esac

stop
mkdir -p "$dir"
for p in "${ports[@]}"; do
  mkdir -p "$dir/$p"
  redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
    --cluster-config-file "$dir/$p/nodes.conf" --cluster-node-timeout 2000 \
    --save "" --appendonly no --dir "$dir/$p" --daemonize yes \
    --logfile "$dir/$p/redis.log" >/dev/null
done
for p in "${ports[@]}"; do
  for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
addrs=$(printf '127.0.0.1:%s ' "${ports[@]}")
redis-cli --cluster create $addrs --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 1 100); do
  if redis-cli -p "$base" cluster info | grep -q 'cluster_state:ok'; then
    printf '%s\n' "$(printf '127.0.0.1:%s,' "${ports[@]}" | sed 's/,$//')"
    exit 0
  fi
  sleep 0.1
done
echo "cluster did not become ready" >&2
exit 1
