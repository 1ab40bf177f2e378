"""Quotas: `quota 3 envelopes per month per event.customer`. A customer's 3rd
envelope this month passes, the 4th gets 429 with a message that names the
quota, the key and the instant it resets (the first day of next month, 00:00
in the workflow's time zone, written in UTC); another customer still passes;
a refused start creates nothing; after a restart the count is kept.
"""

import datetime
import os
import sys
import zoneinfo

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

ZONE = "Asia/Tokyo"  # far from UTC, so a reset "at midnight UTC" would show

FLOW = """\
workflow metered_nda

timezone "%s"

quota 3 envelopes per month per event.customer

on order_placed
  -> fill nda
  -> sign [client]
  -> on completed invoke billing
""" % ZONE


def event(customer):
    return {"customer": customer, "signers": {"client": "%s@x.com" % customer}}


def expected_reset():
    """The first day of next month, 00:00 in ZONE, as UTC text."""
    tz = zoneinfo.ZoneInfo(ZONE)
    now = datetime.datetime.now(tz)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    reset = datetime.datetime(year, month, 1, 0, 0, tzinfo=tz).astimezone(datetime.timezone.utc)
    return reset.strftime("%Y-%m-%dT%H:%M:%SZ")


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "metered_nda.flow"), FLOW)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()
    reset = expected_reset()
    if reset != expected_reset():  # the month turned while we computed
        reset = expected_reset()

    for i in range(3):
        r = d.post("/v1/events/order_placed", event("acme"), key="acme-%d" % i)
        check(r.status == 202 and len(r.json["started"]) == 1,
              "acme's envelope #%d of 3: expected 202 with one start, got %r" % (i + 1, r))

    def check_refused(r, what):
        check(r.status == 429, "%s: expected 429, got %r" % (what, r))
        msg = r.json.get("error", "")
        check("quota" in msg and "3 envelopes per month per event.customer" in msg,
              "%s: the message should name the quota, got %r" % (what, msg))
        check('"acme"' in msg, "%s: the message should name the key \"acme\", got %r" % (what, msg))
        check(reset in msg, "%s: the message should give the reset instant %s (next month 00:00 %s), got %r" %
              (what, reset, ZONE, msg))
        check(r.json.get("started") == [], "%s: a refused event started something: %r" % (what, r))
        q = r.json["refused"][0]["quota"]
        check(q["key"] == "acme" and q["limit"] == 3 and q["used"] == 3 and q["resets_at"] == reset,
              "%s: the refusal's quota detail is wrong: %r" % (what, q))

    r = d.post("/v1/events/order_placed", event("acme"), key="acme-3")
    check_refused(r, "acme's 4th envelope")
    # A retry of the refused request gets the same answer.
    r2 = d.post("/v1/events/order_placed", event("acme"), key="acme-3")
    check(r2.status == 429 and r2.json.get("replayed") is True,
          "retrying the refused request with its key: expected the stored 429, got %r" % r2)
    # Without a key too.
    check_refused(d.post("/v1/events/order_placed", event("acme")), "acme's 5th envelope")

    # Another customer is not affected.
    for i in range(3):
        r = d.post("/v1/events/order_placed", event("globex"))
        check(r.status == 202 and len(r.json["started"]) == 1, "globex's envelope #%d: got %r" % (i + 1, r))
    check(d.post("/v1/events/order_placed", event("globex")).status == 429, "globex's 4th envelope passed")

    listed = d.all_instances(workflow="metered_nda")
    check(len(listed) == 6, "expected 6 envelopes (3 per customer), the API lists %d" % len(listed))
    m = d.metrics()
    check(m.get("signflow_quota_refused_total") == 3.0, "signflow_quota_refused_total: expected 3, got %r" %
          m.get("signflow_quota_refused_total"))

    # The counts survive a restart.
    d.stop_clean()
    d.start()
    check_refused(d.post("/v1/events/order_placed", event("acme")), "acme's envelope after a restart")
    r = d.post("/v1/events/order_placed", event("initech"))
    check(r.status == 202 and len(r.json["started"]) == 1, "a new customer after the restart: got %r" % r)
    check(len(d.all_instances(workflow="metered_nda")) == 7, "expected 7 envelopes after the restart")
    # ...and a kill -9 (the counter is committed with the start it counts).
    for i in range(2):
        check(d.post("/v1/events/order_placed", event("initech")).status == 202, "initech's envelope #%d" % (i + 2))
    d.kill9()
    d.start()
    r = d.post("/v1/events/order_placed", event("initech"))
    check(r.status == 429, "initech's 4th envelope after a kill -9: expected 429, got %r" % r)
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
