#!/usr/bin/python3
"""A real SMTP server for the mail tests: aiosmtpd (Debian's
python3-aiosmtpd) on a free port of 127.0.0.1.

    mail_server.py --dir DIR [--tls CERT KEY] [--require-tls] [--implicit-tls]
                   [--user U --password P] [--auth-without-tls] [--login-only]
                   [--reject-rcpt CODE] [--reject-data CODE]

Prints "PORT <n>" once it accepts connections. Every message it accepts is
saved as DIR/N.eml (the bytes as received, after dot-unstuffing) and
DIR/N.json (mail_parse.summary plus the envelope: mail_from, rcpt_tos,
tls, auth user), written before the 250 reply so a client that got its
answer can read them.
"""
import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import ssl
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mail_parse import summary  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402

ARGS = None


class Saver:
    def __init__(self):
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if ARGS.reject_rcpt:
            return f"{ARGS.reject_rcpt} 5.1.1 <{address}>: mailbox unavailable" if ARGS.reject_rcpt >= 500 \
                else f"{ARGS.reject_rcpt} 4.2.0 <{address}>: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if ARGS.reject_data:
            return f"{ARGS.reject_data} message refused"
        self.count += 1
        n = self.count
        raw = envelope.original_content or envelope.content
        with open(os.path.join(ARGS.dir, f"{n}.eml"), "wb") as f:
            f.write(raw)
        info = summary(raw)
        info.update({
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            # implicit TLS: every connection is TLS (aiosmtpd 1.4 sets session.ssl for STARTTLS only)
            "tls": session.ssl is not None or ARGS.implicit_tls,
            "auth": session.auth_data.login.decode() if session.auth_data is not None and
            hasattr(session.auth_data, "login") else None,
        })
        tmp = os.path.join(ARGS.dir, f"{n}.json.tmp")
        with open(tmp, "w") as f:
            json.dump(info, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(ARGS.dir, f"{n}.json"))
        return f"250 OK queued as {n}"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login.decode() == ARGS.user and auth_data.password.decode() == ARGS.password
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--require-tls", action="store_true")
    p.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte (port 465 style)")
    p.add_argument("--login-only", action="store_true", help="offer AUTH LOGIN but not PLAIN")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--auth-without-tls", action="store_true")
    p.add_argument("--reject-rcpt", type=int, default=0)
    p.add_argument("--reject-data", type=int, default=0)
    ARGS = p.parse_args()
    # aiosmtpd warns about AUTH without TLS (which --auth-without-tls asks
    # for on purpose) and logs deprecations: keep the test output clean.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    kwargs = {}
    if ARGS.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*ARGS.tls)
        if ARGS.implicit_tls:
            kwargs["ssl_context"] = ctx
        else:
            kwargs["tls_context"] = ctx
            kwargs["require_starttls"] = ARGS.require_tls
    if ARGS.user:
        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = not ARGS.auth_without_tls
        if ARGS.login_only:
            kwargs["auth_exclude_mechanism"] = ["PLAIN"]
    # aiosmtpd needs a port number up front (port 0 breaks its start-up
    # check): free_port() gives one that was free a moment ago, which another
    # program (a parallel test, a client's source port) may take before the
    # server binds it. Then start again on another.
    for attempt in range(5):
        controller = Controller(Saver(), hostname="127.0.0.1", port=free_port(), ident="signflow-test-smtp", **kwargs)
        try:
            controller.start()
            break
        except Exception:  # the bind failed (aiosmtpd re-raises it, or times out)
            if attempt == 4:
                raise
    print("PORT", controller.port, flush=True)
    signal.signal(signal.SIGTERM, lambda *a: (controller.stop(), sys.exit(0)))
    try:
        signal.pause()
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
