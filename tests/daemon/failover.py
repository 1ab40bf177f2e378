"""Two daemons on one PostgreSQL database: one leads, the other stands by.

- the second daemon stands by (it says so, and does not listen);
- events acknowledged by the leader; the leader killed (kill -9): the
  standby takes over (at once: the dead leader was a process of this
  machine; elsewhere, within the lease, 3 s here, plus its start), and
  every acknowledged event is an envelope, exactly once, its key answered
  the same by the new leader;
- the killed one restarted stands by; the leader paused (SIGSTOP) past its
  lease: the standby takes over; woken (SIGCONT), the former leader commits
  nothing and exits 75, saying it no longer leads;
- a clean stop (SIGTERM) of the leader hands over at once.
"""

import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, wait_until  # noqa: E402

FLOW = """workflow card
on form_submitted
  -> sign [client]
"""
LEASE = 3  # --lead-seconds
EVENT = {"signers": {"client": {"name": "Ada", "email": "ada@x.com"}}}


def standby(binary, work, rules, db, name):
    """A daemon on the same database that is expected to stand by."""
    d = harness.Daemon(binary, os.path.join(work, name), rules, db=db, extra=["--lead-seconds", str(LEASE)])
    os.makedirs(d.workdir, exist_ok=True)
    log = open(d.log_path, "ab")
    d.proc = subprocess.Popen(d.serve_args("--connector-log", d.connector_log) + d.extra, stdout=log,
                              stderr=subprocess.STDOUT, cwd=d.workdir)
    log.close()
    wait_until("%s says it stands by" % name, lambda: "standing by" in d.log_tail(100000), timeout=20)
    return d


def healthy(d):
    try:
        return d.request("GET", "/healthz", auth=False, timeout=1).status == 200
    except OSError:
        return False


def send(d, ledger, key):
    """One keyed event to `d`; its id when acknowledged, else None."""
    try:
        r = d.post("/v1/events/form_submitted", EVENT, key=key, timeout=5)
    except OSError:
        return None
    if r.status == 202:
        ledger[key] = r.json["started"][0]["id"]
        return ledger[key]
    check(r.status == 503, "an event to the leader: %r" % r)
    return None


def test(binary, source, work, daemons):
    check(harness.POSTGRES, "this test runs on PostgreSQL (SIGNFLOW_TEST_STORE=postgres)")
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "card.flow"), FLOW)
    db = os.path.join(work, "shared.db")  # one database; each daemon's files in the same folder
    a = harness.Daemon(binary, work, rules, db=db, extra=["--lead-seconds", str(LEASE)])
    daemons.append(a)
    a.start()
    check("leading the database" in a.log_tail(), "the first daemon leads:\n%s" % a.log_tail())
    b = standby(binary, work, rules, db, "b")
    daemons.append(b)
    check(not healthy(b), "a standby answers nothing")
    b.token = a.token

    # ---- kill -9 the leader under load
    ledger = {}
    for n in range(30):
        check(send(a, ledger, "k-%d" % n) is not None, "the leader acknowledges event %d" % n)
    a.kill9()
    killed = time.monotonic()
    wait_until("the standby leads and serves", lambda: healthy(b), timeout=LEASE + 20)
    takeover = time.monotonic() - killed
    check(takeover <= LEASE + 10, "takeover took %.1f s (lease %d s)" % (takeover, LEASE))
    for n in range(30, 40):  # new events, and every old key again: answered from its record
        check(send(b, ledger, "k-%d" % n) is not None, "the new leader acknowledges event %d" % n)
    for n in range(30):
        first = ledger["k-%d" % n]
        check(send(b, ledger, "k-%d" % n) == first, "a retried key at the new leader: the first answer")
    stored = sorted(r[0] for r in harness.db_query(db, "SELECT id FROM instances"))
    check(stored == sorted(ledger.values()), "envelopes: %d stored, %d acknowledged" % (len(stored), len(ledger)))

    # ---- the old leader restarted stands by; the leader paused past its lease
    a2 = standby(binary, work, rules, db, "a2")
    daemons.append(a2)
    a2.token = a.token
    b.signal(signal.SIGSTOP)
    paused = time.monotonic()
    wait_until("the restarted daemon takes over from the paused one", lambda: healthy(a2), timeout=LEASE + 20)
    print("takeover after kill -9: %.1f s; after SIGSTOP: %.1f s (lease %d s)" %
          (takeover, time.monotonic() - paused, LEASE))
    check(send(a2, ledger, "k-after-pause") is not None, "the new leader acknowledges")
    b.signal(signal.SIGCONT)
    code = b.proc.wait(30)
    check(code == 75 and "no longer leads the database" in b.log_tail(),
          "the woken former leader exits 75 saying why: %s\n%s" % (code, b.log_tail()))
    stored = sorted(r[0] for r in harness.db_query(db, "SELECT id FROM instances"))
    check(stored == sorted(set(ledger.values())), "after the pause: %d stored, %d acknowledged" %
          (len(stored), len(set(ledger.values()))))

    # ---- a clean stop hands over at once
    c = standby(binary, work, rules, db, "c")
    daemons.append(c)
    c.token = a.token
    a2.stop_clean()
    # Given up: its lease ended at the stop (or the standby has it already).
    rows = harness.db_query(db, "SELECT holder, expires_at <= now() FROM leases")
    check(len(rows) == 1 and (rows[0][1] == "t" or (":%d:" % c.proc.pid) in rows[0][0]),
          "the lease after a clean stop: ended, or the standby's already: %r" % rows)
    wait_until("the standby takes over from a clean stop", lambda: healthy(c), timeout=20)
    check(send(c, ledger, "k-last") is not None, "the last leader acknowledges")
    c.stop_clean()


if __name__ == "__main__":
    harness.main(test)
