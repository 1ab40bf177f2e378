"""A real SMTP server for the browser test (tests/browser/signing.mjs).

    /usr/bin/python3 mailbox.py serve DIR
        aiosmtpd on 127.0.0.1, a free port. Prints `listening PORT` on its
        standard output once it accepts mail. Each message is kept as
        DIR/NNNN.eml (the bytes as received) and DIR/NNNN.json (parsed: see
        below), the JSON written last and renamed into place, so a reader
        that sees it sees the whole message. Attachments are saved beside
        them as DIR/NNNN-K-FILENAME. Stops when its standard input closes
        (the test died) or on SIGTERM.

    /usr/bin/python3 mailbox.py parse FILE.eml [ATTACHMENT_DIR]
        prints the same JSON for one message file (the daemon's outbox).

The JSON: {"file", "envelope_from", "rcpt_to", "from", "to", "subject",
"text", "html", "attachments": [{"filename", "content_type", "size",
"path"}]}, with headers decoded (RFC 2047) and parts decoded (base64,
quoted-printable) by Python's email package.

Debian's python3-aiosmtpd is visible to /usr/bin/python3 only.
"""

import email
import email.policy
import json
import os
import re
import signal
import socket
import sys
import threading
import time


def parse(raw, attachment_dir=None, stem="message"):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = {"from": str(msg.get("From", "")), "to": str(msg.get("To", "")),
           "subject": str(msg.get("Subject", "")), "text": "", "html": "", "attachments": []}
    body = msg.get_body(preferencelist=("plain",))
    if body is not None:
        out["text"] = body.get_content()
    body = msg.get_body(preferencelist=("html",))
    if body is not None:
        out["html"] = body.get_content()
    for k, part in enumerate(msg.iter_attachments(), 1):
        data = part.get_payload(decode=True) or b""
        name = part.get_filename() or "attachment-%d" % k
        entry = {"filename": name, "content_type": part.get_content_type(), "size": len(data)}
        if attachment_dir:
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
            path = os.path.join(attachment_dir, "%s-%d-%s" % (stem, k, safe))
            with open(path, "wb") as f:
                f.write(data)
            entry["path"] = path
        out["attachments"].append(entry)
    return out


class Keeper:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            stem = "%04d" % self.count
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        eml = os.path.join(self.folder, stem + ".eml")
        with open(eml, "wb") as f:
            f.write(raw)
        try:
            info = parse(raw, self.folder, stem)
        except Exception as e:  # keep the message; the test reports the error
            info = {"parse_error": repr(e)}
        info.update({"file": eml, "envelope_from": envelope.mail_from, "rcpt_to": list(envelope.rcpt_tos)})
        tmp = os.path.join(self.folder, stem + ".json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(info, f, ensure_ascii=False, indent=1)
        os.rename(tmp, os.path.join(self.folder, stem + ".json"))
        return "250 Message accepted for delivery"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def serve(folder):
    from aiosmtpd.controller import Controller
    os.makedirs(folder, exist_ok=True)
    keeper = Keeper(folder)
    controller = None
    for attempt in range(5):
        port = free_port()
        controller = Controller(keeper, hostname="127.0.0.1", port=port)
        try:
            controller.start()
            break
        except Exception:
            controller = None
            time.sleep(0.2)
    if controller is None:
        sys.exit("mailbox: could not start an SMTP server on 127.0.0.1")
    print("listening %d" % port, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            done.set()
    threading.Thread(target=watch_stdin, daemon=True).start()
    done.wait()
    controller.stop()


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "parse":
        with open(sys.argv[2], "rb") as f:
            raw = f.read()
        folder = sys.argv[3] if len(sys.argv) > 3 else None
        stem = os.path.splitext(os.path.basename(sys.argv[2]))[0]
        info = parse(raw, folder, stem)
        info["file"] = sys.argv[2]
        json.dump(info, sys.stdout, ensure_ascii=False)
    else:
        sys.exit("usage: mailbox.py serve DIR | parse FILE.eml [ATTACHMENT_DIR]")


if __name__ == "__main__":
    main()
