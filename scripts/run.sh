#!/usr/bin/env bash
# The main job: installs what is missing, builds signflow, then checks every
# workflow in examples/ against the sample configuration and draws each one
# (DOT and SVG under build/graphs/). When the daemon lands, this starts it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
signflow=build/app/signflow

"$signflow" check --config examples/signflow.toml examples/
mkdir -p build/graphs
for f in examples/*.flow; do
  name=$(basename "$f" .flow)
  "$signflow" graph "$f" -o "build/graphs/$name.dot"
  dot -Tsvg "build/graphs/$name.dot" -o "build/graphs/$name.svg"
  printf '%-28s version %s  ->  build/graphs/%s.svg\n' "$name" "$("$signflow" compile --emit hash "$f" | cut -c1-12)" "$name"
done
