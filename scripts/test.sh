#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this and nothing else):
#   1. install what is missing (scripts/setup.sh)
#   2. build (GCC, RelWithDebInfo) and run every test under ctest
#   3. build again with clang, AddressSanitizer + UndefinedBehaviorSanitizer
#      (and libFuzzer's coverage hooks), and rerun every test but the browser's
#   4. fuzz the parsers of untrusted input from that same tree, a fixed
#      budget shared among the fuzzers
# and ends with a table: each stage, its wall time, the tests it ran and
# passed. Every compile goes through ccache (~/.cache/ccache), so a second
# run recompiles only what changed.
#
#   scripts/test.sh                  # what CI runs
#   scripts/test.sh --repeat N       # the daemon and browser tests N times in a row
#                                    #   (normal build; --label REGEX for other labels,
#                                    #   --asan to repeat them in the sanitizer tree)
#   scripts/test.sh --long           # deep run, not in CI: full-size daemon loads under
#                                    #   the sanitizers and 10 minutes per fuzzer
#
# Environment: SIGNFLOW_FUZZ_BUDGET (seconds shared by all fuzzers, default
# 120), SIGNFLOW_CTEST_ARGS (extra ctest arguments, e.g. "-R daemon_"),
# SIGNFLOW_CTEST_JOBS (tests at once, default 3: on 2 cores a third overlaps
# the tests that mostly wait, an expiry of a minute, a watcher's debounce;
# measured 2026-12-08, docs/development.md).
set -euo pipefail
cd "$(dirname "$0")/.."

repeat=0
label='daemon|browser'
long=0
repeat_tree=build
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat="${2:?--repeat needs a count}"; shift 2 ;;
    --label) label="${2:?--label needs a regular expression}"; shift 2 ;;
    --asan) repeat_tree=build-asan; shift ;;
    --long) long=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$repeat" in ''|*[!0-9]*) echo "test.sh: --repeat takes a number" >&2; exit 2 ;; esac

# ---- the stage table
names=() walls=() ran=() passed=() verdicts=()
finished=0  # set by the last line: an interrupted run is not a pass
started_all=$(date +%s)
table() {
  local status=$?
  [ ${#names[@]} -gt 0 ] || return 0
  echo
  printf '%-34s %9s %7s %7s  %s\n' "stage" "wall" "ran" "passed" ""
  local i
  for i in "${!names[@]}"; do
    printf '%-34s %6dm%02ds %7s %7s  %s\n' "${names[$i]}" $((walls[$i] / 60)) $((walls[$i] % 60)) \
      "${ran[$i]}" "${passed[$i]}" "${verdicts[$i]}"
  done
  local total=$(( $(date +%s) - started_all ))
  printf '%-34s %6dm%02ds\n' "total" $((total / 60)) $((total % 60))
  if [ "$status" -eq 0 ] && [ "$finished" -eq 1 ]; then echo "== all tests passed"
  else echo "== FAILED or stopped (exit $status)"; return 1; fi
}
trap table EXIT

# stage NAME COMMAND...: runs COMMAND, timing it; a ctest or fuzz stage sets
# stage_ran / stage_passed (from its log) before returning.
stage() {
  local name="$1"; shift
  echo "== $name"
  stage_ran="-" stage_passed="-"
  local t0 status=0
  t0=$(date +%s)
  "$@" || status=$?
  names+=("$name") walls+=($(( $(date +%s) - t0 ))) ran+=("$stage_ran") passed+=("$stage_passed")
  if [ "$status" -eq 0 ]; then verdicts+=("ok"); else verdicts+=("FAILED"); fi
  return "$status"
}

# ctest_run LOG CTEST-ARGS...: ctest, its output kept in LOG; counts from
# its summary line ("97% tests passed, 3 tests failed out of 333").
ctest_run() {
  local log="$1"; shift
  local status=0
  # shellcheck disable=SC2086
  ctest --output-on-failure -j"${SIGNFLOW_CTEST_JOBS:-3}" "$@" ${SIGNFLOW_CTEST_ARGS:-} 2>&1 | tee "$log" || status=$?
  local line total failed
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  if [ -n "$line" ]; then
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    failed=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    stage_ran=$(( ${stage_ran/-/0} + total )) stage_passed=$(( ${stage_passed/-/0} + total - failed ))
  fi
  return "$status"
}

fuzz_run() {
  local status=0
  BUILD_DIR=build-asan ./scripts/fuzz.sh "$@" 2>&1 | tee build-asan/fuzz.log || status=$?
  stage_ran=$(grep -c '^fuzz.sh: [a-z_]* for ' build-asan/fuzz.log || true)
  stage_passed=$(grep -c '^fuzz.sh: [a-z_]* done: no finding' build-asan/fuzz.log || true)
  return "$status"
}

# The sanitizer tree: clang-14 with ASan + UBSan, and libFuzzer's coverage
# hooks (-fsanitize=fuzzer-no-link) so that the fuzzers are built from it
# too: one sanitized build instead of two. -O1 and line tables only: enough
# for symbolized stacks, at a fraction of -O2 -g's compile time and memory
# (docs/development.md has the figures).
asan_configure=(build-asan -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
  -DCMAKE_BUILD_TYPE=Sanitize -DSIGNFLOW_SANITIZE=ON -DSIGNFLOW_FUZZ=ON -DSIGNFLOW_BENCH=OFF)
# A build-asan configured by an earlier test.sh (GCC) is started afresh:
# CMake cannot switch a tree's compiler in place.
if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++-14$' build-asan/CMakeCache.txt; then
  rm -rf build-asan
fi
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
[ "$long" -eq 1 ] && export SIGNFLOW_LONG_TESTS=1

stage "setup (apt, npm)" ./scripts/setup.sh

if [ "$repeat" -gt 0 ]; then
  if [ "$repeat_tree" = build ]; then
    stage "build" ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  else
    stage "build (clang, ASan + UBSan)" ./scripts/build.sh "${asan_configure[@]}"
  fi
  for i in $(seq 1 "$repeat"); do
    stage "ctest -L '$label', round $i/$repeat" \
      ctest_run "$repeat_tree/ctest-repeat-$i.log" --test-dir "$repeat_tree" -L "$label"
  done
  finished=1
  exit 0
fi

stage "build (gcc)" ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
stage "ctest" ctest_run build/ctest.log --test-dir build
stage "build (clang, ASan + UBSan)" ./scripts/build.sh "${asan_configure[@]}"
stage "ctest under ASan + UBSan" ctest_run build-asan/ctest.log --test-dir build-asan
if [ "$long" -eq 1 ]; then
  stage "fuzz (600 s per fuzzer)" fuzz_run 600
else
  stage "fuzz (${SIGNFLOW_FUZZ_BUDGET:-120} s in all)" fuzz_run --budget "${SIGNFLOW_FUZZ_BUDGET:-120}"
fi
finished=1
