#!/usr/bin/env bash
# The main job: installs what is missing, builds signflow, checks every
# workflow in examples/ against the sample configuration, draws each one (DOT
# and SVG under build/graphs/), then runs the daemon on examples/ with its
# SQLite database in var/ until Ctrl-C. Extra arguments go to `signflow
# serve` (e.g. --listen 127.0.0.1:9090, --log-format json).
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

mkdir -p var
echo
echo "starting the daemon on examples/ (database var/signflow.db; Ctrl-C stops it)"
exec "$signflow" serve --rules examples --db var/signflow.db --listen 127.0.0.1:8080 "$@"
