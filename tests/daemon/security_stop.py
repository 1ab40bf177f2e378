"""A trickled bulk upload cannot hold a stop: a second SIGTERM ends the
daemon at once, what was answered is on disk, and the spool file the upload
left is removed at the next start (docs/operations.md, "Stopping";
docs/http-api.md, Limits). The upload's minimum rate and deadline are
checked by the server's own tests (tests/http/server_test.cpp).

Regression for the finding: each piece of a trickled upload restarted the
read timer, a graceful stop waited for it 40 s, and a second SIGTERM or a
SIGINT was ignored.
"""

import glob
import os
import signal
import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check, wait_until


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.copy_example(source, "card.flow", rules)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()

    r = d.post("/v1/events/form_submitted", {"signers": {"client": "c@x.com", "manager": "m@x.com"}}, key="before-stop")
    check(r.status == 202, "an event before the stop: %r" % r)
    answered = r.json["started"][0]["id"]

    # A bulk upload that promises 10 MB and trickles it.
    up = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    up.sendall(("POST /v1/bulk/card HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: text/csv\r\nContent-Length: 10000000\r\n\r\n" % d.token).encode())
    up.sendall(b"signers.client,signers.manager\n")
    spool = wait_until("the upload's spool file", lambda: glob.glob(os.path.join(work, "signflow-spool-*")))

    d.proc.send_signal(signal.SIGTERM)
    wait_until("the daemon to say it is stopping", lambda: "stopping: no new requests" in d.log_tail(4000))
    up.sendall(b"a@x.com,b@x.com\n")  # still trickling
    d.proc.send_signal(signal.SIGTERM)
    try:
        code = d.proc.wait(timeout=10)
    except Exception:
        harness.fail("a second SIGTERM did not end the daemon within 10 s")
    check(code == 128 + signal.SIGTERM, "the second SIGTERM's exit code: %r" % code)
    check("again: exiting now" in d.log_tail(4000), "the log says why it exited: %s" % d.log_tail(1000))
    up.close()
    check(glob.glob(os.path.join(work, "signflow-spool-*")) == spool, "the interrupted upload's spool file is left")

    # The next start removes it, and what was answered is there.
    d.start()
    check(not glob.glob(os.path.join(work, "signflow-spool-*")), "the next start removes the spool file")
    check(d.instance(answered)["workflow"] == "card", "the envelope answered before the stop is on disk")
    r = d.post("/v1/events/form_submitted", {"signers": {"client": "c@x.com", "manager": "m@x.com"}}, key="before-stop")
    check(r.json.get("replayed") is True and r.json["started"][0]["id"] == answered, "and its key too: %r" % r)

    # SIGINT counts as well: twice at once, the daemon is gone either way
    # (the first may finish the stop before the second arrives).
    d.proc.send_signal(signal.SIGINT)
    d.proc.send_signal(signal.SIGINT)
    code = d.proc.wait(timeout=10)
    check(code in (0, 128 + signal.SIGINT), "after SIGINT twice: exit %r" % code)

if __name__ == "__main__":
    harness.main(test)
