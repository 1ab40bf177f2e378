"""Fields a signer fills, end to end with a real daemon on the example
workflow examples/service_order.flow (an order form, then its terms, both
signed by the client through the signing page).

Checked: the page shows the client's fields as labelled inputs (the VAT
number only once the plan is enterprise); a signature with a required field
missing, or a value that does not fit, gets the page back (422) with the
problem beside the field and the values kept; the accepted values are drawn
into each document before its signature (pdftotext shows them, pdfsig finds
one valid signature, the fields are read-only), join the envelope's data
(client.fields.*: the `when` branch and `invoke billing with` read them),
are in the `signed` audit entry with their hash, in the recipient.signed
webhook and in the certificate of completion. The API refuses the same bad
values (422, naming the field).
"""

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import Browser, check, link_in, wait_until
from two_documents import entries, requests_to_client, text_of

CONFIG = """\
[connectors.billing]
kind = "http"
url = "http://127.0.0.1:%(port)d/billing"

[connectors.account_team]
kind = "http"
url = "http://127.0.0.1:%(port)d/account_team"

[connectors.hooks]
kind = "webhook"
url = "http://127.0.0.1:%(port)d/hooks"
secret = "whsec-fields-test"
events = ["recipient.signed"]
"""


class Receiver:
    """A real HTTP server on 127.0.0.1 that records every body by path."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.lock:
                    outer.calls.append((self.path, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self, path):
        with self.lock:
            return [json.loads(b) for p, b in self.calls if p == path]


def open_signing_page(d, link):
    b = Browser(d)
    r = b.get(link)
    if 'id="consent-form"' in r.text:
        r = b.post(link + "/consent", {"agree": "yes"})
        check(r.status == 303, "consent: %r" % r)
        r = b.get(link)
    check(r.status == 200 and 'id="sign-form"' in r.text, "the page offers the document to sign: %r" % r)
    return b, r.text


def pdf_fields(binary, work, name, pdf):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(pdf)
    out = subprocess.run([binary, "fields", path, "--format", "json"], capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, "signflow fields %s: %s" % (name, out.stderr))
    return {f["name"]: f for f in json.loads(out.stdout)["fields"]}


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.makedirs(os.path.join(rules, "templates"))
    shutil.copy(os.path.join(source, "examples/service_order.flow"), rules)
    for pdf in ("order_form.pdf", "terms.pdf"):
        shutil.copy(os.path.join(source, "examples/templates", pdf), os.path.join(rules, "templates"))
    receiver = Receiver()
    config = os.path.join(work, "signflow.toml")
    harness.write(config, CONFIG % {"port": receiver.port})
    d = harness.Daemon(binary, work, rules, extra=["--config", config])
    daemons.append(d)
    d.start()

    zone = "America/New_York"
    r = d.post("/v1/events/order_placed", {"company": "Contoso",
                                           "client": {"name": "Grace Hopper", "email": "grace@contoso.example",
                                                      "timezone": zone}})
    check(r.status == 202 and len(r.json["started"]) == 1, "order_placed: %r" % r)
    id = r.json["started"][0]["id"]

    # ---- the order form: the fields as inputs, each with its label
    first = wait_until("the first signing request", lambda: requests_to_client(work, id), timeout=60)
    link = link_in(first[0])
    b, page = open_signing_page(d, link)
    for needle in ('<select id="field-plan" name="field.plan" required', 'name="field.seats"',
                   '<input type="date" id="field-start_date" name="field.start_date"',
                   '<input type="checkbox" id="field-accept_marketing" name="field.accept_marketing" value="yes"',
                   'name="field.client_initials"', '<label for="field-start_date">Start date'):
        check(needle in page, "the page has %r:\n%s" % (needle, page[page.find("fields"):][:3000]))
    # The VAT number depends on the plan chosen on this page: shown, not
    # required by the browser, "required if it applies" (the daemon decides).
    vat = page[page.find('id="field-vat_id"') - 200:page.find('id="field-vat_id"') + 300]
    check('required if it applies' in vat and ' required' not in vat.split('id="field-vat_id"')[1].split(">")[0],
          "the VAT number is shown as needed only if it applies:\n" + vat)
    check("field.signed_on" not in page, "the date of signing is filled, not asked")

    # ---- refused: a required field missing (and one made required by another's value)
    form = {"name": "Grace Hopper", "agree": "yes", "field.plan": "enterprise", "field.seats": "300",
            "field.client_initials": "GH"}
    r = b.post(link + "/sign", form)
    check(r.status == 422, "a missing start date is refused with the page: %r" % r)
    check('id="err-start_date"' in r.text and 'aria-describedby="err-start_date"' in r.text,
          "the problem is beside the start date:\n" + r.text[:4000])
    check('id="err-vat_id"' in r.text, "the VAT number is asked once the plan is enterprise, and missing")
    check('value="300"' in r.text and '<option value="enterprise" selected>' in r.text,
          "the values given are kept on the page")
    check(d.instance(id)["state"] == "awaiting(client)", "the envelope still waits for the client")
    # ---- refused: values that do not fit
    r = b.post(link + "/sign", dict(form, **{"field.start_date": "2026-02-30", "field.vat_id": "not a vat",
                                              "field.seats": "many"}))
    check(r.status == 422 and all('id="err-%s"' % f in r.text for f in ("start_date", "vat_id", "seats")),
          "a date that does not exist, a VAT number of the wrong form and a number in words are refused: %r" % r)
    check(not entries(d, id, "signed"), "nothing was signed by the refused attempts")

    # ---- accepted
    good = dict(form, **{"field.start_date": "2026-05-01", "field.vat_id": "GB123456789",
                         "field.accept_marketing": "yes"})
    r = b.post(link + "/sign", good)
    check(r.status == 303 and "?n=" not in r.headers.get("location", ""), "signing the order: %r" % r)
    signed_day = datetime.now(ZoneInfo(zone)).strftime("%Y-%m-%d")

    # ---- the terms: asked for the title and initials
    requests = wait_until("the second signing request (the terms)",
                          lambda: (lambda f: f if len(f) == 2 else None)(requests_to_client(work, id)), timeout=60)
    link2 = link_in(requests[1])
    b2, page2 = open_signing_page(d, link2)
    check('name="field.client_title"' in page2 and "field.plan" not in page2,
          "the terms ask for their own fields only")
    r = b2.post(link2 + "/sign", {"name": "Grace Hopper", "agree": "yes", "field.client_title": "CTO",
                                  "field.client_initials": "GH"})
    check(r.status == 303 and "?n=" not in r.headers.get("location", ""), "signing the terms: %r" % r)
    wait_until("the envelope completes", lambda: d.instance(id)["state"] == "completed", timeout=60)
    wait_until("the seal", lambda: entries(d, id, "sealed"), timeout=60)

    # ---- the documents: values drawn, locked, then signed
    docs = {x["revision"]: x for x in d.get_ok("/v1/instances/%d/documents" % id)["documents"]}
    pdf = {}
    for rev in docs:
        r = d.request("GET", "/v1/instances/%d/document?revision=%d" % (id, rev))
        check(r.status == 200 and hashlib.sha256(r.body).hexdigest() == docs[rev]["sha256"], "revision %d" % rev)
        pdf[rev] = r.body
    text2, sigs2 = text_of(work, "order-signed.pdf", pdf[2])
    for value in ("enterprise", "300", "2026-05-01", "GB123456789", "GH", signed_day):
        check(value in text2, "the signed order shows %r:\n%s" % (value, text2))
    check(text2.count("GH") >= 2, "initials on each page of the order:\n" + text2)
    check(sigs2.count("Signature is Valid.") == 1, "one valid signature over the order:\n" + sigs2)
    order = pdf_fields(binary, work, "order-signed.pdf", pdf[2])
    check(order["accept_marketing"]["value"] != "Off", "the marketing box is ticked: %r" % order["accept_marketing"])
    for name in ("plan", "seats", "start_date", "vat_id", "client_initials.1", "client_initials.2", "signed_on"):
        check(order[name]["read_only"], "field %s is locked before the signature: %r" % (name, order[name]))
    text4, sigs4 = text_of(work, "terms-signed.pdf", pdf[4])
    check("CTO" in text4 and signed_day in text4 and sigs4.count("Signature is Valid.") == 1,
          "the signed terms show the title and the date, under one valid signature:\n" + text4 + sigs4)
    text5, sigs5 = text_of(work, "sealed.pdf", pdf[5])
    check(sigs5.count("Signature is Valid.") == 2 and "Mismatch" not in sigs5, "the seal verifies:\n" + sigs5)
    check("GB123456789" in text5 and "Fields filled in order" in text5,
          "the certificate page lists the fields:\n" + text5[-3000:])

    # ---- the envelope's data, and what later steps read from it
    fields = d.instance(id)["roles"]["client"]["fields"]
    check(fields == {"plan": "enterprise", "seats": 300, "start_date": "2026-05-01", "vat_id": "GB123456789",
                     "accept_marketing": True, "client_initials": "GH", "signed_on": signed_day,
                     "client_title": "CTO", "accepted_on": signed_day},
          "client.fields in the envelope's data: %r" % fields)
    billing = wait_until("billing is called", lambda: receiver.bodies("/billing"), timeout=30)
    check(billing[0].get("plan") == "enterprise" and billing[0].get("seats") == 300,
          "billing gets the plan and seats the client chose: %r" % billing)
    team = wait_until("the account team hears of the enterprise order", lambda: receiver.bodies("/account_team"),
                      timeout=30)
    check(team[0].get("seats") == 300, "the account team's data: %r" % team)

    # ---- evidence: the signed entries carry the values and their hash
    signed = entries(d, id, "signed")
    check(len(signed) == 2, "two signatures: %r" % signed)
    check(signed[0]["detail"]["document"] == "order" and signed[1]["detail"]["document"] == "terms",
          "each signature names its document: %r" % signed)
    check(signed[0]["detail"]["fields"]["seats"] == "300" and signed[0]["detail"]["fields"]["accept_marketing"] is True,
          "the order's values as drawn: %r" % signed[0]["detail"])
    for e in signed:
        check(e["detail"]["fields_sha256"] == hashlib.sha256(canonical(e["detail"]["fields"]).encode()).hexdigest(),
              "the values' hash: %r" % e["detail"])
    hooks = wait_until("two recipient.signed webhooks",
                       lambda: (lambda h: h if len(h) == 2 else None)(receiver.bodies("/hooks")), timeout=30)
    check(sorted(h["data"]["fields"].get("client_title", "-") for h in hooks) == ["-", "CTO"] and
          any(h["data"]["fields"].get("vat_id") == "GB123456789" for h in hooks),
          "the webhooks carry the values: %r" % hooks)
    cert = d.get_ok("/v1/instances/%d/certificate" % id)
    listed = cert["signers"][0].get("fields", [])
    check([f["document"] for f in listed] == ["order", "terms"] and listed[1]["values"]["client_title"] == "CTO",
          "the certificate lists the fields per document: %r" % listed)
    audit = d.get_ok("/v1/instances/%d/audit" % id)
    check(audit.get("verdict", {}).get("ok") is True, "the audit chain verifies: %r" % audit.get("verdict"))

    # ---- the API refuses what the page refuses, naming the field
    r = d.post("/v1/events/order_placed", {"company": "Fabrikam",
                                           "client": {"name": "Alan Turing", "email": "alan@fabrikam.example"}})
    id2 = r.json["started"][0]["id"]
    wait_until("the second envelope awaits the client", lambda: d.instance(id2)["state"] == "awaiting(client)",
               timeout=60)
    r = d.act("/v1/instances/%d/signers/client/signed" % id2,
              {"name": "Alan Turing", "fields": {"plan": "gold", "seats": 3, "start_date": "2026-06-01",
                                                 "client_initials": "AT"}})
    check(r.status == 422 and r.json["fields"]["plan"]["code"] == "not_an_option" and "plan" in r.json["error"],
          "an option the choice lacks: %r" % r)
    r = d.act("/v1/instances/%d/signers/client/signed" % id2, {"name": "Alan Turing", "fields": {"colour": "red"}})
    check(r.status == 422 and r.json["fields"]["colour"]["code"] == "not_asked" and
          r.json["fields"]["plan"]["code"] == "required", "an unknown field, and the required ones: %r" % r)
    r = d.act("/v1/instances/%d/signers/client/signed" % id2,
              {"name": "Alan Turing", "fields": {"plan": "basic", "seats": 3, "start_date": "2026-06-01",
                                                 "client_initials": "AT"}})
    check(r.status == 202, "the API signs with good values: %r" % r)
    check(d.instance(id2)["roles"]["client"]["fields"]["plan"] == "basic", "the API's values are kept")
    # The VAT number was not asked (a basic plan): locked blank under the
    # signature all the same, so nothing can be written there afterwards.
    wait_until("the second envelope's signature", lambda: entries(d, id2, "signature_applied"), timeout=60)
    r = d.request("GET", "/v1/instances/%d/document?revision=2" % id2)
    check(r.status == 200, "the second envelope's signed order: %r" % r)
    order2 = pdf_fields(binary, work, "order2-signed.pdf", r.body)
    check(order2["vat_id"]["read_only"] and order2["vat_id"]["value"] == "" and order2["seats"]["value"] == "3",
          "the blank VAT number is locked, the seats drawn: %r %r" % (order2["vat_id"], order2["seats"]))
    # The marketing box left clear: drawn clear, locked.
    check(order2["accept_marketing"]["read_only"] and order2["accept_marketing"]["value"] in ("", "Off"),
          "the clear check box is locked: %r" % order2["accept_marketing"])
    # A signer in Chinese: each field's problem in their words, with the
    # rule's value (the engine words it in English).
    r = d.post("/v1/events/order_placed", {"company": "Umbrella", "client": {
        "name": "李雷", "email": "li.lei@umbrella.example", "language": "zh"}})
    id4 = r.json["started"][0]["id"]
    link4 = link_in(wait_until("the Chinese signer's request", lambda: requests_to_client(work, id4), timeout=60)[0])
    b4, _ = open_signing_page(d, link4)
    r = b4.post(link4 + "/sign", {"name": "李雷", "agree": "yes", "field.plan": "pro", "field.seats": "900",
                                  "field.start_date": "2026-13-01", "field.client_initials": "LL"})
    check(r.status == 422 and "不能大于 500。" in r.text and "请按 YYYY-MM-DD 格式填写日期。" in r.text,
          "the problems in Chinese: %r" % r.text[r.text.find("field-error"):][:600])
    # A role's `fields` in the trigger's data are not the signer's.
    r = d.post("/v1/events/order_placed", {"company": "Initech", "client": {
        "name": "Peter Gibbons", "email": "peter@initech.example", "fields": {"plan": "enterprise"}}})
    id3 = r.json["started"][0]["id"]
    check("fields" not in d.instance(id3)["roles"]["client"], "the event cannot fill the signer's fields: %r" %
          d.instance(id3)["roles"]["client"])
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
