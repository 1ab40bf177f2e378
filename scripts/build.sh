#!/usr/bin/env bash
# Configures and builds one build tree. Used by run.sh and test.sh.
#   scripts/build.sh DIR [cmake options...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
shift
cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
# Two cores and ~500 MB per heavy translation unit: -j2 is the machine's limit.
ninja -C "$dir" -j2
