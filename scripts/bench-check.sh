#!/usr/bin/env bash
# Times `signflow check` on a folder of 1,000 generated workflows (target:
# under 0.5 s, wall clock, for the whole folder).
#
#   scripts/bench-check.sh [COUNT]          # default 1000
#
# The workflows come from bench/gen_workflows (the benchmarks' generator,
# fixed seed; every file is valid). The folder is written to a temporary
# directory and removed afterwards. The timing uses hyperfine when it is
# installed (`hyperfine --warmup 2`), otherwise /usr/bin/time -v over five runs.
# Environment:
#   SIGNFLOW   the binary to time; default build/app/signflow, else
#              $BENCH_BUILD/app/signflow
#   BENCH_BUILD the Release tree holding bench/gen_workflows; default build-bench,
#              configured and built (gen_workflows, and signflow when SIGNFLOW is
#              not found) when missing:
#              cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGNFLOW_TESTS=OFF
# Exits 1 when a check run fails (or reports errors) or the median time is
# over the target.
set -euo pipefail

count="${1:-1000}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bench_build="${BENCH_BUILD:-build-bench}"
target_seconds=0.5

need=(gen_workflows)
signflow="${SIGNFLOW:-}"
if [ -z "$signflow" ]; then
  if [ -x build/app/signflow ]; then signflow=build/app/signflow; else signflow="$bench_build/app/signflow"; need+=(signflow); fi
fi
if [ ! -f "$bench_build/build.ninja" ]; then
  cmake -S . -B "$bench_build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGNFLOW_TESTS=OFF >/dev/null
fi
ninja -C "$bench_build" -j2 "${need[@]}" >/dev/null

dir="$(mktemp -d "${TMPDIR:-/tmp}/signflow-bench-check.XXXXXX")"
trap 'rm -rf "$dir"' EXIT
"$bench_build/bench/gen_workflows" "$count" "$dir/flows"
bytes=$(cat "$dir"/flows/*.flow | wc -c)
echo "bench-check: $count files, $bytes bytes; timing: $signflow check $dir/flows" >&2

# One run first: it must succeed (exit 0: no errors).
"$signflow" check "$dir/flows" >/dev/null

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --export-json "$dir/result.json" "$signflow check $dir/flows"
  median=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' \
    "$dir/result.json")
else
  echo "bench-check: hyperfine is not installed; using /usr/bin/time -v (5 runs after 2 warm-ups)" >&2
  for _ in 1 2; do "$signflow" check "$dir/flows" >/dev/null 2>&1; done
  times=()
  for i in 1 2 3 4 5; do
    /usr/bin/time -v -o "$dir/time.$i" "$signflow" check "$dir/flows" >/dev/null 2>&1
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time.$i")
    secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.$i")
    echo "  run $i: ${secs} s wall, max RSS ${rss} KB" >&2
    times+=("$secs")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p)
fi

if awk -v m="$median" -v t="$target_seconds" 'BEGIN { exit !(m < t) }'; then
  echo "bench-check: median ${median} s for $count files (target < ${target_seconds} s): ok" >&2
else
  echo "bench-check: median ${median} s for $count files is over the target of ${target_seconds} s" >&2
  exit 1
fi
