"""An inbound-webhook secret opens only its source's events; a replay is
keyed by source, event and signature, so a copy posted first to another
event cannot take the genuine delivery's answer; `sign_event` binds the
event into the signature; unknown sources look like wrong signatures
(docs/security.md, "Signed inbound webhooks").

Regression for the finding: a form tool's secret started hr_offer_letter
through offer_approved, and a body signed for form_submitted, posted first
to another event, started that event's workflow while the genuine delivery
got the replayed answer and its NDA never started.
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

FORM = "form-secret-5e2b"
BOTH = "two-events-secret-91aa"
BOUND = "bound-secret-0c7d"

NDA = """\
on form_submitted
  -> fill nda
  -> sign sequentially [client, manager]
"""
OFFER = """\
on offer_approved
  -> sign [employee]
"""
CONFIG = """\
[sources.forms]
secret = "%s"
events = ["form_submitted"]

[sources.both]
secret = "%s"
events = ["form_submitted", "offer_approved"]

[sources.bound]
secret = "%s"
events = ["form_submitted", "offer_approved"]
sign_event = true
""" % (FORM, BOTH, BOUND)


def sign(secret, t, body, event=None):
    text = ("%d." % t).encode() + ((event + ".").encode() if event else b"") + body
    return "t=%d,v1=%s" % (t, hmac.new(secret.encode(), text, hashlib.sha256).hexdigest())


def body(n):
    return json.dumps({"signers": {"client": "c%d@x.com" % n, "manager": "m@x.com", "employee": "e%d@x.com" % n}}).encode()


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "nda.flow"), NDA)
    harness.write(os.path.join(rules, "offer.flow"), OFFER)
    harness.write(os.path.join(rules, "signflow.toml"), CONFIG)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()

    def hook(src, event, data, header):
        return d.request("POST", "/v1/hooks/%s/%s" % (src, event), body=data, auth=False,
                         headers={"Content-Type": "application/json", "Signflow-Signature": header})

    def workflows():
        return sorted(i["workflow"] for i in d.all_instances())

    # ---- a secret opens only its source's events
    now = int(time.time())
    r = hook("forms", "offer_approved", body(1), sign(FORM, now, body(1)))
    check(r.status == 403 and r.json.get("reason") == "event not allowed" and "offer_approved" in r.json["error"],
          "the form tool's secret on offer_approved: expected 403, got %r" % r)
    check(workflows() == [], "a refused webhook started something: %r" % workflows())
    r = hook("forms", "form_submitted", body(1), sign(FORM, now, body(1)))
    check(r.status == 202 and len(r.json["started"]) == 1, "the form tool's own event: %r" % r)

    # ---- a copy posted first to another event does not steal the genuine answer
    data = body(2)
    signed = sign(BOTH, now, data)
    stolen = hook("both", "offer_approved", data, signed)  # the attacker's copy, first
    genuine = hook("both", "form_submitted", data, signed)
    check(genuine.status == 202 and not genuine.json.get("replayed") and len(genuine.json["started"]) == 1 and
          genuine.json["started"][0]["workflow"] == "nda",
          "the genuine delivery still starts its NDA: %r (the copy got %r)" % (genuine, stolen))
    again = hook("both", "form_submitted", data, signed)
    check(again.json.get("replayed") is True and again.json["started"] == genuine.json["started"],
          "a replay to the same event gets the first answer: %r" % again)

    # ---- sign_event: the event is covered, a moved copy does not verify
    data = body(3)
    bound = sign(BOUND, now, data, event="form_submitted")
    r = hook("bound", "offer_approved", data, bound)
    check(r.status == 401 and r.json.get("reason") == "mismatch", "a bound copy moved to another event: %r" % r)
    r = hook("bound", "form_submitted", data, sign(BOUND, now, data))
    check(r.status == 401 and r.json.get("reason") == "mismatch", "without the event in the signature: %r" % r)
    r = hook("bound", "form_submitted", data, bound)
    check(r.status == 202 and len(r.json["started"]) == 1, "the bound request to its own event: %r" % r)

    # ---- an unknown source is told what a wrong signature is told
    unknown = hook("nosuch", "form_submitted", body(4), sign(FORM, now, body(4)))
    wrong = hook("forms", "form_submitted", body(4), sign("not-the-secret", now, body(4)))
    check(unknown.status == wrong.status == 401 and unknown.json == wrong.json and
          unknown.headers.get("www-authenticate") == wrong.headers.get("www-authenticate"),
          "an unknown source and a wrong secret look alike: %r / %r" % (unknown, wrong))
    events = d.get_ok("/v1/security-events?limit=100")["events"]
    reasons = {(e["source"], e["detail"]["reason"]) for e in events if e["kind"] == "webhook_rejected"}
    check({("nosuch", "unknown source"), ("forms", "event not allowed"), ("forms", "mismatch")} <= reasons,
          "the operator sees the true reasons: %r" % reasons)

    # Of everything above, only the three genuine requests started envelopes;
    # the copy to offer_approved is a request of its own (its source may
    # send that event and does not bind it): docs/security.md says so.
    check(workflows().count("nda") == 3, "three NDAs: %r" % workflows())

    # ---- a source without `events` is refused at start, saying what to add
    harness.write(os.path.join(rules, "signflow.toml"), CONFIG + '\n[sources.old]\nsecret = "x"\n')
    d.stop_clean()
    import subprocess
    p = subprocess.run(d.serve_args(),
                       capture_output=True, text=True, timeout=30)
    check(p.returncode != 0 and "[sources.old] needs `events`" in p.stdout + p.stderr,
          "a source without events: expected a refusal naming it, got exit %d: %s" % (p.returncode, p.stdout + p.stderr))


if __name__ == "__main__":
    harness.main(test)
