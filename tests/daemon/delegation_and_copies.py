"""A signer hands over (`delegable`) and people are copied (`cc`), end to
end with a real daemon, real PDFs and real webhooks.

Checked: `cc [legal] on sent` mails legal a link that reads the documents
(pages, PDF) and cannot act (every form refused); the client's page offers
"someone else should sign" (the manager's does not: not delegable there);
a bad delegate is refused and changes nothing; the client hands over to a
delegate, whose own request arrives at their address, while the client's
link answers 410 ("handed over"); the delegate's page says on whose behalf
they sign and offers no second hand-over; the delegate signs, the manager
signs; the sealed PDF's signature box and signature reason say "on behalf
of"; the audit trail has `signer_delegated` and a `signed` entry naming
the signer handed over from; the certificate lists the delegate with
`on_behalf_of` and every copy; `cc [legal, sales] on completed` mails each
the signed copy (attached), and the envelope's own completion mail does
not go to them twice; the copy link then downloads the sealed PDF;
webhooks `recipient.copied` and `recipient.delegated` arrive; analytics
count the delegation; the audit chain verifies.
"""

import email
import email.policy
import glob
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import Browser, check, link_in, wait_until
from signer_fields import Receiver
from corrections import requests_to
from two_documents import entries, sign_on_page, text_of

FLOW = """\
workflow handover
role legal = { name: "Lea Legal", email: "legal@acme.example" }
role sales = { name: "Sam Sales", email: "sales@acme.example" }
role client = event.client
role manager = event.manager
on contract_ready
  -> fill nda
  -> cc [legal] on sent
  -> sign [client] then [manager]
       remind every 2d
       delegable [client]
  -> cc [legal, sales] on completed
"""

CONFIG = """\
[connectors.hooks]
kind = "webhook"
url = "http://127.0.0.1:%(port)d/hooks"
secret = "whsec-delegation"
events = ["recipient.copied", "recipient.delegated", "recipient.signed"]
"""


def mail_of(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def mails_to(work, id, role):
    """Every message to `role` in the outbox folder, oldest first."""
    return sorted(glob.glob(os.path.join(work, "outbox", "%d.*.%s*.eml" % (id, role))), key=os.path.getmtime)


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.makedirs(rules)
    harness.write(os.path.join(rules, "handover.flow"), FLOW)
    receiver = Receiver()
    config = os.path.join(work, "signflow.toml")
    harness.write(config, CONFIG % {"port": receiver.port})
    d = harness.Daemon(binary, work, rules, extra=["--config", config])
    daemons.append(d)
    d.start()

    r = d.post("/v1/events/contract_ready", {"client": {"name": "Cleo Client", "email": "cleo@example.com"},
                                             "manager": {"name": "Max Manager", "email": "max@acme.example"}})
    check(r.status == 202, "contract_ready: %r" % r)
    id = r.json["started"][0]["id"]

    # ---- a start cannot claim that a signer signs for someone
    r = d.post("/v1/events/contract_ready", {"client": {"name": "Eve", "email": "eve@example.com",
                                                        "on_behalf_of": {"name": "The CEO", "email": "ceo@example.com"}},
                                             "manager": {"name": "Max Manager", "email": "max@acme.example"}})
    check(r.status == 202, "a start with a claimed hand-over: %r" % r)
    claimed = r.json["started"][0]["id"]
    check("on_behalf_of" not in d.instance(claimed)["roles"]["client"], "the claim is dropped at the start: %r" %
          d.instance(claimed)["roles"])
    d.request("POST", "/v1/instances/%d/cancel" % claimed, {"reason": "only a check"})

    # ---- legal's copy on sent: a link that reads and cannot act
    legal = wait_until("legal's copy", lambda: mails_to(work, id, "legal"), timeout=60)
    copy = mail_of(legal[0])
    check("legal@acme.example" in copy["To"] and "For your information" in copy["Subject"],
          "the copy goes to legal: %s / %s" % (copy["To"], copy["Subject"]))
    copy_link = link_in(legal[0])
    b = Browser(d)
    page = wait_until("the copy page with the document",
                      lambda: (lambda r: r if r.status == 200 and 'id="pages"' in r.text else None)(b.get(copy_link)),
                      timeout=60)
    check("You do not need to sign" in page.text and 'id="sign-form"' not in page.text and
          'id="consent-form"' not in page.text and 'id="decline-form"' not in page.text,
          "the copy page reads, and offers nothing to act on: %r" % page)
    image = b.get(copy_link + "/pages/1.png")
    check(image.status == 200 and image.body[:4] == b"\x89PNG", "the copy reads page 1: %r" % image)
    pdf = b.get(copy_link + "/document")
    check(pdf.status == 200 and pdf.body[:5] == b"%PDF-", "the copy reads the PDF: %r" % pdf)
    for act, form in (("sign", {"name": "Lea", "agree": "yes"}), ("consent", {"agree": "yes"}),
                      ("decline", {"reason": "no"}), ("delegate", {"name": "Eve", "email": "eve@example.com"})):
        r = b.post(copy_link + "/" + act, form)
        check(r.status == 403, "a copy link cannot %s: %r" % (act, r))
    sent_copies = entries(d, id, "copied")
    check([(e["detail"]["role"], e["detail"]["on"]) for e in sent_copies] == [("legal", "sent")],
          "the trail records legal's copy on sent: %r" % sent_copies)

    # ---- the client's page offers a hand-over; a bad delegate is refused
    first = requests_to(work, id, "client", 1)
    client_link = link_in(first[0])
    cb = Browser(d)
    r = cb.get(client_link)
    if 'id="consent-form"' in r.text:
        check(cb.post(client_link + "/consent", {"agree": "yes"}).status == 303, "the client consents")
        r = cb.get(client_link)
    check('id="delegate-form"' in r.text and 'id="sign-form"' in r.text, "the client may hand over: %r" % r)
    for bad in ({"name": "", "email": "dora@example.com"}, {"name": "Dora", "email": "not-an-address"},
                {"name": "Dora", "email": "Cleo@Example.com"}, {"name": "Dora", "email": "MAX@acme.example"},
                {"name": "Dora", "email": "d" * 250 + "@example.com"}, {"name": "D" * 201, "email": "dora@example.com"}):
        r = cb.post(client_link + "/delegate", bad)
        check(r.status == 303 and "n=delegate" in r.headers.get("location", ""), "refused %r: %r" % (bad, r))
    check(entries(d, id, "signer_delegated") == [], "nothing refused was recorded")
    # (the signer's own address in another case, another party's address, too long: refused, not cut)
    r = Browser(d).post(client_link + "/delegate", {"name": "Dora", "email": "dora@example.com"}, csrf="0" * 32)
    check(r.status == 303 and "n=expired" in r.headers.get("location", ""), "a forged form hands nothing over: %r" % r)

    # ---- the hand-over
    r = cb.post(client_link + "/delegate", {"name": "Dora Delegate", "email": "dora@example.com"})
    check(r.status == 200 and "Handed over" in r.text, "the client hands over: %r %r" % (r, r.headers))
    r = Browser(d).get(client_link)
    check(r.status == 410 and "Handed over" in r.text, "the client's link no longer works: %r" % r)
    r = Browser(d).post(client_link + "/sign", {"name": "Cleo", "agree": "yes"}, csrf="0" * 32)
    check(r.status == 410, "the client's link cannot sign: %r" % r)
    delegated = entries(d, id, "signer_delegated")
    check(len(delegated) == 1 and delegated[0]["detail"]["from"] == {"name": "Cleo Client", "email": "cleo@example.com"}
          and delegated[0]["detail"]["to"] == {"name": "Dora Delegate", "email": "dora@example.com"},
          "the trail records the hand-over: %r" % delegated)
    second = requests_to(work, id, "client", 2)
    check("dora@example.com" in mail_of(second[-1])["To"], "the delegate gets their own request: %s" %
          mail_of(second[-1])["To"])
    dora_link = link_in(second[-1])
    db = Browser(d)
    r = db.get(dora_link)
    if 'id="consent-form"' in r.text:
        check(db.post(dora_link + "/consent", {"agree": "yes"}).status == 303, "the delegate consents")
        r = db.get(dora_link)
    check("You sign on behalf of Cleo Client" in r.text and 'id="delegate-form"' not in r.text,
          "the delegate's page says for whom, and offers no second hand-over: %r" % r)
    r = db.post(dora_link + "/delegate", {"name": "Fred", "email": "fred@example.com"})
    check(r.status == 303 and "n=notnow" in r.headers.get("location", ""), "no second hand-over: %r" % r)
    r = db.post(dora_link + "/sign", {"name": "Dora Delegate", "agree": "yes"})
    check(r.status == 303 and "?n=" not in r.headers.get("location", ""), "the delegate signs: %r" % r)

    # ---- the manager: not delegable in their step
    mgr = requests_to(work, id, "manager", 1)
    mgr_link = link_in(mgr[0])
    mb = Browser(d)
    r = mb.get(mgr_link)
    if 'id="consent-form"' in r.text:
        mb.post(mgr_link + "/consent", {"agree": "yes"})
        r = mb.get(mgr_link)
    check('id="sign-form"' in r.text and 'id="delegate-form"' not in r.text, "the manager cannot hand over: %r" % r)
    r = mb.post(mgr_link + "/delegate", {"name": "Fred", "email": "fred@example.com"})
    check(r.status == 303 and "n=notnow" in r.headers.get("location", ""), "the manager's hand-over is refused: %r" % r)
    sign_on_page(d, mgr_link, "the manager")
    wait_until("completion", lambda: d.instance(id)["state"] == "completed", timeout=60)

    # ---- the signed copy: "on behalf of" in the signature's box and reason
    sealed = wait_until("the sealed document", lambda: (lambda r: r if r.status == 200 else None)(
        d.get("/v1/instances/%d/document" % id)) if any(x["kind"] == "sealed" for x in
                                                         d.get_ok("/v1/instances/%d/documents" % id)["documents"])
        else None, timeout=90)
    text, sigs = text_of(work, "sealed.pdf", sealed.body)
    check("on behalf of Cleo Client" in text, "the delegate's signature box says on whose behalf: %r" % text[-800:])
    check(b"/Reason(Signed by Dora Delegate on behalf of Cleo Client \\(client\\))" in sealed.body,
          "the signature's reason says it too")
    check(sigs.count("Signature Validation: Signature is Valid") == 3, "three valid signatures: %s" % sigs)
    signed = entries(d, id, "signed")
    check(signed[0]["actor"] == "client" and
          signed[0]["detail"]["delegated_by"] == {"name": "Cleo Client", "email": "cleo@example.com"} and
          "delegated_by" not in signed[1]["detail"], "the signed entries: %r" % signed)

    # ---- the certificate: the delegate and the copies
    cert = d.get_ok("/v1/instances/%d/certificate" % id)
    client = [s for s in cert["signers"] if s["role"] == "client"]
    check(client and client[0]["name"] == "Dora Delegate" and
          client[0]["on_behalf_of"] == {"name": "Cleo Client", "email": "cleo@example.com"},
          "the certificate names the delegate and for whom: %r" % cert["signers"])
    check(sorted((c["role"], c["on"]) for c in cert["copies"]) ==
          [("legal", "completed"), ("legal", "sent"), ("sales", "completed")],
          "the certificate lists the copies: %r" % cert.get("copies"))
    check("Signed on behalf of Cleo Client" in text and "Copies (3)" in text,
          "the certificate page in the sealed PDF says so too: %r" % text[-1500:])

    # ---- the copies on completion: the signed copy, attached, once each
    for role, address in (("legal", "legal@acme.example"), ("sales", "sales@acme.example")):
        got = wait_until("%s's signed copy" % role, lambda: [p for p in mails_to(work, id, role)
                                                             if "Signed:" in (mail_of(p)["Subject"] or "")], timeout=90)
        check(len(got) == 1, "one signed copy to %s: %r" % (role, got))
        m = mail_of(got[0])
        attached = [p.get_filename() for p in m.iter_attachments()]
        check(address in m["To"] and len(attached) == 1 and attached[0].endswith(".pdf"),
              "%s gets the signed PDF attached: %s %r" % (role, m["To"], attached))
    d.wait_outbox_drained(timeout=60)
    for role in ("legal", "sales"):
        signed_copies = [p for p in mails_to(work, id, role) if "Signed:" in (mail_of(p)["Subject"] or "")]
        check(len(signed_copies) == 1, "no second signed copy to %s: %r" % (role, signed_copies))
    check(len([p for p in mails_to(work, id, "client") if "Signed:" in (mail_of(p)["Subject"] or "")]) == 1,
          "the delegate gets the signed copy once")
    r = Browser(d).get(copy_link + "/document")
    check(r.status == 200 and r.body == sealed.body, "the copy link now downloads the sealed PDF")
    r = Browser(d).get(copy_link)
    check(r.status == 200 and 'id="sign-form"' not in r.text, "the copy page after completion: %r" % r)

    # ---- webhooks, analytics, the chain
    hooks = wait_until("the copied and delegated webhooks", lambda: (lambda b: b if len(
        [x for x in b if x["event"] == "recipient.copied"]) == 3 and any(x["event"] == "recipient.delegated" for x in b)
        else None)([x for x in receiver.bodies("/hooks") if x["envelope"]["id"] == id]), timeout=60)
    copied = sorted((x["data"]["role"], x["data"]["on"]) for x in hooks if x["event"] == "recipient.copied")
    check(copied == [("legal", "completed"), ("legal", "sent"), ("sales", "completed")], "copied webhooks: %r" % copied)
    handed = [x for x in hooks if x["event"] == "recipient.delegated"][0]
    check(handed["data"]["to"]["email"] == "dora@example.com" and handed["data"]["role"] == "client",
          "the delegated webhook: %r" % handed)
    figures = d.get_ok("/v1/analytics")
    wf = figures["workflows"]["handover"]["all"]
    check(wf["delegations"] == 1 and wf["signers"]["client"]["delegated"] == 1,
          "analytics count the delegation: %r" % wf)
    audit = d.get_ok("/v1/instances/%d/audit" % id)
    check(audit["verdict"]["ok"] is True, "the audit chain verifies: %r" % audit["verdict"])
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
