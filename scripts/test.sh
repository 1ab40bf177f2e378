#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this and nothing else):
#   1. install what is missing (scripts/setup.sh)
#   2. build and run every test (Catch2 under ctest, the CLI test)
#   3. build again with AddressSanitizer + UndefinedBehaviorSanitizer and rerun
#   4. build the libFuzzer target with clang and fuzz the compiler for 60 s
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

echo "== build and test"
./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
ctest --test-dir build --output-on-failure -j2

echo "== sanitizers (ASan + UBSan)"
./scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGNFLOW_SANITIZE=ON -DSIGNFLOW_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j2

echo "== fuzz (short run; scripts/fuzz.sh N for a long one)"
./scripts/fuzz.sh "${SIGNFLOW_FUZZ_SECONDS:-60}"
echo "== all tests passed"
