"""Idempotency keys belong to the API key that sent them; a key reused for
another route or another body gets 422 naming the difference; the daemon's
own prefixes are refused (docs/http-api.md, "Idempotency").

Regression for the finding: the send key's cancel, reusing the admin's
`order-4711`, got the admin's answer back and cancelled nothing; `hook:`
keys, meant for webhooks alone, were accepted from the API.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

FLOW = """\
on form_submitted
  -> sign sequentially [client, manager]
"""


def card(n):
    return {"signers": {"client": "c%d@x.com" % n, "manager": "m@x.com"}}


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "card.flow"), FLOW)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()
    sender = d.create_key("crm", "send")

    # ---- the admin's key and the send key's are different keys
    r = d.post("/v1/events/form_submitted", card(1), key="order-4711")
    check(r.status == 202, "the admin starts an envelope: %r" % r)
    mine = r.json["started"][0]["id"]
    r = d.post("/v1/events/form_submitted", card(2), key="order-4711", auth=sender)
    check(r.status == 202 and not r.json.get("replayed") and r.json["started"][0]["id"] != mine,
          "the send key's order-4711 is its own: expected a new envelope, got %r" % r)
    theirs = r.json["started"][0]["id"]
    r = d.post("/v1/instances/%d/cancel" % theirs, {"reason": "duplicate"}, key="cancel-1", auth=sender)
    check(r.status == 202 and r.json["status"] == "cancelled", "the send key cancels its envelope: %r" % r)
    check(d.instance(mine)["status"] == "running", "the admin's envelope is untouched")

    # ---- a key reused for another request: 422 naming the difference
    r = d.post("/v1/instances/%d/cancel" % mine, {"reason": "x"}, key="order-4711")
    check(r.status == 422 and r.json.get("difference") == "route" and "/v1/events/form_submitted" in r.json["error"],
          "order-4711 reused for a cancel: expected 422 naming the route, got %r" % r)
    check(d.instance(mine)["status"] == "running", "a refused reuse cancelled the envelope")
    r = d.post("/v1/events/form_submitted", card(3), key="order-4711")
    check(r.status == 422 and r.json.get("difference") == "body", "order-4711 with another body: %r" % r)
    r = d.post("/v1/events/form_submitted", card(1), key="order-4711")
    check(r.status == 202 and r.json.get("replayed") is True and r.json["started"][0]["id"] == mine,
          "the same request again: the first answer: %r" % r)
    check(len(d.all_instances()) == 2, "two envelopes in all: %r" % d.all_instances())

    # ---- and after a restart (the stored keys, not the in-memory ones)
    d.stop_clean()
    d.start()
    r = d.post("/v1/events/form_submitted", card(3), key="order-4711")
    check(r.status == 422 and r.json.get("difference") == "body", "after a restart, another body: %r" % r)
    r = d.post("/v1/events/form_submitted", card(1), key="order-4711")
    check(r.status == 202 and r.json.get("replayed") is True, "after a restart, the same request: %r" % r)

    # ---- the daemon's own prefixes are refused
    for reserved in ("hook:typeform:form_submitted:abc", "page:123:signed", "bulk:x:1"):
        r = d.post("/v1/events/form_submitted", card(4), key=reserved)
        check(r.status == 400 and reserved.split(":")[0] + ":" in r.json["error"],
              "Idempotency-Key %s: expected 400, got %r" % (reserved, r))
    check(len(d.all_instances()) == 2, "a refused key started an envelope")

    # ---- bulk sends: the same Idempotency-Key from two API keys is two keys
    csv = "signers.client,signers.manager\nb1@x.com,m@x.com\nb2@x.com,m@x.com\n"

    def bulk(token):
        r = d.request("POST", "/v1/bulk/card", body=csv, auth=token,
                      headers={"Content-Type": "text/csv", "Idempotency-Key": "upload-7"})
        check(r.status == 202 and isinstance(r.json.get("batch"), int), "bulk upload: %r" % r)
        done = harness.wait_until("batch %d received" % r.json["batch"], lambda: (
            lambda b: b if b["status"] != "receiving" else None)(d.get_ok("/v1/bulk/%d" % r.json["batch"])),
            timeout=60)
        check(done["accepted"] == 2, "batch %d accounts for its 2 rows: %r" % (r.json["batch"], done))
        return done
    before = len(d.all_instances())
    bulk(d.token)
    check(len(d.all_instances()) == before + 2, "the admin's upload starts 2 envelopes")
    again = bulk(d.token)
    check("earlier upload" in again.get("note", "") and len(d.all_instances()) == before + 2,
          "the admin's retry with upload-7 starts nothing twice: %r" % again)
    other = bulk(sender)
    check("earlier upload" not in other.get("note", "") and len(d.all_instances()) == before + 4,
          "the send key's upload-7 is its own: 2 new envelopes, none of the admin's replayed: %r" % other)
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
