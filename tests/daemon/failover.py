"""Two daemons on one PostgreSQL database: one leads, the other stands by.

- the second daemon stands by (it says so) and answers every request by
  forwarding it to the leader: events, reads, /v1/cluster; the leader sees
  the client's own address (a security event recorded through the standby
  names it), and ignores a forged forwarding header;
- a daemon whose keys differ from the others' refuses to start (exit 2);
- events acknowledged by the leader; the leader killed (kill -9): the
  standby takes over (at once: the dead leader was a process of this
  machine; elsewhere, within the lease, 3 s here, plus its start), and
  every acknowledged event is an envelope, exactly once, its key answered
  the same by the new leader;
- the killed one restarted stands by; the leader paused (SIGSTOP) past its
  lease: the standby takes over; woken (SIGCONT), the former leader commits
  nothing and exits 75, saying it no longer leads;
- a clean stop (SIGTERM) of the leader hands over at once, to a daemon
  whose rules folder has moved on: GET /v1/cluster warned of the two
  versions; an envelope started under the former version goes on under it
  (read from the database), new ones start under the new one.
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


def standby(binary, work, rules, db, name):  # (rules: its own folder)
    """A daemon on the same database that is expected to stand by."""
    d = harness.Daemon(binary, os.path.join(work, name), rules, db=db, extra=["--lead-seconds", str(LEASE)])
    os.makedirs(d.workdir, exist_ok=True)
    log = open(d.log_path, "ab")
    d.proc = subprocess.Popen(d.serve_args("--connector-log", d.connector_log) + d.extra, stdout=log,
                              stderr=subprocess.STDOUT, cwd=d.workdir)
    log.close()
    wait_until("%s says it stands by" % name, lambda: "standing by" in d.log_tail(100000), timeout=20)
    return d


def leading(d):
    return "signflow serving" in d.log_tail(100000)


def security_events_from(d, ip):
    r = d.get("/v1/security-events?limit=1000")
    check(r.status == 200, "security events: %r" % r)
    return [e for e in r.json["events"] if e["ip"] == ip]


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
    b.token = a.token

    # ---- the standby answers by forwarding to the leader
    wait_until("the standby forwards /healthz to the leader", lambda: healthy(b), timeout=20)
    check(not leading(b), "the standby does not serve by itself:\n%s" % b.log_tail())
    direct = a.request("HEAD", "/healthz", auth=False, timeout=5)
    r = b.request("HEAD", "/healthz", auth=False, timeout=5)
    check(r.status == direct.status and r.body == b"",
          "HEAD through the standby: the leader's answer (%d), no body: %r" % (direct.status, r))
    r = b.post("/v1/events/form_submitted", EVENT, key="through-b")
    check(r.status == 202, "an event through the standby: %r" % r)
    check(a.instance(r.json["started"][0]["id"])["state"] == "awaiting(client)", "the leader has it")
    cluster = b.get_ok("/v1/cluster")
    roles = sorted((m["role"], m["address"]) for m in cluster["members"] if m["up"])
    check(roles == [("leader", "http://127.0.0.1:%d" % a.port), ("standby", "http://127.0.0.1:%d" % b.port)],
          "GET /v1/cluster lists the leader and the standby: %r" % cluster)
    check(cluster["warnings"] == [], "one version of each workflow: no warning: %r" % cluster["warnings"])
    # The client's address reaches the leader (a refused key is a security
    # event naming it); a client's own forwarding fields are not believed.
    status = harness.status_from(b.port, "127.0.0.2", "GET", "/v1/instances",
                                 {"Authorization": "Bearer sf_not_a_key"})
    check(status == 401, "a bad key through the standby: 401, got %d" % status)
    wait_until("the leader records the client's address, not the standby's",
               lambda: security_events_from(a, "127.0.0.2"), timeout=10)
    status = harness.status_from(a.port, "127.0.0.3", "GET", "/v1/instances",
                                 {"Authorization": "Bearer sf_not_a_key", "X-Signflow-Client": "10.9.9.9:1",
                                  "X-Signflow-Forward": "0" * 64})
    check(status == 401, "a bad key with forged forwarding fields: 401, got %d" % status)
    wait_until("the forged address is not believed", lambda: security_events_from(a, "127.0.0.3"), timeout=10)
    check(not security_events_from(a, "10.9.9.9"), "a forged forwarding field was believed")

    # ---- a daemon with keys of its own (another data folder) refuses
    other = os.path.join(work, "other")
    os.mkdir(other)
    x = harness.Daemon(binary, other, rules, db=db)
    p = subprocess.run(x.serve_args()[:-2] + ["--data-dir", other], capture_output=True, text=True, timeout=60)
    check(p.returncode == 2 and "differs from the one the other daemons" in p.stdout + p.stderr,
          "a daemon with other keys: exit 2 naming them: %d %s" % (p.returncode, (p.stdout + p.stderr)[-600:]))

    # ---- kill -9 the leader under load
    ledger = {"through-b": r.json["started"][0]["id"]}
    for n in range(30):
        check(send(a, ledger, "k-%d" % n) is not None, "the leader acknowledges event %d" % n)
    a.kill9()
    killed = time.monotonic()
    wait_until("the standby leads and serves", lambda: leading(b) and healthy(b), timeout=LEASE + 20)
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
    wait_until("the restarted daemon takes over from the paused one", lambda: leading(a2) and healthy(a2),
               timeout=LEASE + 20)
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

    # ---- a clean stop hands over at once, to a daemon whose rules moved on
    rules2 = os.path.join(work, "rules2")
    os.mkdir(rules2)
    harness.write(os.path.join(rules2, "card.flow"), FLOW + "       remind every 2d\n")
    c = standby(binary, work, rules2, db, "c")
    daemons.append(c)
    c.token = a.token
    # A standby stopped cleanly: exit 0, and it leaves the members.
    s = standby(binary, work, rules, db, "s")
    daemons.append(s)
    s.token = a.token
    wait_until("the standby is a member", lambda: any(m["address"] == "http://127.0.0.1:%d" % s.port
                                                       for m in a2.get_ok("/v1/cluster")["members"]), timeout=10)
    s.stop_clean()
    check(not any(m["address"] == "http://127.0.0.1:%d" % s.port for m in a2.get_ok("/v1/cluster")["members"]),
          "a standby stopped cleanly leaves the members")
    old_version = a2.instance(ledger["k-0"])["version"]
    def two_versions():
        warnings = c.get_ok("/v1/cluster")["warnings"]
        return warnings if any("`card` is served in 2 versions" in w for w in warnings) else None
    harness.wait_until("GET /v1/cluster warns of two versions of card", two_versions, timeout=10)
    a2.stop_clean()
    # Given up: its lease ended at the stop (or the standby has it already).
    rows = harness.db_query(db, "SELECT holder, expires_at <= now() FROM leases")
    check(len(rows) == 1 and (rows[0][1] == "t" or (":%d:" % c.proc.pid) in rows[0][0]),
          "the lease after a clean stop: ended, or the standby's already: %r" % rows)
    wait_until("the standby takes over from a clean stop", lambda: leading(c) and healthy(c), timeout=20)
    check(send(c, ledger, "k-last") is not None, "the last leader acknowledges")
    check(c.instance(ledger["k-last"])["version"] != old_version, "a new envelope starts on the leader's version")
    # An envelope started under the former version goes on under it here,
    # its definition read from the database.
    r = c.act("/v1/instances/%d/signers/client/signed" % ledger["k-0"])
    check(r.status in (200, 202), "signing an envelope of the former version on the new leader: %r" % r)
    env = c.instance(ledger["k-0"])
    check(env["version"] == old_version and env["status"] == "finished" and env["state"] == "completed",
          "the envelope kept its version and completed: %r" % {k: env.get(k) for k in ("version", "status", "state")})
    c.stop_clean()


if __name__ == "__main__":
    harness.main(test)
