"""What a start checks at the door, against a real daemon: a signer's email
and phone, and each template field the event fills, for a single event
(422, the reason naming the role or the field) and for each row of a bulk
file (rejected at its line with the same reason), while the good rows
start. The file is as a spreadsheet exports it: a BOM, CRLF line ends, a
quoted line break, a quoted comma.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402
from harness import check

FLOW = """\
workflow nda_fee

role client = event.contact

template nda_c = stdlib.nda {
  client_name = event.contact.name
  fee         = event.fee
}

on nda_requested
  -> fill nda_c
  -> sign [client]
"""


def refused(d, body):
    r = d.post("/v1/events/nda_requested", body)
    check(r.status == 422 and r.json["started"] == [], "expected a 422 that starts nothing: %r" % r)
    check([x["status"] for x in r.json["refused"]] == [422], "one refusal, 422: %r" % r.json)
    check(r.json["refused"][0]["reason"] == r.json["error"], "the refusal's reason is the error: %r" % r.json)
    return r.json["error"]


def test(binary, source, work, daemons):
    rules = os.path.join(work, "rules")
    os.mkdir(rules)
    harness.write(os.path.join(rules, "nda_fee.flow"), FLOW)
    d = harness.Daemon(binary, work, rules)
    daemons.append(d)
    d.start()

    # ---- single events
    err = refused(d, {"contact": {"name": "Bob", "email": "not-an-email"}, "fee": 12500})
    check(err == "role `client`: `not-an-email` is not an email address (it has no `@`)", "bad email: %r" % err)
    err = refused(d, {"contact": {"name": "Cid", "email": "cid@example.com"}, "fee": "12,5O0"})
    check(err == "field `fee` of template `nda_c` is a number; `12,5O0` is not", "bad fee: %r" % err)
    err = refused(d, {"contact": {"name": "Eve", "email": "eve@example.com", "phone": "call me"}, "fee": 1})
    check(err == "role `client`: `call me` is not a phone number (it holds `c`)", "bad phone: %r" % err)
    r = d.post("/v1/events/nda_requested", {"contact": {"name": "Ann", "email": "ann@example.com"}, "fee": 12500})
    check(r.status == 202 and len(r.json["started"]) == 1, "a good event starts: %r" % r)
    check(len(d.all_instances(workflow="nda_fee")) == 1, "the refused events started nothing")

    # ---- a bulk file: the same checks, row by row
    csv = ("\ufeffcontact.name,contact.email,contact.phone,fee\r\n"
           "Ann,ann@example.com,+447700900001,12500\r\n"    # 2: starts
           "Bob,not-an-email,,12500\r\n"                     # 3: no email
           "Cid,cid@example.com,,\"12,5O0\"\r\n"             # 4: not a number
           "\"Dee\r\nDoe\",dee@example.com,,900\r\n"         # 5-6: starts
           "Eve,eve@example.com,call me,100\r\n"             # 7: not a phone
           "Fay,fay@example.com,,1250.50\r\n")               # 8: starts
    r = d.request("POST", "/v1/bulk/nda_fee", body=csv.encode(), headers={"Content-Type": "text/csv"}, timeout=60)
    check(r.status == 202 and r.json["rows"] == 6, "the file is taken, 6 rows: %r" % r)
    batch = r.json["batch"]
    b = harness.wait_until("the batch to be answered",
                           lambda: (lambda b: b if b["status"] != "receiving" else None)(
                               d.get_ok("/v1/bulk/%d" % batch)), timeout=60)
    lines = {x["line"]: x["error"] for x in b["rejections"]}
    check(b["accepted"] == 3 and b["rejected"] == 3, "3 rows start, 3 are rejected: %r" % b)
    check(lines == {
        3: "role `client`: `not-an-email` is not an email address (it has no `@`)",
        4: "field `fee` of template `nda_c` is a number; `12,5O0` is not",
        7: "role `client`: `call me` is not a phone number (it holds `c`)",
    }, "each bad row at its line, with why: %r" % lines)
    names = sorted(d.instance(x["id"])["data"]["contact"]["name"] for x in d.all_instances(workflow="nda_fee"))
    check(names == sorted(["Ann", "Ann", "Dee\r\nDoe", "Fay"]), "the good rows started: %r" % names)
    d.stop_clean()


if __name__ == "__main__":
    harness.main(test)
