#pragma once
// Inbound webhooks: POST /v1/hooks/{source}/{event}, for a form tool or a
// payment provider that cannot carry an API key but can sign what it sends.
//
// Each source is configured with a secret ([sources.NAME] in signflow.toml).
// A request carries, in Stripe's scheme,
//
//     Signflow-Signature: t=1714564800,v1=5f0c…(64 hex digits)[,v1=…]
//
// where v1 = HMAC-SHA256(secret, t + "." + the raw body). The daemon checks it
// in constant time over the body exactly as received (before parsing it), and
// refuses a timestamp more than the source's tolerance (300 s by default) from
// its own clock. Several v1 entries may be sent (a sender rotating its
// secret); one match is enough. The header's name is per source
// (`signature_header`), so Stripe's own `Stripe-Signature` verifies as is.
//
// Replays: inside the window a captured request could be sent again. Its
// idempotency key is "hook:SOURCE:" + the signature, so the copy gets the
// first answer (with "replayed": true) and starts nothing new.
//
// Every refusal (unknown source, unsigned, malformed, stale, wrong signature)
// is answered 401 (404 for an unknown source) with a reason and recorded as a
// security event (kind webhook_rejected).
#include "api.hpp"
#include "auth.hpp"
#include "webhook_signature.hpp"

#include "signflow/connectors/config.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/engine/store.hpp"

#include <memory>
#include <vector>

namespace signflow::app {

// The route group for ApiOptions::routes. Throws std::invalid_argument when a
// source's `signature_header` is not a header name.
Routes make_inbound_webhook_routes(engine::Runtime& runtime, std::shared_ptr<SecurityEvents> events,
                                   std::vector<connectors::SourceSpec> sources);
// The same checks of the [sources.NAME] tables, alone: serve runs them
// before it starts the runtime (std::invalid_argument naming file:line).
void check_sources(std::vector<connectors::SourceSpec> const& sources);

}  // namespace signflow::app
