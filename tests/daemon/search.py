"""Envelopes found by their people and by when they started, end to end
with a real daemon: GET /v1/instances?q=&from=&to=.

Checked: an email address or a name (or a word of it) by its start, in any
case, finds the envelopes whose signers have it and no others; a corrected
address is found and the old one no longer is; a hand-over makes the
delegate findable; the period bounds are half-open and combine with `q`
and the other filters; paging through results; bad values are refused (400)
and a key without the admin scope cannot search (403); after a restart the
index is still there.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

FLOW = """\
workflow search_me
role client = event.client
role manager = event.manager
on contract_ready
  -> fill nda
  -> sign [client] then [manager]
"""

PEOPLE = [("Ana Ruiz", "ana.ruiz@example.com"), ("Bea Ruiz-Lopez", "bea@example.org"),
          ("Carl Marx", "carl@example.com")]


def ids(d, query):
    r = d.get("/v1/instances?" + query)
    check(r.status == 200, "GET /v1/instances?%s: %r" % (query, r))
    return [e["id"] for e in r.json["instances"]]


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.makedirs(rules)
    harness.write(os.path.join(rules, "search_me.flow"), FLOW)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()
    started = []
    for name, email in PEOPLE:
        r = d.post("/v1/events/contract_ready", {"client": {"name": name, "email": email},
                                                 "manager": {"name": "Max Manager", "email": "max@acme.example"}})
        check(r.status == 202, "start: %r" % r)
        started.append(r.json["started"][0]["id"])
        time.sleep(1.1)  # times are given to the second: each envelope in a second of its own
    ana, bea, carl = started

    check(ids(d, "q=ana.ruiz@") == [ana], "an email address by its start")
    check(ids(d, "q=RUIZ") == [ana, bea], "a name's word by its start, in any case: Ruiz, Ruiz-Lopez")
    check(ids(d, "q=ruiz-") == [bea], "a hyphenated name is one word")
    check(ids(d, "q=bea%20ruiz") == [bea], "a whole name by its start")
    check(ids(d, "q=max") == started, "the manager is in every envelope")
    check(ids(d, "q=max&limit=2") == started[:2] and ids(d, "q=max&limit=2&after=%d" % bea) == [carl], "paging")
    check(ids(d, "q=nobody") == [], "no match, no envelope")
    check(ids(d, "q=carl&status=running&workflow=search_me") == [carl], "q with the other filters")

    # ---- a correction and a hand-over change what finds the envelope
    r = d.request("PATCH", "/v1/instances/%d/signers/client" % carl, {"email": "karl@example.com", "name": "Karl Marx"})
    check(r.status == 202, "correct Carl: %r" % r)
    check(ids(d, "q=karl") == [carl] and ids(d, "q=carl") == [], "the corrected name is found, the old one no longer")

    # ---- the period: half-open, with q
    detail = [d.instance(i) for i in started]
    check(len({x["created_at"] for x in detail}) == 3, "three starts, three seconds: %r" % [x["created_at"] for x in detail])
    second = detail[1]["created_at"]
    check(ids(d, "from=%s" % second) == [bea, carl], "from is inclusive: %s" % second)
    check(ids(d, "to=%s" % second) == [ana], "to is exclusive")
    check(ids(d, "q=ruiz&from=%s" % second) == [bea], "q within a period")
    check(ids(d, "from=2000-01-01&to=2000-01-02") == [], "a period without envelopes")

    # ---- refusals
    for bad in ("q=a", "q=ab", "q=" + "x" * 300, "from=yesterday", "from=2026-12-02&to=2026-12-01", "to=1960-01-01"):
        r = d.get("/v1/instances?" + bad)
        check(r.status == 400, "%s is refused: %r" % (bad[:40], r))
    sender = d.create_key("shop", "send")
    r = d.request("GET", "/v1/instances?q=ana", headers={"Authorization": "Bearer " + sender}, auth=False)
    check(r.status == 403, "a send key cannot search: %r" % r)

    # ---- what starting the workflow asks for (the dashboard's form)
    form = d.get_ok("/v1/workflows/search_me/start-form")
    check(form["workflow"] == "search_me" and [t["event"] for t in form["triggers"]] == ["contract_ready"] and
          [(r["role"], r["path"]) for r in form["triggers"][0]["roles"]] == [("client", "client"), ("manager", "manager")],
          "the start form names the roles the event gives: %r" % form)
    r = d.request("GET", "/v1/workflows/search_me/start-form", headers={"Authorization": "Bearer " + sender}, auth=False)
    check(r.status == 403, "a send key cannot read the rules' start form: %r" % r)
    r = d.get("/v1/workflows/no_such/start-form")
    check(r.status == 404, "an unknown workflow: %r" % r)

    # ---- a restart keeps the index
    d.stop_clean()
    d.start()
    check(ids(d, "q=karl") == [carl] and ids(d, "q=ana") == [ana], "the index survives a restart")
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
