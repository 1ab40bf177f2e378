#!/usr/bin/python3
"""Local stand-ins for the systems the http and webhook connectors call.

    fake_apis.py MODE --record FILE [--tls CERT KEY] [options]

Listens on 127.0.0.1 (a free port), prints "PORT <n>" once it accepts
connections, and appends one JSON line per request to FILE *before*
answering, so a test that got its answer can read what arrived. Each mode
answers the way the real API does (its status codes and error shapes) and
refuses what the real API would refuse (method, path, auth header, content
type, required fields): a connector configured wrongly fails here as it
would in production.

Modes:
  receiver    a webhook receiver: checks the Signflow-Signature (--secret),
              fails the first --fail requests with --fail-status, then
              answers --status with {"id": "rcpt_N"}
  hang        reads the request and never answers
  hubspot     PATCH /crm/v3/objects/deals/{id}            (HubSpot CRM v3)
  salesforce  PATCH /services/data/v59.0/sobjects/Opportunity/{id}
  stripe      POST /v1/invoices, form-encoded, Idempotency-Key replays
  accounting  POST /api/v1/journal-entries, X-Api-Key, JSON

Standard library only (Debian's /usr/bin/python3).
"""
import argparse
import hashlib
import hmac
import json
import re
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()
COUNT = [0]
STRIPE_KEYS = {}  # Idempotency-Key -> (status, body)


def record(entry):
    with LOCK:
        with open(ARGS.record, "a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()


def verify_signature(header, body, secret, tolerance=300):
    """What a receiver does (docs/connectors.md): t=…,v1=… over "t.body"."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: the record file is the log
        pass

    def answer(self, status, body=None, headers=None):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with LOCK:
            COUNT[0] += 1
            n = COUNT[0]
        entry = {
            "n": n,
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        status, reply, extra = globals()["mode_" + ARGS.mode](self, n, body, entry)
        entry["answered"] = status
        record(entry)
        if status is None:  # hang: hold the connection open, never answer
            time.sleep(60)
            return
        self.answer(status, reply, extra)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def bearer(handler, prefix=""):
    auth = handler.headers.get("Authorization", "")
    return auth.startswith("Bearer " + prefix) and len(auth) > len("Bearer " + prefix)


def mode_receiver(handler, n, body, entry):
    if ARGS.secret is not None:
        entry["verified"] = verify_signature(handler.headers.get(ARGS.signature_header, ""), body, ARGS.secret)
        if not entry["verified"]:
            return 401, {"error": "bad signature"}, {}
    if n <= ARGS.fail:
        return ARGS.fail_status, {"error": "temporarily unavailable"}, {}
    if ARGS.status >= 400:
        return ARGS.status, {"error": "rejected by the receiver", "field": "event"}, {}
    return ARGS.status, {"id": f"rcpt_{n}"}, {}


def mode_hang(handler, n, body, entry):
    return None, None, {}


def mode_hubspot(handler, n, body, entry):
    m = re.fullmatch(r"/crm/v3/objects/deals/(\d+)", handler.path)
    if not m:
        return 404, {"status": "error", "message": "Not found", "category": "OBJECT_NOT_FOUND"}, {}
    if handler.command != "PATCH":
        return 405, {"status": "error", "message": "Method not allowed"}, {}
    if not bearer(handler, "pat-"):
        return 401, {"status": "error", "category": "INVALID_AUTHENTICATION",
                     "message": "Authentication credentials not found."}, {}
    if not handler.headers.get("Content-Type", "").startswith("application/json"):
        return 415, {"status": "error", "message": "Unsupported Media Type"}, {}
    try:
        doc = json.loads(body)
    except ValueError:
        return 400, {"status": "error", "category": "VALIDATION_ERROR", "message": "Invalid input JSON"}, {}
    props = doc.get("properties") if isinstance(doc, dict) else None
    if not isinstance(props, dict) or not props:
        return 400, {"status": "error", "category": "VALIDATION_ERROR",
                     "message": "Invalid input JSON: properties is required"}, {}
    bad = [k for k, v in props.items() if not isinstance(v, (str, int, float, bool))]
    if bad:
        return 400, {"status": "error", "category": "VALIDATION_ERROR",
                     "message": f"Property values were not valid: {bad}"}, {}
    return 200, {"id": m.group(1), "properties": {k: str(v) for k, v in props.items()},
                 "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-05-01T12:00:00Z",
                 "archived": False}, {}


def mode_salesforce(handler, n, body, entry):
    m = re.fullmatch(r"/services/data/v59\.0/sobjects/Opportunity/(006[A-Za-z0-9]{12,15})", handler.path)
    if not m:
        return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], {}
    if handler.command != "PATCH":
        return 405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": "HTTP Method not allowed"}], {}
    if not bearer(handler):
        return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], {}
    if not handler.headers.get("Content-Type", "").startswith("application/json"):
        return 415, [{"errorCode": "UNSUPPORTED_MEDIA_TYPE", "message": "Content type not supported"}], {}
    try:
        doc = json.loads(body)
    except ValueError:
        return 400, [{"errorCode": "JSON_PARSER_ERROR", "message": "Unexpected character"}], {}
    allowed = {"StageName", "CloseDate", "Amount", "Description", "Signflow_Envelope__c"}
    for k in doc:
        if k not in allowed:
            return 400, [{"errorCode": "INVALID_FIELD", "fields": [k],
                          "message": f"No such column '{k}' on sobject of type Opportunity"}], {}
    return 204, None, {}


def mode_stripe(handler, n, body, entry):
    if handler.path != "/v1/invoices" or handler.command != "POST":
        return 404, {"error": {"type": "invalid_request_error",
                               "message": f"Unrecognized request URL ({handler.command}: {handler.path})."}}, {}
    if not bearer(handler, "sk_test_"):
        return 401, {"error": {"type": "invalid_request_error",
                               "message": "Invalid API Key provided."}}, {}
    if handler.headers.get("Content-Type", "") != "application/x-www-form-urlencoded":
        return 400, {"error": {"type": "invalid_request_error",
                               "message": "Invalid request: unsupported Content-Type"}}, {}
    key = handler.headers.get("Idempotency-Key")
    if key in STRIPE_KEYS:
        status, reply = STRIPE_KEYS[key]
        return status, reply, {"Idempotent-Replayed": "true"}
    form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True, strict_parsing=True)
    entry["form"] = {k: v[0] for k, v in form.items()}
    if "customer" not in form or not form["customer"][0].startswith("cus_"):
        status, reply = 400, {"error": {"type": "invalid_request_error", "param": "customer",
                                        "message": "Missing required param: customer."}}
    else:
        metadata = {k[len("metadata["):-1]: v[0] for k, v in form.items() if k.startswith("metadata[")}
        status, reply = 200, {"id": f"in_{n:06d}", "object": "invoice", "customer": form["customer"][0],
                              "collection_method": form.get("collection_method", ["charge_automatically"])[0],
                              "metadata": metadata, "status": "draft"}
    if key:
        STRIPE_KEYS[key] = (status, reply)
    return status, reply, {"Request-Id": f"req_{n}"}


def mode_accounting(handler, n, body, entry):
    if handler.path != "/api/v1/journal-entries" or handler.command != "POST":
        return 404, {"error": "not found"}, {}
    if handler.headers.get("X-Api-Key") != ARGS.api_key:
        return 401, {"error": "invalid api key"}, {}
    if not handler.headers.get("Content-Type", "").startswith("application/json"):
        return 415, {"error": "expected application/json"}, {}
    doc = json.loads(body)
    missing = [k for k in ("reference", "customer", "amount", "currency") if k not in doc.get("entry", {})]
    if missing:
        return 422, {"error": "missing fields", "fields": missing}, {}
    return 201, {"id": f"je_{n}", "reference": doc["entry"]["reference"]}, {}


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("mode")
    p.add_argument("--record", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--secret")
    p.add_argument("--signature-header", default="Signflow-Signature")
    p.add_argument("--fail", type=int, default=0)
    p.add_argument("--fail-status", type=int, default=503)
    p.add_argument("--status", type=int, default=200)
    p.add_argument("--api-key", default="")
    ARGS = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if ARGS.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*ARGS.tls)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("PORT", server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
