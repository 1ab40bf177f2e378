#!/usr/bin/env bash
# The JavaScript peer of bench/document_bench: installs pdf-lib and @signpdf
# into bench/peers/signpdf (npm; nothing global), makes a throwaway RSA-2048
# key and certificate as PKCS#12, and measures fill + sign on one process
# and on two at once (the machine's two cores).
#
#   bench/peers/run.sh [SECONDS] [PATH/TO/document_bench]
#
# SECONDS (default 5) per measurement. With document_bench's path, signflow's
# figures are measured in the same run, for the ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-5}
document_bench=${2:-}
[ -z "$document_bench" ] || document_bench=$(realpath "$document_bench")
cd "$here/signpdf"
if [ ! -d node_modules/@signpdf/signpdf ] || [ ! -d node_modules/pdf-lib ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 30 \
  -subj "/CN=Benchmark Operator/O=signflow TESTING ONLY" 2>/dev/null
# 3DES/SHA-1 PBE: node-forge (inside @signpdf/signer-p12) reads it; OpenSSL 3's AES default it may not.
openssl pkcs12 -export -inkey "$work/key.pem" -in "$work/cert.pem" -out "$work/cert.p12" -passout pass:signflow \
  -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1
echo "== one process (one core)"
node bench.mjs "$work/cert.p12" "$seconds"
echo "== two processes at once (two cores): add the two figures"
node bench.mjs "$work/cert.p12" "$seconds" | sed 's/^/[1] /' &
node bench.mjs "$work/cert.p12" "$seconds" | sed 's/^/[2] /'
wait

if [ -n "$document_bench" ]; then
  echo "== signflow (document_bench: CPU column = per-core cost)"
  "$document_bench" --benchmark_filter='sign_visible' --benchmark_min_time="$seconds"
fi
