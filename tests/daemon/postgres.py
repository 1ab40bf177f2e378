"""What only the PostgreSQL store has, end to end (on a server of its own,
which it restarts):

- a database that cannot be reached at start: exit 2, naming the target
  without its password (serve and api-key create);
- `signflow db migrate`, twice at once (the advisory lock), and a schema
  from a newer signflow refused at start;
- the server restarted while events arrive: the daemon stays up, answers 503
  while the database is away (events and reads), serves again once it is
  back, and every acknowledged event started exactly one envelope.
"""

import os
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import pgserver  # noqa: E402
from harness import check, wait_until  # noqa: E402

FLOW = """workflow card
on form_submitted
  -> sign [client]
"""


def uri(port, name):
    return "postgresql://signflow@127.0.0.1:%d/%s" % (port, name)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


def test(binary, source, work, daemons):
    # A server of its own: the shared one of the other tests is not restarted.
    pgserver.own_server("restart", daemons, lambda folder, port: body(binary, work, daemons, folder, port))


def body(binary, work, daemons, folder, port):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "card.flow"), FLOW)

    # ---- nothing listens: exit 2, the target named, the password not
    nowhere = "postgresql://clerk:pw-never-logged@127.0.0.1:%d/signflow" % harness.free_port()
    p = run([binary, "serve", "--rules", rules, "--db", nowhere, "--listen", "127.0.0.1:%d" % harness.free_port()],
            cwd=work)
    said = p.stdout + p.stderr
    check(p.returncode == 2, "serve on an unreachable database: exit 2, got %d: %s" % (p.returncode, said))
    check(nowhere.split("@")[1] in said and "clerk@" in said, "the target is named: %s" % said)
    check("pw-never-logged" not in said, "the password was printed: %s" % said)
    p = run([binary, "api-key", "create", "--db", nowhere, "--name", "x", "--scope", "send"])
    check(p.returncode == 2 and "pw-never-logged" not in p.stdout + p.stderr and "127.0.0.1" in p.stderr,
          "api-key create on an unreachable database: exit 2 naming it: %d %s" % (p.returncode, p.stderr))

    # ---- db migrate, twice at once: both succeed, each migration applied once
    pgserver.psql(port, "postgres", "CREATE DATABASE migrated")
    target = uri(port, "migrated")
    both = [subprocess.Popen([binary, "db", "migrate", "--db", target], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [(m.wait(60), m.stderr.read()) for m in both]
    check(all(code == 0 for code, _ in outs), "db migrate twice at once: %r" % outs)
    version = int(outs[0][1].rsplit("schema version", 1)[1].split()[0])
    rows = pgserver.psql(port, "migrated", "SELECT version, COUNT(*) FROM schema_version GROUP BY version")
    check(max(int(v) for v, _ in rows) == version and all(c == "1" for _, c in rows),
          "schema_version after two migrations: each once, up to the CLI's %d: %r" % (version, rows))
    check("password" not in outs[0][1], "(nothing about a password)")

    # ---- a schema from a newer signflow: refused at start, saying so
    pgserver.psql(port, "migrated", "INSERT INTO schema_version VALUES (%d, 0)" % (version + 1))
    p = run([binary, "serve", "--rules", rules, "--db", target, "--data-dir", work,
             "--listen", "127.0.0.1:%d" % harness.free_port()])
    check(p.returncode == 2 and "newer than this signflow knows" in p.stdout + p.stderr,
          "a newer schema: exit 2 saying so: %d %s" % (p.returncode, p.stdout + p.stderr))

    # ---- the server restarts while events arrive
    pgserver.psql(port, "postgres", "CREATE DATABASE served")
    d = harness.Daemon(binary, work, rules, db=os.path.join(work, "served.db"))
    d.target = uri(port, "served")
    d.key_file = os.path.join(work, "served-admin.key")
    daemons.append(d)
    d.start()
    event = {"signers": {"client": {"name": "Ada", "email": "ada@x.com"}}}

    acknowledged = {}  # key -> envelope id
    seen = {"503": 0, "transport": 0, "other": []}
    stop = threading.Event()

    def sender():
        n = 0
        while not stop.is_set():
            n += 1
            key = "restart-%d" % n
            # Each key until it is answered: a 503 changed nothing; a request
            # cut off may have (its retry is answered from the record).
            while not stop.is_set():
                try:
                    r = d.post("/v1/events/form_submitted", event, key=key, timeout=30)
                except OSError:
                    seen["transport"] += 1
                    time.sleep(0.05)
                    continue
                if r.status == 202:
                    acknowledged[key] = r.json["started"][0]["id"]
                    break
                if r.status == 503:
                    seen["503"] += 1
                    time.sleep(0.05)
                    continue
                seen["other"].append(repr(r))
                return

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    def acknowledged_at_least(n):
        check(not seen["other"], "answers other than 202 and 503: %r" % seen["other"][:3])
        return len(acknowledged) >= n

    wait_until("some events acknowledged", lambda: acknowledged_at_least(20), timeout=30)
    before = len(acknowledged)
    pgserver.pause(folder)
    # The daemon learns of it at its next commit: events are refused then.
    wait_until("/healthz says the database is away",
               lambda: d.request("GET", "/healthz", auth=False).status == 503, timeout=30)
    r = d.post("/v1/events/form_submitted", event, key="while-down")
    check(r.status == 503 and "database cannot be reached" in r.text, "an event while the database is away: %r" % r)
    r = d.get("/v1/instances?limit=1")
    check(r.status == 503 and r.headers.get("retry-after") == "1", "a read while the database is away: %r" % r)
    check(d.running(), "the daemon exited when the database went away:\n%s" % d.log_tail())
    pgserver.resume(folder)
    wait_until("/healthz is 200 again", lambda: d.request("GET", "/healthz", auth=False).status == 200, timeout=30)
    wait_until("events acknowledged after the restart", lambda: acknowledged_at_least(before + 20), timeout=30)
    stop.set()
    t.join(35)
    check(not t.is_alive(), "the sender did not stop")
    check(not seen["other"], "answers other than 202 and 503: %r" % seen["other"][:5])
    # (the sender's own requests may all have waited in hand meanwhile: the
    # 503 is checked on the request above, sent once the daemon knew)
    check(d.running(), "the daemon exited:\n%s" % d.log_tail())
    check("cannot be reached" in d.log_tail(100000) and "reachable again" in d.log_tail(100000),
          "the log says when the database went and came back:\n%s" % d.log_tail())

    # Every acknowledged event started exactly one envelope, and no refused
    # one started any.
    ids = sorted(acknowledged.values())
    check(len(set(ids)) == len(ids), "two keys were answered with the same envelope")
    rows = pgserver.psql(port, "served", "SELECT id FROM instances ORDER BY id")
    stored = [int(r[0]) for r in rows]
    check(stored == ids, "the envelopes stored are not those acknowledged: %d stored, %d acknowledged; extra %r, "
          "missing %r" % (len(stored), len(ids), sorted(set(stored) - set(ids))[:10], sorted(set(ids) - set(stored))[:10]))
    print("%d events acknowledged (%d before the restart), %d answered 503 while it was away, %d cut off" %
          (len(ids), before, seen["503"], seen["transport"]))
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
