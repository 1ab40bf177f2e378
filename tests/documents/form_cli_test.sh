#!/bin/sh
# `signflow fields` and `signflow fill` on the stock templates and the
# reportlab forms, and `signflow check` reading a workflow's PDF template:
# an unknown field, a wrong type, an unknown section and a missing file are
# reported with the .flow file's line and column.
#   form_cli_test.sh SIGNFLOW SOURCE_DIR
set -u
signflow=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_in() {  # expect_in TEXT NEEDLE WHAT
    case $1 in *"$2"*) ;; *) fail "$3: expected to find '$2' in:"; echo "$1" ;; esac
}
expect_not_in() {
    case $1 in *"$2"*) fail "$3: did not expect '$2' in:"; echo "$1" ;; *) ;; esac
}

# fields: human and JSON
out=$("$signflow" fields stdlib:nda 2>&1) || fail "fields stdlib:nda exited $?"
expect_in "$out" "stdlib:nda: 2 pages" "fields summary"
expect_in "$out" "client_name" "fields lists client_name"
expect_in "$out" "USD, EUR, GBP" "fields lists choice options"
expect_in "$out" "payment: page 2; fields fee, currency" "fields lists sections"
out=$("$signflow" fields "$src/examples/templates/offer_letter.pdf" --format json) || fail "fields --format json exited $?"
echo "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
f = {x["name"]: x for x in d["fields"]}
assert d["pages"] == 3, d["pages"]
assert f["vesting"]["type"] == "radio" and f["vesting"]["section"] == "equity", f["vesting"]
assert f["currency"]["options"] == ["EUR", "USD", "GBP", "CHF"], f["currency"]
assert f["candidate_name"]["page"] == 1 and f["candidate_name"]["section"] is None
assert {s["name"] for s in d["sections"]} == {"relocation", "equity", "signing_bonus"}
' || fail "fields --format json content"

# fill: data file with a "sections" key, --hide on top
cat > "$work/data.json" <<'JSON'
{"client_name": "张伟", "client_company": "Acme Ltd", "term_months": 12, "fee": 900, "currency": "EUR",
 "sections": {"non_solicitation": false}}
JSON
"$signflow" fill stdlib:nda --data "$work/data.json" -o "$work/nda.pdf" 2> "$work/err" || { fail "fill exited $?"; cat "$work/err"; }
expect_in "$(cat "$work/err")" "removed sections: non_solicitation" "fill reports removed sections"
qpdf --check "$work/nda.pdf" > /dev/null 2>&1 || fail "qpdf --check on the filled nda"
text=$(pdftotext "$work/nda.pdf" -)
expect_in "$text" "张伟" "CJK value in pdftotext"
expect_in "$text" "Schedule A" "payment schedule kept"
expect_not_in "$text" "Non-solicitation" "non-solicitation removed"
"$signflow" fill stdlib:nda --data "$work/data.json" -o "$work/nda1.pdf" --hide payment 2> /dev/null || fail "fill --hide exited $?"
[ "$(qpdf --show-npages "$work/nda1.pdf")" = 1 ] || fail "--hide payment leaves one page"

"$signflow" fill "$src/examples/templates/residential_purchase_agreement.pdf" --data /dev/stdin -o "$work/rpa.pdf" \
    --hide inspection_contingency 2> "$work/err" <<'JSON' || { fail "fill rpa exited $?"; cat "$work/err"; }
{"buyer_name": "Jordan Smith", "purchase_price": 485000, "loan_type": "va"}
JSON
qpdf --check "$work/rpa.pdf" > /dev/null 2>&1 || fail "qpdf --check on the filled purchase agreement"
expect_in "$(qpdf --json --json-key=acroform "$work/rpa.pdf")" '"value": "/va"' "radio value in qpdf json"

# fill: errors are exit 2 with the field named
echo '{"auto_renew": "yes"}' > "$work/bad.json"
err=$("$signflow" fill stdlib:service_agreement --data "$work/bad.json" -o "$work/x.pdf" 2>&1); status=$?
[ $status = 2 ] || fail "wrong type: exit $status, expected 2"
expect_in "$err" 'auto_renew' "wrong type names the field"
[ -e "$work/x.pdf" ] && fail "no output after an error"
err=$("$signflow" fields "$work/missing.pdf" 2>&1); status=$?
[ $status = 2 ] || fail "missing template: exit $status"
expect_in "$err" "no such file" "missing template message"
err=$("$signflow" fields stdlib:ndaa 2>&1); status=$?
[ $status = 2 ] || fail "unknown stock template: exit $status"
expect_in "$err" "nda, service_agreement, invoice" "unknown stock template lists the stock templates"

# check: the workflow's own PDF is read
mkdir -p "$work/rules/templates"
cp "$src/examples/templates/offer_letter.pdf" "$work/rules/templates/"
cat > "$work/rules/offer.flow" <<'FLOW'
workflow offer

role candidate = event.candidate

template offer = "templates/offer_letter.pdf" {
  candidate_name = event.name
  salary = event.salary
  relocation_lump_sum = "yes"
  currency = "JPY"
  show bonus when event.bonus > 0
}

template other = "templates/missing.pdf" {
  x = 1
}

on approved
  -> fill offer
  -> fill other
  -> sign [candidate]
FLOW
out=$("$signflow" check "$work/rules/offer.flow" 2>&1); status=$?
[ $status = 1 ] || fail "check with template errors: exit $status, expected 1"
expect_in "$out" "error[E0204]: template \`offer\` has no field \`salary\`" "unknown field"
expect_in "$out" "offer.flow:7:3" "unknown field's line and column"
expect_in "$out" "error[E0302]" "wrong type"
expect_in "$out" "offer.flow:8:25" "wrong type's line and column"
expect_in "$out" "\"JPY\" is not a choice of field \`currency\`" "choice option"
expect_in "$out" "error[E0205]: template \`offer\` has no section \`bonus\`" "unknown section"
expect_in "$out" "offer.flow:10:8" "unknown section's line and column"
expect_in "$out" "error[E0202]: template \`other\`: cannot read \"templates/missing.pdf\"" "missing file"
expect_in "$out" "offer.flow:13:18" "missing file's line and column"

# The examples, whose PDFs are checked in, still check.
( cd "$src" && "$signflow" check examples > "$work/examples.out" 2>&1 ) || { fail "signflow check examples"; cat "$work/examples.out"; }

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "form CLI: all passed"
