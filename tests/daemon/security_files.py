"""Secrets and the database are readable by the daemon's user only, from
their first byte; a symlink planted at a secret's name is never followed;
the daemon refuses to start with a key every user can read
(docs/security.md, "Files").

Regression for the findings: the sealing key and the one-time-code key were
created 0644 and only then set to 0600, at predictable names, following
symlinks; the database was 0644; the first admin key's temporary file was
opened without O_EXCL at a predictable name.
"""

import os
import stat
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

SECRETS = ["signflow-key.pem", "signflow-otp.key", "signflow-admin.key"]


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def serve_fails(d, expect):
    """Starts `signflow serve` on d's files and expects it to refuse, saying
    `expect`; returns what it said."""
    p = subprocess.run(d.serve_args(),
                       capture_output=True, text=True, timeout=30, cwd=d.workdir)
    said = p.stdout + p.stderr
    check(p.returncode != 0 and expect in said, "serve should refuse, saying %r; exit %d, said:\n%s" %
          (expect, p.returncode, said))
    return said


def test(binary, source, work, daemons):
    old_umask = os.umask(0o022)  # what most systems have: files 0644 unless the program says otherwise
    try:
        run(binary, source, work, daemons)
    finally:
        os.umask(old_umask)


def run(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.copy_example(source, "nda_onboarding.flow", rules)

    # ---- a fresh installation: every secret and the database 0600
    home = os.path.join(work, "fresh")
    os.mkdir(home)
    d = harness.Daemon(binary, home, rules)
    daemons.append(d)
    d.start()
    # (on PostgreSQL: no database file, and the first key named after the database)
    admin_key = os.path.basename(d.key_file)
    for name in [n for n in SECRETS if n != "signflow-admin.key"] + [admin_key] + \
            ([] if harness.POSTGRES else ["signflow.db"]):
        path = os.path.join(home, name)
        check(os.path.isfile(path), "a fresh daemon made %s; the folder holds %s" % (name, sorted(os.listdir(home))))
        check(mode(path) == 0o600, "%s: mode %o, expected 600" % (name, mode(path)))
    for name in ["signflow.db-wal", "signflow.db-shm"]:
        path = os.path.join(home, name)
        if os.path.exists(path):
            check(mode(path) == 0o600, "%s: mode %o, expected 600" % (name, mode(path)))
    leftovers = [n for n in os.listdir(home) if n.startswith(".") or n.endswith(".tmp")]
    check(not leftovers, "no temporary files are left: %s" % leftovers)
    d.stop_clean()

    # ---- an existing database others could read loses their access
    if not harness.POSTGRES:
        os.chmod(d.db, 0o644)
        d.start()
        check(mode(d.db) & 0o007 == 0, "the database others could read: now mode %o" % mode(d.db))
        d.stop_clean()

    # ---- a key every user can read: the daemon refuses to start, and says how to fix it
    for name in ["signflow-otp.key", "signflow-key.pem"]:
        path = os.path.join(home, name)
        os.chmod(path, 0o644)
        said = serve_fails(d, "chmod 600 " + path)
        check("no longer a secret" in said, "the refusal says why: %s" % said)
        os.chmod(path, 0o600)
    os.chmod(os.path.join(home, "signflow-key.pem"), 0o640)  # a group may read a deployed key
    d.start()
    check(d.get("/healthz").status == 200, "a 0640 sealing key is accepted")
    d.stop_clean()

    # ---- symlinks planted at the secrets' names are never followed
    for name in SECRETS:
        planted = os.path.join(work, "planted-" + name)  # (a fresh database each time)
        os.mkdir(planted)
        p = harness.Daemon(binary, planted, rules)
        daemons.append(p)
        if name == "signflow-admin.key":
            name = os.path.basename(p.key_file)
        victim = os.path.join(work, "victim-" + name)
        os.symlink(victim, os.path.join(planted, name))
        if name == "signflow-otp.key":
            # An existing key is read, through a link if need be; this one
            # leads nowhere: the daemon says so rather than make one there.
            serve_fails(p, name)
        else:
            # Made by the daemon (the first key; a sealing key without its
            # certificate): the link is replaced by a new file of its own.
            p.start()
            path = os.path.join(planted, name)
            check(not os.path.islink(path) and mode(path) == 0o600, "%s: a new 0600 file in place of the link" % name)
            p.stop_clean()
        check(not os.path.exists(victim), "%s: the daemon wrote through the symlink to %s" % (name, victim))
        for n in os.listdir(planted):
            os.unlink(os.path.join(planted, n))
        os.rmdir(planted)


if __name__ == "__main__":
    harness.main(test)
