#!/usr/bin/env bash
# Durable events over HTTP: `signflow serve` on examples/card.flow with a
# fresh SQLite file (WAL, synchronous=FULL: every answer waits for its group
# commit's fsync), loaded with wrk. Target: >= 10,000 events/s, p99 <= 20 ms.
#
#   scripts/bench-daemon.sh SIGNFLOW [CONNECTIONS...]     # default: 16 64 256
#   scripts/bench-daemon.sh build-bench/app/signflow 64
#
# Builds nothing: give it a Release binary (see bench/CMakeLists.txt). For
# each connection count it starts a daemon on a temporary rules folder
# (card.flow) and database (under ${TMPDIR:-/tmp}: keep it on a real disk, a
# tmpfs makes fsync free), waits for /healthz, warms up with wrk, runs
#   wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s bench/wrk/post_event.lua \
#       http://127.0.0.1:PORT/v1/events/form_submitted
# reads /metrics before and after the run (commits, changes committed, the
# signflow_commit_batch_size histogram), stops the daemon with SIGTERM (it
# commits what is in flight), and checks that the envelopes in the database
# match the 2xx answers wrk counted: every 2xx is an envelope, and the
# envelopes beyond them are at most the requests in flight when wrk stopped
# (one per connection per run). Prints a table at the end.
#
# STORE=postgres runs the daemon on PostgreSQL instead (a server this script
# starts under /tmp with tests/daemon/pgserver.py, fsync on, one fresh
# database per run); STORE=both runs each connection count on SQLite, then
# on PostgreSQL, and prints their ratio (measured in the same run).
#
# Environment: DURATION (20s), WARMUP (5s), THREADS (wrk threads, 2),
# DAEMON_THREADS (signflow serve --threads; default: the daemon's own),
# KEEP=1 keeps the temporary folders (the daemon's log, the database).
# wrk runs on the same machine as the daemon and competes for its cores.
# Exits 1 when a sanity check fails or the daemon does not exit cleanly on
# SIGTERM (not when a target is missed).
set -euo pipefail

if [ $# -lt 1 ]; then
  sed -n '2,9p' "$0" >&2
  exit 2
fi
signflow="$(realpath "$1")"
shift
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(16 64 256)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lua="$root/bench/wrk/post_event.lua"
duration="${DURATION:-20s}"
warmup="${WARMUP:-5s}"
threads="${THREADS:-2}"
[ -x "$signflow" ] || { echo "bench-daemon: $signflow is not executable" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench-daemon: wrk is not installed" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "bench-daemon: sqlite3 (the shell) is not installed" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
metric() {  # metric FILE NAME: the value of an unlabelled sample (0 if absent)
  awk -v n="$2" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }' "$1"
}
bucket() {  # bucket FILE LE: the cumulative count of signflow_commit_batch_size_bucket{le="LE"}
  awk -v n="signflow_commit_batch_size_bucket{le=\"$2\"}" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }' "$1"
}
field() {  # field LINE NAME: NAME=value in wrk's RESULT line
  sed -n "s/.*[[:space:]]$2=\([0-9.]*\).*/\1/p" <<<" $1"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

case "${STORE:-sqlite}" in
  sqlite) stores=(sqlite) ;;
  postgres) stores=(postgres) ;;
  both) stores=(sqlite postgres) ;;
  *) echo "bench-daemon: STORE is sqlite, postgres or both" >&2; exit 2 ;;
esac

rows=()
declare -A rate
failed=0
pid=""
dir=""
pgdir=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$dir" ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$dir"; fi
  if [ -n "$pgdir" ]; then /usr/bin/python3 "$root/tests/daemon/pgserver.py" stop "$pgdir" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [[ " ${stores[*]} " == *" postgres "* ]]; then
  pgdir="/tmp/signflow-bench-pg-$$"
  pgport="$(/usr/bin/python3 "$root/tests/daemon/pgserver.py" start "$pgdir")"
  psql_do() { psql -X -q -A -t -h 127.0.0.1 -p "$pgport" -U signflow "$@"; }
  echo "== PostgreSQL $(psql_do -d postgres -c 'SHOW server_version') on 127.0.0.1:$pgport ($pgdir)" >&2
fi

for c in "${counts[@]}"; do
for store in "${stores[@]}"; do
  dir="$(mktemp -d "${TMPDIR:-/tmp}/signflow-bench-daemon.XXXXXX")"
  mkdir -p "$dir/rules"
  cp "$root/examples/card.flow" "$dir/rules/"
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  extra=()
  [ -n "${DAEMON_THREADS:-}" ] && extra=(--threads "$DAEMON_THREADS")
  if [ "$store" = postgres ]; then
    dbname="bench_${c}_$$"
    psql_do -d postgres -c "CREATE DATABASE $dbname"
    db="postgresql://signflow@127.0.0.1:$pgport/$dbname"
    extra+=(--data-dir "$dir")
    key_file="$dir/$dbname-admin.key"
  else
    db="$dir/signflow.db"
    key_file="$dir/signflow-admin.key"
  fi
  "$signflow" serve --rules "$dir/rules" --db "$db" --listen "127.0.0.1:$port" \
    --connector-log "$dir/calls.jsonl" --no-watch --log-level warn "${extra[@]}" >"$dir/daemon.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    curl -sf "$url/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "bench-daemon: the daemon exited:" >&2; cat "$dir/daemon.log" >&2; exit 1; }
    sleep 0.1
  done
  # Every request carries the first admin key, as a client's would (the
  # key check is part of what is measured).
  export SIGNFLOW_API_KEY="$(cat "$key_file")"
  auth=(-H "Authorization: Bearer $SIGNFLOW_API_KEY")
  echo "== $c connections, $store: daemon pid $pid on $url, database $db" >&2

  wrk -t"$threads" -c"$c" -d"$warmup" -s "$lua" "$url/v1/events/form_submitted" >"$dir/warmup.txt"
  warm="$(grep '^RESULT' "$dir/warmup.txt")"
  warm_ok=$(( $(field "$warm" requests) - $(field "$warm" non2xx) ))

  curl -sf "${auth[@]}" "$url/metrics" >"$dir/metrics-before.txt"
  cpu_before=$(cpu_ticks "$pid")
  wrk -t"$threads" -c"$c" -d"$duration" --latency -s "$lua" "$url/v1/events/form_submitted" | tee "$dir/wrk.txt" >&2
  cpu_after=$(cpu_ticks "$pid")
  curl -sf "${auth[@]}" "$url/metrics" >"$dir/metrics-after.txt"

  kill -TERM "$pid"
  wait "$pid" || { echo "bench-daemon: the daemon exited with $?" >&2; failed=1; }
  pid=""
  if [ "$store" = postgres ]; then
    envelopes=$(psql_do -d "$dbname" -c 'SELECT count(*) FROM instances')
    psql_do -d postgres -c "DROP DATABASE $dbname"
  else
    envelopes=$(sqlite3 "$dir/signflow.db" 'SELECT count(*) FROM instances')
  fi

  r="$(grep '^RESULT' "$dir/wrk.txt")"
  requests=$(field "$r" requests)
  non2xx=$(field "$r" non2xx)
  ok=$((requests - non2xx))
  errors=$(( $(field "$r" connect) + $(field "$r" read) + $(field "$r" write) + $(field "$r" timeout) ))
  seconds=$(awk -v us="$(field "$r" duration_us)" 'BEGIN { printf "%.3f", us / 1e6 }')
  rps=$(awk -v n="$ok" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
  ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
  p50=$(ms "$(field "$r" p50_us)"); p90=$(ms "$(field "$r" p90_us)")
  p99=$(ms "$(field "$r" p99_us)"); pmax=$(ms "$(field "$r" max_us)")

  b=$dir/metrics-before.txt a=$dir/metrics-after.txt
  commits=$(( $(metric "$a" signflow_commits_total) - $(metric "$b" signflow_commits_total) ))
  changes=$(( $(metric "$a" signflow_committed_changes_total) - $(metric "$b" signflow_committed_changes_total) ))
  commits_s=$(awk -v n="$commits" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
  mean_batch=$(awk -v c="$changes" -v n="$commits" 'BEGIN { printf "%.1f", n ? c / n : 0 }')
  hist=""
  prev=0
  for le in 1 4 16 64 256 1024 +Inf; do
    v=$(( $(bucket "$a" "$le") - $(bucket "$b" "$le") ))
    hist+="${hist:+ }≤$le:$((v - prev))"
    prev=$v
  done
  hz=$(getconf CLK_TCK)
  cpu=$(awk -v t=$((cpu_after - cpu_before)) -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.0f", 100 * t / hz / s }')

  # Sanity: every 2xx is an envelope; at most one request per connection per
  # wrk run was in flight (started, but not counted by wrk) when it stopped.
  extra_envelopes=$((envelopes - warm_ok - ok))
  check="ok"
  if [ "$non2xx" -ne 0 ] || [ "$extra_envelopes" -lt 0 ] || [ "$extra_envelopes" -gt $((2 * c)) ]; then
    check="FAILED"
    failed=1
  fi
  echo "   envelopes in the db: $envelopes = $warm_ok (warm-up 2xx) + $ok (2xx) + $extra_envelopes in flight at the ends; $check" >&2
  echo "   commits: $commits in ${seconds}s = $commits_s/s; $changes changes, $mean_batch per commit; batch sizes: $hist" >&2
  echo "   daemon CPU: ${cpu}% of one core (of 200%); socket errors: $errors" >&2
  rows+=("$(printf '| %8s | %5s | %8s | %7s | %7s | %7s | %8s | %7s | %7s | %6s | %5s | %s |' \
    "$store" "$c" "$rps" "$p50" "$p90" "$p99" "$pmax" "$commits_s" "$mean_batch" "$non2xx/$errors" "$cpu%" "$check")")
  rate[$store,$c]=$rps
  [ "${KEEP:-0}" = 1 ] && echo "   kept $dir" >&2 || rm -rf "$dir"
  dir=""
done
done

echo
echo "signflow serve, card.flow, POST /v1/events/form_submitted, wrk -t$threads -d$duration (fsync on; target >= 10,000/s, p99 <= 20 ms)"
echo "|    store | conns |    2xx/s | p50 ms  | p90 ms  | p99 ms  | max ms   | commit/s | chg/commit | non2xx/err | CPU | db check |"
echo "|---------:|------:|---------:|--------:|--------:|--------:|---------:|--------:|--------:|-------:|------:|---|"
printf '%s\n' "${rows[@]}"
if [ ${#stores[@]} -eq 2 ]; then
  for c in "${counts[@]}"; do
    awk -v c="$c" -v p="${rate[postgres,$c]}" -v s="${rate[sqlite,$c]}" \
      'BEGIN { printf "PostgreSQL / SQLite at %s connections: %s / %s = %.0f%% (target: at least 60%%)\n", c, p, s, s ? 100 * p / s : 0 }'
  done
fi
exit $failed
