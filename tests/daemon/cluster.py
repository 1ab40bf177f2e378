"""Three daemons on one PostgreSQL database, under load, while they are killed,
paused and the database restarted (docs/operations.md, "Running several
daemons").

Load from several threads, spread over all three daemons (a standby forwards
to the leader): events with and without an Idempotency-Key, events of a
capped customer (a quota), signers' acts, inbound webhooks and a bulk
upload. Meanwhile: kill -9 of the leader, then of random daemons, each
restarted; the leader SIGSTOPped past its lease, then SIGCONTed (it exits
75); one PostgreSQL restart. Then:

- every acknowledged start and signer act exists exactly once (an
  unacknowledged one, cut off, may exist once);
- the journal's epochs never go back (no two owners at once);
- every audit chain verifies (`signflow audit verify`, a process per
  envelope);
- every due reminder (1 minute) fired exactly once;
- every outbox row was delivered, under its stable key;
- the quota was not exceeded;
- each takeover stayed within the bound (lease + 5 s).
"""

import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import pgserver  # noqa: E402
from harness import check, wait_until  # noqa: E402

LEASE = 3  # --lead-seconds
BOUND = LEASE + 5  # a takeover, from the leader's death to an event acknowledged
CAP = 25  # the capped customer's quota
LOAD_SECONDS = 32
HOOK_SECRET = "cluster-hook-secret-51ab"

FLOW = """workflow card

quota %d envelopes per day per event.customer

on form_submitted
  -> sign [client]
       remind every 1m, at most 1 times
""" % CAP

CONFIG = """[sources.forms]
secret = "%s"
events = ["form_submitted"]
""" % HOOK_SECRET

REMINDER = '%timer fired remind#1(client)%'


def uri(port, name):
    return "postgresql://signflow@127.0.0.1:%d/%s" % (port, name)


def event(customer, n):
    return {"customer": customer, "signers": {"client": {"name": "C%d" % n, "email": "c%d@x.com" % n}}}


class Cluster:
    def __init__(self, binary, work, rules, port):
        self.port = port
        self.db = os.path.join(work, "cluster.db")  # its folder: the shared --data-dir (the keys)
        self.daemons = []
        for name in "abc":
            d = harness.Daemon(binary, os.path.join(work, name), rules, db=self.db,
                               extra=["--lead-seconds", str(LEASE)])
            d.target = uri(port, "cluster")
            d.key_file = os.path.join(work, "cluster-admin.key")
            os.makedirs(d.workdir)
            self.daemons.append(d)
        self.lock = threading.Lock()
        self.paused = set()

    def query(self, sql):
        """Rows of `sql` on the cluster's database (its own server, not the
        tests' shared one), integers as int."""
        return [tuple(harness._typed(f) for f in row) for row in pgserver.psql(self.port, "cluster", sql)]

    def serving(self):
        with self.lock:
            return [d for d in self.daemons if d.running() and d not in self.paused]

    def leader(self):
        rows = self.query("SELECT holder FROM leases")
        holder = rows[0][0] if rows else ""
        for d in self.daemons:
            if d.running() and (":%d:" % d.proc.pid) in holder:
                return d
        return None

    def restart(self, d):
        # Standing by, it answers once the leader does (it forwards).
        d.start(timeout=30)
        d.token = self.daemons[0].token


def test(binary, source, work, daemons):
    check(harness.POSTGRES, "this test runs on PostgreSQL (SIGNFLOW_TEST_STORE=postgres)")
    pgserver.own_server("cluster", daemons, lambda folder, port: body(binary, work, daemons, folder, port))


def body(binary, work, daemons, folder, port):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "card.flow"), FLOW)
    harness.write(os.path.join(rules, "signflow.toml"), CONFIG)
    pgserver.psql(port, "postgres", "CREATE DATABASE cluster")
    c = Cluster(binary, work, rules, port)
    daemons.extend(c.daemons)
    a = c.daemons[0]
    a.start()
    for d in c.daemons[1:]:
        d.token = a.token
        d.start(timeout=30)
    act_token = a.act_token()

    lock = threading.Lock()
    acked = {}  # id -> what acknowledged it
    keyed = {}  # idempotency key -> id
    signed = set()  # envelopes whose signer act was acknowledged
    capped = set()
    counts = {"uncertain": 0, "503": 0, "429": 0, "other": []}
    stop = threading.Event()

    def note(status, what):
        if status == 503:
            counts["503"] += 1
        elif status == 429:
            counts["429"] += 1
        elif status not in (502,):
            counts["other"].append(what)

    def pick():
        for _ in range(200):
            serving = c.serving()
            if serving:
                return random.choice(serving)
            time.sleep(0.05)
        return None

    def attempt(send):
        """One try on a random serving daemon: the answer, or None when cut off."""
        d = pick()
        if d is None:
            return None
        try:
            return send(d)
        except OSError:
            return None

    def until_answered(send, final=(200, 202, 429)):
        """The same request (its key) until a final answer: 503 changed
        nothing; 502 or a cut connection may have (the key answers the same)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = attempt(send)
            if r is not None and r.status in final:
                return r
            if r is not None:
                note(r.status, repr(r))
            time.sleep(0.05)
        counts["other"].append("no final answer within 60 s")
        return None

    def sender(n):
        rng = random.Random(n)
        i = 0
        while not stop.is_set():
            i += 1
            tag = "%d-%d" % (n, i)
            roll = rng.random()
            if roll < 0.35:  # a keyed event
                key = "k-" + tag
                r = until_answered(lambda d: d.post("/v1/events/form_submitted", event("free-" + tag, i), key=key,
                                                    timeout=30))
                if r is not None and r.status == 202:
                    with lock:
                        keyed[key] = r.json["started"][0]["id"]
                        acked[keyed[key]] = key
            elif roll < 0.55:  # an event without a key: sent once
                r = attempt(lambda d: d.post("/v1/events/form_submitted", event("free-" + tag, i), timeout=30))
                if r is not None and r.status == 202:
                    with lock:
                        acked[r.json["started"][0]["id"]] = "unkeyed " + tag
                elif r is None or r.status == 502:
                    counts["uncertain"] += 1
                else:
                    note(r.status, repr(r))
            elif roll < 0.65:  # the capped customer, keyed
                key = "cap-" + tag
                r = until_answered(lambda d: d.post("/v1/events/form_submitted", event("capped", i), key=key,
                                                    timeout=30))
                if r is not None and r.status == 202:
                    with lock:
                        capped.add(r.json["started"][0]["id"])
                        acked[r.json["started"][0]["id"]] = key
                elif r is not None and r.status == 429:
                    counts["429"] += 1
            elif roll < 0.85:  # a signer's act, keyed by its envelope
                with lock:
                    choices = sorted(set(acked) - signed)
                if not choices:
                    continue
                env = rng.choice(choices)
                r = until_answered(lambda d: d.act("/v1/instances/%d/signers/client/signed" % env, key="sign-%d" % env,
                                                   auth=act_token, timeout=30), final=(200, 202, 409))
                if r is not None and r.status in (200, 202):
                    with lock:
                        signed.add(env)
                elif r is not None:
                    counts["other"].append("sign %d: %r" % (env, r))
            else:  # an inbound webhook, sent once
                raw = json.dumps(event("hook-" + tag, i)).encode()
                t = int(time.time())
                mac = hmac.new(HOOK_SECRET.encode(), ("%d." % t).encode() + raw, hashlib.sha256).hexdigest()
                r = attempt(lambda d: d.request("POST", "/v1/hooks/forms/form_submitted", body=raw, auth=False,
                                                headers={"Content-Type": "application/json",
                                                         "Signflow-Signature": "t=%d,v1=%s" % (t, mac)},
                                                timeout=30))
                if r is not None and r.status == 202:
                    with lock:
                        for s in r.json["started"]:
                            acked[s["id"]] = "hook " + tag
                elif r is None or r.status == 502:
                    counts["uncertain"] += 1
                else:
                    note(r.status, repr(r))
            time.sleep(0.2)  # (every envelope's chain is verified at the end, a process each)

    threads = [threading.Thread(target=sender, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()

    # A bulk upload through a standby.
    standby = [d for d in c.daemons if d is not c.leader()][0]
    csv = "signers.client,customer\n" + "".join("b%d@x.com,bulk-%d\n" % (n, n) for n in range(10))
    r = standby.request("POST", "/v1/bulk/card", body=csv, headers={"Content-Type": "text/csv",
                                                                     "Idempotency-Key": "the-bulk"}, timeout=60)
    check(r.status == 202, "a bulk upload through a standby: %r" % r)
    batch = r.json["batch"]

    # ---- the faults
    takeovers = []

    def takeover(what, since):
        """Until an event is acknowledged again; the time since `since`."""
        key = "probe-%d" % len(takeovers)
        while time.monotonic() - since < BOUND + 30:
            r = attempt(lambda d: d.post("/v1/events/form_submitted", event("probe", 0), key=key, timeout=5))
            if r is not None and r.status == 202:
                with lock:
                    acked[r.json["started"][0]["id"]] = key
                    keyed[key] = r.json["started"][0]["id"]
                took = time.monotonic() - since
                takeovers.append((what, took))
                return
            time.sleep(0.05)
        takeovers.append((what, time.monotonic() - since))

    def restart_exited():
        for d in c.daemons:
            if not d.running():
                c.restart(d)

    began = time.monotonic()
    time.sleep(5)
    leader = c.leader()
    check(leader is not None, "a leader")
    leader.kill9()
    takeover("kill -9 of the leader", time.monotonic())
    c.restart(leader)
    for _ in range(2):
        time.sleep(4)
        victim = random.choice(c.daemons)
        was_leader = victim is c.leader()
        victim.kill9()
        if was_leader:
            takeover("kill -9 of the leader (random)", time.monotonic())
        c.restart(victim)
    time.sleep(3)
    leader = c.leader()
    with c.lock:
        c.paused.add(leader)
    leader.signal(signal.SIGSTOP)
    paused = time.monotonic()
    takeover("SIGSTOP of the leader", paused)
    time.sleep(max(0, LEASE + 1 - (time.monotonic() - paused)))
    leader.signal(signal.SIGCONT)
    code = leader.proc.wait(30)
    check(code == 75, "the woken former leader exits 75, got %s:\n%s" % (code, leader.log_tail()))
    with c.lock:
        c.paused.discard(leader)
    c.restart(leader)
    time.sleep(3)
    pgserver.pause(folder)
    time.sleep(2)
    pgserver.resume(folder)
    since = time.monotonic()
    takeover("PostgreSQL restart", since)
    while time.monotonic() - began < LOAD_SECONDS:
        restart_exited()  # (a standby may take over after the restart: the leader then exits 75)
        time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(90)
    restart_exited()
    load_ended = time.monotonic()

    # ---- checks
    check(not counts["other"], "unexpected answers: %r" % counts["other"][:5])
    bulk = wait_until("the bulk upload accepted",
                      lambda: (lambda b: b if b["status"] != "receiving" else None)(c.serving()[0].get_ok(
                          "/v1/bulk/%d" % batch)), timeout=60)
    check(bulk["accepted"] == 10, "the bulk upload: %r" % bulk)
    bulk_ids = set(r[0] for r in c.query("SELECT id FROM instances WHERE data LIKE '%bulk-%'"))
    check(len(bulk_ids) == 10, "bulk rows: one envelope each, got %d" % len(bulk_ids))

    stored = set(r[0] for r in c.query("SELECT id FROM instances"))
    missing = set(acked) - stored
    check(not missing, "acknowledged but not stored: %r" % sorted(missing)[:10])
    extra = stored - set(acked) - bulk_ids
    check(len(extra) <= counts["uncertain"], "%d envelopes nobody was told of, %d requests cut off" %
          (len(extra), counts["uncertain"]))
    check(len(set(keyed.values())) == len(keyed), "two keys answered with one envelope")
    per_key = {}
    for (k,) in c.query("SELECT key FROM idempotency"):
        per_key[k] = per_key.get(k, 0) + 1
    check(all(n == 1 for n in per_key.values()), "an idempotency key stored twice")

    # Signer acts: each acknowledged one is one `signed(client)` event.
    signs = {}
    for (inst,) in c.query("SELECT instance FROM journal WHERE detail LIKE '%\"signed(client)\"%'"):
        signs[inst] = signs.get(inst, 0) + 1
    check(all(signs.get(e) == 1 for e in signed), "acknowledged acts stored once each: %r" %
          [(e, signs.get(e)) for e in signed if signs.get(e) != 1][:5])
    check(all(n == 1 for n in signs.values()), "a signer signed twice")

    # Epochs never go back in the journal's order.
    epochs = [r[0] for r in c.query("SELECT epoch FROM journal ORDER BY seq")]
    check(all(x <= y for x, y in zip(epochs, epochs[1:])), "the journal's epochs go back")
    check(epochs and min(epochs) >= 1, "journal lines without a leader's epoch")

    # The quota.
    check(len(capped) <= CAP, "the capped customer got %d envelopes (quota %d)" % (len(capped), CAP))
    stored_capped = c.query("SELECT COUNT(*) FROM instances WHERE data LIKE '%\"capped\"%'")[0][0]
    check(stored_capped <= CAP, "%d envelopes of the capped customer stored (quota %d)" % (stored_capped, CAP))

    # Reminders: each envelope still waiting for its signer is reminded once,
    # a minute after its request; none twice.
    last = c.query("SELECT MAX(created_ms) FROM instances")[0][0]
    waiting = set(r[0] for r in c.query("SELECT id FROM instances WHERE status = 'running'"))

    def reminded():
        rows = c.query("SELECT instance, COUNT(*) FROM journal WHERE detail LIKE '%s' GROUP BY instance"
                                % REMINDER)
        got = dict((r[0], r[1]) for r in rows)
        check(all(n == 1 for n in got.values()), "a reminder fired twice: %r" %
              [(i, n) for i, n in got.items() if n != 1][:5])
        return waiting <= set(got)
    wait_until("every waiting envelope reminded", reminded, timeout=max(10, 75 - (time.monotonic() - load_ended)))
    print("last envelope created %.0f s before the reminders were checked" % (time.time() - last / 1000))

    # Every delivery done, under its key (unique in the table).
    wait_until("every delivery done", lambda: c.query(
        "SELECT COUNT(*) FROM outbox WHERE status <> 'delivered'")[0][0] == 0, timeout=60)

    # Every audit chain verifies.
    def verify(env):
        p = subprocess.run([binary, "audit", "verify", "--db", a.target, "--envelope", str(env)],
                           capture_output=True, text=True, timeout=60)
        return env, p.returncode, p.stdout + p.stderr
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(4) as pool:
        bad = [(e, code, out) for e, code, out in pool.map(verify, sorted(stored)) if code != 0]
    check(not bad, "audit chains that do not verify: %r" % bad[:3])

    for what, took in takeovers:
        check(took <= BOUND, "%s: served again after %.1f s (bound %d s)" % (what, took, BOUND))
    print("%d envelopes (%d acknowledged, %d signed, %d capped, %d bulk), %d requests cut off, %d answered 503, "
          "%d refused by the quota; takeovers: %s" %
          (len(stored), len(acked), len(signed), len(capped), len(bulk_ids), counts["uncertain"], counts["503"],
           counts["429"], ", ".join("%s %.1f s" % t for t in takeovers)))
    for d in c.daemons:
        if d.running():
            d.stop()


if __name__ == "__main__":
    harness.main(test)
