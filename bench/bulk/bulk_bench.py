#!/usr/bin/python3
"""Bulk send benchmark: how fast rows become durable envelopes, and how much
memory the daemon needs for a large file.

    /usr/bin/python3 bench/bulk/bulk_bench.py build-bulk/app/signflow [ROWS ...] [--key-header] [--runs N]

For each ROWS (default: 10000 100000) it starts `signflow serve` on a fresh
temporary SQLite file with the examples folder as its rules, writes a CSV of
ROWS rows for `nda_onboarding` (examples/nda_onboarding.flow: 100 rows per
`sender`, under its quota of 200 per month per sender), uploads it with
POST /v1/bulk/nda_onboarding and polls GET /v1/bulk/{id} every 10 ms. It
prints:

- the time from the POST's first byte to the batch's status `accepted`
  (every row's envelope committed: its start is answered only after the
  group commit's fsync), and rows/s over that time;
- the split: upload + count (until the 202) and starting (after it);
- the daemon's peak resident memory (VmHWM from /proc/PID/status) and its
  resident memory before the upload.

--key-header sends an Idempotency-Key, so that every row carries its own
idempotency key (`bulk:KEY:LINE`, looked up in the store before the start):
compare with and without to see what the keys cost.

Filling the NDA (the document connector) runs in the background after each
start; it competes for the CPU during the run, as it would in production.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def write_csv(path, rows):
    with open(path, "w") as f:
        f.write("form,sender,contact.name,contact.email,contact.company,term_months\n")
        for i in range(rows):
            f.write("nda_request,s%d,Prospect %d,p%d@example.com,\"Company %d, Ltd\",%d\n" %
                    (i // 100, i, i, i, 12 + i % 24))
    return os.path.getsize(path)


class Daemon:
    def __init__(self, binary, work):
        self.work = work
        self.db = os.path.join(work, "signflow.db")
        self.port = free_port()
        self.log = open(os.path.join(work, "daemon.log"), "wb")
        rules = os.path.join(work, "rules")
        shutil.copytree(os.path.join(ROOT, "examples"), rules)
        # The examples' signflow.toml reads its secrets from the environment.
        env = dict(os.environ)
        with open(os.path.join(rules, "signflow.toml")) as f:
            for name in re.findall(r"\$\{([A-Z0-9_]+)\}", f.read()):
                env.setdefault(name, "bench-placeholder")
        self.proc = subprocess.Popen([binary, "serve", "--rules", rules, "--db", self.db, "--listen",
                                      "127.0.0.1:%d" % self.port, "--no-watch", "--log-level", "warn"],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=work, env=env)
        self.token = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            self.proc.kill()
            with open(os.path.join(work, "daemon.log")) as f:
                raise SystemExit("the daemon did not start:\n" + f.read()[-2000:])
        key = os.path.join(work, "signflow-admin.key")
        if os.path.exists(key):
            with open(key) as f:
                self.token = f.read().strip()

    def request(self, method, path, body=None, headers=None, conn=None):
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        return r.status, data

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def run(binary, rows, key_header):
    work = tempfile.mkdtemp(prefix="signflow-bulk-bench-")
    try:
        csv = os.path.join(work, "rows.csv")
        size = write_csv(csv, rows)
        d = Daemon(binary, work)
        rss_before = status_kb(d.proc.pid, "VmRSS")
        headers = {"Content-Type": "text/csv", "Content-Length": str(size)}
        if key_header:
            headers["Idempotency-Key"] = "bench-%d" % rows
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=600)
        with open(csv, "rb") as f:
            t0 = time.monotonic()
            status, body = d.request("POST", "/v1/bulk/nda_onboarding", body=f, headers=headers, conn=conn)
        t_answer = time.monotonic()
        if status != 202:
            raise SystemExit("POST: %d %s" % (status, body[:500]))
        batch = json.loads(body)["batch"]
        while True:
            status, body = d.request("GET", "/v1/bulk/%d" % batch, conn=conn)
            b = json.loads(body)
            if b["status"] != "receiving":
                break
            time.sleep(0.01)
        t_done = time.monotonic()
        hwm = status_kb(d.proc.pid, "VmHWM")
        conn.close()
        d.stop()
        if b["accepted"] != rows:
            print("  note: %d of %d rows accepted; first rejections: %s" %
                  (b["accepted"], rows, b["rejections"][:3]))
        total = t_done - t0
        print("%7d rows (%.1f MB CSV)%s: accepted and durable in %.2f s = %.0f rows/s "
              "(upload + count %.2f s, starts %.2f s); daemon RSS %.1f MB before, peak %.1f MB" %
              (rows, size / 1e6, " with idempotency keys" if key_header else "", total, rows / total,
               t_answer - t0, t_done - t_answer, rss_before / 1024, hwm / 1024))
        sys.stdout.flush()
        return total, hwm
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    binary = os.path.abspath(args.pop(0))
    key_header = "--key-header" in args
    runs = 1
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    sizes = [int(a) for a in args if a.isdigit()] or [10000, 100000]
    print("load average at start: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    for rows in sizes:
        for _ in range(runs):
            run(binary, rows, key_header)


if __name__ == "__main__":
    main()
