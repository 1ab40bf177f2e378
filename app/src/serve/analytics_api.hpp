#pragma once
// GET /v1/analytics?workflow=&from=&to= (docs/http-api.md): the figures of
// the envelopes started in a period (signflow/analytics), and the same as
// Prometheus text for /metrics.
//
// Both scan the store (every envelope of the period and its audit trail), so
// they run on a thread of their own, never on the threads that serve
// requests and run the envelopes' shards.
#include "api.hpp"

#include "signflow/analytics/envelope_source.hpp"

#include <functional>
#include <memory>
#include <string>

namespace signflow::app {

struct Analytics {
    Routes routes;
    // More /metrics text: the figures of every envelope, recomputed in the
    // background at most once a minute (a scrape every few seconds must not
    // scan the store each time); the first scrape after start has none yet.
    std::function<std::string()> metrics;
    // Waits for a scan in progress and stops the worker: call it before the
    // store is destroyed.
    std::function<void()> stop;
};

Analytics make_analytics(analytics::EnvelopeSource& store);

}  // namespace signflow::app
