"""One limiter for every security event: a flood of unknown signing links
from many addresses becomes a bounded number of rows, and the next recorded
event says how many were dropped and from how many addresses
(docs/security.md, "Security events").

Regression for the finding: 990 `unknown_signing_link` rows came from 33
loopback addresses in 0.8 s, each a synchronous, fsync'd insert on an HTTP
thread, bypassing the security events' own limiter.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check, wait_until

ADDRESSES = ["127.0.0.%d" % n for n in range(2, 35)]  # 33 addresses
PER_ADDRESS = 30  # what the per-address guard lets through to the events in a minute
BURST, RATE = 50, 10  # SecurityEvents' limits


def guess(port, address, n):
    return harness.status_from(port, address, "GET", "/sign/%s" % ("A%042d" % n))


def rows(db):
    return harness.db_query(db, "SELECT COUNT(*) FROM security_events WHERE kind = 'unknown_signing_link'")[0][0]


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.copy_example(source, "card.flow", rules)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()

    start = time.monotonic()
    statuses = []
    for i, address in enumerate(ADDRESSES):
        for k in range(PER_ADDRESS):
            statuses.append(guess(d.port, address, i * 100 + k))
    elapsed = time.monotonic() - start
    check(set(statuses) == {404}, "every guess is answered 404: %r" % sorted(set(statuses)))
    recorded = rows(d.db)
    # The limiter's bound over the flood's length, plus one for rounding.
    bound = BURST + RATE * elapsed + 1
    check(recorded <= bound, "%d guesses in %.1f s wrote %d rows; the limiter allows %d" %
          (len(statuses), elapsed, recorded, bound))
    check(recorded >= 1, "the flood is on record")
    dropped = len(statuses) - recorded

    # The next event recorded says what was dropped since the one before it,
    # and from how many addresses: guess from a new address until one of its
    # guesses is recorded (the limiter refills 10 a second).
    def after_flood():
        guess(d.port, "127.0.0.40", 99999)
        events = d.get_ok("/v1/security-events?limit=1000")["events"]
        return events if any(e["ip"] == "127.0.0.40" for e in events) else None
    events = wait_until("a guess after the flood recorded", after_flood, timeout=10, interval=0.2)
    with_counts = [e for e in events if e["detail"].get("suppressed_before")]
    total = sum(e["detail"]["suppressed_before"] for e in with_counts)
    check(total >= dropped, "the rows account for what was dropped: %d of %d" % (total, dropped))
    check(max(e["detail"]["suppressed_addresses"] for e in with_counts) >= 2,
          "the dropped guesses came from several addresses: %r" % with_counts[:2])
    check(d.get("/healthz").status == 200, "the daemon still serves")
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
