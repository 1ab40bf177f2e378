"""A signer's acts come from the signer's link; through the API only a key
with the act-for-signer scope may act in a signer's name, with a reason, and
the evidence names that key (docs/security.md, "acting for a signer").

Regression for the finding "a `send` key can act as a signer": a send key
posted verified, consent and signed for a signer, and the trail showed them
as the signer's own acts.
"""

import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check, wait_until

CARD = {"signers": {"client": "c@x.com", "manager": "m@x.com"}}
FLOW = """\
on form_submitted
  -> fill nda
  -> sign sequentially [client, manager]
"""
ACTS = ["signed", "verified", "verification_failed", "declined", "consent", "viewed", "code", "code/resend",
        "attachments/id_scan"]


def trail(d, env):
    return d.get_ok("/v1/instances/%d/audit" % env)["entries"]


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "card.flow"), FLOW)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()
    sender = d.create_key("crm-sync", "send")
    desk = d.act_token()
    listed = {k["name"]: k for k in json.loads(subprocess.run(
        [binary, "api-key", "list", "--db", d.target, "--format", "json"], capture_output=True, text=True).stdout)}
    desk_id = listed["test operator"]["id"]
    check(listed["test operator"]["scopes"] == "act-for-signer", "the desk key's scopes: %r" % listed)

    r = d.post("/v1/events/form_submitted", CARD, auth=sender)
    check(r.status == 202, "the send key starts an envelope: %r" % r)
    env = r.json["started"][0]["id"]
    wait_until("envelope %d awaiting the client" % env, lambda: d.instance(env)["state"] == "awaiting(client)")
    before = len(trail(d, env))

    # ---- neither send nor admin may act for a signer, whatever the act
    for who, token in (("send", sender), ("admin", d.token)):
        for act in ACTS:
            path = "/v1/instances/%d/signers/client/%s?operator_reason=paper" % (env, act)
            r = d.request("POST", path, body={"agreed": True, "code": "123456"}, auth=token)
            check(r.status == 403 and r.json.get("scope_needed") == "act-for-signer",
                  "a %s key posting %s for the client: expected 403 naming act-for-signer, got %r" % (who, act, r))
            check("act-for-signer" in r.headers.get("www-authenticate", ""),
                  "the 403 names the scope in WWW-Authenticate: %r" % r.headers)
    check(d.instance(env)["state"] == "awaiting(client)", "a refused act moved the envelope")
    # Only the system's own entries (the request's delivery) may have come
    # meanwhile: none from a request (those carry its address).
    acts = [e for e in trail(d, env)[before:] if e["ip"]]
    check(not acts, "a refused act wrote to the trail: %r" % acts)
    events = d.get_ok("/v1/security-events?limit=100")["events"]
    forbidden = [e for e in events if e["kind"] == "api_key_forbidden" and
                 e["detail"].get("scope_needed") == "act-for-signer"]
    check(len(forbidden) >= 1 and {e["detail"]["name"] for e in forbidden} >= {"crm-sync"},
          "the refusals are security events naming the key: %r" % forbidden[:3])

    # ---- the desk key may not do anything else
    check(d.get("/v1/instances/%d" % env, auth=desk).status == 403, "the act-for-signer key read an envelope")
    check(d.post("/v1/events/form_submitted", CARD, auth=desk).status == 403, "the act-for-signer key started one")
    check(d.post("/v1/instances/%d/signers/client/link" % env, {}, auth=desk).status == 403,
          "the act-for-signer key minted a signing link")

    # ---- nothing parses an upload the envelope does not ask for (a PDF
    # reaches PoDoFo only for a request that exists)
    broken = b"%PDF-1.7\n" + b"\x00" * 64
    for path in ("/v1/instances/%d/signers/client/attachments/id_scan?filename=x.pdf" % env,
                 "/v1/instances/999999/signers/client/attachments/id_scan?filename=x.pdf"):
        r = d.act(path, broken, headers={"Content-Type": "application/pdf"})
        check(r.status == 404, "an upload nobody asked for: expected 404 before any parsing, got %r" % r)

    # ---- and needs a reason
    r = d.post("/v1/instances/%d/signers/client/signed" % env, {"name": "C. Client"}, auth=desk)
    check(r.status == 400 and "operator_reason" in r.json["error"], "no reason: expected 400 naming it, got %r" % r)
    r = d.post("/v1/instances/%d/signers/client/signed" % env, {"operator_reason": "a\nb"}, auth=desk)
    check(r.status == 400 and "control" in r.json["error"], "a reason with a newline: expected 400, got %r" % r)
    r = d.post("/v1/instances/%d/signers/client/signed" % env, {"operator_reason": "x" * 501}, auth=desk)
    check(r.status == 400 and "500" in r.json["error"], "a reason of 501 bytes: expected 400, got %r" % r)
    r = d.post("/v1/instances/%d/signers/client/signed" % env, {"operator_reason": 7}, auth=desk)
    check(r.status == 400, "a reason that is not a string: expected 400, got %r" % r)
    check(d.instance(env)["state"] == "awaiting(client)", "an act without a good reason moved the envelope")

    # ---- with the scope and a reason: done, and the evidence says who did it
    reason = "signed on paper at the branch, scan in the CRM"
    r = d.post("/v1/instances/%d/signers/client/signed" % env, {"name": "C. Client", "operator_reason": reason},
               auth=desk, headers={"User-Agent": "branch-desk/1.0"})
    check(r.status == 202 and r.json["state"] == "awaiting(manager)", "the desk signs for the client: %r" % r)
    signed = [e for e in trail(d, env) if e["kind"] == "signed"]
    check(len(signed) == 1, "one signed entry: %r" % signed)
    s = signed[0]
    check(s["actor"] == "api_key:%d" % desk_id, "the key is the actor, not the client: %r" % s)
    check(s["detail"]["on_behalf_of"] == "client" and s["detail"]["api_key"] == {"id": desk_id, "name": "test operator"}
          and s["detail"]["operator_reason"] == reason, "on whose behalf, which key, why: %r" % s["detail"])
    check("operator_reason" not in s["detail"].get("name", ""), "the reason is not taken as the name: %r" % s)
    check(s["user_agent"] == "branch-desk/1.0" and s["ip"] == "127.0.0.1", "where it came from: %r" % s)
    # The act counts as the client's: a second signature for them is refused.
    r = d.post("/v1/instances/%d/signers/client/signed" % env, {"operator_reason": reason + " (again)"}, auth=desk)
    check(r.status == 409, "signing twice for the client: expected 409, got %r" % r)

    # The reason in the query works as well; the manager's signature completes it.
    r = d.act("/v1/instances/%d/signers/manager/signed" % env, {"name": "M. Manager"}, reason="identity checked at the desk")
    check(r.status == 202 and r.json["status"] == "finished", "the desk signs for the manager: %r" % r)

    audit = wait_until("the `sealed` entry of envelope %d" % env, lambda: (
        lambda a: a if "sealed" in [e["kind"] for e in a["entries"]] else None)(
        d.get_ok("/v1/instances/%d/audit" % env)))
    check(audit["verdict"]["ok"], "the chain verifies: %r" % audit["verdict"])
    check(not [e for e in audit["entries"] if e["actor"] in ("client", "manager")],
          "no entry claims the signers acted themselves: %r" %
          [e for e in audit["entries"] if e["actor"] in ("client", "manager")])

    cert = d.get_ok("/v1/instances/%d/certificate" % env)
    by_role = {x["role"]: x for x in cert["signers"]}
    check(set(by_role) == {"client", "manager"}, "both signers are on the certificate: %r" % cert["signers"])
    check(by_role["client"]["auth"] == "by an operator's API key: test operator (api_key:%d)" % desk_id,
          "the client's authentication names the key: %r" % by_role["client"])
    check(by_role["client"].get("signed_at"), "the client's signature time is on the certificate: %r" % by_role)
    ev = [e for e in cert["events"] if e["kind"] == "signed"]
    check([e.get("on_behalf_of") for e in ev] == ["client", "manager"] and
          all(e["actor"] == "api_key:%d" % desk_id for e in ev) and ev[0]["operator_reason"] == reason,
          "the certificate's events say who acted for whom: %r" % ev)

    # The sealed PDF's certificate page says it in words.
    pdf = os.path.join(work, "sealed.pdf")
    r = d.get("/v1/instances/%d/document" % env)
    check(r.status == 200, "the sealed document: %r" % r)
    with open(pdf, "wb") as f:
        f.write(r.body)
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True).stdout
    check("test operator (api_key:%d) on behalf of client" % desk_id in text and "Operator's reason: " + reason in text,
          "the certificate page names the key and the reason:\n%s" % text[-2000:])
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
