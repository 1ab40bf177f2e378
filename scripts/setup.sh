#!/usr/bin/env bash
# Installs what signflow needs from Debian 12's packages, and nothing else.
# Idempotent: asks dpkg first and runs apt-get only when something is missing,
# and npm only when tests/browser/node_modules lacks playwright-core, so
# re-running it (as CI does on every submission) costs a second.
set -euo pipefail

packages=(
  # the tool chain
  g++ cmake ninja-build pkg-config git ccache
  # libraries (Debian's default Boost 1.74: Spirit X3 lives in libboost-dev)
  libboost-dev libboost-system-dev libboost-regex-dev libssl-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
  libsqlite3-dev sqlite3 libpq-dev libspdlog-dev libhowardhinnant-date-dev tzdata
  # the daemon's allocator (CMakeLists.txt: SIGNFLOW_MIMALLOC)
  libmimalloc-dev
  # documents: PoDoFo 0.9.8, a TrueType font with CJK glyphs for filled values
  libpodofo-dev libpng-dev fonts-dejavu-core fonts-droid-fallback openssl
  # tests, fuzzing and benchmarks
  catch2 libbenchmark-dev clang-14 libclang-rt-14-dev graphviz hyperfine wrk python3 python3-aiosmtpd
  # peers the document tests check PDFs with, and a form maker that is not PoDoFo
  poppler-utils qpdf python3-reportlab unzip
  # the PostgreSQL store's tests start a real server (initdb, pg_ctl) and read it with psql
  postgresql-15 postgresql-client-15
  # the browser test (tests/browser): Debian's Chromium driven from Node
  chromium nodejs
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm: bundled with some builds of nodejs (NodeSource's), a package of its
# own in Debian's; only when there is none (it is not in the list above:
# Debian's npm conflicts with a nodejs that bundles it).
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The browser test's one npm package (playwright-core, pinned in
# tests/browser/package-lock.json; it drives /usr/bin/chromium and downloads
# no browser).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -d "$here/tests/browser/node_modules/playwright-core" ]; then
  echo "setup: npm ci in tests/browser" >&2
  npm ci --prefix "$here/tests/browser" --no-audit --no-fund --silent
fi
