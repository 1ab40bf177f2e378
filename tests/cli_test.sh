#!/usr/bin/env bash
# The `signflow` command line, end to end: exit codes, every example checked,
# compiled and drawn (the DOT rendered by Graphviz), JSON output parsed, fmt
# in place and --check. Usage: cli_test.sh PATH/TO/signflow SOURCE_DIR
set -u
signflow=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_exit() { # expected-code description command...
  local want=$1 what=$2; shift 2
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" -eq "$want" ] || { fail "$what: exit $got, expected $want"; cat "$work/err" | head -20; }
}

expect_exit 0 "check examples" "$signflow" check "$src/examples"
grep -q "0 errors, 0 warnings" "$work/err" || fail "check examples: summary: $(cat "$work/err")"
expect_exit 0 "check examples with config" "$signflow" check --deny-warnings --config "$src/examples/signflow.toml" "$src/examples"

printf 'on form_submitted -> fill nad -> sign [client]\n' >"$work/bad.flow"
expect_exit 1 "check a file with an error" "$signflow" check "$work/bad.flow"
grep -q 'error\[E0202\]: unknown template `nad`' "$work/out" || fail "E0202 not rendered: $(cat "$work/out")"
grep -q "bad.flow:1:27" "$work/out" || fail "location not rendered"
grep -q 'similar name exists: `nda`' "$work/out" || fail "no suggestion"

expect_exit 1 "check --format json" "$signflow" check --format json "$work/bad.flow"
/usr/bin/python3 - "$work/out" <<'PY' || fail "check --format json is not the documented JSON"
import json, sys
report = json.load(open(sys.argv[1]))
d = report["files"][0]["diagnostics"][0]
assert report["errors"] == 1 and d["code"] == "E0202" and d["line"] == 1 and d["column"] == 27, report
PY

expect_exit 2 "check a missing file" "$signflow" check "$work/does-not-exist.flow"
expect_exit 2 "an unknown option" "$signflow" check --colour "$work/bad.flow"
printf '[connectors\n' >"$work/broken.toml"
expect_exit 2 "a broken config" "$signflow" check --config "$work/broken.toml" "$work/bad.flow"
printf '[connectors.crm]\nkind = "http"\n' >"$work/partial.toml"
printf 'on e -> fill nda -> sign [a] -> on completed invoke billing\n' >"$work/conn.flow"
expect_exit 0 "a connector the config lacks is a warning" "$signflow" check --config "$work/partial.toml" "$work/conn.flow"
grep -q "W1004" "$work/out" || fail "W1004 not reported"
expect_exit 1 "--deny-warnings" "$signflow" check --deny-warnings --config "$work/partial.toml" "$work/conn.flow"

for f in "$src"/examples/*.flow; do
  name=$(basename "$f" .flow)
  expect_exit 0 "compile $name" "$signflow" compile "$f"
  grep -q "^# version [0-9a-f]\{64\}$" "$work/out" || fail "compile $name: no version line"
  expect_exit 0 "compile --emit json $name" "$signflow" compile --emit json "$f"
  /usr/bin/python3 -c 'import json,sys; w=json.load(open(sys.argv[1])); assert w["format"]==1 and w["states"]' "$work/out" ||
    fail "compile --emit json $name: not IR JSON"
  expect_exit 0 "graph $name" "$signflow" graph "$f" -o "$work/$name.dot"
  dot -Tsvg "$work/$name.dot" -o "$work/$name.svg" 2>"$work/dot.err" || fail "dot rejects the graph of $name: $(cat "$work/dot.err")"
  grep -q "<svg" "$work/$name.svg" || fail "no SVG for $name"
  expect_exit 0 "graph --format mermaid $name" "$signflow" graph --format mermaid "$f"
  head -1 "$work/out" | grep -q "^stateDiagram-v2" || fail "mermaid $name"
done
a=$("$signflow" compile --emit hash "$src/examples/card.flow")
printf '# moved around\n\non   form_submitted\n  -> fill nda\n  -> sign sequentially [client, manager] # two\n  -> on completed invoke billing\n' >"$work/card.flow"
b=$("$signflow" compile --emit hash "$work/card.flow")
[ -n "$a" ] && [ "$a" = "$b" ] || fail "layout changed the hash: '$a' vs '$b'"
cp "$src/examples/card.flow" "$work/caf$(printf '\xe9').flow"
expect_exit 0 "compile a file whose name is not UTF-8" "$signflow" compile --emit json "$work/caf$(printf '\xe9').flow"

expect_exit 0 "fmt --check examples" "$signflow" fmt --check "$src/examples"
printf 'on   form_submitted->fill nda   ->sign sequentially[client,manager]  # why\n' >"$work/messy.flow"
expect_exit 1 "fmt --check messy" "$signflow" fmt --check "$work/messy.flow"
before=$("$signflow" compile --emit hash "$work/messy.flow")
expect_exit 0 "fmt messy" "$signflow" fmt "$work/messy.flow"
expect_exit 0 "fmt --check after fmt" "$signflow" fmt --check "$work/messy.flow"
grep -q "# why" "$work/messy.flow" || fail "fmt lost a comment"
after=$("$signflow" compile --emit hash "$work/messy.flow")
[ -n "$before" ] && [ "$before" = "$after" ] || fail "fmt changed the meaning (hash '$before' -> '$after')"
ln -s "$work/messy.flow" "$work/link.flow"
chmod 640 "$work/messy.flow"
printf 'on x->fill nda->sign [a]\n' >"$work/messy.flow"
expect_exit 0 "fmt through a symlink" "$signflow" fmt "$work/link.flow"
[ -L "$work/link.flow" ] || fail "fmt replaced a symlink with a file"
[ "$(stat -c %a "$work/messy.flow")" = 640 ] || fail "fmt changed the file's permissions"
grep -q -- "-> fill nda" "$work/messy.flow" || fail "fmt did not format the symlink's target"
printf 'on e -> fil nda\n' >"$work/bad_syntax.flow"
cp "$work/bad_syntax.flow" "$work/bad_syntax.orig"
expect_exit 1 "fmt refuses a file with syntax errors" "$signflow" fmt "$work/bad_syntax.flow"
cmp -s "$work/bad_syntax.flow" "$work/bad_syntax.orig" || fail "fmt changed a file with syntax errors"

# simulate: every example against the scenarios beside it; then the exit codes.
for f in "$src"/examples/*.flow; do
  name=$(basename "$f" .flow)
  expect_exit 0 "simulate $name" "$signflow" simulate --quiet "$f"
  grep -q "all held" "$work/out" || fail "simulate $name: $(cat "$work/out")"
done
expect_exit 0 "simulate --scenario --trace" "$signflow" simulate "$src/examples/card.flow" --trace \
  --scenario "$src/examples/card.scenario"
grep -q "signature request to client  (2026-03-02 04:00 EST)" "$work/out" || fail "simulate: no signer-local time"
grep -q "| event signed(client)" "$work/out" || fail "simulate --trace: no trace lines"
printf 'event form_submitted {"signers": {"client": "a@x.example", "manager": "m@x.example"}}\nexpect state completed\n' \
  >"$work/fails.scenario"
expect_exit 1 "simulate: a failed expectation" "$signflow" simulate "$src/examples/card.flow" --scenario "$work/fails.scenario"
grep -q "^FAILED .*fails.scenario:2$" "$work/out" || fail "simulate: no FAILED line: $(cat "$work/out")"
grep -q -- "- expected: state completed" "$work/out" || fail "simulate: no expected line"
grep -q -- "+ actual:   state awaiting(client) (running)" "$work/out" || fail "simulate: no actual line"
printf 'event form_submitted {\n  "signers": {}\n' >"$work/broken.scenario"
expect_exit 2 "simulate: a malformed scenario" "$signflow" simulate "$src/examples/card.flow" --scenario "$work/broken.scenario"
grep -q "broken.scenario:1:22" "$work/err" || fail "simulate: malformed scenario without its location: $(cat "$work/err")"
printf 'event form_submitted {}\nclent signs\n' >"$work/names.scenario"
expect_exit 2 "simulate: an unknown role" "$signflow" simulate "$src/examples/card.flow" --scenario "$work/names.scenario"
grep -q 'similar name exists: `client`' "$work/err" || fail "simulate: no suggestion for a role"
expect_exit 2 "simulate: a missing scenario" "$signflow" simulate "$src/examples/card.flow" --scenario "$work/nope.scenario"
expect_exit 2 "simulate: no scenario beside the workflow" "$signflow" simulate "$work/conn.flow"
expect_exit 1 "simulate: a workflow that does not compile" "$signflow" simulate "$work/bad.flow" --scenario "$work/fails.scenario"

# Who fills what: `signflow fields WORKFLOW.flow` (the example's order form and terms).
expect_exit 0 "fields of a workflow" "$signflow" fields --format json "$src/examples/service_order.flow"
/usr/bin/python3 - "$work/out" <<'PY' || fail "fields of a workflow: not who fills what: $(head -c 600 "$work/out")"
import json, sys
t = {x["template"]: {f["name"]: f for f in x["fields"]} for x in json.load(open(sys.argv[1]))["templates"]}
assert t["order"]["company_name"]["filled_by"] == "workflow"
assert t["order"]["vat_id"]["filled_by"] == "client" and 'label "VAT number"' in t["order"]["vat_id"]["asked_as"]
assert t["order"]["client_initials.2"]["filled_by"] == "client"
assert t["terms"]["client_title"]["asked_as"] == "text min 2 max 80, required"
PY
# A check box asked of a PDF's text field, a field the PDF lacks, and an
# option its choice lacks: refused against the PDF itself.
cat >"$work/fields.flow" <<FLOW
role client = event.client
template order = "$src/examples/templates/order_form.pdf" {
  field seats from client: checkbox
  field seat_count from client: number
  field plan from client: choice ["basic", "platinum"]
  field vat_id from client: text
  field client_initials from client: initials
}
on order_placed -> fill order -> sign [client]
FLOW
expect_exit 1 "signer fields checked against the PDF" "$signflow" check "$work/fields.flow"
grep -q 'error\[E0302\]: field `seats` of template .* is a text field' "$work/out" || fail "a check box on a text field: $(cat "$work/out")"
grep -q 'error\[E0204\]: template .* has no field `seat_count`' "$work/out" || fail "a field the PDF lacks: $(cat "$work/out")"
grep -q 'error\[E0302\]: "platinum" is not a choice of field `plan`' "$work/out" || fail "an option the PDF lacks: $(cat "$work/out")"
grep -q 'error\[E0416\]: field `vat_id` of template .* holds at most 100 characters' "$work/out" || fail "a text without max on a field of /MaxLen 100: $(cat "$work/out")"
grep -q 'error\[E0416\]: field `client_initials` of template .* holds at most 4 characters' "$work/out" || fail "initials in boxes of /MaxLen 4: $(cat "$work/out")"

expect_exit 0 "--help" "$signflow" --help
expect_exit 0 "check --help" "$signflow" check --help

if [ "$failures" -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "cli: all passed"
