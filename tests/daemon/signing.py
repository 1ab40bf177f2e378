"""The signing page over plain HTTP (the browser test, tests/browser, drives
the same pages in Chromium): with no mail server configured the signer's
email (with the link) and SMS code land in the outbox folder beside the
database; the link opens the consent step, then the code step, then the
document and the signature; the order of signers holds against a later
signer's link and a crafted form; CSRF, Origin, headers (CSP), unknown
tokens (404, security event, 429 past the limit), uploads, the signed copy
(pdfsig), the completion email with the copy attached, a decline, a wrong
code three times, a cancelled envelope and an expired one (410: its one-
minute timer, armed while the daemon runs, fires without a restart) and a
signer in Chinese.
"""

import glob
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import Browser, check, link_in

FLOW = """\
workflow mutual_nda

role client = event.client
role manager = event.manager

template nda = stdlib.nda {
  client_name = event.client.name
  client_email = event.client.email
  client_company = event.client.name
  effective_date = format_date(now(), "%Y-%m-%d")
  term_months = 24
  governing_law = "England and Wales"
  fee = 0
  currency = "GBP"
  attach id_scan from client required
}

on form_submitted
  -> fill nda
  -> verify client by sms, at most 3 attempts
  -> sign sequentially [client, manager]
       expire after 14d
"""

# The shortest expiry there is: its timer is armed while the daemon runs
# and must fire without a restart.
QUICK = """\
workflow quick_nda

role client = event.client

on quick_request
  -> sign [client]
       expire after 1m
"""

CSRF = re.compile(r'name="csrf" value="([0-9a-f]{32})"')


def event(n, language="en"):
    return {"client": {"name": "Ann Lee %d" % n, "email": "ann%d@example.com" % n, "phone": "+4477009%05d" % n,
                       "language": language},
            "manager": {"name": "Bo Chen", "email": "bo%d@example.com" % n}}


def outbox_files(work, pattern):
    return sorted(glob.glob(os.path.join(work, "outbox", pattern)))


def code_in(path):
    with open(path) as f:
        m = re.search(r"\b(\d{6})\b", f.read())
    check(m, "no code in %s" % path)
    return m.group(1)


def start(d, work, n, language="en"):
    r = d.post("/v1/events/form_submitted", event(n, language))
    check(r.status in (200, 201, 202) and r.json["started"], "starting envelope %d: %r" % (n, r))
    id = r.json["started"][0]["id"]
    # The first code (by SMS) comes with the signing link (by email), both
    # written (renamed into place) by one delivery. The daemon checks codes
    # against the code's record, which it stores when it records that
    # delivery (the `code_sent` entry), after the files are written: a code
    # read as soon as its file exists may be typed before the daemon knows it
    # (or be one a retry of the delivery replaced). Wait for the entry, then
    # read the files.
    def sent():
        if not audit_kinds(d, id, "code_sent"):
            return None
        sms = outbox_files(work, "%d.*client.sms.txt" % id)
        mail = outbox_files(work, "%d.*client.request_signature.eml" % id)
        check(sms and mail, "envelope %d: its code is recorded as sent but the outbox folder has %r and %r" %
              (id, sms, mail))
        return link_in(mail[0]), code_in(sms[0])
    link, code = harness.wait_until("envelope %d's code (recorded as sent) and link" % id, sent, timeout=60)
    return id, link, code


def redirect(r, what, notice=None):
    check(r.status == 303, "%s: expected 303, got %r" % (what, r))
    location = r.headers.get("location", "")
    if notice is None:
        check("?n=" not in location, "%s: expected no notice, got Location %s" % (what, location))
    else:
        check("n=" + notice in location, "%s: expected notice %s, got Location %s" % (what, notice, location))


def audit_kinds(d, id, kind):
    r = d.get_ok("/v1/instances/%d/audit" % id)
    return [e for e in r["entries"] if e["kind"] == kind]


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "mutual_nda.flow"), FLOW)
    harness.write(os.path.join(rules, "quick_nda.flow"), QUICK)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()
    check("written as .eml files to " + os.path.join(work, "outbox") in d.log_tail(20000),
          "the daemon must say where signers' emails go when no mail server is configured")

    # An envelope that expires in a minute, checked at the end.
    r = d.post("/v1/events/quick_request", {"client": {"name": "Quick", "email": "quick@example.com"}})
    check(r.status < 300 and r.json["started"], "the quick envelope: %r" % r)
    quick = r.json["started"][0]["id"]
    quick_started = time.monotonic()
    harness.wait_until("the quick envelope's request", lambda: outbox_files(work, "%d.*client.eml" % quick), timeout=60)
    quick_link = link_in(outbox_files(work, "%d.*client.eml" % quick)[0])

    id, link, code = start(d, work, 1)
    client = Browser(d)

    # ---- an unknown token: a plain 404 that names no envelope, recorded
    r = client.get("/sign/" + "A" * 43)
    check(r.status == 404 and "not valid" in r.text and "mutual_nda" not in r.text, "unknown token: %r" % r)
    events = d.get_ok("/v1/security-events")
    check(any(e.get("kind") == "unknown_signing_link" for e in events.get("events", [])),
          "an unknown signing link is a security event: %r" % events)

    # ---- guessing tokens: 429 past 30 a minute, valid links still open
    statuses = [Browser(d).get("/sign/%043d" % i).status for i in range(35)]
    check(statuses.count(404) <= 30 and statuses[-1] == 429, "unknown tokens past the limit: %r" % statuses)
    check(Browser(d).get(link).status == 200, "a valid link still opens from the same address")

    # ---- links by hand need an admin key (a link opens the document)
    r = d.request("POST", "/v1/instances/%d/signers/client/link" % id, body={},
                  headers={"Authorization": "Bearer " + d.create_key("forms", "send")})
    check(r.status == 403, "a send key cannot make signing links: %r" % r)

    # ---- the manager's link before the client has signed: waiting, nothing to sign
    r = d.post("/v1/instances/%d/signers/manager/link" % id, {})
    check(r.status == 201 and r.json["step"] == "wait", "a link for the manager: %r" % r)
    manager_early = Browser(d)
    r = manager_early.get(r.json["url"])
    check(r.status == 200 and 'id="waiting"' in r.text and 'data-role="client"' in r.text, "waiting page: %r" % r)
    check('id="sign-form"' not in r.text and "ann1@example.com" not in r.text,
          "the waiting page has no sign form and no other signer's address")
    state = d.instance(id)["state"]
    early_url = d.post("/v1/instances/%d/signers/manager/link" % id, {}).json["url"]
    manager_early.get(early_url)
    redirect(manager_early.post(early_url + "/sign", {"name": "Bo", "agree": "yes"}), "an early signature", "notnow")
    check(d.instance(id)["state"] == state and not audit_kinds(d, id, "signed"),
          "the manager cannot sign before the client: state %s" % d.instance(id)["state"])

    # ---- the client: headers, consent first
    r = client.get(link)
    check(r.status == 200 and 'id="consent-form"' in r.text, "the first page is the consent: %r" % r)
    csp = r.headers.get("content-security-policy", "")
    check("default-src 'none'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp,
          "strict CSP: %r" % csp)
    check(r.headers.get("x-frame-options") == "DENY" and r.headers.get("referrer-policy") == "same-origin",
          "framing and referrer headers: %r" % r.headers)
    check("HttpOnly" in r.headers.get("set-cookie", "") and "SameSite=Strict" in r.headers.get("set-cookie", ""),
          "the CSRF cookie: %r" % r.headers.get("set-cookie"))
    check(client.get(link + "/document").status == 403, "no document before consent")

    redirect(client.post(link + "/consent", {"agree": "yes"}, csrf=False), "consent without csrf", "expired")
    redirect(client.post(link + "/consent", {"agree": "yes"}, csrf="f" * 32), "consent with a wrong csrf", "expired")
    r = client.post(link + "/consent", {"agree": "yes"}, headers={"Origin": "http://evil.example"})
    check(r.status == 403, "a cross-origin form is refused: %r" % r)
    check(not audit_kinds(d, id, "consent_given"), "no consent was recorded by refused forms")
    redirect(client.post(link + "/consent", {"agree": "yes"}, headers={"User-Agent": "signing-test/1"}), "consent")
    consent = audit_kinds(d, id, "consent_given")
    check(len(consent) == 1 and consent[0]["actor"] == "client" and consent[0]["ip"] == "127.0.0.1" and
          consent[0]["user_agent"] == "signing-test/1" and "electronic" in consent[0]["detail"]["text"],
          "the consent is audited with its text, IP and user agent: %r" % consent)

    # ---- the code
    r = client.get(link)
    check('id="code-form"' in r.text, "after consent: the code step: %r" % r)
    check(client.get(link + "/pages/1.png").status == 403, "no page image before the code")
    wrong = "000000" if code != "000000" else "111111"
    redirect(client.post(link + "/code", {"code": wrong}), "a wrong code", "wrong&left=2")
    redirect(client.post(link + "/code", {"code": code}), "the right code")

    # ---- the document, the upload, the signature
    r = client.get(link)
    check('id="sign-form"' in r.text and 'class="page"' in r.text, "after the code: the document: %r" % r)
    img = client.get(link + "/pages/1.png")
    check(img.status == 200 and img.headers.get("content-type") == "image/png" and img.body[:4] == b"\x89PNG",
          "page 1 as PNG: %r" % img)
    redirect(client.post(link + "/sign", {"name": "Ann Lee", "agree": "yes"}), "signing without the file", "files")
    pdf = open(os.path.join(source, "tests/fuzz/seeds/uploads/minimal.pdf"), "rb").read()
    upload = client.path(link) + "/attachments/id_scan?filename=id.pdf"
    r = d.request("POST", upload, body=pdf, auth=False,
                  headers={"Cookie": "sf_csrf=" + client.cookie, "Content-Type": "application/pdf"})
    check(r.status == 403, "an upload without X-CSRF-Token: %r" % r)
    r = d.request("POST", upload, body=b"not a pdf", auth=False,
                  headers={"Cookie": "sf_csrf=" + client.cookie, "X-CSRF-Token": client.cookie})
    check(r.status == 422, "a file that is no PDF, PNG or JPEG: %r" % r)
    r = d.request("POST", upload, body=pdf, auth=False,
                  headers={"Cookie": "sf_csrf=" + client.cookie, "X-CSRF-Token": client.cookie})
    check(r.status == 201, "the upload: %r" % r)
    redirect(client.post(link + "/sign", {"name": "  ", "agree": "yes"}), "signing without a name", "name")
    redirect(client.post(link + "/sign", {"name": "Ann Lee"}), "signing without the box", "agree")
    tiny_png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
    redirect(client.post(link + "/sign", {"name": "Ann Lee", "agree": "yes", "image": tiny_png}), "signing")
    r = client.get(link)
    check('id="signed"' in r.text, "after signing: the confirmation: %r" % r)
    signed = audit_kinds(d, id, "signed")
    check(len(signed) == 1 and signed[0]["actor"] == "client" and signed[0]["ip"] == "127.0.0.1",
          "the signature is audited with the IP: %r" % signed)
    redirect(client.post(link + "/decline", {"reason": "changed my mind"}), "declining after signing", "notnow")
    check(client.get(link + "/document").status == 403, "no copy before everyone has signed")

    # ---- the manager, from their own email
    harness.wait_until("the manager's signing request", lambda: outbox_files(work, "%d.*manager.eml" % id), timeout=60)
    manager = Browser(d)
    mlink = link_in(outbox_files(work, "%d.*manager.eml" % id)[0])
    manager.get(mlink)
    redirect(manager.post(mlink + "/consent", {"agree": "yes"}), "the manager's consent")
    manager.get(mlink)
    redirect(manager.post(mlink + "/sign", {"name": "Bo Chen", "agree": "yes"}), "the manager signs")
    harness.wait_until("the envelope completes", lambda: d.instance(id)["state"] == "completed", timeout=60)

    # ---- the signed copy: on the page, and by email
    harness.wait_until("the sealed copy", lambda: 'id="download"' in client.get(link).text, timeout=60)
    copy = client.get(link + "/document")
    check(copy.status == 200 and copy.body[:5] == b"%PDF-" and
          "attachment" in copy.headers.get("content-disposition", ""), "the signed copy: %r" % copy)
    path = os.path.join(work, "signed.pdf")
    with open(path, "wb") as f:
        f.write(copy.body)
    out = subprocess.run(["pdfsig", path], capture_output=True, text=True, timeout=60).stdout
    check(out.count("Signature is Valid.") == 3 and "Mismatch" not in out,
          "two signatures and the seal, all valid:\n" + out)
    audit = d.get_ok("/v1/instances/%d/audit" % id)
    check(audit.get("verdict", {}).get("ok") is True, "the audit chain verifies: %r" % {k: audit[k] for k in audit if k != "entries"})
    harness.wait_until("the completion emails", lambda: len(outbox_files(work, "%d.*completed.eml" % id)) == 2,
                       timeout=60)
    for f in outbox_files(work, "%d.*completed.eml" % id):
        text = open(f).read()
        check("Content-Type: application/pdf" in text, "the signed copy is attached to %s" % f)

    # ---- a decline
    id2, link2, code2 = start(d, work, 2)
    b = Browser(d)
    b.get(link2)
    redirect(b.post(link2 + "/decline", {"reason": "not today"}), "declining before the code", "notnow")
    redirect(b.post(link2 + "/consent", {"agree": "yes"}), "consent (2)")
    redirect(b.post(link2 + "/code", {"code": code2}), "the code (2)")
    check('id="decline-form"' in b.get(link2).text, "the signing step offers a decline")
    # 1,200 characters of 3 bytes: cut at 1,000 characters, never inside one.
    redirect(b.post(link2 + "/decline", {"reason": "不" * 1200}), "declining")
    r = b.get(link2)
    check((r.status == 200 and 'id="declined"' in r.text) or (r.status == 410 and "declined" in r.text),
          "after declining: %r" % r)
    harness.wait_until("envelope %d declined" % id2, lambda: d.instance(id2)["state"] == "declined", timeout=30)
    declined = audit_kinds(d, id2, "declined")
    check(len(declined) == 1 and declined[0]["detail"]["reason"] == "不" * 1000, "the reason, cut at 1,000 characters")
    check(b.get(link2 + "/document").status == 403, "no document after a decline")

    # ---- a wrong code three times
    id3, link3, code3 = start(d, work, 3)
    b = Browser(d)
    b.get(link3)
    redirect(b.post(link3 + "/consent", {"agree": "yes"}), "consent (3)")
    wrong = "000000" if code3 != "000000" else "111111"
    redirect(b.post(link3 + "/code", {"code": wrong}), "wrong code 1", "wrong&left=2")
    redirect(b.post(link3 + "/code", {"code": wrong}), "wrong code 2", "wrong&left=1")
    b.post(link3 + "/code", {"code": wrong})
    harness.wait_until("envelope %d failed" % id3, lambda: d.instance(id3)["status"] != "running", timeout=30)
    r = b.get(link3)
    check(r.status == 410 and 'id="code-form"' not in r.text, "after three wrong codes: %r" % r)
    check(b.post(link3 + "/code", {"code": code3}).headers.get("location", "").endswith("n=notnow"),
          "the right code is no use any more")

    # ---- a cancelled envelope: the link is dead
    id4, link4, _ = start(d, work, 4)
    r = d.post("/v1/instances/%d/cancel" % id4, {"reason": "sent by mistake"})
    check(r.status < 300, "cancel: %r" % r)
    r = Browser(d).get(link4)
    check(r.status == 410 and "cancelled" in r.text and 'class="page"' not in r.text, "a cancelled envelope: %r" % r)

    # ---- a signer in Chinese
    id5, link5, _ = start(d, work, 5, language="zh")
    r = Browser(d).get(link5)
    check('lang="zh-Hans"' in r.text and "同意" in r.text, "the page in Chinese: %r" % r.text[:400])
    sms = open(outbox_files(work, "%d.*client.sms.txt" % id5)[0]).read()
    check("验证码" in sms, "the code in Chinese: %r" % sms)

    # ---- a signer with a phone and no email: the code and the link by SMS
    r = d.post("/v1/events/form_submitted", {"client": {"name": "Phone Only", "phone": "+447700900777"},
                                             "manager": {"name": "Bo Chen", "email": "bo6@example.com"}})
    check(r.status < 300 and r.json["started"], "a phone-only signer's envelope: %r" % r)
    id6 = r.json["started"][0]["id"]
    harness.wait_until("the phone-only signer's link by SMS",
                       lambda: outbox_files(work, "%d.*client.request_signature.sms.txt" % id6), timeout=60)
    link6 = link_in(outbox_files(work, "%d.*client.request_signature.sms.txt" % id6)[0])
    check(Browser(d).get(link6).status == 200, "the link from the SMS opens")

    # ---- the expired envelope (its timer was armed while the daemon ran)
    harness.wait_until("the quick envelope expires", lambda: d.instance(quick)["state"] == "expired",
                       timeout=max(10.0, 150 - (time.monotonic() - quick_started)))
    r = Browser(d).get(quick_link)
    check(r.status == 410 and "expired" in r.text and 'id="sign-form"' not in r.text, "an expired link: %r" % r)


if __name__ == "__main__":
    harness.main(test)
