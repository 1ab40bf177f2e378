"""Two documents in one envelope, one after the other, end to end with a real
daemon on the very workflow the golden case compiles
(tests/dsl/valid/two_documents.flow): the service agreement is filled, the
client signs it through the signing page, the invoice is filled, the client
is asked again and signs it too, and each document is sealed.

Checked: each fill is a document of its own (the invoice's revision holds
the invoice, not the agreement again), every hash in the audit trail is the
hash of the revision it names, each signature covers the document it was
asked for (pdfsig, pdftotext), the second signing request reaches the
client's mailbox (the outbox folder) with a link that opens the invoice, and
the chain verifies.

Then the same with two signers (client, then manager) on each document:
four requests, each document signed by both (pdfsig: two valid signatures
on each), then each sealed.
"""

import glob
import hashlib
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import Browser, check, link_in, wait_until

TWO_SIGNERS = """\
workflow contract_two_signers

role client  = event.client
role manager = event.manager

on contract_ordered
  -> fill service_agreement
  -> sign sequentially [client, manager]
  -> fill invoice with { amount: event.total, currency: "EUR" }
  -> sign sequentially [client, manager]
"""


def requests_to_client(work, id, role="client"):
    """The signing requests in the outbox folder, oldest first: each a file
    ENVELOPE.SEQ.N.ROLE.eml written whole (renamed into place)."""
    files = glob.glob(os.path.join(work, "outbox", "%d.*.%s.eml" % (id, role)))
    return sorted(files, key=lambda p: [int(x) if x.isdigit() else 0 for x in os.path.basename(p).split(".")[:3]])


def entries(d, id, kind):
    return [e for e in d.get_ok("/v1/instances/%d/audit" % id)["entries"] if e["kind"] == kind]


def sign_on_page(d, link, what):
    b = Browser(d)
    r = b.get(link)
    if 'id="consent-form"' in r.text:
        r = b.post(link + "/consent", {"agree": "yes"})
        check(r.status == 303, "%s: consent: %r" % (what, r))
        r = b.get(link)
    check(r.status == 200 and 'id="sign-form"' in r.text, "%s: the page offers the document to sign: %r" % (what, r))
    page = b.get(link + "/pages/1.png")
    check(page.status == 200 and page.body[:4] == b"\x89PNG", "%s: page 1: %r" % (what, page))
    r = b.post(link + "/sign", {"name": "Ann Lee", "agree": "yes"})
    check(r.status == 303 and "?n=" not in r.headers.get("location", ""), "%s: signing: %r" % (what, r))
    return b


def text_of(work, name, pdf):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(pdf)
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, timeout=60).stdout
    sigs = subprocess.run(["pdfsig", path], capture_output=True, text=True, timeout=60).stdout
    return text, sigs


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    shutil.copy(os.path.join(source, "tests/dsl/valid/two_documents.flow"), rules)
    harness.write(os.path.join(rules, "two_signers.flow"), TWO_SIGNERS)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()

    r = d.post("/v1/events/order_placed", {"client": {"name": "Ann Lee", "email": "ann@example.com"}, "total": 1200})
    check(r.status == 202 and len(r.json["started"]) == 1, "order_placed: %r" % r)
    id = r.json["started"][0]["id"]

    # ---- the service agreement
    first = wait_until("the first signing request", lambda: requests_to_client(work, id), timeout=60)
    check(len(first) == 1, "one request before the first signature: %r" % first)
    sign_on_page(d, link_in(first[0]), "the service agreement")

    # ---- the invoice: a second request, to the same client
    requests = wait_until("the second signing request (the invoice)",
                          lambda: (lambda f: f if len(f) == 2 else None)(requests_to_client(work, id)), timeout=60)
    link = link_in(requests[1])
    sign_on_page(d, link, "the invoice")
    wait_until("the envelope completes", lambda: d.instance(id)["state"] == "completed", timeout=60)
    wait_until("a seal per document", lambda: len(entries(d, id, "sealed")) == 2, timeout=60)

    # ---- every revision, by kind, and its bytes
    docs = d.get_ok("/v1/instances/%d/documents" % id)["documents"]
    kinds = [(x["revision"], x["kind"]) for x in docs]
    check(kinds == [(1, "filled"), (2, "signed"), (3, "filled"), (4, "signed"), (5, "sealed"), (6, "sealed")],
          "the revisions: the agreement filled and signed, the invoice filled and signed, a seal of each: %r" % kinds)
    pdf = {}
    for x in docs:
        r = d.request("GET", "/v1/instances/%d/document?revision=%d" % (id, x["revision"]))
        check(r.status == 200 and r.body[:5] == b"%PDF-", "revision %d: %r" % (x["revision"], r))
        check(hashlib.sha256(r.body).hexdigest() == x["sha256"] == r.headers.get("x-document-sha256"),
              "revision %d's bytes are its hash" % x["revision"])
        pdf[x["revision"]] = r.body

    # ---- what each revision is (pdftotext), and what signs it (pdfsig)
    text1, sigs1 = text_of(work, "r1.pdf", pdf[1])
    text3, sigs3 = text_of(work, "r3.pdf", pdf[3])
    # Each by its title, its first line (the agreement speaks of invoices too).
    check(text1.startswith("Service Agreement\n"), "revision 1 is the service agreement:\n" + text1[:400])
    check(text3.startswith("Invoice\n") and "Service Agreement" not in text3, "revision 3 is the invoice:\n" + text3[:400])
    check(pdf[1] != pdf[3], "the invoice is not the agreement again")
    check("1200" in text3, "the invoice carries the amount from the event:\n" + text3[:600])
    text2, sigs2 = text_of(work, "r2.pdf", pdf[2])
    check(pdf[2].startswith(pdf[1]) and sigs2.count("Signature is Valid.") == 1,
          "revision 2 signs the agreement (an update of revision 1):\n" + sigs2)
    text4, sigs4 = text_of(work, "r4.pdf", pdf[4])
    check(pdf[4].startswith(pdf[3]) and not pdf[4].startswith(pdf[1]) and sigs4.count("Signature is Valid.") == 1,
          "revision 4 signs the invoice (an update of revision 3), once:\n" + sigs4)
    text5, sigs5 = text_of(work, "r5.pdf", pdf[5])
    check(pdf[5].startswith(pdf[2]) and sigs5.count("Signature is Valid.") == 2 and "Mismatch" not in sigs5,
          "the first seal covers the signed agreement:\n" + sigs5)
    text6, sigs6 = text_of(work, "r6.pdf", pdf[6])
    check(pdf[6].startswith(pdf[4]) and sigs6.count("Signature is Valid.") == 2 and "Mismatch" not in sigs6,
          "the second seal covers the signed invoice:\n" + sigs6)

    # ---- every hash in the trail is the hash of the revision it names
    sha = {x["revision"]: x["sha256"] for x in docs}
    filled = entries(d, id, "document_filled")
    check([(e["detail"].get("template"), e["detail"].get("revision")) for e in filled] ==
          [("service_agreement", 1), ("invoice", 3)], "two fills, each its own revision: %r" % filled)
    for e in filled:
        check(e["detail"]["document_sha256"] == sha[e["detail"]["revision"]], "the fill's hash: %r" % e)
    applied = entries(d, id, "signature_applied")
    check([e["detail"].get("revision") for e in applied] == [2, 4], "two signatures applied: %r" % applied)
    for e in applied:
        check(e["detail"]["document_sha256"] == sha[e["detail"]["revision"]], "the signature's hash: %r" % e)
    sealed = entries(d, id, "sealed")
    check(sorted((e["detail"]["revision"], e["detail"].get("document")) for e in sealed) ==
          [(5, "service_agreement"), (6, "invoice")] and
          all(e["detail"]["document_sha256"] == sha[e["detail"]["revision"]] for e in sealed),
          "a seal per document, each with its hash: %r" % sealed)
    check(sealed[0]["detail"]["chain_head"] == sealed[1]["detail"]["chain_head"],
          "both seals carry one certificate (the trail up to completion): %r" % sealed)
    signed = entries(d, id, "signed")
    check(len(signed) == 2 and all(e["actor"] == "client" for e in signed), "the client signed twice: %r" % signed)

    # ---- the certificate of completion lists both documents, as filled
    cert = d.get_ok("/v1/instances/%d/certificate" % id)
    check([(x["template"], x["sha256"]) for x in cert.get("documents", [])] ==
          [("service_agreement", sha[1]), ("invoice", sha[3])], "the certificate's documents: %r" % cert.get("documents"))
    for text in (text5, text6):
        flat = text.replace("\n", "").replace(" ", "")
        check(sha[1] in flat and sha[3] in flat, "each sealed copy's certificate page shows both hashes")

    # ---- the messages: two requests, each with its own link
    check(len(requests_to_client(work, id)) == 2 and link_in(requests[0]) != link,
          "two signing requests with two links: %r" % requests_to_client(work, id))
    audit = d.get_ok("/v1/instances/%d/audit" % id)
    check(audit.get("verdict", {}).get("ok") is True, "the audit chain verifies: %r" % audit.get("verdict"))

    two_signers(d, work)
    d.stop_clean()


def two_signers(d, work):
    """Each document signed by the client, then the manager."""
    r = d.post("/v1/events/contract_ordered", {"client": {"name": "Ann Lee", "email": "ann@example.com"},
                                               "manager": {"name": "Max Mo", "email": "max@acme.example"},
                                               "total": 900})
    check(r.status == 202 and len(r.json["started"]) == 1, "contract_ordered: %r" % r)
    id = r.json["started"][0]["id"]
    for n, role in ((1, "client"), (1, "manager"), (2, "client"), (2, "manager")):
        files = wait_until("request %d to the %s" % (n, role),
                           lambda: (lambda f: f if len(f) == n else None)(requests_to_client(work, id, role)),
                           timeout=60)
        sign_on_page(d, link_in(files[-1]), "document %d, the %s" % (n, role))
    wait_until("the envelope completes", lambda: d.instance(id)["state"] == "completed", timeout=60)
    wait_until("a seal per document", lambda: len(entries(d, id, "sealed")) == 2, timeout=60)
    docs = d.get_ok("/v1/instances/%d/documents" % id)["documents"]
    kinds = [(x["revision"], x["kind"]) for x in docs]
    check(kinds == [(1, "filled"), (2, "signed"), (3, "signed"), (4, "filled"), (5, "signed"), (6, "signed"),
                    (7, "sealed"), (8, "sealed")], "each document filled, signed twice; then a seal of each: %r" % kinds)
    pdf = {}
    for rev in (3, 6, 7, 8):
        r = d.request("GET", "/v1/instances/%d/document?revision=%d" % (id, rev))
        check(r.status == 200, "revision %d: %r" % (rev, r))
        pdf[rev] = r.body
    text3, sigs3 = text_of(work, "two-r3.pdf", pdf[3])
    text6, sigs6 = text_of(work, "two-r6.pdf", pdf[6])
    check(text3.startswith("Service Agreement\n") and sigs3.count("Signature is Valid.") == 2 and
          "Mismatch" not in sigs3, "the agreement carries both signatures, valid:\n" + sigs3)
    check(text6.startswith("Invoice\n") and sigs6.count("Signature is Valid.") == 2 and "Mismatch" not in sigs6,
          "the invoice carries both signatures, valid:\n" + sigs6)
    _, sigs7 = text_of(work, "two-r7.pdf", pdf[7])
    check(pdf[7].startswith(pdf[3]) and sigs7.count("Signature is Valid.") == 3 and "Mismatch" not in sigs7,
          "the seal over the agreement:\n" + sigs7)
    _, sigs8 = text_of(work, "two-r8.pdf", pdf[8])
    check(pdf[8].startswith(pdf[6]) and sigs8.count("Signature is Valid.") == 3 and "Mismatch" not in sigs8,
          "the seal over the invoice:\n" + sigs8)
    signed = [e["actor"] for e in entries(d, id, "signed")]
    check(signed == ["client", "manager", "client", "manager"], "four signatures in order: %r" % signed)
    # Each revision names its document; each document downloads on its own.
    named = [(x["revision"], x.get("document")) for x in docs]
    check(named == [(1, "service_agreement"), (2, "service_agreement"), (3, "service_agreement"), (4, "invoice"),
                    (5, "invoice"), (6, "invoice"), (7, "service_agreement"), (8, "invoice")],
          "each revision's document: %r" % named)
    r = d.request("GET", "/v1/instances/%d/document?document=service_agreement" % id)
    check(r.status == 200 and r.body == pdf[7], "the agreement's latest revision (sealed): %r" % r)
    r = d.request("GET", "/v1/instances/%d/document?document=invoice" % id)
    check(r.status == 200 and r.body == pdf[8], "the invoice's latest revision (sealed): %r" % r)
    r = d.request("GET", "/v1/instances/%d/document?document=terms" % id)
    check(r.status == 404, "a document the envelope has not: %r" % r)
    r = d.request("GET", "/v1/instances/%d/document?document=invoice&revision=2" % id)
    check(r.status == 400, "revision and document together: %r" % r)


if __name__ == "__main__":
    harness.main(test)
