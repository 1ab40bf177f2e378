"""The dashboard and the embedded static files: GET / serves the page and
GET /assets/{name} the files of web/assets, both without an API key, with
their content types, a strict Content-Security-Policy, nosniff, no-cache and
an ETag that If-None-Match turns into a 304; an unknown asset is a 404, a
POST a 405; the page references only the daemon's own files; /v1 still needs
the key. GET /v1/quotas (admin) shows each workflow's quotas and their use
this period, a keyed quota by key.
"""

import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

FLOW = """\
on form_submitted
  -> fill nda
  -> sign sequentially [client, manager]
"""

METERED = """\
workflow metered

timezone "UTC"

quota 5 envelopes per day

on order_placed
  -> fill nda
  -> sign [client]
"""

PER_CUSTOMER = """\
workflow per_customer

timezone "UTC"

quota 100 envelopes per month per event.customer

on hire_started
  -> fill nda
  -> sign [client]
"""

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def check_page_headers(r, what):
    check(r.headers.get("content-security-policy") == CSP,
          "%s: expected Content-Security-Policy %r, got %r" % (what, CSP, r.headers.get("content-security-policy")))
    check(r.headers.get("x-content-type-options") == "nosniff",
          "%s: expected X-Content-Type-Options: nosniff, got %r" % (what, r.headers))


def check_served(d, path, content_type, source_file):
    r = d.get(path, auth=False)
    check(r.status == 200, "GET %s without a key: expected 200, got %r" % (path, r))
    check(r.headers.get("content-type") == content_type,
          "GET %s: expected Content-Type %r, got %r" % (path, content_type, r.headers.get("content-type")))
    check_page_headers(r, "GET " + path)
    check(r.headers.get("cache-control") == "no-cache", "GET %s: expected Cache-Control: no-cache, got %r" %
          (path, r.headers))
    with open(source_file, "rb") as f:
        check(r.body == f.read(), "GET %s: the bytes differ from %s (%d bytes served)" % (path, source_file, len(r.body)))
    etag = r.headers.get("etag", "")
    check(re.fullmatch(r'"[0-9a-f]{32}"', etag), "GET %s: expected a quoted ETag, got %r" % (path, etag))

    again = d.get(path, auth=False, headers={"If-None-Match": etag})
    check(again.status == 304 and again.body == b"", "GET %s with If-None-Match %s: expected an empty 304, got %r" %
          (path, etag, again))
    check(again.headers.get("etag") == etag, "the 304 must repeat the ETag, got %r" % again.headers)
    listed = d.get(path, auth=False, headers={"If-None-Match": 'W/"0000", ' + etag})
    check(listed.status == 304, "If-None-Match with a list holding the ETag: expected 304, got %r" % listed)
    stale = d.get(path, auth=False, headers={"If-None-Match": '"0123456789abcdef0123456789abcdef"'})
    check(stale.status == 200 and stale.body == r.body, "If-None-Match with another ETag: expected 200, got %r" % stale)
    return r


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "card.flow"), FLOW)
    harness.write(os.path.join(rules, "metered.flow"), METERED)
    harness.write(os.path.join(rules, "per_customer.flow"), PER_CUSTOMER)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()
    assets = os.path.join(source, "web", "assets")

    page = check_served(d, "/", "text/html; charset=utf-8", os.path.join(assets, "dashboard.html"))
    check_served(d, "/assets/dashboard.js", "text/javascript; charset=utf-8", os.path.join(assets, "dashboard.js"))
    check_served(d, "/assets/dashboard.css", "text/css; charset=utf-8", os.path.join(assets, "dashboard.css"))
    check_served(d, "/assets/logo.svg", "image/svg+xml", os.path.join(assets, "logo.svg"))

    # Everything the page loads comes from the daemon's /assets/, and nothing
    # is inline (the CSP would block it: a test here finds it before a browser).
    html = page.text
    refs = re.findall(r'(?:src|href)="([^"]*)"', html)
    check(refs, "the page references no files: %r" % html[:400])
    for ref in refs:
        check(ref.startswith("/assets/") or ref.startswith("#"), "the page references %r (only /assets/ allowed)" % ref)
        if ref.startswith("/assets/"):
            r = d.get(ref, auth=False)
            check(r.status == 200, "the page's %s: %r" % (ref, r))
    check(not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "the page has an inline <script>")
    check("<style" not in html and not re.search(r"\sstyle=", html), "the page has inline styles")
    check(not re.search(r"\son[a-z]+=", html), "the page has an inline event handler")

    missing = d.get("/assets/no-such-file.js", auth=False)
    check(missing.status == 404, "an unknown asset: expected 404, got %r" % missing)
    check_page_headers(missing, "an unknown asset")
    for path in ("/assets/", "/assets/../dashboard.js", "/assets/%2e%2e/dashboard.js", "/assets//dashboard.js"):
        r = d.get(path, auth=False)
        check(r.status in (400, 404), "GET %s: expected 400 or 404, got %r" % (path, r))

    post = d.request("POST", "/assets/dashboard.js", body="x", auth=False)
    check(post.status == 405, "POST /assets/dashboard.js: expected 405, got %r" % post)
    post = d.request("POST", "/", body="x", auth=False)
    check(post.status == 405, "POST /: expected 405, got %r" % post)

    # Open paths are exactly these: the API behind them still wants the key.
    r = d.get("/v1/instances", auth=False)
    check(r.status == 401, "GET /v1/instances without a key: expected 401, got %r" % r)
    r = d.get("/index.html", auth=False)
    check(r.status == 401, "GET /index.html without a key: expected 401 (not an open path), got %r" % r)

    check_quotas(d)
    d.stop_clean()


def check_quotas(d):
    r = d.get("/v1/quotas", auth=False)
    check(r.status == 401, "GET /v1/quotas without a key: expected 401, got %r" % r)
    day_before = time.strftime("%Y-%m-%d", time.gmtime())
    quotas = d.get_ok("/v1/quotas")["quotas"]
    by = {q["workflow"]: q for q in quotas}
    check(sorted(by) == ["metered", "per_customer"], "GET /v1/quotas: expected the two quotas, got %r" % quotas)
    m = by["metered"]
    check(m["limit"] == 5 and m["period"] == "day" and m["used"] == 0 and "key" not in m,
          "a fresh daemon's day quota: expected 0 of 5 used, got %r" % m)
    days = {day_before + "T00:00:00Z", time.strftime("%Y-%m-%d", time.gmtime()) + "T00:00:00Z"}  # midnight may pass
    check(m["period_start"] in days, "the day quota's period_start: expected one of %s, got %r" % (days, m))
    check(m["resets_at"] > m["period_start"], "resets_at must follow period_start: %r" % m)

    for i in range(2):
        r = d.post("/v1/events/order_placed", {"signers": {"client": "c%d@x.com" % i}}, key="order-%d" % i)
        check(r.status == 202, "order_placed #%d: %r" % (i, r))
    for i, customer in enumerate(["acme", "acme", "globex"]):
        r = d.post("/v1/events/hire_started", {"customer": customer, "signers": {"client": "h%d@x.com" % i}},
                   key="hire-%d" % i)
        check(r.status == 202, "hire_started #%d: %r" % (i, r))
    by = {q["workflow"]: q for q in d.get_ok("/v1/quotas")["quotas"]}
    check(by["metered"]["used"] == 2, "after 2 starts: expected 2 of 5 used, got %r" % by["metered"])
    p = by["per_customer"]
    check(p["key"] == "event.customer" and p["limit"] == 100 and p["period"] == "month",
          "the keyed quota: expected key event.customer, 100 per month, got %r" % p)
    check(p["keys"] == [{"key": "acme", "used": 2}, {"key": "globex", "used": 1}],
          "the keyed quota's keys: expected acme 2, globex 1, got %r" % p["keys"])
    r = d.request("POST", "/v1/quotas", body="{}", headers={"Content-Type": "application/json"})
    check(r.status == 405, "POST /v1/quotas: expected 405, got %r" % r)


if __name__ == "__main__":
    harness.main(test)
