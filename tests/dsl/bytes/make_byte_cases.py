#!/usr/bin/env python3
"""Writes the golden cases of tests/dsl/bytes/ whose bytes are awkward to type:
invalid UTF-8, control characters, a name past the length limit and nesting
past the depth limits. Run it from anywhere; it rewrites the files beside it.

E0002 (a file larger than 8 MiB) has no golden case: committing such a file
would bloat the repository, so a C++ test generates that input in memory.
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


write("E0001_invalid_utf8.flow", (
    "# E0001: a file saved as Latin-1, not UTF-8 (the é of \"Café\" is the single byte 0xE9)\n"
    "workflow cafe_supplier_nda\n"
    "\n"
    "role client  = event.client\n"
    "role manager = \"legal@acme.example\"\n"
    "\n"
    "on form_submitted\n"
    "  -> fill nda\n"
    "  -> sign sequentially [client, manager]\n"
    "  -> on completed notify manager with \"Caf").encode() + b"\xe9" + (
    " Lumi\u00e8re has signed\"\n").encode("latin-1"))

write("E0001_invalid_utf8_surrogate.flow", (
    "# E0001: a UTF-16 surrogate encoded as UTF-8 (CESU-8, as some Java tools write it) is not valid UTF-8\n"
    "workflow client_nda\n"
    "\n"
    "role client = event.client\n"
    "\n"
    "on form_submitted\n"
    "  -> fill nda\n"
    "  -> sign [client]\n"
    "  -> on completed notify client with \"Thank you ").encode() + b"\xed\xa0\xbd\xed\xb8\x80" + (
    "\"\n").encode())

# 65 nested objects: one more than the bracket limit of 64.
depth = 65
nested = "".join("{ level%d: " % i for i in range(1, depth)) + "{ leaf: true }" + " }" * (depth - 1)
write("E0003_nesting_too_deep_brackets.flow", (
    "# E0003: brackets nested 65 deep, one more than the limit of 64\n"
    "workflow deep_payload\n"
    "\n"
    "role client = event.client\n"
    "\n"
    "on form_submitted\n"
    "  -> fill nda\n"
    "  -> sign [client]\n"
    "  -> on completed invoke crm.update_deal with " + nested + "\n").encode())

# 200 comparisons joined by `or`: the tree is 201 high, the limit is 200.
countries = " or ".join('event.country == "C%03d"' % i for i in range(200))
write("E0003_nesting_too_deep_expression.flow", (
    "# E0003: an expression (a generated allow-list of 200 comparisons) nested 201 deep, past the limit of 200\n"
    "workflow export_control\n"
    "\n"
    "role client = event.client\n"
    "\n"
    "on form_submitted where " + countries + "\n"
    "  -> fill nda\n"
    "  -> sign [client]\n").encode())

write("E0003_nesting_too_deep_prefix.flow", (
    "# E0003: 200 `not` in a row before a value: 201 deep, past the limit of 200\n"
    "workflow client_nda\n"
    "\n"
    "role client = event.client\n"
    "\n"
    "on form_submitted where " + "not " * 200 + "event.opted_out\n"
    "  -> fill nda\n"
    "  -> sign [client]\n").encode())

long_name = "primary_contact_for_the_client_company_who_signs_the_mutual_nda_on_behalf_of_the_company_and_its_affiliates_and_subsidiaries_ever"
assert len(long_name) == 129, len(long_name)
write("E0004_identifier_too_long.flow", (
    "# E0004: a role name of 129 characters, one more than the limit of 128\n"
    "workflow client_nda\n"
    "\n"
    "role " + long_name + " = event.client\n"
    "\n"
    "on form_submitted\n"
    "  -> fill nda\n"
    "  -> sign [" + long_name + "]\n").encode())

write("E0005_invalid_character.flow", (
    "# E0005: a control character (0x0C, a form feed pasted from a word processor) between tokens\n"
    "workflow client_nda\n"
    "\n"
    "role client = event.client\n"
    "\x0c\n"
    "on form_submitted\n"
    "  -> fill nda\n"
    "  -> sign [client]\n").encode())

write("E0005_invalid_character_nul.flow", (
    "# E0005: a NUL byte (0x00) after a step, as left behind by a broken editor or a binary paste\n"
    "workflow client_nda\n"
    "\n"
    "role client = event.client\n"
    "\n"
    "on form_submitted\n"
    "  -> fill nda\x00\n"
    "  -> sign [client]\n").encode())

write("E0005_invalid_character_in_string.flow", (
    "# E0005: a control character (0x1B, an escape byte) inside a string\n"
    "workflow client_nda\n"
    "\n"
    "role client  = event.client\n"
    "role manager = \"legal@acme.example\"\n"
    "\n"
    "on form_submitted\n"
    "  -> fill nda\n"
    "  -> sign sequentially [client, manager]\n"
    "  -> on completed notify manager with \"\x1b[1mSigned\x1b[0m\"\n").encode())

write("E0005_invalid_character_in_comment.flow", (
    "# E0005: a control character (0x08, a backspace) inside a comment\n"
    "workflow client_nda\n"
    "\n"
    "role client = event.client   # the customer\x08s contact\n"
    "\n"
    "on form_submitted\n"
    "  -> fill nda\n"
    "  -> sign [client]\n").encode())
