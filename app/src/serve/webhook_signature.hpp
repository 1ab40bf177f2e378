#pragma once
// The signature on inbound webhooks, in Stripe's scheme:
//
//     Signflow-Signature: t=1714564800,v1=5f0c…(64 hex digits)[,v1=…]
//
// v1 = HMAC-SHA256(secret, t + "." + the raw body). Pure functions (no clock,
// no I/O) so that they are tested and fuzzed on their own; OpenSSL only.
#include <cstdint>
#include <string>
#include <string_view>

namespace signflow::app {

struct SignatureCheck {
    bool ok = false;
    // Why not: "unsigned" (no header), "malformed", "stale", "mismatch".
    std::string reason;
    std::string message;    // for the person reading the 401; holds no secret
    std::string signature;  // the v1 that matched (hex, lower case)
    std::int64_t timestamp = 0;
};

// Checks a signature header's value (`header` null: no header) against the
// raw `body`: the HMAC first, compared in constant time with every v1 entry
// sent (one match is enough; unknown schemes such as v0= are ignored), then
// |now_seconds - t| <= tolerance_seconds. Any bytes in, an answer out; never
// throws.
SignatureCheck verify_signature(std::string const* header, std::string_view body, std::string_view secret,
                                std::int64_t now_seconds, std::int64_t tolerance_seconds);

// The header value a sender computes: "t=T,v1=HEX" (tests, docs).
std::string sign_payload(std::string_view secret, std::int64_t t, std::string_view body);

}  // namespace signflow::app
