#pragma once
// What an HTTP answer means for a delivery, the same for every connector
// that calls out: 2xx went through; 408, 409, 425, 429, 5xx and no answer at
// all (refused, reset, timed out, TLS) are worth another attempt; any other
// status (400, 401, 403, 404, 422, a redirect) will not change by retrying
// the same request, so the delivery goes to the dead letters at once.
#include "signflow/net/client.hpp"
#include "signflow/engine/connector.hpp"

namespace signflow::connectors::http {

bool worth_retrying(int status);

// `what` names the call in errors, e.g. "PATCH api.hubapi.com:443". An ok
// result's detail is {"status": 200} plus "receipt" when the answer is a JSON
// object with an `id` (the receiver's record of the delivery).
engine::DeliveryResult outcome(net::Response const& response, std::string const& what);

}  // namespace signflow::connectors::http
