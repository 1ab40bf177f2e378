// The inbound webhook signature (valid, wrong, stale, replayed parts,
// malformed) and API key basics: token shape, hash, scopes per route.
#include <catch2/catch.hpp>

#include "serve/auth.hpp"
#include "serve/webhook_signature.hpp"

#include <string>
#include <vector>

using namespace signflow::app;

namespace {
constexpr char const* secret = "whsec_test";
constexpr std::int64_t now = 1714564800;
std::string const body = R"({"signers": {"client": "c@x.com"}})";

SignatureCheck check(std::string const& header, std::string const& b = body, std::int64_t at = now) {
    return verify_signature(&header, b, secret, at, 300);
}
}  // namespace

TEST_CASE("a signature made with the secret over t.body verifies") {
    auto header = sign_payload(secret, now, body);
    REQUIRE(header.rfind("t=1714564800,v1=", 0) == 0);
    REQUIRE(header.size() == std::string("t=1714564800,v1=").size() + 64);
    auto c = check(header);
    CHECK(c.ok);
    CHECK(c.timestamp == now);
    CHECK(header.substr(header.size() - 64) == c.signature);
    // The same within the window, either side.
    CHECK(check(header, body, now + 300).ok);
    CHECK(check(header, body, now - 300).ok);
}

TEST_CASE("the HMAC agrees with OpenSSL's command line") {
    // printf '1714564800.{}' | openssl dgst -sha256 -hmac whsec_test
    std::string const expected = "cd9ef092eb33a8deb5dcc37b07a8738b63ffe0a8335f9c1b5acd8b6fbaeaf9ef";
    CHECK(sign_payload(secret, now, "{}") == "t=1714564800,v1=" + expected);
    CHECK(check("t=1714564800,v1=" + expected, "{}").ok);
}

TEST_CASE("wrong secret, other body, other t: signature does not match") {
    auto header = sign_payload(secret, now, body);
    CHECK(verify_signature(&header, body, "another", now, 300).reason == "mismatch");
    CHECK(check(header, body + " ").reason == "mismatch");
    auto moved = "t=1714564801," + header.substr(header.find("v1="));
    CHECK(check(moved, body, now).reason == "mismatch");
    auto c = check(header, "x");
    CHECK(!c.ok);
    CHECK(c.message.find("does not match") != std::string::npos);
}

TEST_CASE("outside the window: stale, both ways") {
    auto header = sign_payload(secret, now, body);
    auto late = check(header, body, now + 301);
    CHECK(late.reason == "stale");
    CHECK(late.message.find("301 s") != std::string::npos);
    CHECK(late.message.find("300 s") != std::string::npos);
    CHECK(check(header, body, now - 301).reason == "stale");
}

TEST_CASE("no header or an empty one: unsigned") {
    CHECK(verify_signature(nullptr, body, secret, now, 300).reason == "unsigned");
    CHECK(check("").reason == "unsigned");
    CHECK(check("   ").reason == "unsigned");
}

TEST_CASE("malformed headers are refused as such, whatever the bytes") {
    auto good = sign_payload(secret, now, body);
    auto v1 = good.substr(good.find("v1="));
    for (std::string const& h : std::vector<std::string>{"garbage", "v1=abc", "t=1714564800", "t=abc," + v1, "t=-5," + v1,
                          "t=1714564800,t=1714564800," + v1, "t=," + v1, "t=1714564800,v1=zz",
                          "t=1714564800,v1=" + std::string(63, 'a'), std::string("t=1\0,", 5) + v1,
                          "t=99999999999999," + v1, ",,,"})
        CHECK(check(h).reason == "malformed");
    std::string many = "t=1714564800";
    for (int i = 0; i < 17; ++i) many += ",v1=" + std::string(64, 'a');
    CHECK(check(many).reason == "malformed");
}

TEST_CASE("several v1 entries: one match is enough, unknown schemes are ignored, case and spaces") {
    auto good = sign_payload(secret, now, body);
    auto hex = good.substr(good.find("v1=") + 3);
    CHECK(check("t=1714564800,v1=" + std::string(64, '0') + ",v1=" + hex).ok);
    CHECK(check("t=1714564800, v0=whatever ,v1=" + hex).ok);
    std::string upper = hex;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    CHECK(check(" t=1714564800 , v1=" + upper + " ").ok);
    CHECK(check("t=1714564800,v1=" + std::string(64, '0')).reason == "mismatch");
}

TEST_CASE("API tokens: sf_ + 43 base64url characters, hashed with SHA-256") {
    auto a = new_api_key("ci", {"send"}, 1);
    auto b = new_api_key("ci", {"send"}, 1);
    CHECK(a.token.size() == 46);
    CHECK(a.token.rfind("sf_", 0) == 0);
    CHECK(a.token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 3) ==
          std::string::npos);
    CHECK(a.token != b.token);
    CHECK(a.record.hash == token_hash(a.token));
    CHECK(a.record.hash.size() == 64);
    CHECK(a.token.rfind(a.record.prefix, 0) == 0);
    CHECK(a.record.scopes == "send");
    CHECK(token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(new_api_key("x", {"admin", "send", "admin"}, 1).record.scopes == "admin send");
    CHECK_THROWS_AS(new_api_key("x", {"root"}, 1), std::invalid_argument);
    CHECK_THROWS_AS(new_api_key("x", {}, 1), std::invalid_argument);
}

TEST_CASE("which scope each route needs") {
    CHECK(scope_needed("GET", "/healthz") == Scope::open);
    CHECK(scope_needed("GET", "/sign/abc") == Scope::open);
    CHECK(scope_needed("POST", "/v1/hooks/typeform/form_submitted") == Scope::open);
    CHECK(scope_needed("POST", "/v1/events/form_submitted") == Scope::send);
    CHECK(scope_needed("POST", "/v1/bulk/nda") == Scope::send);
    CHECK(scope_needed("GET", "/v1/bulk/7") == Scope::send);
    CHECK(scope_needed("POST", "/v1/instances/7/cancel") == Scope::send);
    // A signer's acts: the signer's link, or a key that may act for signers.
    for (auto path : {"/v1/instances/7/signers/client/signed", "/v1/instances/7/signers/client/verified",
                      "/v1/instances/7/signers/client/consent", "/v1/instances/7/signers/client/viewed",
                      "/v1/instances/7/signers/client/declined", "/v1/instances/7/signers/client/code",
                      "/v1/instances/7/signers/client/code/resend", "/v1/instances/7/signers/client/attachments/id"})
        CHECK(scope_needed("POST", path) == Scope::act_for_signer);
    for (auto path : {"/v1/rules", "/v1/rules/reload", "/v1/instances", "/v1/instances/7", "/v1/instances/7/audit",
                      "/v1/instances/7/document", "/v1/outbox", "/v1/deliveries", "/v1/deliveries/1.2.3/retry",
                      "/v1/analytics", "/metrics", "/v1/security-events", "/nothing", "/index.html", "/signature",
                      "/v1/hooksx/a/b", "/v1/quotas"})
        CHECK(scope_needed("GET", path) == Scope::admin);
    // The dashboard's page and files hold no data; a signing link by hand opens a document.
    CHECK(scope_needed("GET", "/") == Scope::open);
    CHECK(scope_needed("GET", "/assets/dashboard.js") == Scope::open);
    CHECK(scope_needed("POST", "/v1/instances/7/signers/client/link") == Scope::admin);
    CHECK(scope_needed("POST", "/v1/instances/7/signers") == Scope::admin);
    // What starting a workflow asks for reads the rules: admin, like /v1/rules.
    CHECK(scope_needed("GET", "/v1/workflows/nda/start-form") == Scope::admin);
    // A search of the envelopes reads them: admin.
    CHECK(scope_needed("GET", "/v1/instances?q=ana") == Scope::admin);
    CHECK(grants("send", Scope::send));
    CHECK(!grants("send", Scope::admin));
    CHECK(grants("admin", Scope::send));
    CHECK(grants("send admin", Scope::admin));
    CHECK(!grants("", Scope::send));
    CHECK(!grants("sender", Scope::send));
    // Acting for a signer is given by name only: admin does not include it.
    CHECK(grants("act-for-signer", Scope::act_for_signer));
    CHECK(grants("send act-for-signer", Scope::act_for_signer));
    CHECK(!grants("admin", Scope::act_for_signer));
    CHECK(!grants("send admin", Scope::act_for_signer));
    CHECK(!grants("act-for-signer", Scope::send));
    CHECK(!grants("act-for-signer", Scope::admin));
    CHECK(new_api_key("desk", {"act-for-signer", "act-for-signer"}, 1).record.scopes == "act-for-signer");
}
