// The `sms` kind: an HTTP SMS gateway in Twilio's shape, a form POST of
// To, From and Body to `url` with HTTP basic auth. `notify NAME with "text"`
// texts the connector's `to`; the same settings make the SmsTransport the
// `messages` connector sends one-time codes and reminders with (Loaded::sms).
//
//     [connectors.texts]
//     kind = "sms"
//     url = "https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json"
//     account = "AC…"                 # basic auth user (or `username`)
//     token = "${TWILIO_AUTH_TOKEN}"  # basic auth password (or `api_key`)
//     sender_id = "+15550100"         # From (or `from`)
//     to = "+15550199"                # for notify (a string or a list)
//
// 2xx: sent; 429 and 5xx (and no answer): retried; any other status: the
// gateway refused the message (a bad number, bad credentials): permanent.
#include "builtin.hpp"
#include "signflow/net/client.hpp"
#include "http/settings.hpp"
#include "http/template.hpp"
#include "messages/encoding.hpp"

namespace signflow::connectors {
namespace {

struct Gateway {
    std::string url;
    std::string authorization;  // "Basic …"
    std::string from;
    std::string ca_file;
    std::chrono::milliseconds timeout{10000};
};

class GatewayTransport final : public SmsTransport {
public:
    explicit GatewayTransport(Gateway g) : g_(std::move(g)) {}

    SendOutcome send(SmsMessage const& message) override {
        net::Request req;
        req.method = "POST";
        req.url = g_.url;
        req.timeout = g_.timeout;
        req.ca_file = g_.ca_file;
        req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Accept", "application/json"},
                       {"Authorization", g_.authorization}};
        std::string const from = message.from.empty() ? g_.from : message.from;
        req.body = "To=" + http::percent_encode(message.to, true) + "&From=" + http::percent_encode(from, true) +
                   "&Body=" + http::percent_encode(message.text, true);
        net::Response res = net::send(req);
        std::string where;
        if (std::string error; auto url = net::parse_url(g_.url, error)) where = url->authority();
        SendOutcome out;
        if (!res.answered) {
            out.error = "sms gateway " + where + ": " + res.error;
            return out;
        }
        if (res.status >= 200 && res.status < 300) {
            out.ok = true;
            auto body = nlohmann::json::parse(res.body, nullptr, false);
            if (body.is_object())
                for (char const* key : {"sid", "id", "message_id"})
                    if (body.contains(key) && (body[key].is_string() || body[key].is_number())) {
                        out.receipt = body[key].is_string() ? body[key].get<std::string>() : body[key].dump();
                        break;
                    }
            return out;
        }
        out.permanent = !(res.status == 429 || res.status >= 500);
        // The gateway's own words ("The 'To' number is not a valid phone number"), shortened.
        std::string said = res.body.substr(0, 300);
        for (auto& c : said)
            if (c == '\r' || c == '\n') c = ' ';
        out.error = "sms gateway " + where + ": HTTP " + std::to_string(res.status) + (said.empty() ? "" : ": " + said);
        return out;
    }

private:
    Gateway g_;
};

class SmsConnector final : public engine::Connector {
public:
    SmsConnector(std::string name, std::shared_ptr<GatewayTransport> gateway, std::vector<std::string> to,
                 std::optional<engine::RetryPolicy> retry)
        : name_(std::move(name)), gateway_(std::move(gateway)), to_(std::move(to)), retry_(retry) {}

    std::string const& name() const override { return name_; }
    std::optional<engine::RetryPolicy> retry() const override { return retry_; }

    engine::DeliveryResult deliver(engine::Delivery const& d) override {
        if (d.kind != "notify")
            return {false, true,
                    "sms connector " + name_ + " sends `notify " + name_ + " with …` only, not `" + d.kind +
                        "` (signer messages go to the `messages` connector)",
                    {}};
        if (to_.empty()) return {false, true, "sms connector " + name_ + " has no `to` to text", {}};
        std::string text = messages_detail::notify_text(d.data);
        if (text.empty()) text = d.workflow + ": envelope " + std::to_string(d.instance);
        nlohmann::json receipts = nlohmann::json::array();
        for (auto const& number : to_) {
            SendOutcome sent = gateway_->send({"", number, text});
            if (!sent.ok) return {false, sent.permanent, "sms " + name_ + ": " + sent.error, {}};
            receipts.push_back(sent.receipt);
        }
        return {true, false, {}, {{"receipts", receipts}}};
    }

private:
    std::string name_;
    std::shared_ptr<GatewayTransport> gateway_;
    std::vector<std::string> to_;
    std::optional<engine::RetryPolicy> retry_;
};

// Base64 for the basic-auth header (messages/mime.cpp).
std::string basic(std::string const& user, std::string const& password) {
    return "Basic " + messages_detail::base64(user + ":" + password, 0);
}

}  // namespace

std::unique_ptr<engine::Connector> make_sms_connector(ConnectorSpec const& spec, Services const& services,
                                                      std::shared_ptr<SmsTransport>& transport) {
    (void)services;
    http::Settings s(spec, {"url", "account", "username", "token", "api_key", "sender_id", "from", "to", "timeout",
                            "ca_file", "retries", "backoff_base", "backoff_cap"});
    Gateway g;
    g.url = s.url("url");
    if (g.url.find("{{") != std::string::npos) s.fail("url", "cannot hold placeholders");
    if (s.has("account") && s.has("username")) s.fail("username", "cannot be set together with `account`");
    if (s.has("token") && s.has("api_key")) s.fail("api_key", "cannot be set together with `token`");
    if (s.has("sender_id") && s.has("from")) s.fail("from", "cannot be set together with `sender_id`");
    std::string const user = s.has("account") ? s.required_string("account") : s.string("username", "");
    std::string const secret = s.has("token") ? s.required_string("token") : s.string("api_key", "");
    if (user.empty() && secret.empty())
        s.fail("", "needs credentials: `account` and `token` (HTTP basic auth), or `api_key`");
    if (user.find(':') != std::string::npos) s.fail(s.has("account") ? "account" : "username", "cannot hold ':'");
    // With a key alone, the key is the basic-auth user and the password is
    // empty (the convention of Stripe-like APIs).
    g.authorization = user.empty() ? basic(secret, "") : basic(user, secret);
    g.from = s.has("sender_id") ? s.required_string("sender_id") : s.string("from", "");
    g.ca_file = s.ca_file();
    g.timeout = s.duration("timeout", std::chrono::seconds(10));
    std::vector<std::string> to;
    if (s.at("to").is_string())
        to.push_back(s.required_string("to"));
    else
        to = s.strings("to");
    auto retry = s.retry(-1, std::chrono::seconds(10), std::chrono::hours(1));
    auto gateway = std::make_shared<GatewayTransport>(std::move(g));
    transport = gateway;
    return std::make_unique<SmsConnector>(spec.name, gateway, std::move(to), retry);
}

}  // namespace signflow::connectors
