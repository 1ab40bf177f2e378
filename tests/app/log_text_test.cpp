// What the daemon writes to its log: control characters escaped, signing
// tokens shortened (app/src/serve/log_text.hpp). Findings: an email address
// with ANSI escapes written raw in a dead-letter warning; full signing-link
// tokens logged at --log-level debug.
#include "serve/log_text.hpp"

#include <catch2/catch.hpp>

#include <string>

using signflow::app::log_escape;
using signflow::app::loggable_target;

TEST_CASE("log_escape: control characters cannot reach a terminal or forge a line", "[log]") {
    CHECK(log_escape("plain text, 名字 and é") == "plain text, 名字 and é");
    CHECK(log_escape("evil\x1b[2J\x1b[1;1Hok@x.com") == "evil\\x1b[2J\\x1b[1;1Hok@x.com");
    CHECK(log_escape("a\nfake 2026-12-06T00:00:00Z info  line") == "a\\nfake 2026-12-06T00:00:00Z info  line");
    CHECK(log_escape("tab\tcr\rdel\x7f nul") == "tab\\tcr\\rdel\\x7f nul");
    CHECK(log_escape(std::string("a\0b", 3)) == "a\\x00b");
    // C1 controls, as UTF-8 (U+009B is a CSI to some terminals), and bytes that are not UTF-8.
    CHECK(log_escape("x\xc2\x9b" "31mred") == "x\\u009b31mred");
    CHECK(log_escape("x\x9b" "31m") == "x\\x9b31m");
    CHECK(log_escape("\xff\xfe") == "\\xff\\xfe");
    CHECK(log_escape("\xe0\x80\x80") == "\\xe0\\x80\\x80");  // overlong
    CHECK(log_escape("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
    CHECK(log_escape("cut \xe5\x90") == "cut \\xe5\\x90");
    // Escaping twice changes nothing more: a message escaped by its writer
    // and again by the sink reads the same.
    std::string once = log_escape("a\x1b[0m\nb\xff");
    CHECK(log_escape(once) == once);
}

TEST_CASE("log_lines: a multi-line message stays readable, and no line of it passes for a log line", "[log]") {
    using signflow::app::log_lines;
    CHECK(log_lines("rule file a.flow failed to load:\na.flow:3:7: error E0101") ==
          "rule file a.flow failed to load:\n    a.flow:3:7: error E0101");
    CHECK(log_lines("x@y\n2026-12-06T00:00:00.000Z info  forged\x1b[0m") ==
          "x@y\n    2026-12-06T00:00:00.000Z info  forged\\x1b[0m");
    CHECK(log_lines("cr\r\nlf") == "cr\\r\n    lf");
    CHECK(log_lines("plain") == "plain");
}

TEST_CASE("loggable_target: a signing link's token is shortened", "[log]") {
    std::string token = "q3XbZcQm9mVGhpc0lzTm90QVJlYWxLZXlCdXRJdExvb2";
    CHECK(loggable_target("/sign/" + token) == "/sign/q3XbZc…");
    CHECK(loggable_target("/sign/" + token + "/pages/1?n=wrong") == "/sign/q3XbZc…/pages/1?n=wrong");
    CHECK(loggable_target("/sign/abc") == "/sign/abc");
    CHECK(loggable_target("/sign/") == "/sign/");
    CHECK(loggable_target("/v1/instances/7?x=\x1b") == "/v1/instances/7?x=\\x1b");
    CHECK(loggable_target("/v1/rules") == "/v1/rules");
}
