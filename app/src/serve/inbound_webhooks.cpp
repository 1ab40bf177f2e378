// Inbound webhooks: the route group (inbound_webhooks.hpp); the signature
// check is in webhook_signature.cpp.
#include "inbound_webhooks.hpp"
#include "api_util.hpp"
#include "outcomes.hpp"
#include "auth.hpp"

#include <openssl/rand.h>

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

bool event_name(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_';
    });
}

bool header_name(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_';
    });
}

}  // namespace

namespace {

struct Source {
    connectors::SourceSpec spec;
    std::string header;               // the signature header's name
    std::vector<std::string> events;  // the events it may send (`events`)
    bool sign_event = false;          // the signature covers t.EVENT.body (`sign_event`)
};
using Sources = std::map<std::string, Source, std::less<>>;

Sources parse_sources(std::vector<connectors::SourceSpec> sources) {
    Sources by_name;
    for (auto& s : sources) {
        std::string header(default_header);
        if (auto h = s.settings.find("signature_header"); h != s.settings.end()) {
            if (!h->is_string() || !header_name(h->get<std::string>()))
                throw std::invalid_argument(s.where.file + ":" + std::to_string(s.where.line) + ": [sources." +
                                            s.name + "] signature_header must be a header name, e.g. \"" +
                                            std::string(default_header) + "\"");
            header = h->get<std::string>();
        }
        auto where = s.where.file + ":" + std::to_string(s.where.line) + ": [sources." + s.name + "] ";
        // A secret opens only the events it is for: a form tool's secret
        // must not start an offer letter.
        std::vector<std::string> allowed;
        auto ev = s.settings.find("events");
        if (ev == s.settings.end() || !ev->is_array() || ev->empty())
            throw std::invalid_argument(where + "needs `events`, the events this source may send, e.g. "
                                                "events = [\"form_submitted\"]");
        for (auto const& e : *ev) {
            if (!e.is_string() || !event_name(e.get<std::string>()))
                throw std::invalid_argument(where + "`events` lists event names (letters, digits and _)");
            allowed.push_back(e.get<std::string>());
        }
        bool sign_event = false;
        if (auto se = s.settings.find("sign_event"); se != s.settings.end()) {
            if (!se->is_boolean()) throw std::invalid_argument(where + "`sign_event` is true or false");
            sign_event = se->get<bool>();
        }
        std::string name = s.name;
        by_name[name] = Source{std::move(s), std::move(header), std::move(allowed), sign_event};
    }
    return by_name;
}

}  // namespace

void check_sources(std::vector<connectors::SourceSpec> const& sources) { parse_sources(sources); }

Routes make_inbound_webhook_routes(engine::Runtime& runtime, std::shared_ptr<SecurityEvents> events,
                                   std::vector<connectors::SourceSpec> sources) {
    auto by_name = std::make_shared<Sources>(parse_sources(std::move(sources)));
    auto nobodys_secret = std::make_shared<std::string>();
    {
        unsigned char raw[32];
        if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no randomness for the webhook routes");
        nobodys_secret->assign(reinterpret_cast<char const*>(raw), sizeof raw);
    }

    return [&runtime, by_name, events, nobodys_secret](http::Request& req, http::Respond& respond) {
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
        // An unknown source gets the same 401 as a wrong signature: nobody
        // without a secret learns which sources exist. The security event
        // tells the operator the truth.
        auto refuse = [&](std::string const& header, std::string reason, std::string message) {
            auto r = error(401, std::move(message), {{"reason", std::move(reason)}, {"header", header}});
            r.headers.emplace_back("WWW-Authenticate", "Signature realm=\"signflow\", header=\"" + header + "\"");
            respond(std::move(r));
        };
        if (it == by_name->end()) {
            // Checked as if against a secret nobody has: the same answers
            // (unsigned, malformed, mismatch) as a known source's.
            auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
            auto check = verify_signature(req.header(default_header), req.body, *nobodys_secret, now, 300);
            events->record("webhook_rejected", source_name, ip, {{"reason", "unknown source"}, {"event", event}});
            refuse(std::string(default_header), check.ok ? "mismatch" : check.reason, check.message);
            return true;
        }
        auto const& source = it->second;
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        // With sign_event the signature covers the event in the URL too:
        // HMAC(secret, t + "." + EVENT + "." + body).
        std::string event_and_body;
        if (source.sign_event) event_and_body = event + "." + req.body;
        auto check = verify_signature(req.header(source.header), source.sign_event ? event_and_body : req.body,
                                      source.spec.secret, now, source.spec.tolerance_seconds);
        if (!check.ok) {
            json detail = {{"reason", check.reason}, {"event", event}};
            if (check.reason == "unsigned") detail["header"] = source.header;
            events->record("webhook_rejected", source_name, ip, std::move(detail));
            refuse(source.header, check.reason, check.message);
            return true;
        }
        if (std::find(source.events.begin(), source.events.end(), event) == source.events.end()) {
            events->record("webhook_rejected", source_name, ip, {{"reason", "event not allowed"}, {"event", event}});
            respond(error(403, "source `" + source_name + "` may not send `" + event + "` (its `events` in "
                               "signflow.toml list what it may send)",
                          {{"reason", "event not allowed"}}));
            return true;
        }
        // The request is named by its source, event and signature: a replay
        // within the window (the same t and body to the same event) gets the
        // first answer and starts nothing, and a copy posted first to another
        // event cannot take the genuine delivery's answer. Nothing the
        // signature does not cover can name it: an Idempotency-Key header is
        // ignored here (an attacker who captured a request could vary it and
        // start an envelope per variation). Namespaced by `hook:`: it never
        // meets the operator's keys.
        http::Response bad;
        std::string key = "hook:" + source_name + ":" + event + ":" + check.signature;
        json data;
        if (!read_json(req, data, bad, true)) {
            respond(std::move(bad));
            return true;
        }
        runtime.post_event(event, std::move(data), key,
                           [respond](engine::Reply const& r) { respond(reply_of(r)); });
        return true;
    };
}

}  // namespace signflow::app
