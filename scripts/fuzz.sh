#!/usr/bin/env bash
# Fuzzes the workflow compiler with libFuzzer (tests/fuzz/compile_fuzzer.cpp).
#
#   scripts/fuzz.sh [SECONDS]       # default 600; `scripts/fuzz.sh 60` is the CI run
#
# Builds build-fuzz (clang-14, ASan + UBSan + libFuzzer, RelWithDebInfo) if
# needed, then runs compile_fuzzer for SECONDS on one core with:
#   - a seed corpus, rebuilt on every run under build-fuzz/fuzz-seeds from
#     examples/*.flow, tests/dsl/**/*.flow and 300 generated valid workflows
#     (bench/gen_workflows.cpp, built in the fuzz tree as fuzz_seed_workflows);
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

seconds="${1:-600}"
case "$seconds" in ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${BUILD_DIR:-build-fuzz}"
jobs="${JOBS:-2}"

if [ ! -f "$build/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DSIGNFLOW_FUZZ=ON -DSIGNFLOW_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! ninja -C "$build" -t targets all | grep -q '^compile_fuzzer:'; then
  echo "fuzz.sh: $build has no compile_fuzzer target (is it a SIGNFLOW_FUZZ=ON tree, and does" >&2
  echo "         tests/CMakeLists.txt add fuzz/ when SIGNFLOW_FUZZ is on?)" >&2
  exit 2
fi
ninja -C "$build" -j"$jobs" compile_fuzzer fuzz_seed_workflows

fuzzer="$build/tests/fuzz/compile_fuzzer"
seeds="$build/fuzz-seeds"
corpus="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" "$artifacts"

# Seeds: copies (flattened names), never the originals.
shopt -s nullglob globstar
n=0
for f in examples/*.flow tests/dsl/**/*.flow; do
  cp "$f" "$seeds/$(echo "$f" | tr '/' '_')"
  n=$((n + 1))
done
"$build/tests/fuzz/fuzz_seed_workflows" 300 "$seeds/generated" 2>/dev/null
mv "$seeds"/generated/*.flow "$seeds"/ && rmdir "$seeds/generated"
echo "fuzz.sh: $n seed files from the repository + 300 generated; corpus $corpus ($(ls "$corpus" | wc -l) inputs)" >&2

# UBSan: stop at the first report (the fuzz build does not pass
# -fno-sanitize-recover), with a stack; ASan: symbolized stacks.
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS="abort_on_error=1:${ASAN_OPTIONS:-}"

touch "$build/fuzz-run.start"
status=0
# shellcheck disable=SC2086
"$fuzzer" "$corpus" "$seeds" \
  -dict=tests/fuzz/dict/flow.dict -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -max_total_time="$seconds" -artifact_prefix="$artifacts/" -print_final_stats=1 \
  ${FUZZ_ARGS:-} || status=$?

if [ "$status" -ne 0 ]; then
  echo "fuzz.sh: the fuzzer stopped with status $status. Inputs this run saved in $artifacts:" >&2
  for f in "$artifacts"/*; do
    [ -f "$f" ] && [ "$f" -nt "$build/fuzz-run.start" ] || continue
    echo "--- $f (base64):" >&2
    base64 -w 0 "$f" >&2
    echo >&2
  done
  exit "$status"
fi
echo "fuzz.sh: no crash in ${seconds}s" >&2
