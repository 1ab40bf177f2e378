"""API keys: a fresh daemon writes its first admin key beside the database
(mode 0600) and logs where, never the token; without a key, with a wrong one,
a malformed header or a revoked key the API answers 401 with
WWW-Authenticate: Bearer; a `send` key starts and cancels envelopes but gets
403 naming `admin` on the rules and `act-for-signer` on a signer's acts; an admin key does both; the database holds
only the token's hash; `signflow api-key create|list|revoke` work while the
daemon runs; refusals are listed as security events, without tokens;
`serve --open` needs no key.
"""

import hashlib
import json
import os
import stat
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

CARD = {"signers": {"client": "c@x.com", "manager": "m@x.com"}}
FLOW = """\
on form_submitted
  -> fill nda
  -> sign sequentially [client, manager]
"""


def cli(binary, *args, expect=0):
    p = subprocess.run([binary] + list(args), capture_output=True, text=True, timeout=60)
    check(p.returncode == expect, "signflow %s: expected exit %d, got %d\nstdout: %s\nstderr: %s" %
          (" ".join(args), expect, p.returncode, p.stdout, p.stderr))
    return p


def check_401(r, what, reason):
    check(r.status == 401, "%s: expected 401, got %r" % (what, r))
    check(r.headers.get("www-authenticate", "").startswith("Bearer"),
          "%s: a 401 must carry WWW-Authenticate: Bearer, got %r" % (what, r.headers))
    check(r.json and r.json.get("reason") == reason and r.json.get("error"),
          "%s: expected {error, reason: %s}, got %r" % (what, reason, r))


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "card.flow"), FLOW)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()

    # ---- the first key
    # (beside the SQLite file, named after it; on PostgreSQL in --data-dir,
    # named after the database)
    key_file = os.path.join(work, (d.target.rsplit("/", 1)[1] if harness.POSTGRES else "signflow") + "-admin.key")
    check(d.key_file == key_file and os.path.exists(key_file),
          "a fresh database: expected the first admin key in %s; the folder holds %s" % (key_file, os.listdir(work)))
    mode = stat.S_IMODE(os.stat(key_file).st_mode)
    check(mode == 0o600, "the first key file must be mode 0600, is %o" % mode)
    admin = d.token
    check(admin and admin.startswith("sf_") and len(admin) == 46,
          "the first key should be sf_ + 43 base64url characters, got %r" % admin)
    log = d.log_tail(100000)
    check(key_file in log, "the daemon should log where the first key is; log:\n%s" % log)
    check(admin not in log and admin[3:20] not in log, "the daemon logged the token")
    check(not any(n.endswith(".tmp") for n in os.listdir(work)), "a temporary key file was left behind")

    # The database holds its hash, not the token.
    digest = hashlib.sha256(admin.encode()).hexdigest()
    rows = d.query("SELECT name, prefix, hash, scopes, revoked_ms FROM api_keys")
    check(len(rows) == 1 and rows[0][2] == digest and rows[0][3] == "admin" and rows[0][4] == 0,
          "api_keys should hold one admin key by its SHA-256, got %r" % rows)
    check(admin.startswith(rows[0][1]) and len(rows[0][1]) < 12, "the prefix %r is not a short prefix" % rows[0][1])
    if harness.POSTGRES:
        dump = subprocess.run(["pg_dump", d.target], capture_output=True, timeout=60)
        check(dump.returncode == 0 and b"api_keys" in dump.stdout, "pg_dump: %r" % dump.stderr)
        check(admin.encode() not in dump.stdout, "the token is in the database")
    for name in os.listdir(work):
        if name.startswith("signflow.db"):
            with open(os.path.join(work, name), "rb") as f:
                check(admin.encode() not in f.read(), "the token is in %s" % name)

    # ---- without a valid key
    check(d.get("/healthz", auth=False).status == 200, "/healthz must stay open")
    check_401(d.get("/v1/rules", auth=False), "GET /v1/rules without a key", "missing")
    check_401(d.post("/v1/events/form_submitted", CARD, auth=False), "an event without a key", "missing")
    check_401(d.get("/v2/nothing", auth=False), "an unknown path without a key", "missing")
    check_401(d.get("/metrics", auth=False), "/metrics without a key", "missing")
    wrong = "sf_" + "A" * 43
    check_401(d.get("/v1/rules", auth=wrong), "a wrong key", "unknown")
    check_401(d.get("/v1/rules", headers={"Authorization": "Basic " + admin}), "Basic instead of Bearer", "malformed")
    check_401(d.get("/v1/rules", headers={"Authorization": "Bearer"}), "Bearer without a token", "malformed")
    check(d.get("/v1/rules", headers={"Authorization": "bearer  " + admin}).status == 200,
          "the scheme is case-insensitive and spaces around the token are allowed")
    check(len(d.all_instances()) == 0, "a refused request started an envelope")

    # ---- a send key, made with the CLI while the daemon runs
    p = cli(binary, "api-key", "create", "--db", d.target, "--name", "crm-sync", "--scope", "send")
    sender = p.stdout.strip()
    check(sender.startswith("sf_") and len(sender) == 46 and "\n" not in sender,
          "api-key create should print the token alone on stdout, got %r" % p.stdout)
    check("crm-sync" in p.stderr and "once" in p.stderr, "api-key create should say the token is shown once: %r" %
          p.stderr)
    r = d.post("/v1/events/form_submitted", CARD, auth=sender)
    check(r.status == 202 and len(r.json["started"]) == 1, "a send key posting an event: expected 202, got %r" % r)
    env = r.json["started"][0]["id"]
    r = d.get("/v1/rules", auth=sender)
    check(r.status == 403 and r.json.get("scope_needed") == "admin" and "admin" in r.json["error"],
          "a send key reading the rules: expected 403 naming the admin scope, got %r" % r)
    check('scope="admin"' in r.headers.get("www-authenticate", ""), "403 should name the scope in "
          "WWW-Authenticate: %r" % r.headers)
    check(d.get("/v1/instances/%d" % env, auth=sender).status == 403, "a send key read an envelope")
    r = harness.wait_until("the envelope awaiting the client",
                           lambda: d.instance(env)["state"] == "awaiting(client)")
    # A signer's acts are not the send key's (security_acting.py has the rest).
    r = d.act("/v1/instances/%d/signers/client/signed" % env, auth=sender)
    check(r.status == 403 and r.json.get("scope_needed") == "act-for-signer",
          "a send key signing for the client: expected 403 naming act-for-signer, got %r" % r)
    r = d.post("/v1/instances/%d/cancel" % env, {"reason": "the customer called"}, auth=sender)
    check(r.status == 202, "a send key moving an envelope (cancel): expected 202, got %r" % r)

    # ---- the admin key does both
    check(d.get("/v1/rules").status == 200, "the admin key reading the rules")
    r = d.post("/v1/events/form_submitted", CARD)
    check(r.status == 202, "the admin key posting an event: got %r" % r)
    check(d.get("/v1/security-events", auth=sender).status == 403, "a send key listed the security events")

    # ---- list and revoke
    p = cli(binary, "api-key", "list", "--db", d.target)
    check("crm-sync" in p.stdout and "first admin key" in p.stdout and sender[:9] in p.stdout,
          "api-key list should show both keys with their prefixes: %s" % p.stdout)
    check(sender not in p.stdout and admin not in p.stdout, "api-key list printed a token")
    listed = json.loads(cli(binary, "api-key", "list", "--db", d.target, "--format", "json").stdout)
    send_id = next(k["id"] for k in listed if k["name"] == "crm-sync")
    check(all(k["revoked"] is None for k in listed), "no key is revoked yet: %r" % listed)
    p = cli(binary, "api-key", "revoke", str(send_id), "--db", d.target)
    check("revoked" in p.stderr, "api-key revoke should confirm: %r" % p.stderr)
    p = cli(binary, "api-key", "revoke", "999", "--db", d.target, expect=2)
    check("no API key 999" in p.stderr, "revoking an unknown key should name it: %r" % p.stderr)
    cli(binary, "api-key", "create", "--db", d.target, "--name", "x", "--scope", "root", expect=2)
    listed = json.loads(cli(binary, "api-key", "list", "--db", d.target, "--format", "json").stdout)
    check(next(k for k in listed if k["id"] == send_id)["revoked"], "the key is not listed as revoked: %r" % listed)

    # A running daemon refuses it once its cache forgets it (30 s); a restart
    # forgets at once. The first key is not made again (the store has keys).
    d.stop_clean()
    os.unlink(key_file)
    d.start()
    check(not os.path.exists(key_file), "a database with keys got a new first-key file")
    d.token = admin
    check_401(d.post("/v1/events/form_submitted", CARD, auth=sender), "a revoked key", "revoked")
    check(d.get("/v1/rules").status == 200, "the admin key after a restart")

    # ---- security events
    r = d.get("/v1/security-events?limit=100")
    check(r.status == 200, "GET /v1/security-events: %r" % r)
    events = r.json["events"]
    reasons = [e["detail"].get("reason") for e in events if e["kind"] == "api_key_rejected"]
    for reason in ("missing", "unknown", "malformed", "revoked"):
        check(reason in reasons, "the security events should list a `%s` refusal: %r" % (reason, events))
    forbidden = [e for e in events if e["kind"] == "api_key_forbidden"]
    check(any(e["source"] == "/v1/rules" and e["detail"]["scope_needed"] == "admin" for e in forbidden),
          "the 403 on /v1/rules should be a security event: %r" % forbidden)
    check(all(e["ip"] == "127.0.0.1" and e["at"].endswith("Z") for e in events), "events need ip and time: %r" % events)
    check(events[0]["detail"].get("reason") == "revoked", "newest first: %r" % events[0])
    check(admin not in r.text and sender not in r.text and wrong not in r.text, "a security event holds a token")
    check(len(d.get_ok("/v1/security-events?limit=2")["events"]) == 2, "limit=2")
    check(d.get("/v1/security-events?limit=0").status == 400, "limit=0 must be refused")
    d.stop_clean()

    # ---- keys made before the first start; --open
    db2 = os.path.join(work, "provisioned.db")
    own = cli(binary, "api-key", "create", "--db", harness.db_target(db2), "--name", "ops", "--scope", "admin", "--scope",
              "send").stdout.strip()
    o = harness.Daemon(binary, work, rules, db=db2, extra=["--open"])
    daemons.append(o)
    o.start()
    check(not os.path.exists(o.key_file), "a database provisioned with the CLI got a first-key file")
    check("WITHOUT an API key" in o.log_tail(), "--open must be warned about at start")
    check(o.get("/v1/rules", auth=False).status == 200, "--open: no key needed")
    check(o.post("/v1/events/form_submitted", CARD, auth=False).status == 202, "--open: an event without a key")
    check(o.get("/v1/rules", auth=own).status == 200, "--open: a key is not refused either")
    o.stop_clean()


if __name__ == "__main__":
    harness.main(test)
