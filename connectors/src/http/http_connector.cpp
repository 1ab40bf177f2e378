// The `http` connector: `invoke NAME.operation with { … }` becomes one HTTP
// request to a business system (a CRM, billing, accounting), built from the
// connector's templates. Settings (docs/connectors.md, "## http"):
//
//     [connectors.crm]
//     kind = "http"
//     url = "https://api.example.com/v2/{{ operation }}/{{ data.deal_id }}"
//     method = "PATCH"                    # default POST
//     token = "${CRM_TOKEN}"              # Authorization: Bearer …
//     headers = { X-Team = "sales" }
//     body = { stage = "{{ data.stage }}" }   # default: the `with` object
//     content_type = "application/json"   # or application/x-www-form-urlencoded
//     idempotency_header = "Idempotency-Key"
//     timeout = "10s"
//     retries = 5
//     [connectors.crm.operations.update_deal]   # per operation: url, method, body, content_type
//
// A template sees {envelope: {id, workflow}, data: the `with` object,
// operation, key: the idempotency key}.
#include "builtin.hpp"
#include "signflow/net/client.hpp"
#include "http/outcome.hpp"
#include "http/settings.hpp"
#include "http/template.hpp"

#include <map>

namespace signflow::connectors {
namespace {

using nlohmann::json;

constexpr char const* json_type = "application/json";
constexpr char const* form_type = "application/x-www-form-urlencoded";

// One way of calling the system: the connector's own settings, or an
// operation's, which default to the connector's.
struct Call {
    std::string url;                    // a template (placeholders percent-encoded when filled)
    std::string method;
    std::optional<json> body;           // a template; none: the `with` object
    std::string content_type;
};

bool loopback(std::string const& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

class HttpConnector final : public engine::Connector {
public:
    HttpConnector(ConnectorSpec const& spec, Services const& services) : name_(spec.name) {
        http::Settings s(spec, {"url", "method", "headers", "token", "body", "content_type", "operations",
                                "idempotency_header", "timeout", "retries", "backoff_base", "backoff_cap",
                                "ca_file"});
        base_ = read_call(s, "", {}, s.has("operations"));
        if (s.has("headers")) {
            auto const& h = s.at("headers");
            if (!h.is_object()) s.fail("headers", "expected a table of header names and values");
            for (auto const& [name, value] : h.items()) {
                if (!value.is_string()) s.fail("headers." + name, "expected a string");
                if (auto bad = http::check_template(value)) s.fail("headers." + name, *bad);
                if (!net::valid_header_value(value.get<std::string>())) s.fail("headers." + name, "holds a line break");
                headers_.emplace_back(name, value.get<std::string>());
            }
        }
        token_ = s.string("token", "");
        if (!net::valid_header_value(token_)) s.fail("token", "holds a line break");
        idempotency_header_ = s.string("idempotency_header", "");
        timeout_ = s.duration("timeout", std::chrono::seconds(10));
        ca_file_ = s.ca_file();
        retry_ = s.retry(-1, {}, {});
        if (s.has("operations")) {
            auto const& ops = s.at("operations");
            if (!ops.is_object() || ops.empty())
                s.fail("operations", "expected tables, one per operation: [connectors." + name_ +
                                         ".operations.NAME] with url, method, body or content_type");
            for (auto const& [op, table] : ops.items()) operations_[op] = read_call(s, "operations." + op, table, false);
        }
        std::string error;
        auto url = net::parse_url(http::with_stand_ins(base_.url), error);
        if (url && !url->https() && !token_.empty() && !loopback(url->host) && services.warn)
            services.warn("connector " + name_ + " sends its token over plain http to " + url->host +
                          ": use https");
    }

    std::string const& name() const override { return name_; }

    std::optional<engine::RetryPolicy> retry() const override { return retry_; }

    engine::DeliveryResult deliver(engine::Delivery const& d) override {
        Call const* call = &base_;
        if (!operations_.empty()) {
            auto it = operations_.find(d.operation);
            if (it == operations_.end())
                return {false, true,
                        "connector " + name_ + " has no operation `" + d.operation + "` (its operations: " +
                            operation_list() + ")",
                        {}};
            call = &it->second;
        }

        json data = d.data.is_object() && d.data.contains("data") ? d.data["data"] : d.data;
        json context = {{"envelope", {{"id", d.instance}, {"workflow", d.workflow}}},
                        {"data", data},
                        {"operation", d.operation},
                        {"key", d.key}};
        net::Request request;
        request.method = call->method;
        request.timeout = timeout_;
        request.ca_file = ca_file_;
        try {
            request.url = http::interpolate(call->url, context, http::Escape::url_path);
            bool bodyless = !call->body && (call->method == "GET" || call->method == "DELETE");
            if (!bodyless) {
                json body = call->body ? http::render(*call->body, context) : data;
                if (call->content_type == form_type) {
                    if (!body.is_object() && !body.is_null())
                        return {false, true,
                                "connector " + name_ + ": a form-encoded body must be a table, not " +
                                    std::string(body.type_name()),
                                {}};
                    request.body = http::form_encode(body);
                } else {
                    request.body = body.dump();
                }
                request.headers.emplace_back("Content-Type", call->content_type);
            }
            request.headers.emplace_back("Accept", json_type);
            if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
            if (!idempotency_header_.empty()) request.headers.emplace_back(idempotency_header_, d.key);
            for (auto const& [name, value] : headers_)
                request.headers.emplace_back(name, http::interpolate(value, context));
            for (auto const& [name, value] : request.headers)
                if (!net::valid_header_value(value))
                    return {false, true, "connector " + name_ + ": header " + name + " would hold a line break", {}};
        } catch (http::TemplateError const& e) {
            // The delivery lacks what the templates need: the same request
            // would fail again, so it is a dead letter with the reason.
            return {false, true, "connector " + name_ + ": " + e.what(), {}};
        }
        return http::outcome(net::send(request), call->method + " " + host_of(request.url));
    }

private:
    Call read_call(http::Settings const& s, std::string const& prefix, json const& table, bool url_optional) {
        auto key = [&](char const* k) { return prefix.empty() ? std::string(k) : prefix + "." + k; };
        auto get = [&](char const* k) -> json const& {
            static json const null;
            if (prefix.empty()) return s.at(k);
            return table.contains(k) ? table.at(k) : null;
        };
        if (!prefix.empty()) {
            if (!table.is_object()) s.fail(prefix, "expected a table with url, method, body or content_type");
            for (auto const& [k, v] : table.items())
                if (k != "url" && k != "method" && k != "body" && k != "content_type")
                    s.fail(prefix + "." + k, "unknown setting of an operation (known: url, method, body, content_type)");
        }
        Call call;
        if (prefix.empty()) {
            call.url = url_optional && !s.has("url") ? std::string() : s.url("url");
            call.method = http::method_setting(s, "method", s.string("method", "POST"));
            call.content_type = s.string("content_type", json_type);
        } else {
            call = base_;
            if (!get("url").is_null()) call.url = s.url(key("url"), get("url"));
            if (!get("method").is_null()) {
                if (!get("method").is_string()) s.fail(key("method"), "expected a string");
                call.method = http::method_setting(s, key("method"), get("method").get<std::string>());
            }
            if (!get("content_type").is_null()) {
                if (!get("content_type").is_string()) s.fail(key("content_type"), "expected a string");
                call.content_type = get("content_type").get<std::string>();
            }
            if (table.contains("body")) call.body = table.at("body");
            if (call.url.empty()) s.fail(key("url"), "required (the connector has no url of its own)");
        }
        if (prefix.empty() && s.has("body")) call.body = s.at("body");
        if (call.body)
            if (auto bad = http::check_template(*call.body)) s.fail(key("body"), *bad);
        if (call.content_type != json_type && call.content_type != form_type)
            s.fail(key("content_type"), "expected \"application/json\" or \"application/x-www-form-urlencoded\"");
        if (call.content_type == form_type && call.body && !call.body->is_object())
            s.fail(key("body"), "a form-encoded body must be a table");
        return call;
    }

    static std::string host_of(std::string const& url) {
        std::string error;
        auto parsed = net::parse_url(url, error);
        return parsed ? parsed->authority() : "(bad url)";
    }

    std::string operation_list() const {
        std::string out;
        for (auto const& [op, call] : operations_) out += (out.empty() ? "" : ", ") + op;
        return out;
    }

    std::string name_;
    Call base_;
    std::map<std::string, Call> operations_;
    net::Headers headers_;  // values are templates
    std::string token_;
    std::string idempotency_header_;
    std::chrono::milliseconds timeout_{10000};
    std::string ca_file_;
    std::optional<engine::RetryPolicy> retry_;
};

}  // namespace

std::unique_ptr<engine::Connector> make_http_connector(ConnectorSpec const& spec, Services const& services) {
    return std::make_unique<HttpConnector>(spec, services);
}

}  // namespace signflow::connectors
