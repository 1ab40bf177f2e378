"""Bad requests: every malformed, oversized, slow or misrouted request gets
the documented status (with a useful message), and none of them hurts the
daemon: afterwards it still serves and stops cleanly on SIGTERM.
"""

import os
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

CARD = {"signers": {"client": "c@x.com", "manager": "m@x.com"}}


def raw_exchange(port, data, read_timeout=5.0, shut_write=False):
    """Sends raw bytes; returns what the daemon answered before closing (or
    before `read_timeout` of silence)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        s.sendall(data)
        if shut_write:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        s.close()


def status_of(raw):
    line = raw.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def wait_state(d, id, state, timeout=10):
    # One read per try: the instance returned is the one whose state matched
    # (not a second read, taken after the first one matched).
    return harness.wait_until("envelope %d in %s" % (id, state),
                              lambda: (lambda i: i if i["state"] == state else None)(d.instance(id)), timeout)


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.copy_example(source, "card.flow", rules)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()

    # A good event first: the envelope the signer tests use.
    r = d.post("/v1/events/form_submitted", CARD)
    check(r.status == 202 and len(r.json["started"]) == 1, "a good event: expected 202 with one start, got %r" % r)
    env = r.json["started"][0]["id"]
    wait_state(d, env, "awaiting(client)")

    # 1. Oversize body: more than --max-body (1 MiB by default) -> 413.
    big = b'{"pad": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    r = d.request("POST", "/v1/events/form_submitted", body=big, headers={"Content-Type": "application/json"})
    check(r.status == 413, "a 1 MiB + 20 B body: expected 413, got %r" % r)
    check(r.json and "error" in r.json and "1048576" in r.json.get("detail", ""),
          "413 should name the limit in its JSON body: %r" % r)

    # 2. Oversized headers: > 8 KiB -> 431.
    r = d.request("GET", "/healthz", headers={"X-Padding": "y" * 9000})
    check(r.status == 431, "9000 B of header fields: expected 431, got %r" % r)

    # 3. Truncated body: Content-Length promises more than is sent, then the
    # client closes. The daemon must neither hang nor crash nor act on it.
    before = len(d.all_instances())
    t0 = time.monotonic()
    got = raw_exchange(d.port, b"POST /v1/events/form_submitted HTTP/1.1\r\nHost: x\r\n"
                               b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n"
                               b'{"signers": {"client": "c@x.com"', shut_write=True, read_timeout=12)
    check(time.monotonic() - t0 < 11, "a truncated body kept the connection open for %.1f s" % (time.monotonic() - t0))
    check(status_of(got) in (None, 400), "a truncated body: expected no answer or 400, got %r" % got[:200])
    check(d.running() and d.get("/healthz").status == 200, "the daemon did not survive a truncated body")
    check(len(d.all_instances()) == before, "a truncated body started an envelope")
    # ...and a client that sends a partial body and just waits is cut off
    # by the read timeout (10 s) while others are served meanwhile.
    s = socket.create_connection(("127.0.0.1", d.port), timeout=20)
    s.sendall(b"POST /v1/events/form_submitted HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100\r\n\r\n{\"sig")

    # 4. Wrong content type -> 415 naming the type.
    r = d.request("POST", "/v1/events/form_submitted", body=b"signers=1",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(r.status == 415 and "application/json" in r.json["error"] and
          r.json.get("content_type") == "application/x-www-form-urlencoded",
          "form-encoded body: expected 415 naming application/json and the type sent, got %r" % r)
    r = d.request("POST", "/v1/events/form_submitted", body=b'{"a":1}')
    check(r.status == 415, "a body without Content-Type: expected 415, got %r" % r)

    # 5. Invalid JSON -> 400 with the line and column.
    r = d.request("POST", "/v1/events/form_submitted", body=b'{\n  "signers": {\n    "client": "c@x.com",,\n}',
                  headers={"Content-Type": "application/json"})
    check(r.status == 400 and "line 3, column" in r.json["error"],
          "invalid JSON on line 3: expected 400 with 'line 3, column', got %r" % r)

    # 6. A JSON array instead of an object -> 400.
    r = d.post("/v1/events/form_submitted", [1, 2, 3])
    check(r.status == 400 and "object" in r.json["error"] and "array" in r.json["error"],
          "a JSON array: expected 400 saying an object is needed, not an array, got %r" % r)

    # 7. Unknown event -> 404 with the known events.
    r = d.post("/v1/events/no_such_event", CARD)
    check(r.status == 404 and "form_submitted" in r.json.get("known_events", []),
          "an unknown event: expected 404 with known_events listing form_submitted, got %r" % r)

    # 8. Unknown instance, non-numeric id -> 404.
    r = d.get("/v1/instances/999999")
    check(r.status == 404 and "error" in r.json, "an unknown instance: expected 404, got %r" % r)
    r = d.act("/v1/instances/999999/signers/client/signed")
    check(r.status == 404, "signing an unknown instance: expected 404, got %r" % r)
    r = d.get("/v1/instances/abc")
    check(r.status == 404 and "abc" in r.json["error"], "a non-numeric id: expected 404 naming it, got %r" % r)
    r = d.get("/v1/instances/-3")
    check(r.status == 404, "a negative id: expected 404, got %r" % r)

    # 9. Signing out of order -> 409 naming who must sign first.
    r = d.act("/v1/instances/%d/signers/manager/signed" % env)
    check(r.status == 409 and "client" in r.json["error"],
          "manager signing before client: expected 409 naming client, got %r" % r)
    check(d.instance(env)["state"] == "awaiting(client)", "an out-of-order signature moved the envelope")
    r = d.act("/v1/instances/%d/signers/client/smiled" % env)
    check(r.status == 404 and "smiled" in r.json["error"], "an unknown signer event: expected 404, got %r" % r)

    # 10. A role missing from the event -> 422 naming the role.
    r = d.post("/v1/events/form_submitted", {"signers": {"client": "c@x.com"}})
    check(r.status == 422 and "manager" in r.json.get("error", ""),
          "an event without the manager: expected 422 naming manager, got %r" % r)

    # 11. Wrong method -> 405 with Allow.
    r = d.get("/v1/events/form_submitted")
    check(r.status == 405 and r.headers.get("allow") == "POST", "GET on an event: expected 405, Allow: POST, got %r %r"
          % (r, r.headers))
    r = d.request("DELETE", "/v1/instances/%d" % env)
    check(r.status == 405 and r.headers.get("allow") == "GET", "DELETE on an instance: expected 405, Allow: GET, got %r"
          % r)
    r = d.post("/healthz")
    check(r.status == 405 and r.headers.get("allow") == "GET", "POST /healthz: expected 405, got %r" % r)

    # 12. A bad Idempotency-Key -> 400; an unknown path -> 404.
    r = d.post("/v1/events/form_submitted", CARD, key="has space")
    check(r.status == 400 and "Idempotency-Key" in r.json["error"], "a key with a space: expected 400, got %r" % r)
    r = d.get("/v2/whatever")
    check(r.status == 404, "an unknown path: expected 404, got %r" % r)
    r = d.get("/v1/outbox?status=lost")
    check(r.status == 400, "GET /v1/outbox?status=lost: expected 400, got %r" % r)
    r = d.get("/v1/instances?limit=0")
    check(r.status == 400, "limit=0: expected 400, got %r" % r)

    # 13. A slow client sending half a header: others are still served
    # meanwhile, and the slow one is cut off after the read timeout.
    slow = socket.create_connection(("127.0.0.1", d.port), timeout=20)
    slow.sendall(b"POST /v1/events/form_submitted HTTP/1.1\r\nHost: x\r\nContent-Ty")
    t0 = time.monotonic()
    for i in range(5):
        r = d.get("/healthz", timeout=3)
        check(r.status == 200, "with a slow client connected, /healthz answered %r" % r)
        r = d.post("/v1/events/form_submitted", CARD, timeout=3)
        check(r.status == 202, "with a slow client connected, a good event got %r" % r)
    check(time.monotonic() - t0 < 9, "requests were slow while a slow client was connected")
    for name, conn in (("the half header", slow), ("the partial body", s)):
        conn.settimeout(15)
        try:
            rest = conn.recv(4096)
        except OSError:
            rest = b""
        # Closed (b"") or answered; anything but hanging until our timeout.
        check(rest == b"" or status_of(rest) in (400, 408), "%s got %r" % (name, rest[:100]))
        conn.close()

    # 14. A request line that is not HTTP -> 400, and the daemon lives on.
    got = raw_exchange(d.port, b"HELLO THERE\r\n\r\n")
    check(status_of(got) == 400, "garbage request line: expected 400, got %r" % got[:100])

    # After all of it the daemon still serves and stops cleanly.
    check(d.get("/healthz").status == 200, "/healthz after the bad requests")
    r = d.post("/v1/events/form_submitted", CARD, key="after-the-storm")
    check(r.status == 202 and len(r.json["started"]) == 1, "a good event after the bad requests: %r" % r)
    r = d.act("/v1/instances/%d/signers/client/signed" % env)
    check(r.status == 202 and r.json["state"] == "awaiting(manager)", "signing in order after the bad requests: %r" % r)
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
