"""An operator corrects an envelope in flight, end to end with a real daemon:
PATCH /v1/instances/{id}/signers/{role}, POST …/signers/{role}/resend and
`signflow envelope correct|resend|cancel`.

Checked: a correction made before the signer's turn sends nothing early and
their request goes to the corrected address when the turn comes; a
corrected email receives a new signing request at once when it is their
turn, and the old link answers 410 ("replaced"); a resend sends a new link
and the earlier one keeps working; a signer who signed cannot be corrected;
bad values, unknown roles and keys without the admin scope are refused;
`kill -9` right after a correction was answered loses nothing (the request
goes out after the restart); the audit trail records each correction with
the old and new values and the key's name, and its chain verifies.
"""

import email
import email.policy
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import Browser, check, link_in, wait_until
from two_documents import entries, requests_to_client, sign_on_page

FLOW = """\
workflow correction
role client = event.client
role manager = event.manager
on contract_ready
  -> fill nda
  -> sign sequentially [client, manager]
       remind every 2d
"""


def to_of(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)["To"]


def requests_to(work, id, role, n):
    """Wait for the n-th signing request to `role` (each a file of its own,
    written whole), oldest first."""
    by_time = lambda: sorted(requests_to_client(work, id, role), key=os.path.getmtime)
    return wait_until("request %d to the %s" % (n, role), lambda: (lambda f: f if len(f) >= n else None)(by_time()),
                      timeout=60)


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.makedirs(rules)
    harness.write(os.path.join(rules, "correction.flow"), FLOW)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()
    sender = d.create_key("shop", "send")
    actor = d.create_key("front-desk", "act-for-signer")

    r = d.post("/v1/events/contract_ready", {"client": {"name": "Cleo", "email": "cleo@exmaple.com"},
                                             "manager": {"name": "Max", "email": "max@acme.example"}})
    check(r.status == 202, "contract_ready: %r" % r)
    id = r.json["started"][0]["id"]
    first = requests_to(work, id, "client", 1)
    old_link = link_in(first[0])
    check("cleo@exmaple.com" in to_of(first[0]), "the first request went to the mistyped address")

    base = "/v1/instances/%d/signers" % id
    # ---- refused: without the admin scope, bad values, unknown roles
    for token, who in ((sender, "a send key"), (actor, "an act-for-signer key")):
        r = d.request("PATCH", base + "/client", {"email": "cleo@example.com"}, auth=token)
        check(r.status == 403, "%s cannot correct a signer: %r" % (who, r))
        r = d.request("POST", base + "/client/resend", {}, auth=token)
        check(r.status == 403, "%s cannot resend: %r" % (who, r))
    r = d.request("PATCH", base + "/client", {"email": "not-an-email"})
    check(r.status == 422 and "email" in r.json["error"], "a bad address: %r" % r)
    r = d.request("PATCH", base + "/client", {"timezone": "Mars/Olympus"})
    check(r.status == 422 and "timezone" in r.json["error"], "an unknown zone: %r" % r)
    r = d.request("PATCH", base + "/client", {"role": "manager"})
    check(r.status == 422 and "cannot be corrected" in r.json["error"], "an unknown key: %r" % r)
    r = d.request("PATCH", base + "/witness", {"email": "w@example.com"})
    check(r.status == 404, "an unknown role: %r" % r)
    r = d.request("PATCH", "/v1/instances/999/signers/client", {"email": "w@example.com"})
    check(r.status == 404, "an unknown envelope: %r" % r)
    r = d.request("PUT", base + "/client", {"email": "w@example.com"})
    check(r.status == 405, "PUT is not PATCH: %r" % r)
    check(entries(d, id, "signer_corrected") == [], "nothing refused was recorded")

    # ---- the manager, before their turn: corrected, nothing sent now
    r = d.request("PATCH", base + "/manager", {"email": "max@acme.example.org"})
    check(r.status == 202 and r.json["request_sent"] is False and r.json["changed"] == ["email"],
          "the manager corrected before their turn: %r" % r)
    r = d.request("POST", base + "/manager/resend", {})
    check(r.status == 409, "no resend before the manager's turn: %r" % r)

    # ---- the client, in their turn: a new request to the right address
    r = d.request("PATCH", base + "/client", {"email": "cleo@example.com", "name": "Cleo Client"})
    check(r.status == 202 and r.json["request_sent"] is True and sorted(r.json["changed"]) == ["email", "name"],
          "the client corrected: %r" % r)
    second = requests_to(work, id, "client", 2)
    new_link = link_in(second[-1])
    check("cleo@example.com" in to_of(second[-1]) and new_link != old_link,
          "the new request goes to the corrected address with a new link: %s %r" % (to_of(second[-1]), second))
    r = Browser(d).get(old_link)
    check(r.status == 410 and "This link was replaced" in r.text, "the old link is replaced: %r" % r)
    check(Browser(d).get(old_link + "/document").status == 410, "nothing behind the old link")
    check(Browser(d).get(old_link + "/pages/1.png").status == 410, "no page image behind the old link")
    for act, form in (("sign", {"name": "Mallory", "agree": "yes"}), ("consent", {"agree": "yes"}),
                      ("decline", {"reason": "not me"})):
        r = Browser(d).post(old_link + "/" + act, form, csrf="0" * 32)
        check(r.status == 410, "the old link cannot %s: %r" % (act, r))
    r = Browser(d).get(new_link)
    check(r.status == 200, "the new link works: %r" % r)
    again = d.request("PATCH", base + "/client", {"email": "cleo@example.com"})
    check(again.status == 200 and again.json["changed"] == [], "the same value again changes nothing: %r" % again)

    # ---- resend: a fresh link; the one before keeps working
    r = d.request("POST", base + "/client/resend", {})
    check(r.status == 202, "resend: %r" % r)
    third = requests_to(work, id, "client", 3)
    check(link_in(third[-1]) not in (new_link, old_link), "the resend carries a fresh link")
    check(Browser(d).get(new_link).status == 200, "the corrected link still works after a resend")

    # ---- the client signs; the manager's request goes to the corrected address
    sign_on_page(d, link_in(third[-1]), "the client")
    mgr = requests_to(work, id, "manager", 1)
    check("max@acme.example.org" in to_of(mgr[0]), "the manager's request goes to the corrected address: %s" % to_of(mgr[0]))
    r = d.request("PATCH", base + "/client", {"name": "Someone Else"})
    check(r.status == 409 and "has signed" in r.json["error"], "a signer who signed cannot be corrected: %r" % r)

    # ---- kill -9 right after a correction was answered: nothing lost
    r = d.request("PATCH", base + "/manager", {"name": "Max Mustermann", "language": "zh"})
    check(r.status == 202 and r.json["request_sent"] is True, "the manager corrected in their turn: %r" % r)
    d.kill9()
    d.start()
    mgr = requests_to(work, id, "manager", 2)
    check("Max Mustermann" in to_of(mgr[-1]), "after kill -9, the request goes out with the corrected name: %s" %
          to_of(mgr[-1]))
    r = Browser(d).get(link_in(mgr[0]))
    check(r.status == 410 and "此链接已被替换" in r.text, "the manager's first link is replaced (in their language): %r" % r)

    # ---- the command line: resend, correct, cancel
    env = dict(os.environ, SIGNFLOW_URL="http://127.0.0.1:%d" % d.port, SIGNFLOW_API_KEY=d.token)
    run = lambda *args: subprocess.run([binary, "envelope"] + list(args), capture_output=True, text=True, env=env,
                                       timeout=60)
    p = run("resend", str(id), "manager")
    check(p.returncode == 0 and "again" in p.stdout, "signflow envelope resend: %d %s %s" % (p.returncode, p.stdout, p.stderr))
    requests_to(work, id, "manager", 3)
    p = run("correct", str(id), "manager", "--phone", "+44 20 7946 0958")
    check(p.returncode == 0 and "corrected" in p.stdout, "signflow envelope correct: %s %s" % (p.stdout, p.stderr))
    p = run("correct", str(id), "client", "--name", "X")
    check(p.returncode == 1 and "409" in p.stderr, "the command line says why it was refused: %s" % p.stderr)
    p = run("correct", str(id), "manager")
    check(p.returncode == 2, "correct without a change is a usage error: %s" % p.stderr)
    p = run("cancel", str(id), "--reason", "the customer withdrew")
    check(p.returncode == 0 and d.instance(id)["status"] == "cancelled", "signflow envelope cancel: %s" % p.stderr)

    # ---- the trail: each correction with old and new values and the key
    fixes = entries(d, id, "signer_corrected")
    check([(e["detail"]["role"], sorted(e["detail"]["new"])) for e in fixes] ==
          [("manager", ["email"]), ("client", ["email", "name"]), ("manager", ["language", "name"]),
           ("manager", ["phone"])], "four corrections: %r" % fixes)
    check(fixes[1]["detail"]["old"] == {"email": "cleo@exmaple.com", "name": "Cleo"} and
          fixes[1]["detail"]["new"] == {"email": "cleo@example.com", "name": "Cleo Client"},
          "old and new values: %r" % fixes[1])
    check(all(e["detail"]["api_key"]["name"] and e["actor"].startswith("api_key:") for e in fixes),
          "each names the operator's key: %r" % fixes[0])
    check(len(entries(d, id, "request_resent")) == 2, "two resends recorded")
    audit = d.get_ok("/v1/instances/%d/audit" % id)
    check(audit["verdict"]["ok"] is True, "the audit chain verifies: %r" % audit["verdict"])
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
