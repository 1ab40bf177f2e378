#pragma once
// GET /v1/analytics?workflow=&from=&to= (docs/http-api.md): the figures of
// the envelopes started in a period (signflow/analytics), and the same as
// Prometheus text for /metrics.
#include "api.hpp"

#include "signflow/engine/store.hpp"

#include <string>

namespace signflow::app {

Routes make_analytics_routes(engine::Store& store);

// The analytics of every envelope, as Prometheus text. Computed from the
// store at most once a minute (a scrape every few seconds must not scan the
// store each time); the figures are at most that old.
std::function<std::string()> make_analytics_metrics(engine::Store& store);

}  // namespace signflow::app
