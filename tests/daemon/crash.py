"""The durability promise, tested with kill -9.

Worker threads start envelopes (events with unique Idempotency-Keys) and move
them along (signer events, one key per attempt), while the main thread kills
the daemon with SIGKILL at random moments, many times (every sixth stop is a
SIGTERM under load instead, which must exit 0), restarting it on the same
database each time. Each worker keeps a ledger of what was acknowledged
(2xx) and retries a request that was in flight when the daemon died with the
SAME key until it gets an answer. After the last round, with the daemon
running and quiet, every envelope is signed to completion and:

- every acknowledged start exists exactly once: re-posting its key returns
  the same id and creates nothing; the API and the sqlite file hold exactly
  the envelopes of the ledger, no more, no fewer;
- every acknowledged signature is in the envelope's history exactly once
  (in-flight retries were applied at most once) and the envelope is completed;
- every outbox row ends `delivered`, each envelope has exactly its expected
  effects, every delivered key is in the connector log (at least once, always
  with the same kind/target/instance) or, for the signed copy sent to
  signers, in the outbox folder (signing requests too, unless their signer
  had already signed), nothing is logged or written that the outbox does
  not hold, and
  `invoke billing` ran for every completed envelope;
- PRAGMA integrity_check says ok; SIGTERM exits 0.
"""

import http.client
import os
import random
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

# 18 rounds; 12 under the sanitizers (two of them SIGTERMs under load).
ROUNDS = int(os.environ.get("SIGNFLOW_CRASH_ROUNDS", harness.load(18, 12)))
GRACEFUL_EVERY = 6  # every 6th stop is a SIGTERM under load (exit 0); the others are kill -9
WORKERS = 6
OPEN_PER_WORKER = 4

PARALLEL_FLOW = """\
workflow parallel_order

on order -> sign [a, b] then [c] -> on completed invoke billing
"""

# Routing groups, and the effects (kind, target) each envelope must have exactly once.
WORKFLOWS = {
    "card": {"event": "form_submitted", "groups": [["client"], ["manager"]],
             "effects": [("fill", "nda"), ("request_signature", "client"), ("request_signature", "manager"),
                         ("invoke", "billing")]},
    "parallel_order": {"event": "order", "groups": [["a", "b"], ["c"]],
                       "effects": [("request_signature", "a"), ("request_signature", "b"),
                                   ("request_signature", "c"), ("invoke", "billing")]},
}


class Envelope:
    def __init__(self, id, workflow):
        self.id = id
        self.workflow = workflow
        self.signed = set()
        self.not_before = 0.0
        self.attempts = {}

    def pending_roles(self):
        for group in WORKFLOWS[self.workflow]["groups"]:
            left = [r for r in group if r not in self.signed]
            if left:
                return left
        return []


class Shared:
    def __init__(self):
        self.lock = threading.Lock()
        self.errors = []
        self.finishing = False
        self.give_up_at = None
        self.starts = {}       # key -> (workflow, body, [ids])
        self.signatures = []   # (id, role)
        self.envelopes = {}    # id -> Envelope
        self.stats = {"requests": 0, "transport_errors": 0, "retried": 0, "replayed": 0, "not_yet": 0}

    def bump(self, name, n=1):
        with self.lock:
            self.stats[name] += n


class Worker(threading.Thread):
    def __init__(self, n, d, shared):
        super().__init__(daemon=True)
        self.n = n
        self.d = d
        self.s = shared
        self.rng = random.Random(1000 + n)
        self.open = []
        self.started = 0
        self.inflight = None

    def send(self, req):
        method, path, body, key, _ = req
        try:
            if "/signers/" in path:  # a signature, by an operator acting for the signer
                return self.d.act(path, body, key=key, timeout=30)
            return self.d.request(method, path, body=body, headers={"Idempotency-Key": key}, timeout=30)
        except (OSError, http.client.HTTPException):
            return None

    def next_request(self):
        now = time.monotonic()
        if not self.s.finishing and len(self.open) < OPEN_PER_WORKER and self.rng.random() < 0.6:
            workflow = self.rng.choice(list(WORKFLOWS))
            self.started += 1
            key = "start-w%d-%d" % (self.n, self.started)
            roles = [r for g in WORKFLOWS[workflow]["groups"] for r in g]
            body = {"signers": {r: "%s-%s@x.com" % (r, key) for r in roles}, "ref": key}
            return ("POST", "/v1/events/" + WORKFLOWS[workflow]["event"], body, key, ("start", workflow))
        ready = [e for e in self.open if e.not_before <= now]
        if not ready:
            return None
        env = self.rng.choice(ready)
        role = self.rng.choice(env.pending_roles())
        attempt = env.attempts.get(role, 0) + 1
        env.attempts[role] = attempt
        key = "sign-%d-%s-%d" % (env.id, role, attempt)
        return ("POST", "/v1/instances/%d/signers/%s/signed" % (env.id, role), {}, key, ("sign", env, role))

    def handle(self, req, r):
        method, path, body, key, what = req
        if r.json and r.json.get("replayed"):
            self.s.bump("replayed")
        if what[0] == "start":
            workflow = what[1]
            check(r.status == 202, "%s %s (key %s): expected 202, got %r" % (method, path, key, r))
            started = r.json.get("started", [])
            check(len(started) == 1 and started[0]["workflow"] == workflow,
                  "%s (key %s): expected one %s envelope started, got %r" % (path, key, workflow, r))
            id = started[0]["id"]
            env = Envelope(id, workflow)
            with self.s.lock:
                check(key not in self.s.starts, "key %s acknowledged twice" % key)
                check(id not in self.s.envelopes, "envelope %d was acknowledged to two different starts (%s)" %
                      (id, key))
                self.s.starts[key] = (workflow, body, [id])
                self.s.envelopes[id] = env
            self.open.append(env)
            return
        env, role = what[1], what[2]
        if r.status == 202:
            check(r.json.get("id") == env.id, "signing %d: the answer names another envelope: %r" % (env.id, r))
            env.signed.add(role)
            with self.s.lock:
                self.s.signatures.append((env.id, role))
            if not env.pending_roles():
                check(r.json.get("state") == "completed" and r.json.get("status") == "finished",
                      "envelope %d: the last signature should complete it, got %r" % (env.id, r))
                self.open.remove(env)
            return
        # A card envelope waits in filling(nda) until the outbox answers the
        # fill: its client cannot sign yet. Anything else is a bug (above
        # all "has already signed": an acknowledged signature was lost or a
        # retry was applied twice).
        err = (r.json or {}).get("error", "")
        check(r.status == 409 and "filling(nda)" in err,
              "%s (key %s): expected 202, or 409 while the document is being filled; got %r" % (path, key, r))
        self.s.bump("not_yet")
        env.not_before = time.monotonic() + 0.05

    def run(self):
        try:
            while True:
                if self.s.errors:
                    return
                if self.s.give_up_at and time.monotonic() > self.s.give_up_at:
                    return
                if self.inflight is not None:
                    req = self.inflight
                    self.s.bump("retried")
                else:
                    if self.s.finishing and not self.open:
                        return
                    req = self.next_request()
                    if req is None:
                        time.sleep(0.01)
                        continue
                self.s.bump("requests")
                r = self.send(req)
                if r is not None and r.status == 503 and "stopping" in (r.json or {}).get("error", ""):
                    r = None  # refused by a daemon that is stopping: nothing was done; as if it were down
                if r is None:  # the daemon died (or is down): retry with the same key
                    self.inflight = req
                    self.s.bump("transport_errors")
                    time.sleep(0.03)
                    continue
                self.inflight = None
                self.handle(req, r)
        except harness.TestFailure as e:
            with self.s.lock:
                self.s.errors.append("worker %d: %s" % (self.n, e))
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            with self.s.lock:
                self.s.errors.append("worker %d: unexpected %r" % (self.n, e))


def has_document(flow):
    return any(kind == "fill" for kind, _ in flow["effects"])


def db_query(db, sql, args=()):
    """Rows of `sql` on the daemon's database, SQLite or PostgreSQL."""
    return harness.db_query(db, sql, *args)


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.copy_example(source, "card.flow", rules)
    harness.write(os.path.join(rules, "parallel_order.flow"), PARALLEL_FLOW)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()
    d.act_token()  # made once, before the workers share it
    rules_now = d.get_ok("/v1/rules")
    check(all(f["status"] == "loaded" for f in rules_now["files"]) and len(rules_now["files"]) == 2,
          "both rule files should load: %r" % rules_now)

    shared = Shared()
    workers = [Worker(n, d, shared) for n in range(WORKERS)]
    for w in workers:
        w.start()
    rng = random.Random(7)
    t0 = time.monotonic()
    acked_per_round = []
    kills = graceful = 0
    for rnd in range(ROUNDS):
        time.sleep(rng.uniform(0.4, 2.0))
        check(not shared.errors, "after %d rounds: %s" % (rnd, "\n".join(shared.errors)))
        check(d.running(), "the daemon died by itself in round %d; log:\n%s" % (rnd, d.log_tail()))
        if rnd % GRACEFUL_EVERY == GRACEFUL_EVERY - 1:
            d.stop_clean()
            graceful += 1
        else:
            d.kill9()
            kills += 1
        with shared.lock:
            acked_per_round.append(len(shared.starts) + len(shared.signatures))
        time.sleep(rng.uniform(0.0, 0.3))
        d.start(timeout=30)
    traffic_time = time.monotonic() - t0
    print("%d rounds (%d kill -9, %d SIGTERM under load) in %.1f s; acknowledged (starts + signatures) "
          "after each: %s" % (ROUNDS, kills, graceful, traffic_time, acked_per_round))

    # Quiet down: no more kills; the workers retry what was in flight, start
    # nothing new and sign their envelopes to completion.
    shared.finishing = True
    shared.give_up_at = time.monotonic() + 45
    for w in workers:
        w.join(60)
    check(not shared.errors, "\n".join(shared.errors))
    stuck = [e for e in shared.envelopes.values() if e.pending_roles()]
    if stuck:
        detail = []
        for e in stuck[:10]:
            inst = d.instance(e.id)
            detail.append("envelope %d (%s): %s/%s, signed per ledger %s" %
                          (e.id, e.workflow, inst["status"], inst["state"], sorted(e.signed)))
        harness.fail("%d envelopes could not be signed to completion within 45 s of the last restart:\n  %s" %
                     (len(stuck), "\n  ".join(detail)))
    check(all(w.inflight is None for w in workers), "a request was still in flight at the end")
    stats = shared.stats
    print("requests %(requests)d, transport errors %(transport_errors)d, retried with the same key %(retried)d, "
          "answered from the idempotency record %(replayed)d, 'not yet' 409s %(not_yet)d" % stats)
    print("ledger: %d envelopes started, %d signatures" % (len(shared.starts), len(shared.signatures)))
    check(len(shared.starts) >= 30 and len(shared.signatures) >= 60,
          "too little traffic to mean anything: %d starts, %d signatures" %
          (len(shared.starts), len(shared.signatures)))
    check(stats["transport_errors"] > 0, "no request was ever cut by a kill: the test did not test")

    # ---- every acknowledged envelope exists exactly once
    ledger_ids = sorted(i for (_, _, ids) in shared.starts.values() for i in ids)
    check(len(ledger_ids) == len(set(ledger_ids)), "two acknowledged starts share an envelope id")
    api_ids = sorted(i["id"] for i in d.all_instances())
    db_ids = sorted(row[0] for row in db_query(d.db, "SELECT id FROM instances"))
    check(api_ids == ledger_ids, "the API lists %d envelopes, the ledger has %d; only in the API: %s; lost: %s" %
          (len(api_ids), len(ledger_ids), sorted(set(api_ids) - set(ledger_ids))[:20],
           sorted(set(ledger_ids) - set(api_ids))[:20]))
    check(db_ids == ledger_ids, "the database holds %d envelopes, the ledger %d" % (len(db_ids), len(ledger_ids)))

    # Re-posting every acknowledged start with its key: the same envelope,
    # nothing new.
    for key, (workflow, body, ids) in sorted(shared.starts.items()):
        r = d.post("/v1/events/" + WORKFLOWS[workflow]["event"], body, key=key)
        check(r.status == 202 and [s["id"] for s in r.json["started"]] == ids and r.json.get("replayed") is True,
              "re-posting start %s: expected the stored answer with envelope %s, got %r" % (key, ids, r))
    check(len(d.all_instances()) == len(ledger_ids), "re-posting the starts created envelopes")
    check(db_query(d.db, "SELECT COUNT(*) FROM instances")[0][0] == len(ledger_ids),
          "re-posting the starts created envelopes in the database")

    # ---- every acknowledged signature, once, and every envelope completed
    signed = {}
    for id, role in shared.signatures:
        signed.setdefault(id, []).append(role)
    for id in ledger_ids:
        env = shared.envelopes[id]
        inst = d.instance(id)
        check(inst["status"] == "finished" and inst["state"] == "completed",
              "envelope %d (%s) should be completed: %s/%s" % (id, env.workflow, inst["status"], inst["state"]))
        events = [h.get("event") for h in inst["history"] if h.get("kind") == "event"]
        for role in sorted(r for g in WORKFLOWS[env.workflow]["groups"] for r in g):
            n = events.count("signed(%s)" % role)
            check(n == 1, "envelope %d: signed(%s) is in its history %d times (ledger: %s); history events %s" %
                  (id, role, n, sorted(signed.get(id, [])), events))
        check(sorted(signed.get(id, [])) == sorted(r for g in WORKFLOWS[env.workflow]["groups"] for r in g),
              "envelope %d: the ledger's signatures %s" % (id, signed.get(id)))

    # ---- the outbox: everything delivered, each effect exactly once
    def undelivered():
        return db_query(d.db, "SELECT status, COUNT(*) FROM outbox WHERE status != 'delivered' GROUP BY status")
    deadline = time.monotonic() + 30
    while undelivered() and time.monotonic() < deadline:
        time.sleep(0.1)
    check(not undelivered(), "outbox rows not delivered 30 s after the traffic stopped: %s" % undelivered())
    rows = db_query(d.db, "SELECT key, instance, kind, target FROM outbox")
    effects = {}
    copies = {}  # the signed copy to signers: one webhook row to `messages` per completed envelope
    for key, instance, kind, target in rows:
        if kind == "webhook" and target == "messages":
            copies[instance] = copies.get(instance, 0) + 1
            continue
        effects.setdefault(instance, []).append((kind, target))
    check(all(n == 1 for n in copies.values()), "at most one completion copy per envelope: %r" %
          {k: n for k, n in copies.items() if n != 1})
    for id in ledger_ids:
        # A workflow that fills a document also has the documents
        # connector's work: one signature on the PDF per signer, the seal.
        flow = WORKFLOWS[shared.envelopes[id].workflow]
        signers = sum(len(g) for g in flow["groups"])
        documents = [("sign", "documents")] * signers + [("seal", "documents")] if has_document(flow) else []
        want = sorted(flow["effects"] + documents)
        check(sorted(effects.get(id, [])) == want, "envelope %d: outbox effects %s, expected %s" %
              (id, sorted(effects.get(id, [])), want))
    check(set(effects) <= set(ledger_ids), "outbox rows for envelopes nobody started: %s" %
          sorted(set(effects) - set(ledger_ids)))

    # ---- documents and evidence survived the crashes: each envelope's
    # revisions are 1..n with the seal last, and its audit chain has no gap
    revisions = {}
    for instance, revision, kind in db_query(d.db, "SELECT envelope, revision, kind FROM documents ORDER BY envelope, revision"):
        revisions.setdefault(instance, []).append((revision, kind))
    trail = {}
    for instance, seq in db_query(d.db, "SELECT envelope, seq FROM audit ORDER BY envelope, seq"):
        trail.setdefault(instance, []).append(seq)
    for id in ledger_ids:
        flow = WORKFLOWS[shared.envelopes[id].workflow]
        signers = sum(len(g) for g in flow["groups"])
        got = revisions.get(id, [])
        if not has_document(flow):
            check(not got, "envelope %d fills nothing but has documents %s" % (id, got))
            continue
        check([r for r, _ in got] == list(range(1, signers + 3)) and got[-1][1] == "sealed",
              "envelope %d: document revisions %s" % (id, got))
        seqs = trail.get(id, [])
        check(seqs == list(range(1, len(seqs) + 1)) and len(seqs) > signers, "envelope %d: audit seqs %s" % (id, seqs))

    # ---- the connector log: at least once, consistent, nothing invented
    log = harness.read_connector_log(d.connector_log)
    seen = {}
    for line in log:
        what = (line["kind"], line["target"], line["instance"])
        check(seen.setdefault(line["key"], what) == what, "key %s was logged as %s and as %s" %
              (line["key"], seen[line["key"]], what))
    by_key = {key: (kind, target, instance) for key, instance, kind, target in rows}
    # Messages to signers go to the built-in messages connector, which (no
    # mail server configured) writes each as a file named by its key into
    # the outbox folder: at least once means at least one file per key.
    outbox = os.path.join(os.path.dirname(d.db), "outbox")
    mailed = set()
    for name in (os.listdir(outbox) if os.path.isdir(outbox) else []):
        if name.startswith("."):
            continue  # a file being written when the daemon was killed (renamed into place when whole)
        mailed.add(name.split(".eml")[0].split(".sms.txt")[0])
    def in_outbox(key):
        return any(m.startswith(key + ".") for m in mailed)
    # A signing request delivered after its signer had already signed (this
    # test signs within milliseconds) is rightly skipped; the signed copy,
    # sent once the envelope completed, never is.
    requests = 0
    for key, (kind, target, instance) in list(by_key.items()):
        if kind == "webhook" and target == "messages":
            check(in_outbox(key), "delivered signed copy of envelope %d (key %s) left no message in %s" %
                  (instance, key, outbox))
            del by_key[key]
        elif kind in ("request_signature", "remind", "warn_expiry", "send_code"):
            requests += in_outbox(key)
            del by_key[key]
    invented = [m for m in mailed if not any(m.startswith(k + ".") for k, _, _, _ in rows)]
    check(not invented, "messages in the outbox folder for keys the outbox does not hold: %s" % invented[:10])
    print("outbox folder: %d messages, %d signing requests written" % (len(mailed), requests))
    for key, (kind, target, instance) in by_key.items():
        if kind in ("fill", "sign", "seal"):
            continue  # the documents connector, inside the daemon
        check(key in seen, "delivered %s %s of envelope %d (key %s) is not in the connector log" %
              (kind, target, instance, key))
        check(seen[key] == (kind, target, instance), "key %s: the log says %s, the outbox %s" %
              (key, seen[key], (kind, target, instance)))
    check(set(seen) <= set(by_key), "the connector log has keys the outbox does not: %s" %
          sorted(set(seen) - set(by_key))[:10])
    billed = {instance for (kind, target, instance) in seen.values() if kind == "invoke" and target == "billing"}
    check(billed == set(ledger_ids), "invoke billing is missing from the connector log for %s" %
          sorted(set(ledger_ids) - billed)[:20])
    duplicates = len(log) - len(seen)
    print("connector log: %d lines, %d keys (%d re-deliveries after a kill)" % (len(log), len(seen), duplicates))

    # Every answer kept for a key says when it was given (a purge by age needs it).
    check(db_query(d.db, "SELECT COUNT(*) FROM idempotency WHERE created_ms <= 0")[0][0] == 0,
          "idempotency records without their time (created_ms 0)")

    # ---- the file itself (SQLite's; PostgreSQL's own recovery is its business)
    if not harness.POSTGRES:
        check(db_query(d.db, "PRAGMA integrity_check") == [("ok",)], "PRAGMA integrity_check: %s" %
              db_query(d.db, "PRAGMA integrity_check"))
    d.stop_clean()
    if not harness.POSTGRES:
        check(db_query(d.db, "PRAGMA integrity_check") == [("ok",)], "PRAGMA integrity_check after SIGTERM failed")


if __name__ == "__main__":
    harness.main(test)
