#!/usr/bin/env bash
# `signflow audit verify` end to end: a chain written by link() (the
# audit_sample_chain tool), re-hashed independently in Python from the
# definition in docs/audit.md, then tampered with in every way the command
# must name. Usage: audit_cli_test.sh PATH/TO/signflow PATH/TO/audit_sample_chain
set -u
signflow=$1
sample=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
py=/usr/bin/python3

# verify WANT_EXIT EXPECTED_LINE_PREFIX FILE [ARGS...]
verify() {
  local want=$1 prefix=$2 file=$3; shift 3
  "$signflow" audit verify "$file" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "$file $*: exit $got, expected $want: $(cat "$work/out" "$work/err")"
  case "$(head -1 "$work/out")" in
    "$prefix"*) ;;
    *) fail "$(basename "$file") $*: printed '$(head -1 "$work/out")', expected '$prefix…'" ;;
  esac
}

# tamper NAME 'python statements on chain (the parsed export) and e (its entries)'
tamper() {
  "$py" - "$work/chain.json" "$work/$1.json" "$2" <<'PY'
import hashlib, json, sys
chain = json.load(open(sys.argv[1], encoding="utf-8"))
e = chain["entries"]
def rehash(entry):
    fields = {k: v for k, v in entry.items() if k not in ("prev", "hash")}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    entry["hash"] = hashlib.sha256((entry["prev"] + text).encode("utf-8")).hexdigest()
def relink(start):
    for i in range(start, len(e)):
        e[i]["prev"] = "0" * 64 if i == 0 else e[i - 1]["hash"]
        rehash(e[i])
exec(sys.argv[3])
json.dump(chain, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=1)
PY
}

"$sample" >"$work/chain.json" || { echo "FAIL: audit_sample_chain"; exit 1; }
head=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["entries"][-1]["hash"])' "$work/chain.json")
head15=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["entries"][14]["hash"])' "$work/chain.json")

# A third party re-verifies with their own code: docs/audit.md's definition.
"$py" - "$work/chain.json" <<'PY' || fail "Python's re-hash of the chain (docs/audit.md) disagrees with signflow's"
import hashlib, json, sys
chain = json.load(open(sys.argv[1], encoding="utf-8"))
assert chain["format"] == "signflow-audit/1"
prev = "0" * 64
for entry in chain["entries"]:
    fields = {k: v for k, v in entry.items() if k not in ("prev", "hash")}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert entry["prev"] == prev, (entry["seq"], "prev")
    assert hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest() == entry["hash"], (entry["seq"], canonical)
    prev = entry["hash"]
assert prev == chain["head"]
assert len(chain["entries"]) == 16
PY

verify 0 "chain intact: 16 entries, head $head" "$work/chain.json"
verify 0 "chain intact: 16 entries" "$work/chain.json" --head "$head"
verify 0 "chain intact: 16 entries" "$work/chain.json" --head "$(echo "$head" | tr a-f A-F)"
verify 0 "chain intact: 16 entries" "$work/chain.json" --head "$head15"
grep -q "the expected head is entry 15's hash; after it: 16 sealed" "$work/out" || fail "entries after the expected head not shown: $(cat "$work/out")"
"$signflow" audit verify - <"$work/chain.json" | grep -q "chain intact" || fail "standard input not read"

# One field changed, for each kind of field.
tamper detail  'e[7]["detail"]["result"] = "verified"'
tamper at      'e[10]["at"] = "2026-11-27T09:17:26.000Z"'
tamper local   'e[10]["local"] = "2026-11-27T17:00:00.000+08:00"'
tamper actor   'e[12]["actor"] = "client"'
tamper ip      'e[4]["ip"] = "192.0.2.1"'
tamper ua      'e[5]["user_agent"] = e[5]["user_agent"].replace("微信", "WeChat")'
tamper kind    'e[7]["kind"] = "code_verified"'
tamper seqno   'e[2]["seq"] = 30'
tamper hash    'e[3]["hash"] = "f" * 64'
verify 1 "chain broken at entry 8: altered — entry 8 (seq 8, code_failed) does not match its hash" "$work/detail.json"
verify 1 "chain broken at entry 11: altered" "$work/at.json"
verify 1 "chain broken at entry 11: altered" "$work/local.json"
verify 1 "chain broken at entry 13: altered" "$work/actor.json"
verify 1 "chain broken at entry 5: altered" "$work/ip.json"
verify 1 "chain broken at entry 6: altered" "$work/ua.json"
verify 1 "chain broken at entry 8: altered" "$work/kind.json"
verify 1 "chain broken at entry 3: altered" "$work/seqno.json"
verify 1 "chain broken at entry 4: altered" "$work/hash.json"

# Changed and re-hashed (with Python, from the docs): the next link shows it.
tamper rehashed 'e[7]["detail"]["result"] = "verified"; rehash(e[7])'
verify 1 "chain broken at entry 8: altered — entry 8 (seq 8, code_failed) was changed and its hash recomputed" "$work/rehashed.json"

# Removed, reordered, inserted.
tamper removed   'del e[7]'
tamper removed3  'del e[4:7]'
tamper first     'del e[0]'
tamper swapped   'e[7], e[8] = e[8], e[7]'
tamper inserted  'e.insert(8, dict(e[8], kind="viewed", seq=9)); rehash(e[8])'
tamper copied    'e.insert(11, dict(e[10]))'
tamper envelope  'e[5]["envelope"] = 43; rehash(e[5])'
verify 1 "chain broken at entry 8: removed — entry 8 is missing" "$work/removed.json"
verify 1 "chain broken at entry 5: removed — entries 5 to 7 are missing" "$work/removed3.json"
verify 1 "chain broken at entry 1: removed" "$work/first.json"
verify 1 "chain broken at entry 8: reordered" "$work/swapped.json"
verify 1 "chain broken at entry 9: inserted" "$work/inserted.json"
verify 1 "chain broken at entry 12: inserted — entry 12 (seq 11, signed) was inserted: it is a copy of entry 11" "$work/copied.json"
verify 1 "chain broken at entry 6: wrong envelope" "$work/envelope.json"

# The tail: cut together with the file's head, only --head tells.
tamper tail      'del e[14:]; chain["head"] = e[-1]["hash"]'
tamper tailonly  'del e[14:]'
verify 0 "chain intact: 14 entries" "$work/tail.json"
verify 1 "chain broken at entry 15: removed — the expected head" "$work/tail.json" --head "$head"
verify 1 "chain broken at entry 15: removed" "$work/tailonly.json"

# Rewritten from entry 8 on: intact in itself; the certificate's head tells.
tamper rewritten 'e[7]["detail"]["result"] = "expired"; relink(7); chain["head"] = e[-1]["hash"]'
verify 0 "chain intact: 16 entries" "$work/rewritten.json"
verify 1 "chain broken at entry 17: removed" "$work/rewritten.json" --head "$head"
grep -q "rewritten" "$work/out" || fail "a rewritten chain is not called one: $(cat "$work/out")"

# Not a chain at all: exit 2 and a message that says what is wrong.
printf '{"format": "signflow-audit/1", "entries": [' >"$work/truncated.json"
tamper noseq    'del e[2]["seq"]'
tamper badfmt   'chain["format"] = "something-else/1"'
for case in "truncated.json:not JSON" "noseq.json:entries[2].seq: missing" "badfmt.json:something-else/1" \
            "missing.json:cannot open"; do
  file=${case%%:*} want=${case#*:}
  "$signflow" audit verify "$work/$file" >"$work/out" 2>"$work/err"
  got=$?
  [ "$got" -eq 2 ] || fail "$file: exit $got, expected 2"
  grep -qF "$want" "$work/err" || fail "$file: message '$(cat "$work/err")' lacks '$want'"
done
"$signflow" audit verify "$work/chain.json" --head abc >"$work/out" 2>"$work/err"
[ $? -eq 2 ] || fail "--head abc accepted"
grep -q "64 hex digits" "$work/err" || fail "--head abc: $(cat "$work/err")"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "audit CLI: all checks passed"
