"""Integrations end to end, against a real daemon and real receivers on
127.0.0.1:

  - a CRM (the `http` connector) gets the completed deal, with its token;
  - a webhook receiver that fails twice and then answers 2xx gets
    envelope.sent, recipient.signed and envelope.completed, each signed
    (HMAC-SHA256 over "t.body"), each with its own idempotency key, and is
    never called again for a delivery it answered 2xx;
  - a ledger that is down makes a dead letter, listed by connector over HTTP,
    and delivered once the ledger is up and an operator retries it with
    `signflow deliveries retry`;
  - the archive connector writes the sealed PDF (the same bytes as the API's
    last revision), the audit trail and the certificate under
    {workflow}/{yyyy}/{mm}/;
  - /v1/analytics and /metrics count the envelope.
"""

import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

FLOW = """\
workflow hooked

on form_submitted
  -> fill nda
  -> sign [client]
  -> on completed invoke crm.update_deal with { deal: event.deal_id, stage: "won" }
  -> on completed invoke ledger.record with { deal: event.deal_id }
  -> archive to vault
"""

CONFIG = """\
[connectors.crm]
kind = "http"
token = "${CRM_TOKEN}"

[connectors.crm.operations.update_deal]
method = "PATCH"
url = "http://127.0.0.1:%(receiver)d/crm/deals/{{ data.deal }}"

[connectors.crm.operations.update_deal.body]
stage = "{{ data.stage }}"
envelope = "{{ envelope.id }}"

[connectors.ledger]
kind = "http"
url = "http://127.0.0.1:%(ledger)d/ledger"
retries = 1
backoff_base = "50ms"
backoff_cap = "100ms"
timeout = "2s"

[connectors.hooks]
kind = "webhook"
url = "http://127.0.0.1:%(receiver)d/hooks"
secret = "${HOOK_SECRET}"
events = ["envelope.sent", "recipient.signed", "envelope.completed"]
backoff_base = "100ms"
backoff_cap = "300ms"

[connectors.vault]
kind = "archive"
path = "%(archive)s"
"""

SECRET = "whsec-test-7f1c"


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what arrives. The
    webhook path fails `hook_failures` times (503) before answering 200."""

    def __init__(self, hook_failures=0, port=0, listen=True):
        self.calls = []
        self.lock = threading.Lock()
        self.hook_failures = hook_failures
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def handle_one(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with outer.lock:
                    outer.calls.append({"method": self.command, "path": self.path,
                                        "headers": {k.lower(): v for k, v in self.headers.items()},
                                        "body": body})
                    failing = self.path == "/hooks" and outer.hook_failures > 0
                    if failing:
                        outer.hook_failures -= 1
                status = 503 if failing else 200
                reply = b'{"id": "r-%d"}' % len(outer.calls)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_POST = do_PATCH = do_PUT = handle_one

        # Bound at once (the port is ours from now on), listening only from
        # listen(): until then a connection to it is refused, as to a server
        # that is down (choosing a free port now and binding it later would
        # let anything else take it meanwhile).
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler, bind_and_activate=False)
        self.server.server_bind()
        self.port = self.server.server_address[1]
        self.thread = None
        if listen:
            self.listen()

    def listen(self):
        self.server.server_activate()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def matching(self, path):
        with self.lock:
            return [c for c in self.calls if c["path"] == path]

    def close(self):
        if self.thread:
            self.server.shutdown()
        self.server.server_close()


def verify_signature(call):
    header = call["headers"].get("signflow-signature", "")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    check("t" in parts and "v1" in parts, "webhook without a t=…,v1=… signature: %r" % header)
    expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + call["body"], hashlib.sha256).hexdigest()
    check(hmac.compare_digest(expected, parts["v1"]), "webhook signature does not verify: %r" % header)


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    archive = os.path.join(work, "archive")
    os.mkdir(archive)  # the archive connector never creates its root (it may be a mount point)
    harness.write(os.path.join(rules, "hooked.flow"), FLOW)
    receiver = Receiver(hook_failures=2)
    ledger = Receiver(listen=False)  # down: its port is bound, nothing listens there yet
    config = os.path.join(work, "signflow.toml")
    harness.write(config, CONFIG % {"receiver": receiver.port, "ledger": ledger.port, "archive": archive})
    os.environ["CRM_TOKEN"] = "crm-token-123"
    os.environ["HOOK_SECRET"] = SECRET
    d = harness.Daemon(binary, work, rules, extra=["--config", config])
    daemons.append(d)
    d.start()
    check("crm-token-123" not in d.log_tail(100000) and SECRET not in d.log_tail(100000),
          "a secret from the environment appears in the daemon's log")

    r = d.post("/v1/events/form_submitted", {"deal_id": "D-42", "signers": {"client": "ann@example.com"}})
    check(r.status == 202 and len(r.json["started"]) == 1, "start: %r" % r)
    eid = r.json["started"][0]["id"]
    harness.wait_until("the envelope awaits its signer",
                       lambda: d.instance(eid)["state"] == "awaiting(client)")
    r = d.act("/v1/instances/%d/signers/client/signed" % eid, {"name": "Ann Example"})
    check(r.status == 202 and r.json["state"] == "completed", "signing: %r" % r)

    # The CRM: one PATCH with the token and the deal.
    crm = harness.wait_until("the CRM is called", lambda: receiver.matching("/crm/deals/D-42"))
    check(len(crm) == 1, "the CRM was called %d times" % len(crm))
    check(crm[0]["method"] == "PATCH", "the CRM got %s" % crm[0]["method"])
    check(crm[0]["headers"].get("authorization") == "Bearer crm-token-123", "no bearer token at the CRM")
    sent = json.loads(crm[0]["body"])
    check(sent == {"stage": "won", "envelope": str(eid)} or sent == {"stage": "won", "envelope": eid},
          "the CRM got %r" % sent)

    # Webhooks: two failures, then each of the three events delivered once.
    def delivered_events():
        return [c for c in receiver.matching("/hooks")]
    harness.wait_until("three webhook events delivered",
                       lambda: len(delivered_events()) >= 5, timeout=30)
    time.sleep(0.5)  # a delivery answered 2xx must not come again
    hooks = delivered_events()
    check(len(hooks) == 5, "expected 5 webhook calls (2 failed + 3), got %d" % len(hooks))
    by_key = {}
    for c in hooks:
        verify_signature(c)
        body = json.loads(c["body"])
        key = c["headers"].get("idempotency-key")
        check(key and body.get("id") == key, "webhook body id %r vs Idempotency-Key %r" % (body.get("id"), key))
        by_key.setdefault(key, []).append(body["event"])
    events = sorted(v[0] for v in by_key.values())
    check(events == ["envelope.completed", "envelope.sent", "recipient.signed"], "webhook events: %r" % by_key)
    check(sum(len(v) for v in by_key.values()) == 5 and max(len(v) for v in by_key.values()) <= 3,
          "retries reuse their key: %r" % by_key)

    # The ledger is down: a dead letter, listed by connector.
    def dead_ledger():
        r = d.get("/v1/deliveries?status=dead&connector=ledger")
        return r.json["deliveries"] if r.status == 200 else []
    dead = harness.wait_until("the ledger's delivery is a dead letter", dead_ledger, timeout=30)
    check(len(dead) == 1 and dead[0]["kind"] == "invoke" and dead[0]["attempts"] == 2 and
          dead[0].get("connector") == "ledger", "dead letters: %r" % dead)
    key = dead[0]["key"]
    # The receiver records a call before it answers, and the daemon records
    # the delivery only once it has the answer: wait for that record (the CRM
    # having been called says nothing about it).
    harness.wait_until("the CRM's delivery is listed as delivered", lambda: (
        lambda r: r.status == 200 and r.json["deliveries"] and r.json["deliveries"][0]["status"] == "delivered")(
        d.get("/v1/deliveries?connector=crm")), timeout=30)
    # Up again; the operator retries it from the command line.
    ledger.listen()
    try:
        env = dict(os.environ, SIGNFLOW_API_KEY=d.token or "")
        out = subprocess.run([binary, "deliveries", "retry", key, "--url", "http://127.0.0.1:%d" % d.port],
                             capture_output=True, text=True, env=env, timeout=30)
        check(out.returncode == 0, "deliveries retry: exit %d: %s%s" % (out.returncode, out.stdout, out.stderr))
        harness.wait_until("the ledger gets the retried delivery", lambda: ledger.matching("/ledger"))
        listed = subprocess.run([binary, "deliveries", "list", "--connector", "ledger", "--url",
                                 "http://127.0.0.1:%d" % d.port], capture_output=True, text=True, env=env, timeout=30)
        harness.wait_until("the retried delivery is recorded as delivered",
                           lambda: d.get("/v1/deliveries?connector=ledger").json["deliveries"][0]["status"]
                           == "delivered")
        check(listed.returncode == 0 and key in listed.stdout, "deliveries list: %s%s" % (listed.stdout, listed.stderr))
        again = subprocess.run([binary, "deliveries", "retry", key, "--url", "http://127.0.0.1:%d" % d.port],
                               capture_output=True, text=True, env=env, timeout=30)
        check(again.returncode == 1 and "no dead delivery" in again.stderr,
              "retrying a delivered delivery: %d %s" % (again.returncode, again.stderr))
    finally:
        ledger.close()

    # The archive: sealed PDF + trail + certificate, written whole: each to a
    # hidden temporary name (".NAME.partial-XXXXXX"), then renamed. Those are
    # not archived files; counting them, "three files" could be two files and
    # the third one being written.
    def archived():
        found = []
        for root, _, files in os.walk(archive):
            found += [os.path.join(root, f) for f in files if not f.startswith(".")]
        return sorted(found)
    files = harness.wait_until("the archive holds three files", lambda: (lambda f: f if len(f) == 3 else None)(
        archived()), timeout=30)
    # The folder is the envelope's creation month (UTC), not the month now.
    created = d.instance(eid)["created_at"]
    ym = "%s/%s" % (created[0:4], created[5:7])
    for suffix in (".pdf", ".audit.json", ".certificate.json"):
        path = os.path.join(archive, "hooked", ym, "%d%s" % (eid, suffix))
        check(path in files, "missing %s (archive holds %r)" % (path, files))
    with open(os.path.join(archive, "hooked", ym, "%d.pdf" % eid), "rb") as f:
        pdf = f.read()
    latest = d.get("/v1/instances/%d/document" % eid)
    check(latest.status == 200 and latest.body == pdf, "the archived PDF is not the sealed revision")
    with open(os.path.join(archive, "hooked", ym, "%d.audit.json" % eid)) as f:
        trail = json.load(f)
    check(trail["verdict"]["ok"] is True and trail["envelope"] == eid, "archived trail: %r" % trail.get("verdict"))

    # Analytics and metrics.
    a = d.get_ok("/v1/analytics?workflow=hooked")
    figures = a["workflows"]["hooked"]["all"]
    check(figures["started"] == 1 and figures["completed"] == 1 and figures["completion_rate"] == 1.0,
          "analytics: %r" % figures)
    check(figures["signers"]["client"]["signed"] == 1, "analytics per signer: %r" % figures["signers"])
    check(d.get("/v1/analytics?from=yesterday").status == 400, "a bad `from` is refused")
    # The analytics in /metrics are computed in the background: the first
    # scrape starts it, a later one has them.
    text = harness.wait_until("the analytics in /metrics", lambda: (
        lambda t: t if 'signflow_envelopes{workflow="hooked",outcome="completed"} 1' in t else None)(
        d.get("/metrics").text), timeout=20)
    check('signflow_connector_backlog{connector="hooks"}' in text, "metrics lack the connector backlogs")
    receiver.close()
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
