"""Embed links and embedded sessions at the HTTP level, with a real daemon
started with --frame-ancestor: what a portal's back end may ask for, what
the link does once and never again, and what protects the session's forms.

Checked: an embed link is refused without the admin scope, with a
return_url on another origin, with a ttl past an hour, and (409) by a daemon
without --frame-ancestor; a HEAD does not use the link up, its first GET
opens a session (303) and a second GET answers 410; the session's pages name
the allowed origin in frame-ancestors and send no X-Frame-Options, while an
email link's page keeps frame-ancestors 'none' and DENY; the session's forms
need the page's token (none, another session's or an email page's cookie:
refused), and a post from another origin is refused; with the token (still
good after a restart) the signer consents and signs; a bad --frame-ancestor stops the daemon at start
(exit 2, naming the option).
"""

import os
import re
import subprocess
import sys
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import Browser, check

FLOW = """\
workflow embedded
role client = event.client
on contract_ready
  -> fill nda
  -> sign [client]
"""

PORTAL = "https://portal.example"


def token_of(page):
    m = re.search(r'<meta name="csrf-token" content="([0-9a-f]{32})">', page.text)
    check(m, "the page carries its form token: %r" % page.text[:300])
    return m.group(1)


def header(r, name):
    return r.headers.get(name.lower(), "")


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.makedirs(rules)
    harness.write(os.path.join(rules, "embedded.flow"), FLOW)

    # ---- a bad origin stops the daemon at start
    p = subprocess.run([binary, "serve", "--rules", rules, "--db", os.path.join(work, "bad.db"), "--listen",
                        "127.0.0.1:0", "--frame-ancestor", "https://portal.example/path"],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 2 and "--frame-ancestor" in p.stderr, "a bad origin: exit %d %s" % (p.returncode, p.stderr))

    d = harness.Daemon(binary, work, rules, extra=["--frame-ancestor", PORTAL])
    daemons.append(d)
    d.start()
    r = d.post("/v1/events/contract_ready", {"client": {"name": "Ada", "email": "ada@example.com"}})
    check(r.status == 202, "start: %r" % r)
    id = r.json["started"][0]["id"]
    link = "/v1/instances/%d/signers/client/link" % id

    # ---- what may be asked for
    sender = d.create_key("shop", "send")
    r = d.request("POST", link, {"embed": True, "return_url": PORTAL + "/done"},
                  headers={"Authorization": "Bearer " + sender}, auth=False)
    check(r.status == 403, "a send key makes no embed link: %r" % r)
    r = d.post(link, {"embed": True, "return_url": "https://evil.example/done"})
    check(r.status == 422 and "return_url" in r.json["error"], "another origin to return to: %r" % r)
    r = d.post(link, {"embed": True, "return_url": PORTAL + "/done", "ttl": "2h"})
    check(r.status == 422 and "ttl" in r.json["error"], "a ttl past an hour: %r" % r)
    r = d.post(link, {"embed": "yes", "return_url": PORTAL + "/done"})
    check(r.status == 400, "embed is a boolean: %r" % r)
    r = d.post(link, {"embed": True, "return_url": PORTAL + "/done?order=7", "ttl": "5m"})
    check(r.status == 201 and r.json["purpose"] == "embed" and r.json["expires_at"], "an embed link: %r" % r)
    embed = urllib.parse.urlparse(r.json["url"]).path

    # ---- once: a HEAD does not use it, the first GET opens a session, the next is refused
    r = d.request("HEAD", embed, auth=False)
    check(r.status == 405, "a HEAD does not open the session: %r" % r)
    r = d.request("GET", embed, auth=False)
    session = header(r, "location")
    check(r.status == 303 and session.startswith("/sign/") and session != embed, "the first GET opens a session: %r" % r)
    r = d.request("GET", embed, auth=False)
    check(r.status == 410 and "This link was used" in r.text, "the second GET is refused: %r" % r)

    # ---- framing: the session's pages by the portal only; an email link's never
    b = Browser(d)
    page = b.get(session)
    csp = header(page, "content-security-policy")
    ancestors = [x.strip() for x in csp.split(";") if x.strip().startswith("frame-ancestors")]
    check(page.status == 200 and ancestors == ["frame-ancestors " + PORTAL]
          and not header(page, "x-frame-options") and "set-cookie" not in page.headers,
          "the session's page may be framed by the portal only, and sets no cookie: %s %r" % (csp, page.headers))
    check('data-embed-origins="%s"' % PORTAL in page.text and 'data-outcome="viewed"' in page.text,
          "the page tells sign.js whom to tell: %r" % page.text[:400])
    r = d.post(link, {})
    email_page = Browser(d).get(urllib.parse.urlparse(r.json["url"]).path)
    check("frame-ancestors 'none'" in header(email_page, "content-security-policy") and
          header(email_page, "x-frame-options") == "DENY", "an email link's page is never framed: %r" % email_page.headers)

    # ---- the session's forms need the page's own token
    token = token_of(page)
    form = urllib.parse.urlencode
    post = lambda path, fields, headers=None: d.request(
        "POST", session + path, body=form(fields), auth=False,
        headers=dict({"Content-Type": "application/x-www-form-urlencoded"}, **(headers or {})))
    r = post("/consent", {"agree": "yes"})
    check(r.status == 303 and "n=expired" in header(r, "location"), "no token: refused: %r" % r)
    cookie = Browser(d)
    cookie.get(urllib.parse.urlparse(d.post(link, {}).json["url"]).path)
    r = post("/consent", {"agree": "yes", "csrf": cookie.cookie}, {"Cookie": "sf_csrf=" + cookie.cookie})
    check(r.status == 303 and "n=expired" in header(r, "location"), "an email page's cookie is not the token: %r" % r)
    r = post("/consent", {"agree": "yes", "csrf": token}, {"Origin": "https://evil.example"})
    check(r.status == 403, "a post from another origin: %r" % r)
    check([e for e in d.get_ok("/v1/instances/%d/audit" % id)["entries"] if e["kind"] == "consent_given"] == [],
          "nothing refused was recorded")
    # the token is the installation's, not the process's: it outlives a restart
    d.stop_clean()
    d.start()
    r = post("/consent", {"agree": "yes", "csrf": token})
    check(r.status == 303 and "?n=" not in header(r, "location"), "with the token, after a restart: consent: %r" % r)
    page = b.get(session)
    check('id="sign-form"' in page.text, "the sign form: %r" % page.text[:300])
    r = post("/sign", {"name": "Ada", "agree": "yes", "csrf": token_of(page)})
    check(r.status == 303 and "?n=" not in header(r, "location"), "with the token: sign: %r" % r)
    page = b.get(session)
    check('data-outcome="signed"' in page.text and 'data-return-url="%s/done?order=7"' % PORTAL in page.text,
          "the signed page tells the portal, or returns there: %r" % page.text[:500])
    check(d.instance(id)["state"] == "completed", "the envelope completed")
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
