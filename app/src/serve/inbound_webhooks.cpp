// Inbound webhooks: the route group (inbound_webhooks.hpp); the signature
// check is in webhook_signature.cpp.
#include "inbound_webhooks.hpp"
#include "api_util.hpp"
#include "auth.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>

namespace signflow::app {
using nlohmann::json;

namespace {

constexpr std::string_view default_header = "Signflow-Signature";

bool header_name(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_';
    });
}

}  // namespace

Routes make_inbound_webhook_routes(engine::Runtime& runtime, engine::Store& store,
                                   std::vector<connectors::SourceSpec> sources, engine::LogFn log) {
    struct Source {
        connectors::SourceSpec spec;
        std::string header;  // the signature header's name
    };
    auto by_name = std::make_shared<std::map<std::string, Source, std::less<>>>();
    for (auto& s : sources) {
        std::string header(default_header);
        if (auto h = s.settings.find("signature_header"); h != s.settings.end()) {
            if (!h->is_string() || !header_name(h->get<std::string>()))
                throw std::invalid_argument(s.where.file + ":" + std::to_string(s.where.line) + ": [sources." +
                                            s.name + "] signature_header must be a header name, e.g. \"" +
                                            std::string(default_header) + "\"");
            header = h->get<std::string>();
        }
        std::string name = s.name;
        (*by_name)[name] = Source{std::move(s), std::move(header)};
    }
    auto events = std::make_shared<SecurityEvents>(store, std::move(log));

    return [&runtime, by_name, events](http::Request& req, http::Respond& respond) {
        auto parts = segments(req.path);
        if (parts.size() < 2 || parts[0] != "v1" || parts[1] != "hooks") return false;
        if (parts.size() != 4) {
            respond(error(404, "inbound webhooks are POST /v1/hooks/{source}/{event}", {{"see", "docs/http-api.md"}}));
            return true;
        }
        if (req.method != "POST") {
            respond(method_not_allowed("POST"));
            return true;
        }
        std::string source_name(parts[2]), event(parts[3]);
        auto ip = origin_of(req).ip;
        auto it = by_name->find(source_name);
        if (it == by_name->end()) {
            events->record("webhook_rejected", source_name, ip, {{"reason", "unknown source"}, {"event", event}});
            respond(error(404, "no inbound source `" + source_name + "`: sources are configured as [sources.NAME] "
                               "with a secret in signflow.toml",
                          {{"reason", "unknown source"}}));
            return true;
        }
        auto const& source = it->second;
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        auto check = verify_signature(req.header(source.header), req.body, source.spec.secret, now,
                                      source.spec.tolerance_seconds);
        if (!check.ok) {
            json detail = {{"reason", check.reason}, {"event", event}};
            if (check.reason == "unsigned") detail["header"] = source.header;
            events->record("webhook_rejected", source_name, ip, std::move(detail));
            auto r = error(401, check.message, {{"reason", check.reason}, {"header", source.header}});
            r.headers.emplace_back("WWW-Authenticate", "Signature realm=\"signflow\", header=\"" + source.header + "\"");
            respond(std::move(r));
            return true;
        }
        // The request is named by its signature: a replay within the window
        // (the same t and body, to any event) gets the first answer and
        // starts nothing. Nothing the signature does not cover can name it:
        // an Idempotency-Key header is ignored here (an attacker who captured
        // a request could vary it and start an envelope per variation).
        // Namespaced by source: it never meets the operator's keys.
        http::Response bad;
        std::string key = "hook:" + source_name + ":" + check.signature;
        json data;
        if (!read_json(req, data, bad, true)) {
            respond(std::move(bad));
            return true;
        }
        runtime.post_event(event, std::move(data), key,
                           [respond](engine::Reply r) { respond(reply_json(r.status, r.body)); });
        return true;
    };
}

}  // namespace signflow::app
