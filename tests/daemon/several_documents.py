"""Several documents under one signature, end to end with a real daemon on
the example workflow examples/order_and_terms.flow: an order form, its terms
and (for a confidential order) an NDA are filled together; the client reads
all three on one signing page, fills the fields both of their own documents
ask, and signs once; the account manager countersigns; each document is
sealed.

Checked: the page shows the three documents one after another (each its
own pages and PDF, nothing of a document the signer does not sign), one
"I sign" makes one signature on each document (an audit entry and a PAdES
signature per document: pdfsig finds the client's, the manager's and the
seal valid on each sealed copy; pdftotext shows the client's values in the
document that asked for them), a seal per document with one certificate
that lists every document's hash, GET …/documents names every revision, the
signer's download page offers each signed copy and all of them in one
zip, the completion email
attaches every document, the archive connector files every document, and a
`document.sealed` webhook per document points to its sealed copy. A
non-confidential order fills two documents only.
"""

import email
import email.policy
import glob
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import Browser, check, link_in, wait_until
from signer_fields import Receiver, pdf_fields
from two_documents import entries, requests_to_client, text_of

CONFIG = """\
[connectors.billing]
kind = "http"
url = "http://127.0.0.1:%(port)d/billing"

[connectors.document_store]
kind = "archive"
path = "%(archive)s"

[connectors.hooks]
kind = "webhook"
url = "http://127.0.0.1:%(port)d/hooks"
secret = "whsec-several-documents"
events = ["recipient.signed", "document.sealed"]
"""

DOCUMENTS = ["order", "terms", "nda"]


def open_page(d, link):
    b = Browser(d)
    r = b.get(link)
    if 'id="consent-form"' in r.text:
        r = b.post(link + "/consent", {"agree": "yes"})
        check(r.status == 303, "consent: %r" % r)
        r = b.get(link)
    check(r.status == 200 and 'id="sign-form"' in r.text, "the page offers the documents to sign: %r" % r)
    return b, r.text


def sections_of(page):
    """The documents the page shows, in the order it shows them."""
    out = []
    at = 0
    while True:
        at = page.find("data-document=\"", at)
        if at < 0:
            return out
        at += len("data-document=\"")
        name = page[at:page.find("\"", at)]
        if name not in out and page.rfind("<section", 0, at) > page.rfind("</section>", 0, at):
            out.append(name)


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.makedirs(os.path.join(rules, "templates"))
    shutil.copy(os.path.join(source, "examples/order_and_terms.flow"), rules)
    for pdf in ("order_form.pdf", "terms.pdf"):
        shutil.copy(os.path.join(source, "examples/templates", pdf), os.path.join(rules, "templates"))
    archive = os.path.join(work, "archive")
    os.makedirs(archive)
    receiver = Receiver()
    config = os.path.join(work, "signflow.toml")
    harness.write(config, CONFIG % {"port": receiver.port, "archive": archive})
    d = harness.Daemon(binary, work, rules, extra=["--config", config])
    daemons.append(d)
    d.start()

    r = d.post("/v1/events/order_confirmed", {"company": "Contoso", "confidential": True,
                                              "client": {"name": "Grace Hopper", "email": "grace@contoso.example"},
                                              "manager": {"name": "Max Mo", "email": "max@shop.example"}})
    check(r.status == 202 and len(r.json["started"]) == 1, "order_confirmed: %r" % r)
    id = r.json["started"][0]["id"]

    # ---- the client's page: three documents, one after another, and the fields of two
    first = wait_until("the client's signing request", lambda: requests_to_client(work, id), timeout=60)
    link = link_in(first[0])
    b, page = open_page(d, link)
    check(sections_of(page) == DOCUMENTS, "the page shows the order, the terms, the NDA: %r" % sections_of(page))
    for name in DOCUMENTS:
        check("/pages/1.png?r=" in page and "document=%s\"" % name in page.replace("&amp;", "&"),
              "the %s's pages are asked for by name" % name)
        img = b.get(link + "/pages/1.png?document=" + name)
        check(img.status == 200 and img.body[:4] == b"\x89PNG", "the %s's first page: %r" % (name, img))
    pdf_of = {}
    for name in DOCUMENTS:
        r = b.get(link + "/document?document=" + name)
        check(r.status == 200 and r.body[:5] == b"%PDF-", "the %s's PDF: %r" % (name, r))
        pdf_of[name] = r.body
    text, _ = text_of(work, "read-nda.pdf", pdf_of["nda"])
    check("Grace Hopper" in text and "Contoso" in text, "the NDA carries the client's name and company:\n" + text[:600])
    text, _ = text_of(work, "read-terms.pdf", pdf_of["terms"])
    check("Contoso" in text and "Order" not in text.split("\n")[0], "the terms are the terms:\n" + text[:300])
    r = b.get(link + "/document?document=invoice")
    check(r.status == 404, "a document this envelope does not sign: %r" % r)
    for needle in ('name="field.plan"', 'name="field.seats"', 'name="field.start_date"', 'name="field.client_title"',
                   '<label for="field-purchase_order">Purchase order number'):
        check(needle in page, "the page asks %r" % needle)
    check(page.count('name="field.client_initials"') == 1, "initials asked once for both documents")

    # A field of the terms left out: nothing is signed, the values stay.
    form = {"name": "Grace Hopper", "agree": "yes", "field.plan": "enterprise", "field.seats": "40",
            "field.start_date": "2026-05-01", "field.client_initials": "GH"}
    r = b.post(link + "/sign", form)
    check(r.status == 422 and 'id="err-client_title"' in r.text and 'value="40"' in r.text,
          "the terms' title is required (422, values kept): %r" % r)
    check(entries(d, id, "signed") == [], "nothing signed yet")
    r = b.post(link + "/sign", dict(form, **{"field.client_title": "Chief Scientist", "field.purchase_order": "PO-7731"}))
    check(r.status == 303, "one signature over the three documents: %r" % r)

    # ---- the manager countersigns all three
    mgr = wait_until("the manager's request", lambda: requests_to_client(work, id, "manager"), timeout=60)
    b2, page2 = open_page(d, link_in(mgr[0]))
    check(sections_of(page2) == DOCUMENTS and "field.plan" not in page2,
          "the manager sees the three documents, no fields: %r" % sections_of(page2))
    r = b2.post(link_in(mgr[0]) + "/sign", {"name": "Max Mo", "agree": "yes"})
    check(r.status == 303, "the manager signs: %r" % r)
    wait_until("a seal per document", lambda: len(entries(d, id, "sealed")) == 3, timeout=90)

    # ---- every revision, named: filled, signed by each, sealed
    docs = d.get_ok("/v1/instances/%d/documents" % id)["documents"]
    named = [(x["revision"], x["kind"], x.get("document")) for x in docs]
    want = [(i + 1, "filled", n) for i, n in enumerate(DOCUMENTS)] + \
           [(i + 4, "signed", n) for i, n in enumerate(DOCUMENTS)] + \
           [(i + 7, "signed", n) for i, n in enumerate(DOCUMENTS)] + \
           [(i + 10, "sealed", n) for i, n in enumerate(DOCUMENTS)]
    check(named == want, "each document filled, signed by the client, by the manager, sealed: %r" % named)
    sha = {x["revision"]: x["sha256"] for x in docs}
    sealed_pdf = {}
    for i, name in enumerate(DOCUMENTS):
        r = d.request("GET", "/v1/instances/%d/document?document=%s" % (id, name))
        check(r.status == 200 and hashlib.sha256(r.body).hexdigest() == sha[10 + i],
              "the %s downloads on its own, sealed: %r" % (name, r))
        check(("-%s-r%d.pdf" % (name, 10 + i)) in r.headers.get("content-disposition", ""),
              "the file is named after its document: %r" % r.headers.get("content-disposition"))
        sealed_pdf[name] = r.body
        text, sigs = text_of(work, "sealed-%s.pdf" % name, r.body)
        check(sigs.count("Signature is Valid.") == 3 and "Mismatch" not in sigs,
              "the %s carries the client's, the manager's and the seal's signatures, valid:\n%s" % (name, sigs))
        sealed_pdf[name + ".text"] = text
        path = os.path.join(work, "sealed-%s.pdf" % name)
        v = subprocess.run([binary, "verify", path], capture_output=True, text=True, timeout=60)
        check(v.returncode == 0 and "all 3 signatures are valid" in v.stdout, "signflow verify: the %s's three signatures are valid:\n%s%s"
              % (name, v.stdout, v.stderr))
    # Each document shows the values it asked for, under the client's
    # signature (their signed revisions: the sealed copies' certificate page
    # lists every value).
    signed_text = {}
    for rev, name in ((4, "order"), (5, "terms")):
        r = d.request("GET", "/v1/instances/%d/document?revision=%d" % (id, rev))
        check(r.status == 200, "revision %d: %r" % (rev, r))
        signed_text[name], sigs = text_of(work, "client-%s.pdf" % name, r.body)
        check(sigs.count("Signature is Valid.") == 1, "the client's signature on the %s:\n%s" % (name, sigs))
    order, terms = signed_text["order"], signed_text["terms"]
    check("enterprise" in order and "40" in order and "GH" in order and "Chief Scientist" not in order,
          "the order shows the client's plan, seats and initials:\n" + order[:800])
    check("Chief Scientist" in terms and "GH" in terms and "enterprise" not in terms,
          "the terms show the client's title and initials:\n" + terms[:800])
    # The purchase order number: a box the template places (the PDF has no
    # such field): made at fill time, drawn and locked under the signature.
    check("PO-7731" in terms and "PO-7731" not in order, "the placed box shows its value:\n" + terms[:800])
    r = d.request("GET", "/v1/instances/%d/document?revision=2" % id)
    placed = pdf_fields(binary, work, "filled-terms.pdf", r.body).get("purchase_order")
    check(placed is not None and placed["type"] == "text" and placed["page"] == 1 and placed["value"] == "",
          "the filled terms have the placed box, empty: %r" % placed)
    r = d.request("GET", "/v1/instances/%d/document?revision=5" % id)
    placed = pdf_fields(binary, work, "signed-terms.pdf", r.body).get("purchase_order")
    check(placed is not None and placed["value"] == "PO-7731" and placed["read_only"],
          "under the client's signature the box holds the value, read-only: %r" % placed)

    # ---- evidence: a signature applied per document, one certificate in every seal
    applied = entries(d, id, "signature_applied")
    check(sorted((e["detail"]["revision"], e["detail"].get("document"), e["detail"].get("role")) for e in applied) ==
          [(4 + i, n, "client") for i, n in enumerate(DOCUMENTS)] + [(7 + i, n, "manager") for i, n in enumerate(DOCUMENTS)],
          "an audit entry per document and signer: %r" % applied)
    for e in applied:
        check(e["detail"]["document_sha256"] == sha[e["detail"]["revision"]], "each signature's hash: %r" % e)
    signed = entries(d, id, "signed")
    check([e["actor"] for e in signed] == ["client", "manager"], "two signatures, one per signer: %r" % signed)
    client = signed[0]["detail"]
    check(client.get("documents") == DOCUMENTS and client["fields"]["client_title"] == "Chief Scientist" and
          client["fields"]["plan"] == "enterprise", "the client's one signature names the documents and values: %r" % client)
    sealed = entries(d, id, "sealed")
    check(sorted((e["detail"]["revision"], e["detail"]["document"]) for e in sealed) ==
          [(10 + i, n) for i, n in enumerate(DOCUMENTS)] and len({e["detail"]["chain_head"] for e in sealed}) == 1,
          "a seal per document, one certificate: %r" % sealed)
    cert = d.get_ok("/v1/instances/%d/certificate" % id)
    check([(x["template"], x["sha256"]) for x in cert["documents"]] == [(n, sha[i + 1]) for i, n in enumerate(DOCUMENTS)],
          "the certificate lists every document's hash: %r" % cert["documents"])
    audit = d.get_ok("/v1/instances/%d/audit" % id)
    check(audit["verdict"]["ok"] is True, "the audit chain verifies: %r" % audit["verdict"])

    # ---- the signer's download page: each signed copy
    r = Browser(d).get(link)
    check(r.status == 200 and 'id="signed"' in r.text, "the page after completion: %r" % r)
    for name in DOCUMENTS:
        check('data-document="%s" download' % name in r.text, "a download of the %s:\n%s" % (name, r.text[-1500:]))
        copy = Browser(d).get(link + "/document?document=" + name)
        check(copy.status == 200 and copy.body == sealed_pdf[name], "the signer downloads the sealed %s" % name)

    check('id="download-all"' in r.text, "one download of all the documents")
    z = Browser(d).get(link + "/documents.zip")
    check(z.status == 200 and z.headers.get("content-type") == "application/zip", "the zip: %r" % z)
    with zipfile.ZipFile(io.BytesIO(z.body)) as archive_zip:
        check(archive_zip.namelist() == ["order_and_terms-%d-%s.pdf" % (id, n) for n in DOCUMENTS],
              "the zip holds the three documents: %r" % archive_zip.namelist())
        for n in DOCUMENTS:
            check(archive_zip.read("order_and_terms-%d-%s.pdf" % (id, n)) == sealed_pdf[n], "the zip's %s is sealed" % n)

    # ---- the completion email attaches every document
    mails = wait_until("the completion emails",
                       lambda: (lambda f: f if len(f) == 2 else None)(
                           sorted(glob.glob(os.path.join(work, "outbox", "%d.*completed.eml" % id)))), timeout=60)
    for path in mails:
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        got = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
        check(sorted(got) == sorted("order_and_terms-%d-%s.pdf" % (id, n) for n in DOCUMENTS),
              "%s attaches the three documents: %r" % (path, sorted(got)))
        for name in DOCUMENTS:
            check(got["order_and_terms-%d-%s.pdf" % (id, name)] == sealed_pdf[name],
                  "%s: the %s attached is the sealed copy" % (path, name))

    # ---- the archive files every document
    filed = wait_until("the archive", lambda: (lambda f: f if len(f) == 5 else None)(
        sorted(glob.glob(os.path.join(archive, "order_and_terms", "*", "*", "%d.*" % id)))), timeout=60)
    names = sorted(os.path.basename(p) for p in filed)
    check(names == sorted(["%d.%s.pdf" % (id, n) for n in DOCUMENTS] + ["%d.audit.json" % id, "%d.certificate.json" % id]),
          "the archive's files: %r" % names)
    for p in filed:
        for name in DOCUMENTS:
            if os.path.basename(p) == "%d.%s.pdf" % (id, name):
                with open(p, "rb") as f:
                    check(f.read() == sealed_pdf[name], "the archived %s is the sealed copy" % name)

    # ---- webhooks: the client's values, then a document.sealed per document
    hooks = wait_until("three document.sealed webhooks",
                       lambda: (lambda h: h if len([x for x in h if x["event"] == "document.sealed"]) == 3 else None)(
                           [x for x in receiver.bodies("/hooks") if x["envelope"]["id"] == id]), timeout=60)
    seals = [x["data"] for x in hooks if x["event"] == "document.sealed"]
    for x in seals:
        r = d.request("GET", x["download"])
        check(r.status == 200 and hashlib.sha256(r.body).hexdigest() == x["document_sha256"] and
              r.body == sealed_pdf[x["document"]], "the webhook's download is the sealed %r" % x)
    check(sorted(x["document"] for x in seals) == sorted(DOCUMENTS), "one per document: %r" % seals)
    signed_hook = [x["data"] for x in hooks if x["event"] == "recipient.signed" and x["data"]["role"] == "client"]
    check(len(signed_hook) == 1 and signed_hook[0]["fields"]["seats"] == "40" and
          signed_hook[0]["documents"] == DOCUMENTS, "recipient.signed carries the values: %r" % signed_hook)

    # ---- not confidential: no NDA
    r = d.post("/v1/events/order_confirmed", {"company": "Fabrikam",
                                              "client": {"name": "Ann Lee", "email": "ann@fabrikam.example"},
                                              "manager": {"name": "Max Mo", "email": "max@shop.example"}})
    check(r.status == 202, "a second order: %r" % r)
    id2 = r.json["started"][0]["id"]
    wait_until("its signing request", lambda: requests_to_client(work, id2), timeout=60)
    _, page3 = open_page(d, link_in(requests_to_client(work, id2)[0]))
    r = Browser(d).get(link_in(requests_to_client(work, id2)[0]) + "/documents.zip")
    check(r.status == 403, "no zip before the envelope completes: %r" % r)
    docs2 = [(x["revision"], x.get("document")) for x in d.get_ok("/v1/instances/%d/documents" % id2)["documents"]]
    check(docs2 == [(1, "order"), (2, "terms")] and sections_of(page3) == ["order", "terms"],
          "the order and the terms only: %r, %r" % (docs2, sections_of(page3)))
    d.stop_clean()

    # ---- an envelope from before documents were named: its revisions
    # unnamed, its data with the one template it signs (`document`). After
    # the upgrade its page still shows the document, and it signs and seals.
    # (the daemon is stopped: the database is edited as the old version left it)
    q = harness.db_query
    q(d.db, "UPDATE documents SET document = '' WHERE envelope = ?", id2)
    q(d.db, "DELETE FROM documents WHERE envelope = ? AND revision = 2", id2)
    if harness.POSTGRES:
        q(d.db, "UPDATE instances SET data = ((data::jsonb - 'documents') || '{\"document\": \"order\"}')::text, "
                "progress = jsonb_set(progress::jsonb, '{documents}', '1')::text WHERE id = ?", id2)
    else:
        q(d.db, "UPDATE instances SET data = json_set(json_remove(data, '$.documents'), '$.document', 'order'), "
                "progress = json_set(progress, '$.documents', 1) WHERE id = ?", id2)
    d.start()
    link2 = link_in(requests_to_client(work, id2)[0])
    b3, page4 = open_page(d, link2)
    check('id="pages"' in page4 and sections_of(page4) == [], "one document, as before: %r" % sections_of(page4))
    img = b3.get(link2 + "/pages/1.png")
    check(img.status == 200 and img.body[:4] == b"\x89PNG", "its first page: %r" % img)
    r = b3.post(link2 + "/sign", {"name": "Ann Lee", "agree": "yes", "field.plan": "basic", "field.seats": "2",
                                  "field.start_date": "2026-06-01", "field.client_initials": "AL"})
    check(r.status == 303, "the old envelope's client signs: %r" % r)
    wait_until("its signature", lambda: len(entries(d, id2, "signature_applied")) == 1, timeout=60)
    docs3 = [(x["revision"], x["kind"]) for x in d.get_ok("/v1/instances/%d/documents" % id2)["documents"]]
    check(docs3 == [(1, "filled"), (2, "signed")],
          "the signature made on its one document: %r" % docs3)
    d.stop_clean()
    data = json.loads(harness.db_query(d.db, "SELECT data FROM instances WHERE id = ?", id2)[0][0])
    check(data.get("documents") == {"signing": ["order"], "revisions": [], "signed": True} and "document" not in data,
          "the data now says what the signature signed: %r" % data.get("documents"))


if __name__ == "__main__":
    harness.main(test)
