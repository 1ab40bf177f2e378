// The syntax of a signer's email address and phone number
// (base/address.hpp): what a start refuses, and what it lets through.
#include "signflow/base/address.hpp"

#include <catch2/catch.hpp>

using signflow::base::email_problem;
using signflow::base::phone_problem;

TEST_CASE("email addresses: the usual shapes pass", "[base][address]") {
    for (char const* ok : {"ann@example.com", "ann.lee+nda@mail.example.com", "a@b.co", "o'brien@example.ie",
                           "li@例子.中国", "x_y-z@sub-domain.example.org", "UPPER@EXAMPLE.COM",
                           // a host on the local network, a name with `_`, an address literal
                           "ann@localhost", "ann@mail_1.corp.example", "u@[192.0.2.7]", "u@[IPv6:2001:db8::1]"})
        CHECK(email_problem(ok) == "");
}

TEST_CASE("email addresses: what no mail server takes is refused with why", "[base][address]") {
    CHECK(email_problem("") == "it is empty");
    CHECK(email_problem("not-an-email") == "it has no `@`");
    CHECK(email_problem("@example.com") == "nothing comes before the `@`");
    CHECK(email_problem("ann@") == "nothing comes after the `@`");
    CHECK(email_problem("ann@[192.0.2.7") == "its domain starts with `[` and does not end with `]`");
    CHECK(email_problem("ann@[192.0.2.7/8]") == "its address literal holds `/`");
    CHECK(email_problem("ann@@example.com") == "the part before the `@` holds `@`");
    CHECK(email_problem("ann lee@example.com") == "it holds a space or a control character");
    CHECK(email_problem("ann\n@example.com") == "it holds a space or a control character");
    CHECK(email_problem("<ann>@example.com") == "the part before the `@` holds `<`");
    CHECK(email_problem(".ann@example.com") == "the part before the `@` starts or ends with `.`, or holds `..`");
    CHECK(email_problem("an..n@example.com") == "the part before the `@` starts or ends with `.`, or holds `..`");
    CHECK(email_problem("ann@example..com") == "its domain has an empty label (`..`, or a `.` at an end)");
    CHECK(email_problem("ann@example.com.") == "its domain has an empty label (`..`, or a `.` at an end)");
    CHECK(email_problem("ann@-example.com") == "a label of its domain starts or ends with `-`");
    CHECK(email_problem("ann@exa+mple.com") == "its domain holds `+`");
    CHECK(email_problem("ann@exa mple.com") == "its domain holds ` `");
    CHECK(email_problem(std::string(65, 'a') + "@example.com") ==
          "the part before the `@` is longer than 64 characters");
    CHECK(email_problem("a@" + std::string(64, 'b') + ".com") == "a label of its domain is longer than 63 characters");
    CHECK(email_problem("a@" + std::string(250, 'b') + ".com") == "it is longer than 254 characters");
}

TEST_CASE("phone numbers: written as people write them, 7 to 15 digits", "[base][address]") {
    for (char const* ok : {"+447700900777", "+44 20 7946 0000", "+1 (212) 555-0100", "030.1234.5678", "5550100"})
        CHECK(phone_problem(ok) == "");
    CHECK(phone_problem("") == "it has fewer than 7 digits");
    CHECK(phone_problem("+44 20") == "it has fewer than 7 digits");
    CHECK(phone_problem("+1234567890123456") == "it has more than 15 digits");
    CHECK(phone_problem("call me") == "it holds `c`");
    CHECK(phone_problem("44+7700900777") == "it holds `+`");
    CHECK(phone_problem("+44\t7700900777") == "it holds `?`");
}
