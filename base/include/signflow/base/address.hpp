#pragma once
// Whether a signer's address can be written to: the syntax of an email
// address and of a phone number, checked when an envelope starts (a single
// event or a bulk row) so that an envelope whose messages can never be sent
// is not started. Each answers "" when the text is fine, or why not, in a
// few words that follow the value in a message ("… is not an email address:
// WHY").
#include <string>
#include <string_view>

namespace signflow::base {

// `local@domain`: one `@`; a local part of at most 64 bytes without spaces,
// controls, quotes or `<>()[],;:\`, not starting or ending with `.` nor
// holding `..`; a domain of labels (letters, digits, `-`, `_`, or UTF-8 for
// an international name; one label alone is a host on the local network),
// none empty or longer than 63 bytes, none starting or ending with `-`, or
// an address literal in brackets. At most 254 bytes in all.
std::string email_problem(std::string_view address);

// A number a person writes: an optional leading `+`, then digits with
// optional spaces, `-`, `.` and parentheses between them; 7 to 15 digits
// (E.164 allows 15).
std::string phone_problem(std::string_view number);

}  // namespace signflow::base
