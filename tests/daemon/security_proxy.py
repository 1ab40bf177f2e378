"""Behind a trusted proxy (`serve --trusted-proxy`), the audit trail and the
rate limits see the client the proxy forwards for; anyone else's
X-Forwarded-For is ignored and reported (docs/security.md, "Behind a
proxy").
"""

import http.client
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check, wait_until

PROXY, OTHER = "127.0.0.2", "127.0.0.3"
FLOW = """\
on form_submitted
  -> sign sequentially [client, manager]
"""


def request(d, source, method, path, body=None, headers=None, token=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10, source_address=(source, 0))
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        return r.status, (json.loads(text) if text.startswith("{") else text)
    finally:
        conn.close()


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "card.flow"), FLOW)
    d = harness.Daemon(binary, work, rules, extra=["--trusted-proxy", PROXY, "--trusted-proxy", "10.0.0.0/8",
                                                   "--max-connections-per-client", "2"])
    daemons.append(d)
    d.start()
    act = d.act_token()
    status, body = request(d, PROXY, "POST", "/v1/events/form_submitted",
                           {"signers": {"client": "c@x.com", "manager": "m@x.com"}}, token=d.token)
    check(status == 202, "an event through the proxy: %r" % body)
    env = body["started"][0]["id"]
    wait_until("awaiting the client", lambda: d.instance(env)["state"] == "awaiting(client)")

    # Through the trusted proxy: the client it forwards for is on record.
    status, body = request(d, PROXY, "POST", "/v1/instances/%d/signers/client/signed?operator_reason=desk" % env, {},
                           headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7, 10.1.2.3"}, token=act)
    check(status == 202, "signing through the proxy: %r" % body)
    # From another peer, its X-Forwarded-For is ignored: the peer is on record.
    status, body = request(d, OTHER, "POST", "/v1/instances/%d/signers/manager/signed?operator_reason=desk" % env, {},
                           headers={"X-Forwarded-For": "198.51.100.1"}, token=act)
    check(status == 202, "signing from another peer: %r" % body)
    signed = [e for e in d.get_ok("/v1/instances/%d/audit" % env)["entries"] if e["kind"] == "signed"]
    check([e["ip"] for e in signed] == ["203.0.113.7", OTHER],
          "the trail records the forwarded client, and the untrusted peer itself: %r" % signed)
    events = d.get_ok("/v1/security-events?limit=100")["events"]
    ignored = [e for e in events if e["kind"] == "forwarded_header_ignored"]
    check(ignored and ignored[0]["ip"] == OTHER, "the ignored header is reported: %r" % ignored)

    # The per-client connection cap does not apply to the proxy, which
    # carries many clients; it does to everyone else.
    proxy_conns, other_conns = [], []
    for _ in range(4):
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10, source_address=(PROXY, 0))
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        check(r.status == 200, "a proxy connection beyond the per-client cap: %d" % r.status)
        proxy_conns.append(c)
    statuses = []
    for _ in range(3):
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10, source_address=(OTHER, 0))
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        statuses.append(r.status)
        other_conns.append(c)
    check(statuses == [200, 200, 429], "another peer keeps its cap of 2: %r" % statuses)
    for c in proxy_conns + other_conns:
        c.close()
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
