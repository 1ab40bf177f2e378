"""Inbound webhooks: POST /v1/hooks/{source}/{event}, signed with the
source's secret (HMAC-SHA256 over "t.body", header t=…,v1=…). A valid request
starts an envelope without an API key; a wrong signature, a tampered body, a
stale or future timestamp, a missing or malformed header get 401 with a
reason and start nothing; an unknown source gets 404; a replayed request gets
the first answer and starts nothing new; a source may name its header
(Stripe-Signature) and accept several v1 entries; every refusal is a security
event, and no secret appears anywhere in the answers.
"""

import hashlib
import hmac
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

FORM_SECRET = "form-secret-4c1d9a"
STRIPE_SECRET = "whsec_stripe_77e0"

FLOW = """\
on form_submitted
  -> fill nda
  -> sign sequentially [client, manager]
"""

CONFIG = """\
[sources.typeform]
secret = "${TYPEFORM_SECRET}"
events = ["form_submitted"]

[sources.stripe]
secret = "%s"
events = ["form_submitted"]
signature_header = "Stripe-Signature"
tolerance = "1m"
""" % STRIPE_SECRET


def sign(secret, t, body):
    mac = hmac.new(secret.encode(), ("%d." % t).encode() + body, hashlib.sha256).hexdigest()
    return "t=%d,v1=%s" % (t, mac)


def card(n):
    return json.dumps({"signers": {"client": "c%d@x.com" % n, "manager": "m@x.com"}}).encode()


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "card.flow"), FLOW)
    harness.write(os.path.join(rules, "signflow.toml"), CONFIG)
    os.environ["TYPEFORM_SECRET"] = FORM_SECRET
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()

    def hook(path, body, header=None, name="Signflow-Signature", extra=None):
        h = {"Content-Type": "application/json"}
        if header is not None:
            h[name] = header
        h.update(extra or {})
        return d.request("POST", path, body=body, headers=h, auth=False)

    def envelopes():
        return len(d.all_instances())

    def refused(r, what, status, reason):
        check(r.status == status and r.json and r.json.get("reason") == reason and r.json.get("error"),
              "%s: expected %d with reason %r, got %r" % (what, status, reason, r))
        check(FORM_SECRET not in r.text and STRIPE_SECRET not in r.text, "%s: the answer holds a secret" % what)

    # ---- a valid request: 202 and an envelope, without an API key
    now = int(time.time())
    body = card(1)
    header = sign(FORM_SECRET, now, body)
    r = hook("/v1/hooks/typeform/form_submitted", body, header)
    check(r.status == 202 and len(r.json["started"]) == 1, "a signed webhook: expected 202 with one start, got %r" % r)
    first = r.json["started"][0]["id"]
    check(d.instance(first)["data"]["signers"]["client"] == "c1@x.com",
          "the envelope should hold the webhook's data: %r" % d.instance(first))
    check(envelopes() == 1, "one envelope expected")

    # ---- replayed: the same request again gets the first answer, starts nothing
    r = hook("/v1/hooks/typeform/form_submitted", body, header)
    check(r.status == 202 and r.json.get("replayed") is True and r.json["started"][0]["id"] == first,
          "a replayed webhook: expected the first answer with replayed: true, got %r" % r)
    check(envelopes() == 1, "a replayed webhook started a second envelope")

    # ---- refusals start nothing
    before = envelopes()
    refused(hook("/v1/hooks/typeform/form_submitted", card(2)), "unsigned", 401, "unsigned")
    refused(hook("/v1/hooks/typeform/form_submitted", card(2), sign("not-the-secret", now, card(2))),
            "signed with the wrong secret", 401, "mismatch")
    refused(hook("/v1/hooks/typeform/form_submitted", card(3), sign(FORM_SECRET, now, card(2))),
            "a body other than the one signed", 401, "mismatch")
    stale = now - 400
    r = hook("/v1/hooks/typeform/form_submitted", card(2), sign(FORM_SECRET, stale, card(2)))
    refused(r, "signed 400 s ago (window 300 s)", 401, "stale")
    check("300" in r.json["error"], "a stale refusal should give the window: %r" % r)
    refused(hook("/v1/hooks/typeform/form_submitted", card(2), sign(FORM_SECRET, now + 400, card(2))),
            "signed 400 s in the future", 401, "stale")
    refused(hook("/v1/hooks/typeform/form_submitted", card(2), "v1=abc"), "no t=", 401, "malformed")
    refused(hook("/v1/hooks/typeform/form_submitted", card(2), "t=%d" % now), "no v1=", 401, "malformed")
    refused(hook("/v1/hooks/typeform/form_submitted", card(2), "garbage"), "garbage", 401, "malformed")
    # An unknown source is told nothing more than a wrong signature is.
    refused(hook("/v1/hooks/nosuch/form_submitted", card(2), sign(FORM_SECRET, now, card(2))),
            "an unknown source", 401, "mismatch")
    check(envelopes() == before, "a refused webhook started an envelope")
    r = hook("/v1/hooks/typeform/form_submitted", card(2))
    check(r.headers.get("www-authenticate", "").startswith("Signature"),
          "a 401 should carry WWW-Authenticate: %r" % r.headers)
    check(d.request("GET", "/v1/hooks/typeform/form_submitted", auth=False).status == 405, "GET on a hook: 405")
    check(d.request("POST", "/v1/hooks/typeform", body=b"{}", auth=False).status == 404, "a hook without event: 404")

    # ---- Stripe's header name, several v1 entries (a secret being rolled)
    # Signed "now" again: this source's window is one minute, and the first
    # `now` was taken a dozen requests ago (a slow machine could use it up).
    now = int(time.time())
    body = card(4)
    good = sign(STRIPE_SECRET, now, body)
    rolled = "t=%d,v1=%s,v1=%s" % (now, "0" * 64, good.split("v1=")[1])
    r = hook("/v1/hooks/stripe/form_submitted", body, rolled, name="Stripe-Signature")
    check(r.status == 202 and len(r.json["started"]) == 1, "Stripe-Signature with two v1, one right: got %r" % r)
    refused(hook("/v1/hooks/stripe/form_submitted", body, good), "stripe signed under Signflow-Signature", 401,
            "unsigned")
    refused(hook("/v1/hooks/stripe/form_submitted", card(5), sign(STRIPE_SECRET, now - 90, card(5)),
                 name="Stripe-Signature"), "stripe, 90 s old (window 1 m)", 401, "stale")

    # ---- a captured request replayed with headers the signature does not
    # cover (an Idempotency-Key, another event in the path) starts nothing new
    body = card(6)
    signed6 = sign(FORM_SECRET, now, body)
    r1 = hook("/v1/hooks/typeform/form_submitted", body, signed6, extra={"Idempotency-Key": "sub-6"})
    r2 = hook("/v1/hooks/typeform/form_submitted", body, signed6, extra={"Idempotency-Key": "sub-6-again"})
    r3 = hook("/v1/hooks/typeform/other_event", body, signed6)
    check(r1.status == 202 and len(r1.json["started"]) == 1, "the first request: %r" % r1)
    check(r2.json.get("replayed") is True and r2.json.get("started") == r1.json["started"],
          "a replay with a new Idempotency-Key: expected the first answer, got %r" % r2)
    # To an event this source may not send: 403, never a start
    # (security_webhooks.py has the rest).
    check(r3.status == 403 and r3.json.get("reason") == "event not allowed",
          "a replay to another event: expected 403, got %r" % r3)
    # ...and its key does not collide with the operator's own keys.
    r = d.post("/v1/events/form_submitted", json.loads(card(7)), key="sub-6")
    check(r.status == 202 and not r.json.get("replayed"), "an API key's sub-6 met the webhook's: %r" % r)
    check(envelopes() == 4, "expected 4 envelopes (typeform, stripe, sub-6, the API's), found %d" % envelopes())

    # ---- every refusal is a security event
    events = d.get_ok("/v1/security-events?limit=1000")["events"]
    hooks = [e for e in events if e["kind"] == "webhook_rejected"]
    seen = {(e["source"], e["detail"]["reason"]) for e in hooks}
    for want in (("typeform", "unsigned"), ("typeform", "mismatch"), ("typeform", "stale"),
                 ("typeform", "malformed"), ("nosuch", "unknown source"), ("stripe", "unsigned"), ("stripe", "stale")):
        check(want in seen, "expected a security event %r; have %r" % (want, sorted(seen)))
    check(all(e["ip"] == "127.0.0.1" and e["detail"].get("event") in ("form_submitted", "other_event")
              for e in hooks), "webhook events need the ip and the event: %r" % hooks)
    text = json.dumps(events)
    check(FORM_SECRET not in text and STRIPE_SECRET not in text, "a security event holds a secret")
    log = d.log_tail(200000)
    check(FORM_SECRET not in log and STRIPE_SECRET not in log, "the daemon logged a secret")
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
