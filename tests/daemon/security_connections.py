"""Nobody can take every connection: a cap per client address, idle
keep-alives closed sooner when the daemon is crowded, and a new client
served even at the cap (docs/http-api.md, Limits; docs/security.md). The
connection's age limit is checked by the server's own tests
(tests/http/server_test.cpp).

Regression for the finding "anyone can use up every connection": 1,024
keep-alive connections, each sending one GET /healthz now and then, shut
every other client out with 503 for as long as they kept going.
"""

import os
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check, wait_until

CAP = 60          # --max-connections
PER_CLIENT = 10   # --max-connections-per-client
ADDRESSES = ["127.0.0.%d" % n for n in range(2, 8)]  # 6 flooding addresses: 60 places


def open_from(address, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((address, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_answer(s):
    """The status of one answer and its Connection header; (0, '') when the
    connection closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            return 0, ""
        if not chunk:
            return 0, ""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(4096)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), headers.get("connection", "")


def healthz(s):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    return read_answer(s)


def closed(s, timeout):
    """Whether the daemon closes `s` within `timeout` seconds."""
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.copy_example(source, "card.flow", rules)
    d = harness.Daemon(binary, work, rules, extra=["--max-connections", str(CAP),
                                                   "--max-connections-per-client", str(PER_CLIENT)])
    daemons.append(d)
    d.start()

    # ---- the flood: each address opens PER_CLIENT + 1 keep-alive connections
    flood = []
    for address in ADDRESSES:
        for i in range(PER_CLIENT):
            s = open_from(address, d.port)
            status, connection = healthz(s)
            check(status == 200 and connection != "close",
                  "%s's connection %d: expected 200 kept alive, got %d %r" % (address, i + 1, status, connection))
            flood.append(s)
        over = open_from(address, d.port)
        status, connection = read_answer(over)
        check(status == 429 and connection == "close",
              "%s's connection %d: expected 429 and close, got %d %r" % (address, PER_CLIENT + 1, status, connection))
        check(closed(over, 5), "the refused connection is closed")
        over.close()
    check(len(flood) == CAP, "the flood holds %d connections" % len(flood))

    # ---- at the cap, a fresh client is still served: it takes the place of
    # an idle keep-alive
    r = d.get("/healthz")
    check(r.status == 200, "a fresh client at the cap: expected 200, got %r" % r)
    r = d.post("/v1/events/form_submitted", {"signers": {"client": "c@x.com", "manager": "m@x.com"}})
    check(r.status == 202, "a fresh client starts an envelope at the cap: %r" % r)

    # ---- crowded (3/4 of the cap or more): idle keep-alives are closed
    # after 2 s instead of 30 s, those that began waiting before the crowd as
    # soon as a new client comes, until the crowd is gone
    def crowd_gone():
        flood[:] = [s for s in flood if not closed(s, 0.01)]
        if len(flood) * 4 >= CAP * 3:
            check(d.get("/healthz").status == 200, "a new client while crowded is served")
            return False
        return True
    wait_until("the flood's idle connections to fall below 3/4 of the cap", crowd_gone, timeout=15, interval=0.5)
    check(d.get("/healthz").status == 200, "a new client after the crowd")
    for s in flood:
        s.close()

    # ---- and nothing is left over: each address is served again
    for address in ADDRESSES[:2]:
        s = wait_until("%s served again" % address, lambda: (lambda c: c if healthz(c)[0] == 200 else c.close())(
            open_from(address, d.port)))
        s.close()
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
