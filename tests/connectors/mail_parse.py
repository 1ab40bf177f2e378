#!/usr/bin/python3
"""Reads one RFC 5322 message the way a mail reader does (Python's email
package, policy.default) and prints what the mail tests check, as JSON:

    {"subject", "from", "to", "message_id", "date", "content_type",
     "text", "html", "attachments": [{"filename", "content_type", "size",
     "sha256", "hex_head"}], "defects": [...]}

    mail_parse.py FILE.eml      (or imported by mail_server.py)

Standard library only (Debian's /usr/bin/python3).
"""
import hashlib
import json
import sys
from email import policy
from email.parser import BytesParser


def summary(raw):
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    out = {
        "subject": str(msg["subject"] or ""),
        "from": str(msg["from"] or ""),
        "to": str(msg["to"] or ""),
        "message_id": str(msg["message-id"] or ""),
        "date": str(msg["date"] or ""),
        "content_type": msg.get_content_type(),
        "text": None,
        "html": None,
        "attachments": [],
        "defects": [str(d) for d in msg.defects],
        "long_lines": sum(1 for line in raw.split(b"\r\n") if len(line) > 998),
        "bare_lf": raw.replace(b"\r\n", b"").count(b"\n"),
    }
    body = msg.get_body(preferencelist=("plain",))
    if body is not None:
        out["text"] = body.get_content()
    body = msg.get_body(preferencelist=("html",))
    if body is not None:
        out["html"] = body.get_content()
    for part in msg.iter_attachments():
        data = part.get_content()
        if isinstance(data, str):
            data = data.encode()
        out["attachments"].append({
            "filename": part.get_filename(),
            "content_type": part.get_content_type(),
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "hex_head": data[:8].hex(),
        })
    for part in msg.walk():
        out["defects"] += [str(d) for d in part.defects]
    return out


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as f:
        print(json.dumps(summary(f.read()), ensure_ascii=False))
