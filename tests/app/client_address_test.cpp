// The client behind a trusted proxy (app/src/serve/client_address.hpp): only
// a trusted peer's forwarding headers count, read from the right, so that
// nobody chooses the address the audit trail and the rate limits see.
#include "serve/client_address.hpp"

#include <catch2/catch.hpp>

using signflow::app::client_address;
using signflow::app::TrustedProxies;
using signflow::http::Request;

namespace {

Request from(std::string remote, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.remote = std::move(remote);
    r.headers = std::move(headers);
    return r;
}

}  // namespace

TEST_CASE("trusted proxies: addresses and CIDRs", "[proxy]") {
    TrustedProxies p;
    p.add("10.0.0.0/8");
    p.add("192.0.2.7");
    p.add("2001:db8::/32");
    CHECK(p.trusts("10.1.2.3"));
    CHECK(p.trusts("192.0.2.7"));
    CHECK_FALSE(p.trusts("192.0.2.8"));
    CHECK_FALSE(p.trusts("11.0.0.1"));
    CHECK(p.trusts("2001:db8:ffff::1"));
    CHECK_FALSE(p.trusts("2001:db9::1"));
    CHECK(p.trusts("::ffff:10.9.9.9"));  // IPv4-mapped
    CHECK_FALSE(p.trusts("not an address"));
    CHECK_THROWS_AS(p.add("10.0.0.0/33"), std::invalid_argument);
    CHECK_THROWS_AS(p.add("proxy.example"), std::invalid_argument);
    CHECK_THROWS_AS(p.add("10.0.0.0/"), std::invalid_argument);
}

TEST_CASE("client_address: a trusted proxy's X-Forwarded-For, read from the right", "[proxy]") {
    TrustedProxies p;
    p.add("127.0.0.2");
    p.add("10.0.0.0/8");
    // The client, then what each proxy appended.
    auto c = client_address(from("127.0.0.2:5000", {{"x-forwarded-for", "203.0.113.7"}}), p);
    CHECK(c.remote == "203.0.113.7:0");
    CHECK_FALSE(c.forwarded_ignored);
    // A client that sends its own X-Forwarded-For cannot choose: the proxies
    // append, the first untrusted address from the right is the client.
    c = client_address(from("127.0.0.2:5000", {{"x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.1.1.1"}}), p);
    CHECK(c.remote == "203.0.113.7:0");
    c = client_address(from("127.0.0.2:5000", {{"x-forwarded-for", "6.6.6.6"}, {"x-forwarded-for", "203.0.113.9"}}), p);
    CHECK(c.remote == "203.0.113.9:0");
    // Garbage ends the walk at the last good address.
    c = client_address(from("127.0.0.2:5000", {{"x-forwarded-for", "203.0.113.7, unknown"}}), p);
    CHECK(c.remote == "127.0.0.2:0");
    c = client_address(from("127.0.0.2:5000", {{"x-forwarded-for", "2001:db8::5"}}), p);
    CHECK(c.remote == "[2001:db8::5]:0");
}

TEST_CASE("client_address: Forwarded (RFC 7239) when there is no X-Forwarded-For", "[proxy]") {
    TrustedProxies p;
    p.add("127.0.0.2");
    auto c = client_address(from("127.0.0.2:5000", {{"forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43"}}), p);
    CHECK(c.remote == "192.0.2.60:0");
    c = client_address(from("127.0.0.2:5000", {{"forwarded", "for=\"[2001:db8:cafe::17]:4711\""}}), p);
    CHECK(c.remote == "[2001:db8:cafe::17]:0");
    c = client_address(from("127.0.0.2:5000", {{"forwarded", "For=6.6.6.6, for=198.51.100.17:8080"}}), p);
    CHECK(c.remote == "198.51.100.17:0");
}

TEST_CASE("client_address: anyone else's forwarding headers are ignored and reported", "[proxy]") {
    TrustedProxies p;
    p.add("127.0.0.2");
    auto c = client_address(from("127.0.0.3:5000", {{"x-forwarded-for", "203.0.113.7"}}), p);
    CHECK(c.remote == "127.0.0.3:5000");
    CHECK(c.forwarded_ignored);
    c = client_address(from("[::1]:5000", {{"forwarded", "for=203.0.113.7"}}), TrustedProxies{});
    CHECK(c.remote == "[::1]:5000");
    CHECK(c.forwarded_ignored);
    c = client_address(from("127.0.0.3:5000"), p);
    CHECK(c.remote == "127.0.0.3:5000");
    CHECK_FALSE(c.forwarded_ignored);
}
