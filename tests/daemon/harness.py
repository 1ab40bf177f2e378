"""Shared helpers for the daemon's end-to-end tests.

Each test script is run by ctest as

    /usr/bin/python3 tests/daemon/<name>.py <path to signflow> <source dir>

and drives real `signflow serve` processes: a real SQLite file in a temp
folder, a real socket on 127.0.0.1, real signals. Only the standard library
is used. A failed check raises TestFailure; `main` prints the message, the
tail of the daemon's log and the temp folder (kept for a post-mortem), and
exits 1.
"""

import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import zlib


# examples/signflow.toml takes its connectors' secrets from the environment
# and the daemon refuses to start without them; the examples' endpoints are
# local stand-ins, so placeholders do (scripts/run.sh does the same).
for _name in ("CRM_API_TOKEN", "BILLING_API_TOKEN", "INVOICING_API_TOKEN", "ESCROW_API_TOKEN", "HRIS_API_TOKEN",
              "SMTP_PASSWORD", "RECRUITING_WEBHOOK_SECRET", "SMS_API_KEY", "LISTING_DESK_PHONE"):
    os.environ.setdefault(_name, "placeholder-for-the-examples")


# Test loads. A daemon built with AddressSanitizer runs several times slower,
# and CI runs every daemon test in both trees: under the sanitizers (ctest
# sets SIGNFLOW_SANITIZED=1 there) the long tests check the same properties
# on a smaller load; so do their PostgreSQL runs (SIGNFLOW_LIGHT=1: the full
# load runs on SQLite in the same tree). SIGNFLOW_LONG_TESTS=1
# (`scripts/test.sh --long`) asks for the full one everywhere.
SANITIZED = os.environ.get("SIGNFLOW_SANITIZED") == "1"
LIGHT = SANITIZED or os.environ.get("SIGNFLOW_LIGHT") == "1"
LONG = os.environ.get("SIGNFLOW_LONG_TESTS") == "1"


def load(full, light):
    """`full` in the normal build and in the long mode, `light` in the
    sanitizer build's default run and in the PostgreSQL runs."""
    return light if LIGHT and not LONG else full


# The store the daemons run on. ctest runs every daemon test twice: on an
# SQLite file (the default) and, with SIGNFLOW_TEST_STORE=postgres, on a
# database of its own on the PostgreSQL server that ctest's `pg` fixture
# started (tests/daemon/pgserver.py; its folder in SIGNFLOW_TEST_PG_DIR).
POSTGRES = os.environ.get("SIGNFLOW_TEST_STORE") == "postgres"
_pg_port = None
_pg_databases = {}


def db_target(path):
    """What `--db` gets for a database the test calls `path`: the path itself
    (SQLite), or the URI of a fresh PostgreSQL database made for that path
    the first time it is asked for (the same one after a restart)."""
    global _pg_port
    if not POSTGRES:
        return path
    if path not in _pg_databases:
        import pgserver
        if _pg_port is None:
            folder = os.environ.get("SIGNFLOW_TEST_PG_DIR", "")
            check(folder, "SIGNFLOW_TEST_STORE=postgres needs SIGNFLOW_TEST_PG_DIR (the pg fixture's folder)")
            _pg_port = pgserver.port_of(folder)
        test = os.path.splitext(os.path.basename(sys.argv[0]))[0]
        name = "t_%s_%d_%d" % (test, os.getpid(), len(_pg_databases) + 1)
        _pg_databases[path] = pgserver.create_database(_pg_port, name)
    return _pg_databases[path]


def _literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def _typed(field):
    if re.fullmatch(r"-?[0-9]+", field):
        return int(field)
    return field


def db_query(path, sql, *params):
    """Rows of `sql` (placeholders `?`) on the database the test calls
    `path`, as tuples; integers as int. SQLite read directly; PostgreSQL
    through psql (the parameters written in as literals)."""
    if not POSTGRES:
        import sqlite3
        con = sqlite3.connect(path, timeout=10)
        try:
            rows = con.execute(sql, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()
    import pgserver
    target = db_target(path)
    parts = sql.split("?")
    check(len(parts) == len(params) + 1, "db_query: %d placeholders, %d parameters" % (len(parts) - 1, len(params)))
    text = parts[0] + "".join(_literal(p) + rest for p, rest in zip(params, parts[1:]))
    return [tuple(_typed(f) for f in row) for row in pgserver.psql(_pg_port, target.rsplit("/", 1)[1], text)]


class TestFailure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise TestFailure(message)


def fail(message):
    raise TestFailure(message)


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def status_from(port, source, method, path, headers=None):
    """The status of one request to 127.0.0.1:port sent from another
    loopback address (127.0.0.x): a second client, as the daemon sees it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def free_port():
    """A port that was free a moment ago (bound, then released).

    Taken below the kernel's ephemeral range when there is room: a daemon
    keeps its port across restarts, and while it is down the kernel must not
    hand that port to someone else's bind(0) or to one of the thousands of
    client connections a test makes (their source ports are ephemeral)."""
    low, _ = _ephemeral_range()
    rng = random.Random()
    for _ in range(50 if low > 11000 else 0):
        port = rng.randrange(10000, low)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Response:
    def __init__(self, status, headers, body, raw=b""):
        self.status = status
        self.headers = headers  # lower-cased names
        self.text = body
        self.body = raw  # the bytes as received (a PDF)
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "HTTP %d %s" % (self.status, self.text.strip()[:600])


class Daemon:
    """One `signflow serve` process over a rules folder and a database.

    The port is chosen once and kept across restarts, so that a client's
    ledger can simply retry against the same address.
    """

    def __init__(self, binary, workdir, rules, db=None, connector_log=None, extra=(), port=None):
        self.binary = binary
        self.workdir = workdir
        self.rules = rules
        self.db = db or os.path.join(workdir, "signflow.db")
        # What --db gets: the file, or its PostgreSQL database (the daemon's
        # files then go to the file's folder: --data-dir).
        self.target = db_target(self.db)
        self.connector_log = connector_log or os.path.join(workdir, "connector-calls.jsonl")
        self.extra = list(extra)
        self.port = port or free_port()
        self.proc = None
        self.log_path = os.path.join(workdir, "daemon.log")
        self.starts = 0
        self._log = None
        # The API key requests carry by default: the first admin key, which
        # the daemon writes beside a fresh database (docs/security.md).
        # (on PostgreSQL, in --data-dir, named after the database)
        self.key_file = os.path.join(os.path.dirname(self.db),
                                     (self.target.rsplit("/", 1)[1] if POSTGRES
                                      else os.path.splitext(os.path.basename(self.db))[0]) + "-admin.key")
        self.token = None
        self._act_token = None

    # ---- process

    def start(self, timeout=20.0):
        check(self.proc is None or self.proc.poll() is not None, "start(): the daemon is already running")
        for attempt in range(3):
            self.starts += 1
            self._log = open(self.log_path, "ab")
            self._log.write(("\n==== start #%d (port %d) ====\n" % (self.starts, self.port)).encode())
            self._log.flush()
            args = self.serve_args("--connector-log", self.connector_log) + self.extra
            self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.workdir)
            self._log.close()
            try:
                self.wait_healthy(timeout)
                if os.path.exists(self.key_file):
                    with open(self.key_file) as f:
                        self.token = f.read().strip()
                return
            except TestFailure:
                # Another program may have taken the port between free_port()
                # and the bind: take another one and try again.
                if self.proc.poll() is not None and "ddress already in use" in self.log_tail(2000):
                    self.port = free_port()
                    continue
                raise
        fail("the daemon could not bind a port after 3 attempts")

    def serve_args(self, *extra):
        """`signflow serve` on this daemon's rules, database, files and port."""
        args = [self.binary, "serve", "--rules", self.rules, "--db", self.target, "--listen", "127.0.0.1:%d" % self.port]
        if POSTGRES:
            args += ["--data-dir", os.path.dirname(os.path.abspath(self.db))]
        return args + list(extra)

    def wait_healthy(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                fail("the daemon exited with %s while starting; log:\n%s" % (self.proc.returncode, self.log_tail()))
            try:
                r = self.request("GET", "/healthz", timeout=2)
                if r.status == 200:
                    return
                last = r
            except OSError as e:
                last = e
            time.sleep(0.05)
        fail("the daemon did not answer /healthz 200 within %.0f s (last: %r); log:\n%s" %
             (timeout, last, self.log_tail()))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30.0):
        """SIGTERM; returns the exit code (fails if it does not exit in time)."""
        check(self.running(), "stop(): the daemon is not running (exit code %s)" %
              (self.proc.returncode if self.proc else None))
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fail("the daemon did not exit within %.0f s of SIGTERM; log:\n%s" % (timeout, self.log_tail()))

    def stop_clean(self, timeout=30.0):
        """SIGTERM, which must end the daemon with exit code 0."""
        code = self.stop(timeout)
        check(code == 0, "SIGTERM: expected exit code 0, got %s%s" %
              (code, " (killed by signal %d)" % -code if code < 0 else ""))

    def kill9(self):
        if self.running():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def log_tail(self, chars=4000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read().decode("utf-8", "replace")
            return data[-chars:]
        except OSError:
            return "(no log)"

    # ---- HTTP

    def request(self, method, path, body=None, headers=None, timeout=10.0, auth=True):
        """One request on a fresh connection. `body`: dict/list (sent as JSON),
        str or bytes (sent as is). `auth`: True sends the first admin key (when
        the daemon wrote one and `headers` has no Authorization), False none,
        a string that token. Raises OSError/HTTPException on transport errors
        (a killed daemon)."""
        h = dict(headers or {})
        token = self.token if auth is True else (auth or None)
        if token and not any(k.lower() == "authorization" for k in h):
            h["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
                h.setdefault("Content-Type", "application/json")
            elif isinstance(body, str):
                data = body.encode()
            else:
                data = body
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            raw = r.read()
            text = raw.decode("utf-8", "replace")
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, text, raw)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, key=None, headers=None, **kw):
        h = dict(headers or {})
        if key is not None:
            h["Idempotency-Key"] = key
        if body is None:
            body = {}
        return self.request("POST", path, body=body, headers=h, **kw)

    def create_key(self, name, *scopes):
        """A new API key's token, from `signflow api-key create` (which works
        while the daemon runs)."""
        args = [self.binary, "api-key", "create", "--db", self.target, "--name", name]
        for scope in scopes:
            args += ["--scope", scope]
        p = subprocess.run(args, capture_output=True, text=True, timeout=30)
        check(p.returncode == 0 and p.stdout.strip().startswith("sf_"),
              "api-key create %s: exit %d, %s" % (" ".join(scopes), p.returncode, p.stderr))
        return p.stdout.strip()

    def act_token(self):
        """A key with the act-for-signer scope alone, made once per database."""
        if self._act_token is None:
            self._act_token = self.create_key("test operator", "act-for-signer")
        return self._act_token

    def act(self, path, body=None, key=None, headers=None, reason="the test acts for the signer", **kw):
        """POST a signer's act (…/signers/{role}/…) as an operator acting in
        the signer's name: with the act-for-signer key and an
        `operator_reason` (docs/security.md). Signers themselves act through
        their links' pages."""
        path += ("&" if "?" in path else "?") + "operator_reason=" + urllib.parse.quote(reason)
        kw.setdefault("auth", self.act_token())
        return self.post(path, body, key=key, headers=headers, **kw)

    def query(self, sql, *params):
        """Rows of `sql` on this daemon's database (harness.db_query)."""
        return db_query(self.db, sql, *params)

    def get_ok(self, path):
        r = self.get(path)
        check(r.status == 200 and r.json is not None, "GET %s: expected 200 with JSON, got %r" % (path, r))
        return r.json

    def instance(self, id):
        return self.get_ok("/v1/instances/%d" % id)

    def all_instances(self, **filters):
        """Every instance the API lists (following next_after_id)."""
        out = []
        after = None
        while True:
            q = dict(filters)
            q["limit"] = "1000"
            if after:
                q["after"] = str(after)
            path = "/v1/instances?" + "&".join("%s=%s" % kv for kv in q.items())
            page = self.get_ok(path)
            out.extend(page["instances"])
            after = page.get("next_after_id")
            if not after:
                return out

    def outbox(self, status):
        # The API lists at most 1000 rows; the tests read the database for more.
        return self.get_ok("/v1/outbox?status=%s&limit=1000" % status)["deliveries"]

    def wait_outbox_drained(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.outbox("pending"):
                return
            time.sleep(0.1)
        fail("the outbox still has pending deliveries after %.0f s: %s" % (timeout, self.outbox("pending")[:5]))

    def metrics(self):
        r = self.get("/metrics")
        check(r.status == 200, "GET /metrics: %r" % r)
        out = {}
        for line in r.text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out


def read_connector_log(path):
    """The log connector's lines, parsed. A torn last line (a kill -9 in the
    middle of a write) is skipped; a torn line anywhere else is an error."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        raw = f.read().decode("utf-8", "replace")
    lines = raw.split("\n")
    out = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            if i == len(lines) - 1:
                continue  # no newline yet: the writer was killed mid-line
            fail("connector log %s: line %d is not JSON: %r" % (path, i + 1, line[:200]))
    return out


# ---------------------------------------------------------------- signing pages

# A signing link as the messages carry it.
LINK = re.compile(r"http://[^\s\"<>]*/sign/[A-Za-z0-9_-]{43}")


class Browser:
    """Just enough of a browser: one cookie jar (the sf_csrf cookie)."""

    def __init__(self, daemon):
        self.d = daemon
        self.cookie = None

    def path(self, url):
        u = urllib.parse.urlparse(url)
        return u.path + ("?" + u.query if u.query else "")

    def get(self, url, **kw):
        h = {"Cookie": "sf_csrf=" + self.cookie} if self.cookie else {}
        r = self.d.request("GET", self.path(url), headers=h, auth=False, **kw)
        set_cookie = r.headers.get("set-cookie", "")
        m = re.match(r"sf_csrf=([0-9a-f]{32});", set_cookie)
        if m:
            self.cookie = m.group(1)
        return r

    def post(self, url, fields, csrf=True, headers=None):
        f = dict(fields)
        if csrf is True:
            f["csrf"] = self.cookie
        elif csrf:
            f["csrf"] = csrf
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.cookie:
            h["Cookie"] = "sf_csrf=" + self.cookie
        h.update(headers or {})
        return self.d.request("POST", self.path(url), body=urllib.parse.urlencode(f), headers=h, auth=False)


def link_in(path):
    with open(path) as f:
        m = LINK.search(f.read())
    check(m, "no signing link in %s" % path)
    return m.group(0)


def wait_until(what, predicate, timeout=15.0, interval=0.05):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    fail("timed out after %.0f s waiting for %s (last: %r)" % (timeout, what, last))


def copy_example(source_dir, name, rules):
    shutil.copy(os.path.join(source_dir, "examples", name), os.path.join(rules, name))


def write(path, text):
    """Writes a file atomically (temp file + rename), as editors and
    deployment tools do, so that inotify never sees it half written."""
    tmp = path + ".tmp~"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# A small red PNG (an uploaded scan, a drawn signature).
def png(width=4, height=3):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main(test):
    """Runs test(binary, source_dir, workdir) and exits 0, or 1 with a report."""
    if len(sys.argv) != 3:
        print("usage: %s <signflow binary> <source dir>" % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    binary = os.path.abspath(sys.argv[1])
    source = os.path.abspath(sys.argv[2])
    workdir = tempfile.mkdtemp(prefix="signflow-%s-" % os.path.splitext(os.path.basename(sys.argv[0]))[0])
    started = time.monotonic()
    daemons = []
    ok = False
    try:
        test(binary, source, workdir, daemons)
        ok = True
    except TestFailure as e:
        print("FAIL: %s" % e, file=sys.stderr)
    except Exception:
        print("FAIL: unexpected error:\n%s" % traceback.format_exc(), file=sys.stderr)
    finally:
        for d in daemons:
            if d.running():
                d.kill9()
    elapsed = time.monotonic() - started
    if ok:
        print("PASS in %.1f s" % elapsed)
        shutil.rmtree(workdir, ignore_errors=True)
        sys.exit(0)
    for d in daemons:
        print("---- daemon log (tail, %s) ----\n%s" % (d.log_path, d.log_tail()), file=sys.stderr)
    print("(the test's files are kept in %s; failed after %.1f s)" % (workdir, elapsed), file=sys.stderr)
    sys.exit(1)
