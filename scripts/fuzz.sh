#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input with libFuzzer: the workflow compiler
# (tests/fuzz/compile_fuzzer.cpp), event bodies through the engine
# (event_fuzzer.cpp), scenario files (scenario_fuzzer.cpp) and uploaded files
# through inspect_upload and PoDoFo (upload_fuzzer.cpp) and bulk-send
# uploads through the CSV reader (csv_fuzzer.cpp) and inbound webhook
# signatures (signature_fuzzer.cpp) and the signing page's form bodies
# (form_fuzzer.cpp), SECONDS each.
#
#   scripts/fuzz.sh [SECONDS]          # each fuzzer SECONDS (default 600): the long run
#   scripts/fuzz.sh --budget SECONDS   # SECONDS in all, shared evenly (CI: scripts/test.sh)
#
# Builds build-fuzz (clang-14, ASan + UBSan + libFuzzer, RelWithDebInfo) if
# needed (scripts/test.sh passes BUILD_DIR=build-asan, its sanitizer tree,
# which has the fuzzers too), then runs each fuzzer on one core; the compiler's with:
#   - a seed corpus, rebuilt on every run under build-fuzz/fuzz-seeds from
#     examples/*.flow, tests/dsl/**/*.flow and 300 generated valid workflows
#     (bench/gen_workflows.cpp, built in the fuzz tree as fuzz_seed_workflows);
#     with --budget, examples/*.flow only, and each working corpus trimmed
#     to its newest 200 inputs (loading counts against the budget: below);
#   - a working corpus that persists between runs: build-fuzz/fuzz-corpus;
#   - -dict=tests/fuzz/dict/flow.dict -max_len=65536 -timeout=10 -rss_limit_mb=2048;
#   - crash inputs saved to build-fuzz/fuzz-artifacts/ (printed in base64 too).
# Nothing is written inside the repository's source folders.
# Exits 0 when the run ends without a finding, non-zero on a crash, a
# sanitizer report (UBSan reports are made fatal here), a timeout or an
# out-of-memory. Replay one input:
#   build-fuzz/tests/fuzz/compile_fuzzer build-fuzz/fuzz-artifacts/crash-…
# Environment: BUILD_DIR (default build-fuzz), JOBS (build parallelism, default 2),
# FUZZ_ARGS (extra libFuzzer flags, e.g. FUZZ_ARGS=-seed=1).
set -euo pipefail

budget=""
if [ "${1:-}" = "--budget" ]; then budget="${2:-}"; seconds="$budget"; else seconds="${1:-600}"; fi
case "$seconds" in ''|*[!0-9]*) echo "usage: $0 [SECONDS] | --budget SECONDS" >&2; exit 2 ;; esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${BUILD_DIR:-build-fuzz}"
jobs="${JOBS:-2}"

if [ ! -f "$build/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DSIGNFLOW_FUZZ=ON -DSIGNFLOW_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
# The target list is read once into a variable: `ninja … | grep -q` under
# pipefail fails when grep stops reading early and ninja dies of SIGPIPE
# (it did on a clean clone, whose list is long enough not to fit the pipe).
all_targets="$(ninja -C "$build" -t targets all)"
has_target() { grep -q "^$1:" <<<"$all_targets"; }
if ! has_target compile_fuzzer; then
  echo "fuzz.sh: $build has no compile_fuzzer target (is it a SIGNFLOW_FUZZ=ON tree, and does" >&2
  echo "         tests/CMakeLists.txt add fuzz/ when SIGNFLOW_FUZZ is on?)" >&2
  exit 2
fi
targets=(compile_fuzzer event_fuzzer)
for t in scenario_fuzzer upload_fuzzer csv_fuzzer signature_fuzzer form_fuzzer; do
  if has_target "$t"; then targets+=("$t"); fi
done
ninja -C "$build" -j"$jobs" "${targets[@]}" fuzz_seed_workflows
# A budget is shared evenly: every parser gets its turn, and the stage's
# length does not grow with the number of fuzzers. At least 10 s each.
if [ -n "$budget" ]; then
  seconds=$(( budget / ${#targets[@]} ))
  [ "$seconds" -ge 10 ] || seconds=10
fi

# In a budget run (CI) every fuzzer gets a few seconds, and libFuzzer's
# -max_total_time counts the loading of its inputs: loaded under ASan, the
# compiler's 439 seeds took 108 s (the 300 generated workflows 92 s of it),
# the event fuzzer's 800 inputs 14 s, so those fuzzers never fuzzed at all.
# A budget run therefore seeds the compiler with the examples only, and
# keeps each working corpus to its newest $keep inputs (older ones are
# dropped: the corpus is a cache of this machine's past runs, not a record).
# The long run keeps every seed and every input.
keep=200
generated=300
if [ -n "$budget" ]; then generated=0; fi

artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

# UBSan: stop at the first report (the fuzz build does not pass
# -fno-sanitize-recover), with a stack; ASan: symbolized stacks.
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS="abort_on_error=1:${ASAN_OPTIONS:-}"
shopt -s nullglob globstar

# fuzz NAME SEEDS DICT MAX_LEN: runs one fuzzer for $seconds on its corpus.
fuzz() {
  local name="$1" seeds="$2" dict="$3" max_len="$4"
  local corpus="$build/fuzz-corpus/$name"
  mkdir -p "$corpus"
  if [ -n "$budget" ]; then
    # shellcheck disable=SC2012
    ls -t "$corpus" | tail -n +$((keep + 1)) | while read -r old; do rm -f "$corpus/$old"; done
  fi
  echo "fuzz.sh: $name for ${seconds}s; $(ls "$seeds" | wc -l) seeds, corpus $corpus ($(ls "$corpus" | wc -l) inputs)" >&2
  touch "$build/fuzz-run.start"
  local status=0 dict_arg=()
  [ -n "$dict" ] && dict_arg=(-dict="$dict")
  # shellcheck disable=SC2086
  "$build/tests/fuzz/$name" "$corpus" "$seeds" "${dict_arg[@]}" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -max_total_time="$seconds" -artifact_prefix="$artifacts/" -print_final_stats=1 \
    ${FUZZ_ARGS:-} || status=$?
  if [ "$status" -ne 0 ]; then
    echo "fuzz.sh: $name stopped with status $status. Inputs this run saved in $artifacts:" >&2
    for f in "$artifacts"/*; do
      [ -f "$f" ] && [ "$f" -nt "$build/fuzz-run.start" ] || continue
      echo "--- $f (base64):" >&2
      base64 -w 0 "$f" >&2
      echo >&2
    done
    exit "$status"
  fi
  echo "fuzz.sh: $name done: no finding in ${seconds}s" >&2
}

# The compiler: seeds are copies (flattened names) of the repository's
# workflows plus 300 generated ones, never the originals.
seeds="$build/fuzz-seeds/flow"
rm -rf "$seeds" && mkdir -p "$seeds"
flows=(examples/*.flow)
[ -n "$budget" ] || flows+=(tests/dsl/**/*.flow)
for f in "${flows[@]}"; do cp "$f" "$seeds/$(echo "$f" | tr '/' '_')"; done
if [ "$generated" -gt 0 ]; then
  "$build/tests/fuzz/fuzz_seed_workflows" "$generated" "$seeds/generated" 2>/dev/null
  mv "$seeds"/generated/*.flow "$seeds"/ && rmdir "$seeds/generated"
fi
fuzz compile_fuzzer "$seeds" tests/fuzz/dict/flow.dict 65536

# Event bodies: the scenarios' and tests' JSON events as seeds.
seeds="$build/fuzz-seeds/events"
rm -rf "$seeds" && mkdir -p "$seeds"
cp tests/fuzz/seeds/events/*.json "$seeds"/
fuzz event_fuzzer "$seeds" tests/fuzz/dict/json.dict 16384

if [[ " ${targets[*]} " == *" scenario_fuzzer "* ]]; then
  seeds="$build/fuzz-seeds/scenarios"
  rm -rf "$seeds" && mkdir -p "$seeds"
  for f in examples/*.scenario tests/engine/scenarios/**/*.scenario; do cp "$f" "$seeds/$(echo "$f" | tr '/' '_')"; done
  fuzz scenario_fuzzer "$seeds" "" 65536
fi
# Uploads: the committed seeds are read, never written (libFuzzer adds to the
# first folder, the working corpus, only).
if [[ " ${targets[*]} " == *" upload_fuzzer "* ]]; then
  fuzz upload_fuzzer tests/fuzz/seeds/uploads tests/fuzz/dict/upload.dict 65536
fi
# Bulk-send uploads (CSV, JSON lines): committed seeds, read only.
if [[ " ${targets[*]} " == *" csv_fuzzer "* ]]; then
  fuzz csv_fuzzer tests/fuzz/seeds/csv "" 65536
fi
# Inbound webhook signatures: committed seeds, read only.
if [[ " ${targets[*]} " == *" signature_fuzzer "* ]]; then
  fuzz signature_fuzzer tests/fuzz/seeds/signatures "" 4096
fi
# Signing-page form bodies: committed seeds, read only.
if [[ " ${targets[*]} " == *" form_fuzzer "* ]]; then
  fuzz form_fuzzer tests/fuzz/seeds/forms "" 8192
fi
echo "fuzz.sh: no crash in ${seconds}s per fuzzer" >&2
