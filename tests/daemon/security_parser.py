"""Hostile files are read in a child process (docs/security.md, "Files from
outside"): when the reader crashes on an upload, that upload gets a 422
naming the crash, and the daemon, its other envelopes and the next upload
are unaffected. POST /v1/verify reads a PDF the same way, with the admin
scope. A daemon without its reader refuses to start, saying where it looked.

The crash is real: a copy of `signflow` runs beside a reader that
misbehaves on purpose (tests/documents/misbehaving_reader.cpp: signflow-parse's
own main, limits and protocol; a file named crash.* gets SIGSEGV, others
the real job), as PoDoFo 0.9.8 once crashed on uploads.
"""

import base64
import os
import shutil
import stat
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check, wait_until

UA = {"User-Agent": "security-parser-test/1.0"}


def start(d, email):
    r = d.post("/v1/events/form_submitted", {
        "form": "nda_request", "sender": "rep-7",
        "contact": {"name": "Li Wei", "email": email, "timezone": "Asia/Shanghai"}})
    check(r.status in (200, 202) and len(r.json["started"]) == 1, "form_submitted: %r" % r)
    return r.json["started"][0]["id"]


def upload(d, env, filename, body):
    return d.act("/v1/instances/%d/signers/prospect/attachments/id_scan?filename=%s" % (env, filename),
                 body=body, headers=dict(UA, **{"Content-Type": "application/octet-stream"}))


def test(binary, source, work, daemons):
    reader = os.environ.get("SIGNFLOW_MISBEHAVING_READER", "")
    check(os.access(reader, os.X_OK), "SIGNFLOW_MISBEHAVING_READER names the test reader: %r" % reader)
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    # The example without its code step, asking the prospect for an ID scan.
    with open(os.path.join(source, "examples", "nda_onboarding.flow")) as f:
        flow = f.read()
    for old, new in [("  -> verify prospect by email\n", ""),
                     ('  show non_solicitation when event.engagement == "consulting"\n',
                      '  show non_solicitation when event.engagement == "consulting"\n'
                      "  attach id_scan from prospect required\n")]:
        check(old in flow, "the example still has %r" % old)
        flow = flow.replace(old, new)
    harness.write(os.path.join(rules, "nda_onboarding.flow"), flow)

    # ---- signflow beside the misbehaving reader, as its signflow-parse
    bin_dir = os.path.join(work, "bin")
    os.mkdir(bin_dir)
    shutil.copy2(binary, os.path.join(bin_dir, "signflow"))
    shutil.copy2(reader, os.path.join(bin_dir, "signflow-parse"))
    home = os.path.join(work, "home")
    os.mkdir(home)
    d = harness.Daemon(os.path.join(bin_dir, "signflow"), home, rules)
    daemons.append(d)
    d.start()

    first, second = start(d, "first@example.com"), start(d, "second@example.com")
    for env in (first, second):
        r = d.act("/v1/instances/%d/signers/prospect/consent" % env,
                  {"agreed": True, "text": "I agree to sign electronically."}, headers=UA)
        check(r.status == 202, "consent for envelope %d: %r" % (env, r))

    # The reader crashes on this upload: a 422 for this file, naming it.
    r = upload(d, first, "crash.png", harness.png())
    # (SIGSEGV; in a sanitizer build the sanitizer ends the child its own way)
    expected = "stopped on it (" if os.environ.get("SIGNFLOW_SANITIZED") else "stopped on it (SIGSEGV)"
    check(r.status == 422 and expected in r.json.get("error", ""),
          "an upload its reader crashes on gets a 422 that says so: %r" % r)
    check("misbehaving" not in r.text, "the signer does not see what the reader wrote: %r" % r)
    log = wait_until("the crash in the daemon's log", lambda: (
        lambda t: t if "misbehaving reader: crashing on purpose" in t else None)(d.log_tail(200000)))
    check("signflow-parse (upload job, " in log, "the log names the reader and the job:\n%s" % log[-2000:])
    # The daemon goes on: health, the other envelope, the next upload.
    check(d.get("/healthz").status == 200, "the daemon is still up after its reader crashed")
    scan = harness.png(8, 6)
    r = upload(d, second, "passport.png", scan)
    check(r.status == 201 and r.json["sha256"] == __import__("hashlib").sha256(scan).hexdigest(),
          "another envelope's upload is read and stored: %r" % r)
    r = upload(d, first, "passport.png", scan)
    check(r.status == 201, "the same envelope's next upload is stored: %r" % r)
    audit = d.get_ok("/v1/instances/%d/audit" % first)
    uploads = [e for e in audit["entries"] if e["kind"] == "attachment_uploaded"]
    check(len(uploads) == 1 and uploads[0]["detail"].get("file_name") in (None, "passport.png"),
          "the crashed upload left no trace in the envelope; the good one did: %r" % uploads)

    # Signing with a drawn signature (decoded and scaled in the reader) and
    # counsel's countersignature complete both envelopes.
    for env in (first, second):
        r = d.act("/v1/instances/%d/signers/prospect/signed" % env,
                  {"name": "Li Wei", "image": base64.b64encode(harness.png(60, 20)).decode()}, headers=UA)
        check(r.status == 202, "the prospect of envelope %d signs: %r" % (env, r))
        r = d.act("/v1/instances/%d/signers/counsel/signed" % env, {"name": "A. Counsel"}, headers=UA)
        check(r.status == 202, "counsel of envelope %d signs: %r" % (env, r))

    def sealed(env):
        docs = d.get_ok("/v1/instances/%d/documents" % env)["documents"]
        return docs if docs and docs[-1]["kind"] == "sealed" else None
    for env in (first, second):
        wait_until("the seal of envelope %d" % env, lambda: sealed(env), timeout=30)
    pdf = d.request("GET", "/v1/instances/%d/document" % first).body
    check(pdf.startswith(b"%PDF"), "the sealed PDF of envelope %d" % first)

    # ---- POST /v1/verify: the sealed PDF's signatures, read by the reader
    r = d.request("POST", "/v1/verify", body=pdf, headers={"Content-Type": "application/pdf"})
    check(r.status == 200 and r.json["valid"] is True, "the sealed PDF verifies: %r" % r)
    check(len(r.json["signatures"]) == 3 and r.json["last_covers_whole_document"],
          "two signers and the seal, the seal over the whole file: %r" % r.json)
    check(r.json["sha256"] == __import__("hashlib").sha256(pdf).hexdigest(), "the PDF's SHA-256: %r" % r.json)
    tampered = bytearray(pdf)
    at = pdf.find(b"/Type")
    tampered[at + 1:at + 2] = b"t"
    r = d.request("POST", "/v1/verify", body=bytes(tampered), headers={"Content-Type": "application/pdf"})
    check(r.status == 200 and r.json["valid"] is False and r.json["signatures"][0]["problem"],
          "one changed byte: not valid, and why: %r" % r)
    r = d.request("POST", "/v1/verify", body=b"not a pdf", headers={"Content-Type": "application/pdf"})
    check(r.status == 422 and r.json.get("error"), "not a PDF: 422 with the reason: %r" % r)
    r = d.request("POST", "/v1/verify", body=b"")
    check(r.status == 400, "no body: 400: %r" % r)
    r = d.get("/v1/verify")
    check(r.status == 405, "GET: 405: %r" % r)
    # Who may: admin only (it reads a document and costs a child process).
    for scope in ("send", "act-for-signer"):
        token = d.create_key("verify " + scope, scope)
        r = d.request("POST", "/v1/verify", body=pdf, auth=token, headers={"Content-Type": "application/pdf"})
        check(r.status == 403 and r.json.get("scope_needed") == "admin",
              "a %s key may not verify: %r" % (scope, r))
    r = d.request("POST", "/v1/verify", body=pdf, auth=False, headers={"Content-Type": "application/pdf"})
    check(r.status == 401, "no key: 401: %r" % r)
    d.stop_clean()

    # ---- without its reader, the daemon does not start, and says where it looked
    lonely = os.path.join(work, "lonely")
    os.mkdir(lonely)
    shutil.copy2(binary, os.path.join(lonely, "signflow"))
    p = subprocess.run([os.path.join(lonely, "signflow"), "serve", "--rules", rules, "--db",
                        os.path.join(lonely, "signflow.db"), "--listen", "127.0.0.1:%d" % d.port],
                       capture_output=True, text=True, timeout=30, cwd=lonely)
    said = p.stdout + p.stderr
    check(p.returncode == 2 and os.path.join(lonely, "signflow-parse") in said,
          "serve without signflow-parse: exit 2 naming it; exit %d, said:\n%s" % (p.returncode, said))
    # A reader others may replace is refused the same way.
    shutil.copy2(reader, os.path.join(lonely, "signflow-parse"))
    os.chmod(os.path.join(lonely, "signflow-parse"), 0o777)
    p = subprocess.run([os.path.join(lonely, "signflow"), "serve", "--rules", rules, "--db",
                        os.path.join(lonely, "signflow.db"), "--listen", "127.0.0.1:%d" % d.port],
                       capture_output=True, text=True, timeout=30, cwd=lonely)
    said = p.stdout + p.stderr
    check(p.returncode == 2 and "is writable by others" in said,
          "a signflow-parse every user may write: exit 2 saying so; exit %d, said:\n%s" % (p.returncode, said))
    check(stat.S_IMODE(os.stat(os.path.join(lonely, "signflow-parse")).st_mode) == 0o777, "(left as it was)")


if __name__ == "__main__":
    harness.main(test)
