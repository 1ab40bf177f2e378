#pragma once
// The signature on outgoing webhooks, Stripe's scheme: the receiver
// recomputes HMAC-SHA256(secret, "<t>.<body>") over the raw body it got,
// compares in constant time, and refuses a `t` outside its replay window.
//
//     Signflow-Signature: t=1714564800,v1=5f0c…(64 hex digits)
//
// Each attempt is signed afresh with the time it is sent, so a retry hours
// later still falls inside a receiver's window; the body, and its `id` (the
// idempotency key), stay the same.
#include "signflow/base/digest.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace signflow::connectors::webhook {

// HMAC-SHA256 as 64 lowercase hex digits (signflow/base/digest.hpp).
using base::hmac_sha256_hex;

// "t=<unix seconds>,v1=<hex>", the header's value.
std::string signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

}  // namespace signflow::connectors::webhook
