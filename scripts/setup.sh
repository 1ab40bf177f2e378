#!/usr/bin/env bash
# Installs what signflow needs from Debian 12's packages, and nothing else.
# Idempotent: asks dpkg first and runs apt-get only when something is missing,
# so re-running it (as CI does on every submission) costs a second.
set -euo pipefail

packages=(
  # the tool chain
  g++ cmake ninja-build pkg-config git
  # libraries (Debian's default Boost 1.74: Spirit X3 lives in libboost-dev)
  libboost-dev libboost-system-dev libssl-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
  libsqlite3-dev sqlite3 libspdlog-dev libhowardhinnant-date-dev tzdata
  # documents: PoDoFo 0.9.8, a TrueType font with CJK glyphs for filled values
  libpodofo-dev fonts-dejavu-core fonts-droid-fallback openssl
  # tests, fuzzing and benchmarks
  catch2 libbenchmark-dev clang-14 libclang-rt-14-dev graphviz hyperfine wrk python3 python3-aiosmtpd
  # peers the document tests check PDFs with, and a form maker that is not PoDoFo
  poppler-utils qpdf python3-reportlab
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
