"""Signing and download links have a lifetime of their own (serve
--sign-link-days, --download-link-days; docs/security.md, "Links"): past it,
the link answers 410 with how to get a new one and shows nothing of the
envelope, while a newer link for the same signer still works.

Regression for the finding "signing links never expire on their own, and
download links work for ever". A link's age is its `created_ms` in the
database: the test makes links old by moving that back (the daemon reads
the record on every visit), rather than waiting days.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check, wait_until

FLOW = """\
on form_submitted
  -> fill nda
  -> sign sequentially [client, manager]
"""
DAY_MS = 86_400_000


def age(db, url, days):
    """Makes the link `url` `days` days old (plus a minute)."""
    import hashlib
    token = url.rsplit("/", 1)[1]
    h = hashlib.sha256(token.encode()).hexdigest()
    harness.db_query(db, "UPDATE signing_tokens SET created_ms = created_ms - ? WHERE hash = ?", days * DAY_MS + 60_000, h)
    n = harness.db_query(db, "SELECT COUNT(*) FROM signing_tokens WHERE hash = ?", h)[0][0]
    check(n == 1, "the link %s is in the database" % url)


def path_of(url):
    return "/sign/" + url.rsplit("/", 1)[1]


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "card.flow"), FLOW)
    d = harness.Daemon(binary, work, rules, extra=["--sign-link-days", "7", "--download-link-days", "3"])
    daemons.append(d)
    d.start()
    r = d.post("/v1/events/form_submitted", {"signers": {"client": "c@x.com", "manager": "m@x.com"}})
    check(r.status == 202, "started: %r" % r)
    env = r.json["started"][0]["id"]
    wait_until("envelope %d awaiting the client" % env, lambda: d.instance(env)["state"] == "awaiting(client)")

    def link(role, purpose="sign"):
        r = d.post("/v1/instances/%d/signers/%s/link" % (env, role), {"purpose": purpose})
        check(r.status == 201, "a %s link for %s: %r" % (purpose, role, r))
        return r.json["url"]

    # ---- a signing link works within its 7 days, and not after
    old, fresh = link("client"), link("client")
    check(d.get(path_of(old), auth=False).status == 200, "a new link opens the page")
    age(d.db, old, 6)
    check(d.get(path_of(old), auth=False).status == 200, "a 6-day-old link still opens the page (7 days)")
    age(d.db, old, 1)
    r = d.get(path_of(old), auth=False)
    check(r.status == 410 and "This link has expired" in r.text and "new link" in r.text,
          "a 7-day-old link: 410 saying it expired and how to get a new one: %r" % r)
    check("envelope %d" % env not in r.text.lower() and "c@x.com" not in r.text,
          "the expired page shows nothing of the envelope: %s" % r.text[:500])
    for sub in ("/document", "/pages/1.png"):
        check(d.get(path_of(old) + sub, auth=False).status == 410, "%s of an expired link: 410" % sub)
    r = d.request("POST", path_of(old), body="agreed=1", auth=False,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(r.status == 410, "a form posted through an expired link: 410, nothing recorded: %r" % r)
    check(d.get(path_of(fresh), auth=False).status == 200, "the signer's newer link still works")
    r = d.get(path_of(old), auth=False, headers={"Accept-Language": "zh-CN"})
    check(r.status == 410 and "此链接已过期" in r.text, "in the signer's language: %r" % r.text[:300])

    # ---- the signed copy's link: 3 days
    for role in ("client", "manager"):
        r = d.act("/v1/instances/%d/signers/%s/signed" % (env, role), {"name": role.title()})
        check(r.status == 202, "%s signs: %r" % (role, r))

    def sealed():
        docs = d.get_ok("/v1/instances/%d/documents" % env)["documents"]
        return docs and docs[-1]["kind"] == "sealed"
    wait_until("the seal", sealed, timeout=30)
    copy = link("client", "download")
    r = d.get(path_of(copy) + "/document", auth=False)
    check(r.status == 200 and r.body.startswith(b"%PDF"), "the signed copy downloads: %r" % r)
    age(d.db, copy, 2)
    check(d.get(path_of(copy) + "/document", auth=False).status == 200, "a 2-day-old download link works (3 days)")
    age(d.db, copy, 1)
    r = d.get(path_of(copy) + "/document", auth=False)
    check(r.status == 410 and not r.body.startswith(b"%PDF"), "a 3-day-old download link: 410, no PDF: %r" % r)
    r = d.get(path_of(link("client", "download")) + "/document", auth=False)
    check(r.status == 200 and r.body.startswith(b"%PDF"), "a new download link from the operator works: %r" % r)

    # ---- the lifetimes are checked when the daemon starts
    for bad in (["--sign-link-days", "0"], ["--download-link-days", "-1"], ["--sign-link-days", "4000"]):
        p = __import__("subprocess").run([binary, "serve", "--rules", rules, "--db", d.target] + bad,
                                         capture_output=True, text=True, timeout=30)
        check(p.returncode == 2 and bad[0] in p.stderr, "serve %s: exit 2 naming it: %d %s" % (bad, p.returncode, p.stderr))


if __name__ == "__main__":
    harness.main(test)
