#!/usr/bin/env bash
# `signflow keys init`, `signflow sign` and `signflow verify`, end to end:
# a reportlab PDF signed twice and sealed, judged by signflow verify (human
# and JSON) and pdfsig; a tampered byte; the exit codes; the key file's mode.
# Usage: sign_cli_test.sh PATH/TO/signflow
set -u
signflow=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_exit() { # expected-code description command...
  local want=$1 what=$2; shift 2
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" -eq "$want" ] || { fail "$what: exit $got, expected $want"; head -20 "$work/out" "$work/err"; }
}

/usr/bin/python3 - "$work/doc.pdf" <<'PY' || fail "reportlab could not make the test PDF"
import sys
from reportlab.pdfgen import canvas
c = canvas.Canvas(sys.argv[1])
c.drawString(72, 720, "Mutual non-disclosure agreement, page 1"); c.showPage()
c.drawString(72, 720, "Signatures, page 2"); c.showPage()
c.save()
PY

# keys init: a pair, the key private, a warning that it is for testing.
expect_exit 0 "keys init" "$signflow" keys init --dir "$work/keys" --name "CLI Tester"
grep -q "TESTING ONLY" "$work/out" || fail "keys init does not say the pair is for testing: $(cat "$work/out")"
grep -q "SELF-SIGNED" "$work/out" || fail "keys init does not say the pair is self-signed"
[ "$(stat -c %a "$work/keys/signflow-key.pem")" = 600 ] || fail "the key file is not 0600"
grep -q "BEGIN CERTIFICATE" "$work/keys/signflow-cert.pem" || fail "no certificate written"
openssl x509 -in "$work/keys/signflow-cert.pem" -noout -subject | grep -q "signflow TESTING ONLY" ||
  fail "the certificate's subject does not say TESTING ONLY"
expect_exit 2 "keys init over existing files" "$signflow" keys init --dir "$work/keys"
grep -q "already exists" "$work/err" || fail "keys init: no 'already exists': $(cat "$work/err")"
expect_exit 0 "keys init --force" "$signflow" keys init --dir "$work/other" --name "Someone Else"

key=$work/keys/signflow-key.pem
cert=$work/keys/signflow-cert.pem
expect_exit 0 "sign #1" "$signflow" sign "$work/doc.pdf" -o "$work/s1.pdf" --key "$key" --cert "$cert" \
  --name "Ada Lovelace" --date-text "2026-11-27 09:14 (Europe/London)" --reason "I agree"
expect_exit 0 "sign #2" "$signflow" sign "$work/s1.pdf" -o "$work/s2.pdf" --key "$key" --cert "$cert" \
  --name "王小明" --date-text "2026-11-27 17:20 (Asia/Shanghai)"
expect_exit 0 "seal" "$signflow" sign "$work/s2.pdf" -o "$work/s3.pdf" --key "$key" --cert "$cert" --invisible \
  --reason "Sealed: all parties signed"
cmp -n "$(stat -c %s "$work/s1.pdf")" "$work/s1.pdf" "$work/s3.pdf" || fail "the first revision's bytes changed"

expect_exit 0 "verify the sealed file" "$signflow" verify "$work/s3.pdf"
[ "$(grep -c "Signature is Valid." "$work/out")" = 3 ] || fail "verify: not 3 valid: $(cat "$work/out")"
[ "$(grep -c "Not total document signed" "$work/out")" = 2 ] || fail "verify: earlier signatures not partial"
grep -q "the last covers the whole document" "$work/out" || fail "verify: the seal does not cover the document"
grep -q "signing-certificate-v2: yes" "$work/out" || fail "verify: no signing-certificate-v2"

expect_exit 0 "verify --format json" "$signflow" verify --format json "$work/s3.pdf"
/usr/bin/python3 - "$work/out" <<'PY' || fail "verify --format json: $(cat "$work/out")"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["signatures"]
assert r["valid"] and r["last_covers_whole_document"] and len(s) == 3, r
assert [x["covers_whole_document"] for x in s] == [False, False, True], s
assert all(x["sub_filter"] == "ETSI.CAdES.detached" and x["certificate_v2"] for x in s), s
assert "CN=CLI Tester" in s[0]["signer"], s[0]
PY

report=$(pdfsig "$work/s3.pdf" 2>&1)
[ "$(grep -c "Signature is Valid." <<<"$report")" = 3 ] || fail "pdfsig: $report"

# One byte changed in the first revision: every signature over it fails.
/usr/bin/python3 - "$work/s3.pdf" "$work/tampered.pdf" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
data[data.index(b'\n') + 2] ^= 1  # the binary comment on line 2: inside every signed range
open(sys.argv[2], 'wb').write(bytes(data))
PY
expect_exit 1 "verify a tampered file" "$signflow" verify "$work/tampered.pdf"
[ "$(grep -c "INVALID: digest mismatch" "$work/out")" = 3 ] || fail "tampered: $(cat "$work/out")"
grep -q "Digest Mismatch" <<<"$(pdfsig "$work/tampered.pdf" 2>&1)" || fail "pdfsig does not see the tampering"

expect_exit 1 "verify an unsigned PDF" "$signflow" verify "$work/doc.pdf"
grep -q "no signatures" "$work/out" || fail "unsigned: $(cat "$work/out")"
printf 'hello' >"$work/not.pdf"
expect_exit 2 "verify a file that is not a PDF" "$signflow" verify "$work/not.pdf"
grep -q "not a PDF" "$work/err" || fail "not a PDF: $(cat "$work/err")"
expect_exit 2 "verify a missing file" "$signflow" verify "$work/missing.pdf"
expect_exit 2 "sign with a key that is not the certificate's" "$signflow" sign "$work/doc.pdf" -o "$work/x.pdf" \
  --key "$work/other/signflow-key.pem" --cert "$cert"
grep -q "does not match the certificate" "$work/err" || fail "mismatch: $(cat "$work/err")"
[ ! -e "$work/x.pdf" ] || fail "a failed sign wrote its output"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "sign CLI: all passed"
