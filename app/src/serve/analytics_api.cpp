#include "analytics_api.hpp"

#include "api_util.hpp"

#include "signflow/base/text.hpp"
#include "signflow/analytics/analytics.hpp"
#include "signflow/engine/time.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <memory>
#include <mutex>

namespace signflow::app {
using nlohmann::json;

namespace {

using base::now_ms;

// "2026-11-01" (midnight UTC) or an RFC 3339 time in UTC.
std::optional<std::int64_t> parse_time(std::string const& text) {
    std::string t = text.size() == 10 ? text + "T00:00:00Z" : text;
    auto at = engine::parse_utc(t);
    if (!at) return std::nullopt;
    return engine::to_millis(*at);
}

analytics::Report scan(analytics::EnvelopeSource& store, analytics::EnvelopeScan const& range) {
    analytics::Report report;
    store.scan_envelopes(range, [&](engine::InstanceRecord&& r, std::vector<engine::AuditRecord>&& trail) {
        report.add(r, trail);
    });
    return report;
}

// One thread for the scans: an operator's query and the metrics' refresh
// wait for each other, not for the envelopes.
struct Worker {
    boost::asio::thread_pool pool{1};
    std::mutex mutex;
    std::int64_t metrics_at_ms = 0;
    bool refreshing = false;
    std::string metrics_text;
};

}  // namespace

Analytics make_analytics(analytics::EnvelopeSource& store) {
    auto worker = std::make_shared<Worker>();
    Analytics a;
    a.routes = [&store, worker](http::Request& req, http::Respond& respond) {
        if (req.path != "/v1/analytics") return false;
        if (req.method != "GET") {
            respond(method_not_allowed("GET"));
            return true;
        }
        analytics::EnvelopeScan range;
        range.to_ms = now_ms();
        range.from_ms = range.to_ms - std::int64_t{30} * 24 * 3600 * 1000;
        if (auto const* w = req.param("workflow")) range.workflow = *w;
        for (auto [name, field] : {std::pair{"from", &range.from_ms}, std::pair{"to", &range.to_ms}}) {
            if (auto const* text = req.param(name)) {
                auto at = parse_time(*text);
                if (!at) {
                    respond(error(400, std::string(name) + " must be a date (2026-11-01) or a UTC time "
                                                           "(2026-11-01T09:30:00Z)",
                                  {{name, *text}}));
                    return true;
                }
                *field = *at;
            }
        }
        if (range.from_ms >= range.to_ms) {
            respond(error(400, "from must be before to"));
            return true;
        }
        boost::asio::post(worker->pool, [&store, range, respond] {
            json body;
            try {
                body = scan(store, range).to_json();
            } catch (std::exception const& e) {
                return respond(error(500, std::string("the store cannot be read: ") + e.what()));
            }
            body["from"] = engine::utc_text(engine::from_millis(range.from_ms));
            body["to"] = engine::utc_text(engine::from_millis(range.to_ms));
            if (!range.workflow.empty()) body["workflow"] = range.workflow;
            respond(reply_json(200, body));
        });
        return true;
    };
    a.metrics = [&store, worker] {
        std::lock_guard lock(worker->mutex);
        std::int64_t now = now_ms();
        if (!worker->refreshing && (!worker->metrics_at_ms || now - worker->metrics_at_ms >= 60'000)) {
            worker->refreshing = true;
            boost::asio::post(worker->pool, [&store, worker] {
                std::string text;
                try {
                    text = scan(store, {}).to_prometheus();
                } catch (std::exception const&) {
                    text = "# analytics unavailable: the store cannot be read\n";
                }
                std::lock_guard lock(worker->mutex);
                worker->metrics_text = std::move(text);
                worker->metrics_at_ms = now_ms();
                worker->refreshing = false;
            });
        }
        return worker->metrics_text;
    };
    a.stop = [worker] {
        worker->pool.stop();
        worker->pool.join();
    };
    return a;
}

}  // namespace signflow::app
