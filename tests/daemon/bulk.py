"""Bulk send: POST /v1/bulk/{workflow} with CSV or JSON lines, GET
/v1/bulk/{id}, and `signflow send --bulk`, against a real daemon.

- A CSV with bad rows (a stray quote, a missing signer email, a ragged row,
  a row no trigger accepts): those are rejected with their line numbers and
  reasons, the others start; a quoted field with a line break counts its lines.
- A file larger than the workflow's quota (`quota 5 envelopes per day`): the
  answer says how many rows the quota allows, the rows beyond are rejected
  with the quota's message; a second file finds no room at all.
- JSON lines: objects as they are; a line that is not JSON or not an object
  is rejected with its line number.
- An upload retried with the same Idempotency-Key starts nothing twice.
- A file over the daemon's 1 MB body limit is spooled, not refused; only the
  first 1,000 rejections are kept, all are counted.
- Refusals of the whole file: unknown workflow, wrong content type, no rows,
  a bad header.
- The CLI: summary and rejected rows on stdout, exit 1 with rejections, 0
  without, 2 when the daemon refuses the file.
"""

import json
import os
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

OPEN = """\
workflow bulk_nda

on nda_requested where event.form == "nda"
  -> fill nda
  -> sign [client]
"""

CAPPED = """\
workflow bulk_capped

quota 5 envelopes per day

on capped_requested
  -> fill nda
  -> sign [client]
"""


def upload(d, workflow, body, content_type="text/csv", key=None):
    headers = {"Content-Type": content_type}
    if key:
        headers["Idempotency-Key"] = key
    return d.request("POST", "/v1/bulk/%s" % workflow, body=body, headers=headers, timeout=60)


def finished(d, batch):
    """Polls GET /v1/bulk/{id} until every row is answered."""
    def done():
        b = d.get_ok("/v1/bulk/%d" % batch)
        return b if b["status"] != "receiving" else None
    b = harness.wait_until("batch %d to be accepted" % batch, done, timeout=60)
    check(b["status"] == "accepted", "batch %d: %r" % (batch, b))
    check(b["accepted"] + b["rejected"] == b["rows"], "batch %d: rows unaccounted for: %r" % (batch, b))
    return b


def sent(d, workflow, body, content_type="text/csv", key=None):
    r = upload(d, workflow, body, content_type, key)
    check(r.status == 202 and isinstance(r.json.get("batch"), int), "POST /v1/bulk/%s: %r" % (workflow, r))
    return r.json, finished(d, r.json["batch"])


def rejected_lines(b):
    return {x["line"]: x["error"] for x in b["rejections"]}


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "bulk_nda.flow"), OPEN)
    harness.write(os.path.join(rules, "bulk_capped.flow"), CAPPED)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()

    # ---- bad rows are rejected by line; the others start
    csv = ("signers.client,name,form\r\n"
           "a@x.com,Ann,nda\r\n"                 # 2
           "\"b@x.com\",Bob,nda\r\n"             # 3
           "c@x.com,\"Cid \"\"C\"\"\",nda\r\n"   # 4
           "ab\"c@x.com,Stray,nda\r\n"           # 5: a quote in an unquoted field
           ",NoEmail,nda\r\n"                    # 6: the signer has no email
           "d@x.com,Dee\r\n"                     # 7: ragged
           "e@x.com,\"Eve\r\nSmith\",nda\r\n"    # 8-9: a line break inside quotes
           "\r\n"                                # 10: blank, skipped
           "f@x.com,Fay,other\r\n")              # 11: no trigger holds
    answer, b = sent(d, "bulk_nda", "\ufeff" + csv)
    check(answer["rows"] == 8 and answer["status"] == "receiving" and "allowed" not in answer,
          "the 202 should count 8 rows and mention no quota: %r" % answer)
    check(b["accepted"] == 4 and b["rejected"] == 4, "expected 4 accepted, 4 rejected: %r" % b)
    lines = rejected_lines(b)
    check(sorted(lines) == [5, 6, 7, 11], "rejected lines should be 5, 6, 7 and 11: %r" % b["rejections"])
    check("unquoted" in lines[5], "line 5 (stray quote): %r" % lines[5])
    check("client" in lines[6], "line 6 (no email for the client) should name the role: %r" % lines[6])
    check("3 columns" in lines[7] and "2 fields" in lines[7], "line 7 (ragged): %r" % lines[7])
    check("trigger" in lines[11], "line 11 (form is not nda): %r" % lines[11])
    check(sum(b["started"].values()) == 4, "the batch's envelopes by status/state: %r" % b["started"])
    check(b["completed"] == 0, "nothing is signed yet: %r" % b)
    names = sorted(i.get("data", {}).get("name", "?")
                   for i in (d.instance(x["id"]) for x in d.all_instances(workflow="bulk_nda")))
    check(names == sorted(["Ann", "Bob", 'Cid "C"', "Eve\r\nSmith"]),
          "the started envelopes' data should be the rows' (names): %r" % names)

    # ---- the quota says up front how many rows it allows
    capped = "signers.client\n" + "".join("p%d@x.com\n" % i for i in range(8))
    answer, b = sent(d, "bulk_capped", capped)
    check(answer.get("allowed") == 5 and "the quota allows 5 of 8 rows" in answer.get("note", ""),
          "the 202 should say the quota allows 5 of 8 rows: %r" % answer)
    check(b["accepted"] == 5 and b["rejected"] == 3, "5 accepted, 3 over the quota: %r" % b)
    check(sorted(rejected_lines(b)) == [7, 8, 9], "the last three rows are over the quota: %r" % b["rejections"])
    check(all("quota" in e and "5 envelopes per day" in e for e in rejected_lines(b).values()),
          "rows over the quota get the quota's message: %r" % b["rejections"])
    check("the quota allows 5 of 8 rows" in b.get("note", ""), "the batch keeps the note: %r" % b)
    answer, b = sent(d, "bulk_capped", "signers.client\nq1@x.com\nq2@x.com\n")
    check(answer.get("allowed") == 0 and "the quota allows 0 of 2 rows" in answer.get("note", ""),
          "a full quota: %r" % answer)
    check(b["accepted"] == 0 and b["rejected"] == 2, "a full quota rejects every row: %r" % b)

    # ---- JSON lines
    lines_body = ('{"signers": {"client": "j1@x.com"}, "form": "nda", "n": 1}\n'
                  '\n'
                  'not json\n'
                  '[1, 2]\n'
                  '{"signers": {"client": "j2@x.com"}, "form": "nda", "n": 2}\n')
    answer, b = sent(d, "bulk_nda", lines_body, "application/x-ndjson")
    check(answer["rows"] == 4, "4 non-blank lines: %r" % answer)
    check(b["accepted"] == 2 and sorted(rejected_lines(b)) == [3, 4], "JSON lines: %r" % b)
    check("JSON" in rejected_lines(b)[3] and "object" in rejected_lines(b)[4], "JSON lines reasons: %r" % b)

    # ---- a retried upload with the same Idempotency-Key starts nothing twice
    before = len(d.all_instances(workflow="bulk_nda"))
    retry = "signers.client,form\nr1@x.com,nda\nr2@x.com,nda\nr3@x.com,nda\n"
    _, first = sent(d, "bulk_nda", retry, key="upload-7")
    _, again = sent(d, "bulk_nda", retry, key="upload-7")
    check(first["accepted"] == 3 and again["accepted"] == 3, "both uploads account for 3 rows: %r / %r" %
          (first, again))
    check("earlier upload" in again.get("note", ""), "the retry says its rows were started before: %r" % again)
    check(len(d.all_instances(workflow="bulk_nda")) == before + 3, "the retry started envelopes again")

    # ---- a file over the 1 MB body limit is spooled; rejections kept: 1,000
    big = ["signers.client,form,padding"] + ["big%d@x.com,other,%s" % (i, "x" * 40) for i in range(30000)]
    big_body = "\n".join(big) + "\n"
    check(len(big_body) > 1024 * 1024, "the big file should exceed the daemon's 1 MB body limit")
    answer, b = sent(d, "bulk_nda", big_body)
    check(answer["rows"] == 30000 and b["rejected"] == 30000 and len(b["rejections"]) == 1000,
          "30,000 rows no trigger accepts: all rejected, the first 1,000 kept: rows %r rejected %r kept %d" %
          (b["rows"], b["rejected"], len(b["rejections"])))
    check(b["rejections"][0]["line"] == 2 and b["rejections"][-1]["line"] == 1001, "the first 1,000 by line")

    # ---- refusals of the whole file
    r = upload(d, "no_such_flow", "a\n1\n")
    check(r.status == 404 and "no_such_flow" in r.json["error"], "unknown workflow: %r" % r)
    r = upload(d, "bulk_nda", "a\n1\n", content_type="application/pdf")
    check(r.status == 415 and "text/csv" in r.json["error"], "wrong content type: %r" % r)
    r = upload(d, "bulk_nda", "signers.client,form\n")
    check(r.status == 400 and "no rows" in r.json["error"], "a header without rows: %r" % r)
    r = upload(d, "bulk_nda", "client,client.email\nx,y\n")
    check(r.status == 400 and "line 1" in r.json["error"] and "both a value and an object" in r.json["error"],
          "a header naming `client` and `client.email`: %r" % r)
    r = d.get("/v1/bulk/999999")
    check(r.status == 404, "an unknown batch: %r" % r)

    # ---- the CLI
    def cli(path, workflow, *extra):
        args = [binary, "send", "--bulk", path, workflow, "--url", "http://127.0.0.1:%d" % d.port] + list(extra)
        env = dict(os.environ)
        if d.token:
            env["SIGNFLOW_API_KEY"] = d.token
        return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)

    mixed = os.path.join(work, "mixed.csv")
    with open(mixed, "w", newline="") as f:
        f.write("signers.client,form\ncli1@x.com,nda\n,nda\ncli2@x.com,nda\n")
    p = cli(mixed, "bulk_nda")
    check(p.returncode == 1, "send --bulk with a rejected row: exit 1, got %d\n%s%s" % (p.returncode, p.stdout,
                                                                                       p.stderr))
    check("3 rows, 2 accepted, 1 rejected" in p.stdout and "line 3:" in p.stdout,
          "the CLI's summary and rejected rows: %r" % p.stdout)
    check("rows" in p.stderr, "the progress goes to stderr (a plain line: not a terminal): %r" % p.stderr)

    clean = os.path.join(work, "clean.jsonl")
    with open(clean, "w") as f:
        f.write(json.dumps({"signers": {"client": "cli3@x.com"}, "form": "nda"}) + "\n")
    p = cli(clean, "bulk_nda", "--quiet")
    check(p.returncode == 0 and "1 rows, 1 accepted, 0 rejected" in p.stdout and p.stderr == "",
          "send --bulk of a clean JSON-lines file: exit 0, got %d\n%s%s" % (p.returncode, p.stdout, p.stderr))

    p = cli(clean, "no_such_flow")
    check(p.returncode == 2 and "no_such_flow" in p.stderr, "an unknown workflow: exit 2 with the daemon's "
          "reason, got %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
    p = cli(os.path.join(work, "missing.csv"), "bulk_nda")
    check(p.returncode == 2 and "no such file" in p.stderr, "a missing file: exit 2, got %d %r" % (p.returncode,
                                                                                              p.stderr))

    # Without an API key, a large upload is refused on its header: the body
    # is never read nor stored (the client asked before sending it).
    sock = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    sock.sendall(b"POST /v1/bulk/bulk_nda HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                 b"Content-Length: 104857600\r\nExpect: 100-continue\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    sock.close()
    check(answer.startswith(b"HTTP/1.1 401"), "an upload without a key: expected 401 before the body, got %r" %
          answer[:200])
    # ...and a wrong key the same.
    r = d.request("POST", "/v1/bulk/bulk_nda", body="contact.email\nx@example.com\n",
                  headers={"Content-Type": "text/csv"}, auth="sf_not-a-key")
    check(r.status == 401, "an upload with a wrong key: expected 401, got %r" % r)

    # The daemon kept serving throughout; no spool file is left behind.
    check(d.get("/healthz").status == 200, "the daemon should still be healthy")
    d.stop_clean()
    left = [f for f in os.listdir(os.path.dirname(d.db)) if f.startswith("signflow-spool-")]
    check(not left, "spool files left behind: %r" % left)


if __name__ == "__main__":
    harness.main(test)
