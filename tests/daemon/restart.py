"""Timers and state across restarts.

Two envelopes of a workflow with `remind every 1d at 09:00 local, at most 3
times` and `expire after 14d, warn 2d before` wait for their signer (whose
zone is America/New_York). The daemon is stopped (SIGTERM, exit 0) and the
timers table is edited so that timers came due while it was down:

- envelope A: the reminder came due four days ago, the expiry warning an
  hour ago; the expiry is still ahead.
- envelope B: the warning and the expiry came due (the reminder has not).

After the restart: each overdue timer fired exactly once, late (`timer fired
… [late]` in the history), A got ONE reminder (not one per missed day) and
its reminder is re-armed for the next 09:00 in New York, B ended `expired`
and ran its `on expired` handler, and nothing re-ran an entry action (one
request_signature per envelope). A second restart fires nothing again.
"""

import datetime
import os
import sys
import time
import zoneinfo

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

NY = zoneinfo.ZoneInfo("America/New_York")
DAY = 86400 * 1000

FLOW = """\
workflow reminded_nda

timezone "UTC"

role client = event.client

on form_submitted
  -> fill nda
  -> sign [client]
       remind every 1d at 09:00 local, at most 3 times
       expire after 14d, warn 2d before
  -> on completed invoke billing
  -> on expired invoke crm.mark_stalled
"""

EVENT = {"client": {"name": "Ada", "email": "ada@x.com", "timezone": "America/New_York"}}


def timers(db, instance):
    return {row[0]: {"due_ms": row[1], "zone": row[2], "fired": row[3]} for row in
            harness.db_query(db, "SELECT timer, due_ms, zone, fired FROM timers WHERE instance = ?", instance)}


def outbox_rows(db, instance):
    return [dict(zip(("key", "kind", "target", "status"), row)) for row in
            harness.db_query(db, "SELECT key, kind, target, status FROM outbox WHERE instance = ? ORDER BY id",
                             instance)]


def kinds(rows, kind):
    return [r for r in rows if r["kind"] == kind]


def next_nine_ny(after_ms):
    """The first 09:00 America/New_York strictly after `after_ms`, in ms."""
    t = datetime.datetime.fromtimestamp(after_ms / 1000, NY)
    day = t.date()
    while True:
        cand = datetime.datetime(day.year, day.month, day.day, 9, 0, tzinfo=NY)
        ms = int(cand.timestamp() * 1000)
        if ms > after_ms:
            return ms
        day += datetime.timedelta(days=1)


def ny_text(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, NY).isoformat()


def trace_lines(inst):
    out = []
    for h in inst["history"]:
        out.extend(h.get("trace", []))
    return out


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "reminded_nda.flow"), FLOW)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()

    ids = []
    for name in ("A", "B"):
        r = d.post("/v1/events/form_submitted", EVENT, key="start-" + name)
        check(r.status == 202 and len(r.json["started"]) == 1, "starting envelope %s: %r" % (name, r))
        ids.append(r.json["started"][0]["id"])
    a, b = ids
    for id in ids:
        harness.wait_until("envelope %d awaiting its signer" % id,
                           lambda: d.instance(id)["state"] == "awaiting(client)")
    d.wait_outbox_drained()
    d.stop_clean()

    # What was armed: the reminder at 09:00 New York at least a day after the
    # request, the warning after 12 days, the expiry after 14.
    ta = timers(d.db, a)
    check(set(ta) == {"remind#1(client)", "warn#1", "expire#1"}, "envelope A's timers: %r" % ta)
    rem = ta["remind#1(client)"]
    check(rem["zone"] == "America/New_York", "the reminder's zone should be the signer's, got %r" % rem)
    local = datetime.datetime.fromtimestamp(rem["due_ms"] / 1000, NY)
    check((local.hour, local.minute) == (9, 0), "the first reminder is not at 09:00 New York: %s" % local)
    check(rem["fired"] == 0, "the reminder has not fired yet: %r" % rem)
    check(ta["expire#1"]["due_ms"] - ta["warn#1"]["due_ms"] == 2 * DAY,
          "the warning should come 2 days before the expiry: %r" % ta)

    # The daemon was "down" while these came due.
    now = int(time.time() * 1000)
    q = harness.db_query
    q(d.db, "UPDATE timers SET due_ms = ? WHERE instance = ? AND timer = 'remind#1(client)'",
      rem["due_ms"] - 6 * DAY, a)  # ~4-5 days overdue: four or five missed 09:00s
    q(d.db, "UPDATE timers SET due_ms = ? WHERE instance = ? AND timer = 'warn#1'", now - 3600_000, a)
    q(d.db, "UPDATE timers SET due_ms = ? WHERE instance = ? AND timer = 'warn#1'", now - 2 * DAY - 3600_000, b)
    q(d.db, "UPDATE timers SET due_ms = ? WHERE instance = ? AND timer = 'expire#1'", now - 3600_000, b)
    overdue_remind_due = rem["due_ms"] - 6 * DAY
    check(overdue_remind_due < now - 3 * DAY, "the test's overdue reminder is not overdue enough")

    before_restart = int(time.time() * 1000)
    d.start()
    harness.wait_until("envelope B expired", lambda: d.instance(b)["state"] == "expired", timeout=10)
    harness.wait_until("envelope A's reminder", lambda: any(
        "timer fired remind#1(client)" in t for t in trace_lines(d.instance(a))), timeout=10)
    d.wait_outbox_drained()
    after_restart = int(time.time() * 1000)

    # A: still waiting, one late reminder and one late warning.
    ia = d.instance(a)
    check(ia["status"] == "running" and ia["state"] == "awaiting(client)", "envelope A: %s %s" %
          (ia["status"], ia["state"]))
    lines = trace_lines(ia)
    fired_remind = [t for t in lines if t.startswith("timer fired remind#1(client)")]
    fired_warn = [t for t in lines if t.startswith("timer fired warn#1")]
    check(len(fired_remind) == 1 and fired_remind[0].endswith("[late]"),
          "envelope A: expected one late 'timer fired remind#1(client) … [late]', got %r" % fired_remind)
    check(len(fired_warn) == 1 and fired_warn[0].endswith("[late]"),
          "envelope A: expected one late 'timer fired warn#1 … [late]', got %r" % fired_warn)
    check(not any("expire#1" in t for t in lines if t.startswith("timer fired")), "envelope A's expiry fired early")

    rows = outbox_rows(d.db, a)
    check(len(kinds(rows, "remind")) == 1, "envelope A: expected exactly one remind (not one per missed day), got %r"
          % kinds(rows, "remind"))
    check(len(kinds(rows, "warn_expiry")) == 1, "envelope A: expected one warn_expiry, got %r" % rows)
    check(len(kinds(rows, "request_signature")) == 1, "envelope A: the restart re-ran an entry action: %r" % rows)
    check(len(kinds(rows, "fill")) == 1, "envelope A: the document was filled again: %r" % rows)
    # The reminder reached the client: with no mail server configured, the
    # messages connector writes it to the outbox folder, named by its key.
    remind = kinds(rows, "remind")[0]
    mail = os.path.join(os.path.dirname(d.db), "outbox", remind["key"] + ".client.eml")
    harness.wait_until("envelope A's reminder in the outbox", lambda: os.path.exists(mail), timeout=30)
    text = open(mail, encoding="utf-8").read()
    check("Reminder" in text and "/sign/" in text, "the reminder mail names itself and carries a link: %r" % text[:600])
    check("To: <ada@x.com>" in text or "<ada@x.com>" in text.split("\r\n\r\n")[0],
          "the reminder is not addressed to the signer: %r" % text[:600])

    # A's reminder is re-armed for the next 09:00 in New York, counted once.
    ta2 = timers(d.db, a)
    rem2 = ta2.get("remind#1(client)")
    check(rem2 is not None, "envelope A's reminder was not re-armed: %r" % ta2)
    allowed = {next_nine_ny(before_restart), next_nine_ny(after_restart)}
    check(rem2["due_ms"] in allowed, "the re-armed reminder is due %s; expected the next 09:00 New York, %s" %
          (ny_text(rem2["due_ms"]), " or ".join(ny_text(x) for x in sorted(allowed))))
    check(rem2["fired"] == 1, "the re-armed reminder should count one firing, got %r" % rem2)
    check(rem2["zone"] == "America/New_York", "the re-armed reminder's zone: %r" % rem2)
    check("warn#1" not in ta2, "the fired warning is still armed: %r" % ta2)
    check(ta2.get("expire#1", {}).get("due_ms") == ta["expire#1"]["due_ms"], "envelope A's expiry moved: %r" % ta2)

    # B: expired, its handler ran, its timers are gone.
    ib = d.instance(b)
    check(ib["status"] == "finished" and ib["state"] == "expired", "envelope B: %s %s" % (ib["status"], ib["state"]))
    lines = trace_lines(ib)
    check(sum(t.startswith("timer fired expire#1") and t.endswith("[late]") for t in lines) == 1,
          "envelope B: expected one late expiry, trace %r" % lines)
    rows = outbox_rows(d.db, b)
    stalled = [r for r in rows if r["kind"] == "invoke" and r["target"] == "crm"]
    check(len(stalled) == 1 and stalled[0]["status"] == "delivered",
          "envelope B: the `on expired invoke crm.mark_stalled` handler should have run once: %r" % rows)
    check(len(kinds(rows, "request_signature")) == 1, "envelope B: the restart re-ran an entry action: %r" % rows)
    check(not kinds(rows, "remind"), "envelope B was reminded after it expired: %r" % rows)
    check(timers(d.db, b) == {}, "envelope B's timers should be gone: %r" % timers(d.db, b))
    check(any(l["instance"] == b and l["kind"] == "invoke" and l["target"] == "crm" and
              l.get("operation") == "mark_stalled" for l in harness.read_connector_log(d.connector_log)),
          "the connector log has no crm.mark_stalled call for envelope B")

    # A second restart (a kill -9 this time) fires nothing again.
    count_before = len(harness.read_connector_log(d.connector_log))
    d.kill9()
    d.start()
    time.sleep(1.0)
    d.wait_outbox_drained()
    check(len(kinds(outbox_rows(d.db, a), "remind")) == 1, "a second restart reminded envelope A again")
    check(len(harness.read_connector_log(d.connector_log)) == count_before,
          "a second restart delivered something again: %r" % harness.read_connector_log(d.connector_log)[count_before:])
    check(timers(d.db, a) == ta2, "a second restart changed envelope A's timers: %r vs %r" % (timers(d.db, a), ta2))

    # And A still works: signing completes it and cancels its timers.
    r = d.act("/v1/instances/%d/signers/client/signed" % a)
    check(r.status == 202 and r.json["state"] == "completed", "signing envelope A: %r" % r)
    check(timers(d.db, a) == {}, "envelope A's timers survive its completion: %r" % timers(d.db, a))
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
