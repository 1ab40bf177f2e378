// The one parser of outgoing URLs (signflow::net::parse_url): what each part
// becomes, and what it refuses with a reason.
#include "signflow/net/url.hpp"

#include <catch2/catch.hpp>

using signflow::net::parse_url;
using signflow::net::Url;

namespace {

Url ok(std::string const& text) {
    std::string error;
    auto url = parse_url(text, error);
    INFO(text << ": " << error);
    REQUIRE(url);
    return *url;
}

std::string refused(std::string const& text) {
    std::string error;
    auto url = parse_url(text, error);
    INFO(text);
    CHECK_FALSE(url);
    return error;
}

}  // namespace

TEST_CASE("net url: scheme, host, port and target", "[net][url]") {
    Url a = ok("http://127.0.0.1:8080/v1/events?x=1#frag");
    CHECK(a.scheme == "http");
    CHECK(a.host == "127.0.0.1");
    CHECK(a.port == "8080");
    CHECK(a.target == "/v1/events?x=1");
    CHECK(a.authority() == "127.0.0.1:8080");
    CHECK(a.host_header() == "127.0.0.1:8080");

    Url b = ok("HTTPS://api.example.com");
    CHECK(b.https());
    CHECK(b.port == "443");
    CHECK(b.target == "/");
    CHECK(b.host_header() == "api.example.com");  // the default port is not named

    Url c = ok("http://[::1]:9/tsa");
    CHECK(c.host == "::1");
    CHECK(c.authority() == "[::1]:9");
    CHECK(c.host_header() == "[::1]:9");

    CHECK(ok("http://x?q=1").target == "/?q=1");
}

TEST_CASE("net url: what is refused, and why", "[net][url]") {
    CHECK(refused("127.0.0.1:8080") == "not an absolute URL (expected http:// or https://)");
    CHECK(refused("ftp://x/") == "unsupported scheme `ftp` (expected http or https)");
    CHECK(refused("http://user:pw@x/") == "credentials in the URL are not supported (use `token` or `headers`)");
    CHECK(refused("http://[::1/") == "unclosed `[` in the host");
    CHECK(refused("http://[::1]x/") == "unexpected text after the host");
    CHECK(refused("http:///path") == "no host");
    CHECK(refused("http://x/a b") == "spaces or control characters (percent-encode them)");
    CHECK(refused("http://x:0/") == "bad port `0`");
    CHECK(refused("http://x:65536/") == "bad port `65536`");
    CHECK(refused("http://x:8o/") == "bad port `8o`");
    CHECK(refused("http://x:123456/") == "bad port `123456`");
}
