#pragma once
// The engine answers in outcomes (engine/outcome.hpp); this is the one place
// they become HTTP statuses, for the API and the pages alike.
#include "signflow/engine/outcome.hpp"
#include "signflow/http/server.hpp"

namespace signflow::app {

int http_status(engine::Outcome outcome);

// The engine's answer as an HTTP answer: its status from the table above,
// and for an event that some workflows refused to start, each refusal's
// status in `refused[].status`.
http::Response reply_of(engine::Reply const& reply);

}  // namespace signflow::app
