#include "analytics_api.hpp"

#include "api_util.hpp"

#include "signflow/analytics/analytics.hpp"
#include "signflow/engine/time.hpp"

#include <chrono>
#include <memory>
#include <mutex>

namespace signflow::app {
using nlohmann::json;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// "2026-11-01" (midnight UTC) or an RFC 3339 time in UTC.
std::optional<std::int64_t> parse_time(std::string const& text) {
    std::string t = text.size() == 10 ? text + "T00:00:00Z" : text;
    auto at = engine::parse_utc(t);
    if (!at) return std::nullopt;
    return engine::to_millis(*at);
}

}  // namespace

Routes make_analytics_routes(engine::Store& store) {
    return [&store](http::Request& req, http::Respond& respond) {
        if (req.path != "/v1/analytics") return false;
        if (req.method != "GET") {
            respond(method_not_allowed("GET"));
            return true;
        }
        engine::EnvelopeScan scan;
        scan.to_ms = now_ms();
        scan.from_ms = scan.to_ms - std::int64_t{30} * 24 * 3600 * 1000;
        if (auto const* w = req.param("workflow")) scan.workflow = *w;
        for (auto [name, field] : {std::pair{"from", &scan.from_ms}, std::pair{"to", &scan.to_ms}}) {
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
        if (scan.from_ms >= scan.to_ms) {
            respond(error(400, "from must be before to"));
            return true;
        }
        analytics::Report report;
        try {
            store.scan_envelopes(scan, [&](engine::InstanceRecord&& r, std::vector<engine::AuditRecord>&& trail) {
                report.add(r, trail);
            });
        } catch (std::exception const& e) {
            respond(error(500, std::string("the store cannot be read: ") + e.what()));
            return true;
        }
        json body = report.to_json();
        body["from"] = engine::utc_text(engine::from_millis(scan.from_ms));
        body["to"] = engine::utc_text(engine::from_millis(scan.to_ms));
        if (!scan.workflow.empty()) body["workflow"] = scan.workflow;
        respond(reply_json(200, body));
        return true;
    };
}

std::function<std::string()> make_analytics_metrics(engine::Store& store) {
    struct Cache {
        std::mutex mutex;
        std::int64_t at_ms = 0;
        std::string text;
    };
    auto cache = std::make_shared<Cache>();
    return [&store, cache] {
        std::lock_guard lock(cache->mutex);
        std::int64_t now = now_ms();
        if (cache->at_ms && now - cache->at_ms < 60'000) return cache->text;
        analytics::Report report;
        try {
            store.scan_envelopes({}, [&](engine::InstanceRecord&& r, std::vector<engine::AuditRecord>&& trail) {
                report.add(r, trail);
            });
        } catch (std::exception const& e) {
            return std::string("# analytics unavailable: the store cannot be read\n");
        }
        cache->text = report.to_prometheus();
        cache->at_ms = now;
        return cache->text;
    };
}

}  // namespace signflow::app
