// The `webhook` connector: signed JSON POSTs to a receiver the customer runs
// (like DocuSign Connect). The engine emits one delivery per lifecycle event
// the connector subscribes to (`events`); `invoke` and `notify` may name it
// too. Settings (docs/connectors.md, "## webhook"):
//
//     [connectors.erp_events]
//     kind = "webhook"
//     url = "https://erp.example.com/hooks/signflow"
//     secret = "${ERP_WEBHOOK_SECRET}"     # HMAC-SHA256 key, required
//     events = ["envelope.completed", "envelope.declined"]
//     workflows = ["nda_onboarding"]       # optional: only these workflows' events
//     signature_header = "Signflow-Signature"
//     timeout = "10s"
//     retries = 12                         # then the delivery is a dead letter
//     backoff_base = "5m"
//     backoff_cap = "12h"
//
// The body: {"id": idempotency key, "event", "created_at", "envelope": {id,
// workflow, …}, "data": {…}}; the receiver deduplicates on `id` (also sent as
// Idempotency-Key) since a delivery may arrive more than once.
#include "signflow/engine/time.hpp"
#include "builtin.hpp"
#include "signflow/net/client.hpp"
#include "http/outcome.hpp"
#include "http/settings.hpp"
#include "http/template.hpp"
#include "webhook/signature.hpp"

#include <algorithm>
#include <ctime>

namespace signflow::connectors {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The lifecycle events the engine emits (the engine contract).
std::vector<std::string> const& known_events() {
    static std::vector<std::string> const events = {
        "envelope.created",   "envelope.sent",      "envelope.completed", "envelope.declined",
        "envelope.expired",   "envelope.cancelled", "envelope.failed",    "recipient.sent",
        "recipient.viewed",   "recipient.signed",   "recipient.declined", "recipient.authentication_failed",
        "recipient.copied",   "recipient.delegated", "document.sealed"};
    return events;
}

bool contains(std::vector<std::string> const& list, std::string const& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

class WebhookConnector final : public engine::Connector {
public:
    WebhookConnector(ConnectorSpec const& spec, Services const& services) : name_(spec.name) {
        http::Settings s(spec, {"url", "secret", "events", "workflows", "signature_header", "headers", "timeout",
                                "retries", "backoff_base", "backoff_cap", "ca_file"});
        url_ = s.url("url");
        if (url_.find("{{") != std::string::npos) s.fail("url", "a webhook's url has no placeholders");
        secret_ = s.required_string("secret");
        events_ = s.strings("events");
        for (auto const& e : events_)
            if (!contains(known_events(), e)) {
                std::string list;
                for (auto const& k : known_events()) list += (list.empty() ? "" : ", ") + k;
                s.fail("events", "unknown event `" + e + "` (events: " + list + ")");
            }
        workflows_ = s.strings("workflows");
        signature_header_ = s.string("signature_header", "Signflow-Signature");
        if (signature_header_.empty()) s.fail("signature_header", "must not be empty");
        if (s.has("headers")) {
            auto const& h = s.at("headers");
            if (!h.is_object()) s.fail("headers", "expected a table of header names and values");
            for (auto const& [name, value] : h.items()) {
                if (!value.is_string()) s.fail("headers." + name, "expected a string");
                if (!net::valid_header_value(value.get<std::string>())) s.fail("headers." + name, "holds a line break");
                headers_.emplace_back(name, value.get<std::string>());
            }
        }
        timeout_ = s.duration("timeout", 10s);
        ca_file_ = s.ca_file();
        retry_ = *s.retry(12, 5min, 12h);
        std::string error;
        auto url = net::parse_url(url_, error);
        if (url && !url->https() && url->host != "localhost" && url->host.rfind("127.", 0) != 0 &&
            url->host != "::1" && services.warn)
            services.warn("webhook connector " + name_ + " posts to plain http at " + url->host +
                          ": the body is signed but readable on the way; use https");
    }

    std::string const& name() const override { return name_; }

    std::optional<engine::RetryPolicy> retry() const override { return retry_; }

    engine::DeliveryResult deliver(engine::Delivery const& d) override {
        auto now = std::chrono::system_clock::now();
        json body = {{"id", d.key}};
        json envelope = {{"id", d.instance}, {"workflow", d.workflow}};
        json const& payload = d.data;
        std::string event;
        if (d.kind == "webhook") {
            event = payload.value("event", "");
            // The engine sends only subscribed events; these guards keep a
            // receiver from getting what it did not ask for all the same.
            if (!contains(events_, event)) return skipped("event " + event + " is not in events");
            if (!workflows_.empty() && !contains(workflows_, d.workflow))
                return skipped("workflow " + d.workflow + " is not in workflows");
            for (char const* k : {"version", "state"})
                if (payload.contains(k)) envelope[k] = payload[k];
            json data = payload.contains("detail") && payload["detail"].is_object() ? payload["detail"] : json::object();
            if (payload.contains("role") && !payload["role"].is_null()) data["role"] = payload["role"];
            body["event"] = event;
            body["created_at"] = payload.contains("occurred_at") ? payload["occurred_at"] : json(engine::utc_text(std::chrono::time_point_cast<std::chrono::milliseconds>(now)));
            body["envelope"] = envelope;
            body["data"] = data;
        } else {
            // invoke NAME.operation with {…} / notify NAME with "text": the
            // action's data as the event's.
            event = "workflow." + d.kind;
            json data = payload.is_object() && payload.contains("data") ? payload["data"] : payload;
            if (!data.is_object()) data = json{{"text", data}};
            body["event"] = event;
            body["created_at"] = engine::utc_text(std::chrono::time_point_cast<std::chrono::milliseconds>(now));
            body["envelope"] = envelope;
            if (!d.operation.empty()) body["operation"] = d.operation;
            body["data"] = data;
        }

        net::Request request;
        request.method = "POST";
        request.url = url_;
        request.timeout = timeout_;
        request.ca_file = ca_file_;
        request.body = body.dump();
        auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        request.headers = {{"Content-Type", "application/json"},
                           {signature_header_, webhook::signature(secret_, seconds, request.body)},
                           {"Idempotency-Key", d.key},
                           {"Signflow-Event", event}};
        for (auto const& h : headers_) request.headers.push_back(h);
        auto result = http::outcome(net::send(request), "webhook POST " + authority());
        if (result.ok) result.detail["event"] = event;
        return result;
    }

private:
    static engine::DeliveryResult skipped(std::string why) {
        return {true, false, {}, json{{"skipped", std::move(why)}}};
    }

    std::string authority() const {
        std::string error;
        auto url = net::parse_url(url_, error);
        return url ? url->authority() : "(bad url)";
    }

    std::string name_;
    std::string url_;
    std::string secret_;
    std::vector<std::string> events_;
    std::vector<std::string> workflows_;
    std::string signature_header_;
    net::Headers headers_;
    std::chrono::milliseconds timeout_{10000};
    std::string ca_file_;
    engine::RetryPolicy retry_;
};

}  // namespace

std::unique_ptr<engine::Connector> make_webhook_connector(ConnectorSpec const& spec, Services const& services) {
    return std::make_unique<WebhookConnector>(spec, services);
}

}  // namespace signflow::connectors
