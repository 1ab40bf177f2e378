#!/usr/bin/env bash
# Several daemons on one PostgreSQL database (docs/operations.md, "Running
# several daemons"): what coordination costs. On one machine the daemons,
# PostgreSQL and wrk share the cores, so each figure is a ratio or a
# difference measured in one run.
#
#   bench/cluster.sh SIGNFLOW [CONNECTIONS]      # default 64
#
# 1. Events/s (POST /v1/events/form_submitted, card.flow, fsync on): one
#    daemon alone, then two daemons (a leader and a standby that forwards
#    to it) with the same connections split over both. Target: two >= 85%
#    of one.
# 2. The p50 a forwarded request adds: one connection, to the leader, then
#    to the standby (wrk -c1). Target: at most 1 ms.
# 3. Takeover time against the number of running envelopes: the leader
#    killed (kill -9), the time until the standby acknowledges an event
#    (it restores every running envelope first).
#
# Environment: DURATION (15s), WARMUP (4s), ENVELOPES (takeover sizes,
# "0 2000 20000"), KEEP=1 keeps the temporary folder. Builds nothing: give it
# a Release binary (bench/CMakeLists.txt).
set -euo pipefail

if [ $# -lt 1 ]; then
  sed -n '2,20p' "$0" >&2
  exit 2
fi
signflow="$(realpath "$1")"
conns="${2:-64}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lua="$root/bench/wrk/post_event.lua"
duration="${DURATION:-15s}"
warmup="${WARMUP:-4s}"
sizes=(${ENVELOPES:-0 2000 20000})
command -v wrk >/dev/null || { echo "bench-cluster: wrk is not installed" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
field() { sed -n "s/.*[[:space:]]$2=\([0-9.]*\).*/\1/p" <<<" $1"; }
now() { date +%s.%N; }

dir="$(mktemp -d "${TMPDIR:-/tmp}/signflow-bench-cluster.XXXXXX")"
pgdir="/tmp/signflow-bench-cluster-pg-$$"  # (not in $dir: the server runs as postgres)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  /usr/bin/python3 "$root/tests/daemon/pgserver.py" stop "$pgdir" >/dev/null 2>&1 || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"
}
trap cleanup EXIT
pgport="$(/usr/bin/python3 "$root/tests/daemon/pgserver.py" start "$pgdir")"
psql_do() { psql -X -q -A -t -h 127.0.0.1 -p "$pgport" -U signflow "$@"; }
mkdir -p "$dir/rules" "$dir/files"
cp "$root/examples/card.flow" "$dir/rules/"

n=0
fresh_db() {  # a new database; sets db
  n=$((n + 1))
  dbname="cluster_$n"
  psql_do -d postgres -c "CREATE DATABASE $dbname"
  db="postgresql://signflow@127.0.0.1:$pgport/$dbname"
}
start() {  # start NAME PORT: a daemon on $db; its pid in pid_NAME
  "$signflow" serve --rules "$dir/rules" --db "$db" --listen "127.0.0.1:$2" --data-dir "$dir/files" \
    --connector-log "$dir/$1-calls.jsonl" --no-watch --log-level warn >"$dir/$1.log" 2>&1 &
  local p=$!
  pids+=("$p")
  eval "pid_$1=$p"
}
wait_serving() {  # wait_serving PORT: /healthz 200 (a standby: the leader's, forwarded)
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "bench-cluster: nothing serves on $1" >&2
  cat "$dir"/*.log >&2
  exit 1
}
rate() {  # rate RESULT-LINE: 2xx per second
  awk -v r="$(field "$1" requests)" -v e="$(field "$1" non2xx)" -v us="$(field "$1" duration_us)" \
    'BEGIN { printf "%.0f", (r - e) / (us / 1e6) }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1000 }'; }

# ---- 1. one daemon, then two
fresh_db
pa=$(free_port); pb=$(free_port)
start a "$pa"; wait_serving "$pa"
export SIGNFLOW_API_KEY="$(cat "$dir/files/$dbname-admin.key")"
wrk -t2 -c"$conns" -d"$warmup" -s "$lua" "http://127.0.0.1:$pa/v1/events/form_submitted" >/dev/null
one="$(wrk -t2 -c"$conns" -d"$duration" -s "$lua" "http://127.0.0.1:$pa/v1/events/form_submitted" | grep '^RESULT')"
start b "$pb"; wait_serving "$pb"
half=$((conns / 2))
wrk -t1 -c"$half" -d"$warmup" -s "$lua" "http://127.0.0.1:$pb/v1/events/form_submitted" >/dev/null
wrk -t1 -c"$half" -d"$duration" -s "$lua" "http://127.0.0.1:$pa/v1/events/form_submitted" >"$dir/two-a.txt" &
wa=$!
wrk -t1 -c"$half" -d"$duration" -s "$lua" "http://127.0.0.1:$pb/v1/events/form_submitted" >"$dir/two-b.txt"
wait "$wa"
ra="$(grep '^RESULT' "$dir/two-a.txt")"; rb="$(grep '^RESULT' "$dir/two-b.txt")"
one_rate=$(rate "$one"); a_rate=$(rate "$ra"); b_rate=$(rate "$rb"); two_rate=$((a_rate + b_rate))
bad=$(( $(field "$one" non2xx) + $(field "$ra" non2xx) + $(field "$rb" non2xx) ))

# ---- 2. the p50 a forwarded request adds
direct="$(wrk -t1 -c1 -d"$duration" --latency -s "$lua" "http://127.0.0.1:$pa/v1/events/form_submitted" | grep '^RESULT')"
forwarded="$(wrk -t1 -c1 -d"$duration" --latency -s "$lua" "http://127.0.0.1:$pb/v1/events/form_submitted" | grep '^RESULT')"
bad=$((bad + $(field "$direct" non2xx) + $(field "$forwarded" non2xx)))
kill -TERM "$pid_b" "$pid_a"; wait "$pid_b" "$pid_a" || true

# ---- 3. takeover against running envelopes
takeovers=()
for size in "${sizes[@]}"; do
  fresh_db
  pa=$(free_port); pb=$(free_port)
  start a "$pa"; wait_serving "$pa"
  export SIGNFLOW_API_KEY="$(cat "$dir/files/$dbname-admin.key")"
  while [ "$(psql_do -d "$dbname" -c 'SELECT count(*) FROM instances')" -lt "$size" ]; do
    wrk -t2 -c64 -d2s -s "$lua" "http://127.0.0.1:$pa/v1/events/form_submitted" >/dev/null
  done
  running=$(psql_do -d "$dbname" -c "SELECT count(*) FROM instances WHERE status = 'running'")
  start b "$pb"; wait_serving "$pb"
  sleep 1
  kill -9 "$pid_a"
  t0=$(now)
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $SIGNFLOW_API_KEY" \
      -H 'Content-Type: application/json' -d '{"signers":{"client":"c@x.com","manager":"m@x.com"}}' \
      "http://127.0.0.1:$pb/v1/events/form_submitted")" = 202 ]; do
    sleep 0.02
  done
  took=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  takeovers+=("$running:$took")
  kill -TERM "$pid_b"; wait "$pid_b" || true
done

echo
echo "signflow serve on PostgreSQL $(psql_do -d postgres -c 'SHOW server_version'), card.flow, fsync on, $(date -u +%F)"
echo "| measure | figure | target |"
echo "|---|---:|---|"
echo "| one daemon, $conns connections | $one_rate events/s | |"
echo "| two daemons, $half + $half connections (leader + forwarding standby) | $two_rate events/s ($a_rate + $b_rate) | |"
awk -v t="$two_rate" -v o="$one_rate" 'BEGIN { printf "| two / one | %.0f%% | at least 85%% |\n", o ? 100 * t / o : 0 }'
echo "| p50, one connection, to the leader | $(ms "$(field "$direct" p50_us)") ms | |"
echo "| p50, one connection, through the standby | $(ms "$(field "$forwarded" p50_us)") ms | |"
awk -v f="$(field "$forwarded" p50_us)" -v d="$(field "$direct" p50_us)" \
  'BEGIN { printf "| added by forwarding (p50) | %.3f ms | at most 1 ms |\n", (f - d) / 1000 }'
for t in "${takeovers[@]}"; do
  echo "| takeover after kill -9, ${t%%:*} running envelopes | ${t##*:} s | |"
done
[ "$bad" -eq 0 ] || { echo "bench-cluster: $bad answers were not 2xx" >&2; exit 1; }
