"""Documents and evidence, end to end, with a real daemon on the example
`nda_onboarding` workflow:

form_submitted -> the stock NDA is filled (revision 1) -> a one-time code is
sent by email (the log connector records it: that is the only place it is in
clear) -> a wrong code is refused and counted -> the right code verifies ->
the prospect views, consents, uploads an ID scan (a PNG), signs -> counsel
signs -> the envelope completes -> the seal: attachments embedded, the
certificate of completion appended, sealed.

Checked with real tools: pdfsig says every signature is valid and the last
covers the whole document; pdftotext finds the certificate of completion;
qpdf lists the attachment; the audit trail holds every step with IPs and user
agents, its chain verifies through the API and with `signflow audit verify`,
and an edited export is caught. A second envelope whose prospect types three
wrong codes fails verification. After a restart the chain goes on unforked.
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check, wait_until

UA = {"User-Agent": "documents-test/1.0 (signflow e2e)"}


def event(email):
    return {"form": "nda_request", "sender": "rep-7", "evaluation_fee": 250, "engagement": "consulting",
            "contact": {"name": "Li Wei", "email": email, "phone": "+8613800000000", "timezone": "Asia/Shanghai",
                        "company": "Example Trading Ltd"}}


def start(d, email):
    r = d.post("/v1/events/form_submitted", event(email))
    check(r.status == 202 or r.status == 200, "form_submitted: %r" % r)
    started = r.json["started"]
    check(len(started) == 1, "one envelope started: %r" % r.json)
    return started[0]["id"]


def code_files(d, envelope):
    """The one-time code emails the messages connector wrote to the outbox
    folder (no mail server is configured) for this envelope, in the order
    they were sent: ENVELOPE.SEQ.N.prospect.eml for the first code (its
    signing link is in ….request_signature.eml), ENVELOPE.SEQ.codeK.prospect.eml
    for the K-th new code asked for on the page. Each is written whole (a
    rename); other mails to the prospect (a reminder) are told apart by
    their text."""
    folder = os.path.join(os.path.dirname(d.db), "outbox")
    if not os.path.isdir(folder):
        return []
    names = [n for n in os.listdir(folder)
             if n.startswith("%d." % envelope) and n.endswith(".prospect.eml") and "request_signature" not in n
             and "verification code is" in open(os.path.join(folder, n), encoding="utf-8").read()]
    def number(name):
        m = re.search(r"\.code(\d+)\.", name)
        return int(m.group(1)) if m else 0
    return [os.path.join(folder, n) for n in sorted(names, key=number)]


def code_for(d, envelope, nth=1):
    """The envelope's nth one-time code (1: the first, 2: after one resend),
    once the daemon checks codes against it: its delivery recorded (the nth
    `code_sent` entry, which stores the code's record). The file is written
    before that entry, so the nth file is read only after it: reading "the
    newest file" while waiting for something else can hand back the old code."""
    def find():
        sent = [e["kind"] for e in d.get_ok("/v1/instances/%d/audit" % envelope)["entries"]].count("code_sent")
        if sent < nth:
            return None
        files = code_files(d, envelope)
        check(len(files) >= sent, "envelope %d: %d code_sent entries but only %d code files: %r" %
              (envelope, sent, len(files), files))
        m = re.search(r"verification code is (\d{6})", open(files[nth - 1], encoding="utf-8").read())
        check(m, "no code in %s" % files[nth - 1])
        return m.group(1)
    return wait_until("code #%d for envelope %d" % (nth, envelope), find)


def state(d, envelope):
    return d.instance(envelope)["state"]


def test(binary, source, workdir, daemons):
    rules = os.path.join(workdir, "rules")
    os.makedirs(rules)
    # The example, asking the prospect for an ID scan as well.
    with open(os.path.join(source, "examples", "nda_onboarding.flow")) as f:
        flow = f.read()
    anchor = '  show non_solicitation when event.engagement == "consulting"\n'
    check(anchor in flow, "the example still has its non_solicitation line")
    harness.write(os.path.join(rules, "nda_onboarding.flow"),
                  flow.replace(anchor, anchor + "  attach id_scan from prospect required\n"))
    d = harness.Daemon(binary, workdir, rules)
    daemons.append(d)
    d.start()

    # ---- the happy path
    env = start(d, "li.wei@example.cn")
    wait_until("the NDA filled", lambda: d.get_ok("/v1/instances/%d/documents" % env)["documents"])
    docs = d.get_ok("/v1/instances/%d/documents" % env)["documents"]
    check(docs[0]["kind"] == "filled" and docs[0]["revision"] == 1, "revision 1 is the filled NDA: %r" % docs)
    code = code_for(d, env)
    check(re.fullmatch(r"\d{6}", code), "a 6-digit code: %r" % code)
    wrong = "000000" if code != "000000" else "111111"
    r = d.act("/v1/instances/%d/signers/prospect/code" % env, {"code": wrong}, headers=UA)
    check(r.status == 403 and r.json["attempts_left"] == 2, "a wrong code is refused and counted: %r" % r)
    # A new code replaces the old one (e.g. the first never arrived).
    r = d.act("/v1/instances/%d/signers/prospect/code/resend" % env, {}, headers=UA)
    check(r.status == 202 and r.json["left"] == 4, "a new code is sent: %r" % r)
    old_code = code
    code = code_for(d, env, nth=2)
    if old_code != code:
        r = d.act("/v1/instances/%d/signers/prospect/code" % env, {"code": old_code}, headers=UA)
        check(r.status == 403, "the first code no longer works: %r" % r)
    r = d.act("/v1/instances/%d/signers/prospect/code" % env, {"code": code}, headers=UA)
    check(r.status == 202, "the right code verifies: %r" % r)
    r = d.act("/v1/instances/%d/signers/prospect/code/resend" % env, {}, headers=UA)
    check(r.status == 409, "no new code once verified: %r" % r)
    check(state(d, env).startswith("awaiting") or "prospect" in state(d, env), "signing after verification: %s" % state(d, env))

    check(d.act("/v1/instances/%d/signers/prospect/viewed" % env, {}, headers=UA).status == 202, "viewed")
    r = d.act("/v1/instances/%d/signers/%%FF%%FE/viewed" % env, {}, headers=UA)
    check(r.status == 400, "a role that is not a name (invalid UTF-8) is refused: %r" % r)
    check(d.get("/healthz").status == 200, "and the daemon is still up")
    r = d.get("/v1/instances/%d/certificate" % env)
    check(r.status == 409, "no certificate before completion: %r" % r)
    r = d.act("/v1/instances/%d/signers/prospect/consent" % env, {"agreed": True, "text": "I agree to sign electronically."},
               headers=UA)
    check(r.status == 202, "consent: %r" % r)
    r = d.act("/v1/instances/%d/signers/prospect/consent" % env, {}, headers=UA)
    check(r.status == 400, "consent must be given explicitly: %r" % r)
    scan = harness.png()
    r = d.act("/v1/instances/%d/signers/prospect/attachments/id_scan?filename=passport.png" % env,
                  body=scan, headers=dict(UA, **{"Content-Type": "image/png"}))
    check(r.status == 201, "the ID scan is stored: %r" % r)
    check(r.json["sha256"] == __import__("hashlib").sha256(scan).hexdigest(), "its SHA-256: %r" % r.json)
    r = d.act("/v1/instances/%d/signers/prospect/attachments/tax_form?filename=tax.png" % env,
                  body=scan, headers=dict(UA, **{"Content-Type": "image/png"}))
    check(r.status == 404, "an attachment the workflow does not request is refused: %r" % r)
    r = d.act("/v1/instances/%d/signers/prospect/attachments/id_scan?filename=passport.png" % env,
                  body=b"not an image at all", headers=UA)
    check(r.status == 422 and "PDF, PNG or JPEG" in r.json["error"], "a file of no known type: %r" % r)

    r = d.act("/v1/instances/%d/signers/counsel/signed" % env, {"name": "A. Counsel"}, headers=UA)
    check(r.status == 409, "counsel cannot sign before the prospect: %r" % r)
    r = d.act("/v1/instances/%d/signers/prospect/signed" % env,
               {"name": "李伟 Li Wei", "image": base64.b64encode(harness.png(60, 20)).decode()}, headers=UA)
    check(r.status == 202, "the prospect signs: %r" % r)
    r = d.act("/v1/instances/%d/signers/counsel/signed" % env, {"name": "A. Counsel"},
               headers={"User-Agent": "counsel-browser/2.0"})
    check(r.status == 202, "counsel signs: %r" % r)
    check(d.instance(env)["state"] == "completed", "completed: %r" % d.instance(env))

    def sealed():
        docs = d.get_ok("/v1/instances/%d/documents" % env)["documents"]
        return docs if docs and docs[-1]["kind"] == "sealed" else None
    docs = wait_until("the seal", sealed, timeout=30)
    check([x["kind"] for x in docs] == ["filled", "signed", "signed", "sealed"], "revisions: %r" % docs)

    r = d.request("GET", "/v1/instances/%d/document" % env)
    check(r.status == 200 and r.body.startswith(b"%PDF"), "the sealed PDF: %r" % r)
    pdf = os.path.join(workdir, "sealed.pdf")
    with open(pdf, "wb") as f:
        f.write(r.body)
    first = d.request("GET", "/v1/instances/%d/document?revision=1" % env).body
    check(r.body.startswith(first), "each revision keeps the bytes before it (incremental updates)")

    out = subprocess.run(["pdfsig", pdf], capture_output=True, text=True).stdout
    check(out.count("Signature is Valid.") == 3, "three valid signatures (two signers, the seal):\n" + out)
    check("Digest Mismatch" not in out, out)
    check(out.count("Total document signed") == 1, "only the seal covers the whole document:\n" + out)
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    check("Certificate of Completion" in text or "certificate of completion" in text.lower(),
          "the certificate of completion page:\n" + text[-2000:])
    check(str(env) in text, "the certificate names the envelope")
    atts = subprocess.run(["qpdf", "--list-attachments", pdf], capture_output=True, text=True).stdout
    check("passport.png" in atts and "tax.png" not in atts, "the ID scan is embedded, nothing else: " + atts)

    # ---- the audit trail
    # The documents connector stores the sealed revision while it delivers;
    # its `sealed` entry (and the signature_applied ones of the same round)
    # is committed only after that: wait for the entry, not the document.
    audit = wait_until("the `sealed` entry of envelope %d" % env, lambda: (
        lambda a: a if "sealed" in [e["kind"] for e in a["entries"]] else None)(
        d.get_ok("/v1/instances/%d/audit" % env)))
    check(audit["verdict"]["ok"], "the chain verifies: %r" % audit["verdict"])
    kinds = [e["kind"] for e in audit["entries"]]
    for k in ["created", "sent", "document_filled", "code_sent", "code_failed", "code_verified", "viewed",
              "consent_given", "attachment_uploaded", "code_requested", "signed", "completed", "signature_applied", "sealed"]:
        check(k in kinds, "the trail has `%s`: %r" % (k, kinds))
    check(kinds[0] == "created", "the trail starts with `created`: %r" % kinds)
    # Each code's expiry as the trail records it: 10 minutes after it was
    # sent (it once read 1970: a millisecond count cut to an int).
    from datetime import datetime
    stamp = lambda t: datetime.strptime(t.split(".")[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
    for e in [e for e in audit["entries"] if e["kind"] == "code_sent"]:
        ahead = (stamp(e["detail"]["expires_at"]) - stamp(e["at"])).total_seconds()
        check(540 <= ahead <= 660, "a code expires 10 minutes after it is sent: %r" % e)
    signed = [e for e in audit["entries"] if e["kind"] == "signed"]
    # This test signs through the API, as an operator acting for the signers
    # (scope act-for-signer): the key is the actor, the role the one it acted for.
    check([e["detail"].get("on_behalf_of") for e in signed] == ["prospect", "counsel"], "signers in order: %r" % signed)
    check(all(e["actor"].startswith("api_key:") and e["detail"]["api_key"]["name"] == "test operator" and
              e["detail"]["operator_reason"] for e in signed), "the operator's key is the actor: %r" % signed)
    check(signed[0]["ip"] == "127.0.0.1" and signed[0]["user_agent"] == UA["User-Agent"], "IP and user agent: %r" % signed[0])
    check(signed[0]["zone"] == "Asia/Shanghai" and signed[0]["local"].endswith("+08:00"),
          "the prospect's local time in their zone: %r" % signed[0])
    filled = [e for e in audit["entries"] if e["kind"] == "document_filled"][0]
    check(filled["detail"]["document_sha256"] == docs[0]["sha256"], "the filled document's hash: %r" % filled)
    check(audit["entries"][-1]["kind"] in ("sealed", "connector_called", "delivered"), "entries after the seal: %r" % kinds)

    cert = d.get_ok("/v1/instances/%d/certificate" % env)
    check(cert["envelope"] == env and cert["document_sha256"] == docs[0]["sha256"], "certificate JSON: %r" % cert)
    check([s["role"] for s in cert["signers"]] == ["counsel", "prospect"] or
          sorted(s["role"] for s in cert["signers"]) == ["counsel", "prospect"], "both signers: %r" % cert["signers"])
    check([s for s in cert["signers"] if s["role"] == "prospect"][0]["auth"].startswith("by an operator's API key: "
                                                                                      "test operator"),
          "the certificate says an operator's key signed for the prospect: %r" % cert["signers"])
    # Entries may follow the seal (the signed copy's delivery) at any moment:
    # the certificate's head must be in the chain as read after it.
    check(cert["chain_head"] in [e["hash"] for e in d.get_ok("/v1/instances/%d/audit" % env)["entries"]],
          "its head is in the chain")
    exported = os.path.join(workdir, "audit.json")
    with open(exported, "w") as f:
        json.dump(audit, f)
    v = subprocess.run([binary, "audit", "verify", exported], capture_output=True, text=True)
    check(v.returncode == 0, "signflow audit verify accepts the export: %s %s" % (v.stdout, v.stderr))
    audit["entries"][3]["actor"] = "someone else"
    with open(exported, "w") as f:
        json.dump(audit, f)
    v = subprocess.run([binary, "audit", "verify", exported], capture_output=True, text=True)
    check(v.returncode == 1 and "4" in v.stdout + v.stderr, "an edited entry is named: %s %s" % (v.stdout, v.stderr))
    # From the database itself (a copy: the daemon is running), then the same
    # row altered in SQL.
    db_copy = os.path.join(workdir, "copy.db")
    copy_target = harness.db_target(db_copy)
    if harness.POSTGRES:
        dump = subprocess.run(["pg_dump", "--no-owner", d.target], capture_output=True, check=True).stdout
        subprocess.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", copy_target], input=dump, capture_output=True,
                       check=True)
    else:
        subprocess.run(["sqlite3", d.db, ".backup '%s'" % db_copy], check=True)
    v = subprocess.run([binary, "audit", "verify", "--db", copy_target, "--envelope", str(env)], capture_output=True,
                       text=True)
    check(v.returncode == 0 and "chain intact" in v.stdout, "audit verify --db: %s %s" % (v.stdout, v.stderr))
    harness.db_query(db_copy, "UPDATE audit SET entry = replace(entry, '127.0.0.1', '10.9.9.9') "
                              "WHERE envelope = ? AND kind = 'signed'", env)
    v = subprocess.run([binary, "audit", "verify", "--db", copy_target, "--envelope", str(env)], capture_output=True,
                       text=True)
    first_signed = [e["seq"] for e in d.get_ok("/v1/instances/%d/audit" % env)["entries"] if e["kind"] == "signed"][0]
    check(v.returncode == 1 and ("entry %d:" % first_signed) in v.stdout,
          "an entry edited in the database is named (entry %d): %s %s" % (first_signed, v.stdout, v.stderr))
    v = subprocess.run([binary, "verify", pdf], capture_output=True, text=True)
    check(v.returncode == 0, "signflow verify accepts the sealed PDF: %s %s" % (v.stdout, v.stderr))

    # The code key lives beside the database, private, not inside it.
    key = os.path.join(workdir, "signflow-otp.key")
    check(os.path.exists(key) and (os.stat(key).st_mode & 0o777) == 0o600, "signflow-otp.key, mode 0600")
    rows = d.query("SELECT count(*) FROM secrets")
    check(rows == [(0,)], "no code key in the database: %r" % rows)

    # ---- three wrong codes lock the verification
    env2 = start(d, "wrong.codes@example.cn")
    code = code_for(d, env2)
    wrong = "000000" if code != "000000" else "111111"
    for i in range(3):
        r = d.act("/v1/instances/%d/signers/prospect/code" % env2, {"code": wrong}, headers=UA)
        check(r.status == 403, "wrong code %d: %r" % (i + 1, r))
    check(r.json["attempts_left"] == 0, "no attempts left: %r" % r.json)
    r = d.act("/v1/instances/%d/signers/prospect/code" % env2, {"code": code}, headers=UA)
    check(r.status != 202, "the right code after the lock does not verify: %r" % r)
    kinds2 = [e["kind"] for e in d.get_ok("/v1/instances/%d/audit" % env2)["entries"]]
    check(kinds2.count("code_failed") >= 3 and "verification_failed" in kinds2,
          "each failed try is audited, then the failure: %r" % kinds2)

    # ---- a value the form refuses is refused at the start; a fill that
    # cannot be made fails the envelope
    harness.write(os.path.join(rules, "invoice_run.flow"), """\
workflow invoice_run

role customer = event.customer

template invoice = stdlib.invoice {
  invoice_number = event.number
  currency = event.currency
}

on invoice_due
  -> fill invoice
  -> sign [customer]
""")
    wait_until("invoice_run loaded", lambda: any(
        f.get("workflow") == "invoice_run" and f.get("status") == "loaded" for f in d.get_ok("/v1/rules")["files"]))
    # The value is checked at the door: the event starts nothing.
    r = d.post("/v1/events/invoice_due", {"number": "INV-1", "currency": "XYZ", "customer": {"email": "c@x.org"}})
    check(r.status == 422 and r.json["started"] == [] and
          r.json["error"] == "field `currency` of template `invoice` is one of USD, EUR, GBP, CNY, JPY, SGD, AUD; "
                             "`XYZ` is not", "a currency the form refuses is refused at the start: %r" % r)
    # A template that is gone when the fill comes (its PDF deleted after the
    # rules loaded) fails the fill, and the envelope with it.
    shutil.copy(os.path.join(source, "examples", "templates", "offer_letter.pdf"), os.path.join(rules, "gone.pdf"))
    harness.write(os.path.join(rules, "gone_run.flow"), """\
workflow gone_run

role candidate = event.candidate

template offer = "gone.pdf" {
}

on offer_due
  -> fill offer
  -> sign [candidate]
""")
    wait_until("gone_run loaded", lambda: any(
        f.get("workflow") == "gone_run" and f.get("status") == "loaded" for f in d.get_ok("/v1/rules")["files"]))
    os.remove(os.path.join(rules, "gone.pdf"))
    r = d.post("/v1/events/offer_due", {"candidate": {"email": "c@x.org"}})
    check(r.status in (200, 202) and len(r.json["started"]) == 1, "offer started: %r" % r)
    bad = r.json["started"][0]["id"]
    wait_until("the fill to fail", lambda: d.instance(bad)["status"] == "finished", timeout=30)
    check(d.instance(bad)["state"] == "failed", "a fill that cannot be made ends the envelope failed: %r" % d.instance(bad))
    kinds4 = [e for e in d.get_ok("/v1/instances/%d/audit" % bad)["entries"]]
    failed = [e for e in kinds4 if e["kind"] == "document_failed"]
    check(failed and "gone.pdf" in failed[0]["detail"]["error"], "the trail says why: %r" % kinds4)

    # ---- signatures land on the template's fields named after the roles
    harness.write(os.path.join(rules, "nda_fields.flow"), """\
workflow nda_fields

role client = event.client
role company = "legal@acme.example"

on nda_requested
  -> fill nda
  -> sign sequentially [client, company]
""")
    wait_until("nda_fields loaded", lambda: any(
        f.get("workflow") == "nda_fields" and f.get("status") == "loaded" for f in d.get_ok("/v1/rules")["files"]))
    r = d.post("/v1/events/nda_requested", {"client": {"name": "Ana Lima", "email": "ana@x.org"}})
    nf = r.json["started"][0]["id"]
    # The filled document is stored before the fill's outcome moves the
    # envelope on: wait for the state the signature needs, not the document.
    wait_until("nda_fields filled and awaiting its client", lambda: d.get_ok(
        "/v1/instances/%d/documents" % nf)["documents"] and d.instance(nf)["state"] == "awaiting(client)")
    check(d.act("/v1/instances/%d/signers/client/signed" % nf, {"name": "Ana Lima"}).status == 202, "client signs")
    check(d.act("/v1/instances/%d/signers/company/signed" % nf, {"name": "Acme Legal"}).status == 202, "company signs")
    wait_until("nda_fields sealed", lambda: d.get_ok("/v1/instances/%d/documents" % nf)["documents"][-1]["kind"] == "sealed",
               timeout=30)
    fields_pdf = os.path.join(workdir, "fields.pdf")
    with open(fields_pdf, "wb") as f:
        f.write(d.request("GET", "/v1/instances/%d/document" % nf).body)
    out = subprocess.run(["pdfsig", fields_pdf], capture_output=True, text=True).stdout
    check("Signature Field Name: client" in out and "Signature Field Name: company" in out,
          "each signer signed the template's own field:\n" + out)

    # ---- the examples folder as the README's main command serves it: every
    # rule loads (the PDF templates found beside the rules, whatever the
    # daemon's working folder), and the offer letter made by reportlab fills.
    examples = os.path.join(workdir, "examples")
    shutil.copytree(os.path.join(source, "examples"), examples)
    e = harness.Daemon(binary, os.path.join(workdir, "elsewhere"), examples, db=os.path.join(workdir, "examples.db"),
                       connector_log=os.path.join(workdir, "examples-calls.jsonl"))
    os.makedirs(e.workdir)
    daemons.append(e)
    e.start()
    files = e.get_ok("/v1/rules")["files"]
    check(all(f["status"] == "loaded" for f in files) and len(files) >= 7, "every example loads: %r" % files)
    r = e.post("/v1/events/offer_approved", {
        "candidate": {"name": "Grace Hopper", "email": "grace@example.org", "phone": "+44 20 7946 0000",
                      "timezone": "Europe/London"},
        "hr_manager": {"name": "Jonas Weber", "email": "jonas.weber@acme.example"},
        "position": {"title": "Staff Engineer", "department": "Platform"},
        "start_date": "2026-05-04", "salary": 182000, "currency": "eur", "relocation_budget": 8000})
    check(r.status in (200, 202) and len(r.json["started"]) == 1, "offer started: %r" % r)
    offer = r.json["started"][0]["id"]
    wait_until("the offer letter filled", lambda: e.get_ok("/v1/instances/%d/documents" % offer)["documents"], timeout=30)
    letter = os.path.join(workdir, "offer.pdf")
    with open(letter, "wb") as f:
        f.write(e.request("GET", "/v1/instances/%d/document" % offer).body)
    text = subprocess.run(["pdftotext", letter, "-"], capture_output=True, text=True).stdout
    check("Grace Hopper" in text and "Staff Engineer" in text, "the reportlab form is filled:\n" + text[:1500])
    e.stop_clean()

    # ---- a restart continues every chain
    env3 = start(d, "restart@example.cn")
    code = code_for(d, env3)
    d.stop_clean()
    d.start()
    r = d.act("/v1/instances/%d/signers/prospect/code" % env3, {"code": code}, headers=UA)
    check(r.status == 202, "the code still works after a restart: %r" % r)
    audit3 = d.get_ok("/v1/instances/%d/audit" % env3)
    check(audit3["verdict"]["ok"], "the chain goes on after a restart: %r" % audit3["verdict"])


if __name__ == "__main__":
    harness.main(test)
