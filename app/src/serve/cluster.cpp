#include "cluster.hpp"

#include "api_util.hpp"
#include "../files.hpp"

#include "signflow/base/digest.hpp"
#include "signflow/base/text.hpp"
#include "signflow/engine/time.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace signflow::app {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char const* client_field = "x-signflow-client";
constexpr char const* token_field = "x-signflow-forward";

// Members heard from within this long are up; older rows are shown as gone
// (a daemon that was killed leaves its row for an hour).
constexpr std::int64_t alive_ms = 30'000;

bool plausible_address(std::string const& s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '[' || c == ']'))
            return false;
    return true;
}

}  // namespace

std::string rule_versions(engine::Snapshot const& rules) {
    json out = json::object();
    for (auto const& [name, def] : rules.current)
        if (def) out[name] = def->version();
    return out.dump();
}

void check_shared_keys(storage::DaemonStore& store, std::string const& code_secret,
                       std::string const& certificate_fingerprint, fs::path const& files) {
    fs::path dir = files.parent_path().empty() ? fs::path(".") : files.parent_path();
    struct Key {
        char const* name;
        std::string fingerprint;
        std::string what;
    } const keys[] = {
        {"one-time-code key", base::sha256_hex(code_secret), (dir / "signflow-otp.key").string()},
        {"sealing certificate", certificate_fingerprint,
         "the [documents] key and cert (or " + (dir / "signflow-key.pem").string() + " and " +
             (dir / "signflow-cert.pem").string() + ")"},
    };
    for (auto const& k : keys) {
        std::string recorded = store.claim_key(k.name, k.fingerprint);
        if (recorded != k.fingerprint)
            throw InputError("this daemon's " + std::string(k.name) + " (" + k.what +
                             ") differs from the one the other daemons of " + store.describe() +
                             " use (SHA-256 " + recorded.substr(0, 16) + "…, this one " +
                             k.fingerprint.substr(0, 16) +
                             "…): copy those files from another daemon's data folder (docs/operations.md, "
                             "\"Running several daemons\")");
    }
}

Routes make_cluster_routes(storage::DaemonStore& store, std::function<void()> refresh) {
    return [&store, refresh](http::Request& req, http::Respond& respond) {
        if (req.path != "/v1/cluster") return false;
        if (req.method != "GET") {
            respond(method_not_allowed("GET"));
            return true;
        }
        if (refresh) refresh();
        storage::Cluster c = store.cluster();
        json members = json::array();
        // workflow -> version -> holders (members that are up)
        std::map<std::string, std::map<std::string, std::vector<std::string>>> served;
        for (auto const& m : c.members) {
            bool leads = m.holder == c.leader && m.leading;
            bool up = m.seen_ms_ago <= alive_ms;
            json rules = json::parse(m.rules, nullptr, false);
            if (!rules.is_object()) rules = json::object();
            if (up)
                for (auto const& [name, version] : rules.items())
                    if (version.is_string()) served[name][version.get<std::string>()].push_back(m.holder);
            json entry = {{"id", m.holder},
                          {"address", m.address},
                          {"role", leads ? "leader" : "standby"},
                          {"up", up},
                          {"started", engine::utc_text(engine::from_millis(m.started_ms))},
                          {"seen_ms_ago", m.seen_ms_ago},
                          // One partition for now: the leader owns every envelope.
                          {"partitions", leads ? json::array({"all"}) : json::array()},
                          {"rules", rules}};
            if (leads) entry["lease_left_ms"] = c.lease_left_ms;
            members.push_back(std::move(entry));
        }
        json warnings = json::array();
        for (auto const& [name, versions] : served) {
            if (versions.size() < 2) continue;
            std::string text = "workflow `" + name + "` is served in " + std::to_string(versions.size()) +
                               " versions:";
            for (auto const& [version, holders] : versions) {
                text += " " + version.substr(0, 12) + " by";
                for (auto const& h : holders) text += " " + h;
                text += ";";
            }
            text.back() = '.';
            warnings.push_back(text + " An envelope keeps its version; new ones start on the leader's.");
        }
        respond(reply_json(200, {{"leader", c.leader.empty() ? json(nullptr) : json(c.leader)},
                                 {"epoch", c.epoch},
                                 {"members", std::move(members)},
                                 {"warnings", std::move(warnings)}}));
        return true;
    };
}

Front::Front(boost::asio::io_context& io, std::string const& code_secret, http::Handler local, engine::LogFn log)
    : key_(base::hmac_sha256_hex(code_secret, "signflow: a request a standby forwards to its leader")),
      local_(std::move(local)),
      log_(std::move(log)),
      forwarder_(io) {}

http::Handler Front::handler() {
    return [this](http::Request&& req, http::Respond respond) {
        if (leading_.load(std::memory_order_acquire)) {
            from_our_standby(req);
            return local_(std::move(req), std::move(respond));
        }
        forward(std::move(req), std::move(respond));
    };
}

void Front::taking_over() { forwarder_.target("", 0); }

void Front::lead() {
    forwarder_.target("", 0);
    leading_.store(true, std::memory_order_release);
}

void Front::leader_at(std::string const& address) {
    std::string host;
    std::uint16_t port = 0;
    if (address.starts_with("http://")) {
        std::string rest = address.substr(7);
        auto colon = rest.rfind(':');
        if (colon != std::string::npos) {
            host = rest.substr(0, colon);
            if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
            try {
                int p = std::stoi(rest.substr(colon + 1));
                if (p > 0 && p < 65536) port = static_cast<std::uint16_t>(p);
            } catch (...) {
            }
        }
    }
    if (port == 0) host.clear();
    forwarder_.target(host, port);
    std::lock_guard lock(mutex_);
    if (address != leader_) {
        leader_ = address;
        log_(engine::LogLevel::info, address.empty() ? std::string("no daemon leads the database now")
                                                     : "forwarding requests to the leader at " + address);
    }
}

std::string Front::signature(std::int64_t t, std::string const& client, std::string const& method,
                             std::string const& target) const {
    return base::hmac_sha256_hex(key_, std::to_string(t) + "\n" + client + "\n" + method + " " + target);
}

bool Front::from_our_standby(http::Request& req) const {
    std::string client, signed_;
    std::erase_if(req.headers, [&](auto const& field) {
        if (field.first == client_field) {
            client = field.second;
            return true;
        }
        if (field.first == token_field) {
            signed_ = field.second;
            return true;
        }
        return false;
    });
    // "t=UNIX_SECONDS,v1=HEX"
    if (!signed_.starts_with("t=")) return false;
    auto comma = signed_.find(",v1=");
    if (comma == std::string::npos || comma > 14) return false;
    std::int64_t t = 0;
    for (char c : signed_.substr(2, comma - 2)) {
        if (c < '0' || c > '9') return false;
        t = t * 10 + (c - '0');
    }
    std::int64_t const now = base::now_ms() / 1000;
    if (t < now - 60 || t > now + 60) return false;
    if (!base::equal_constant_time(signed_.substr(comma + 4), signature(t, client, req.method, req.target)))
        return false;
    if (plausible_address(client)) req.remote = client;
    return true;
}

void Front::forward(http::Request&& req, http::Respond respond) {
    // A request one of our standbys forwarded to a daemon that no longer
    // leads: not sent round again.
    if (from_our_standby(req)) {
        auto r = error(503, "no daemon leads the database right now (a takeover is under way): retry shortly");
        r.headers.emplace_back("Retry-After", "1");
        return respond(std::move(r));
    }
    // Signed as it is sent (a request may wait for a connection, a spooled
    // upload take a while to send).
    auto fields = [this, client = req.remote, method = req.method, target = req.target] {
        std::int64_t const t = base::now_ms() / 1000;
        return std::vector<std::pair<std::string, std::string>>{
            {client_field, client},
            {token_field, "t=" + std::to_string(t) + ",v1=" + signature(t, client, method, target)}};
    };
    forwarder_.forward(std::move(req), {}, [respond = std::move(respond)](http::Forwarded f) {
        if (f.answered) return respond(std::move(f.response));
        http::Response r;
        if (!f.delivered) {
            r = error(503, "no daemon leads the database right now (a takeover is under way): retry shortly");
        } else {
            // It reached the leader, which went away before answering.
            r = error(502, "the leading daemon did not answer: the request may or may not have been applied; "
                           "send it again (with the same Idempotency-Key, if it had one)");
        }
        r.headers.emplace_back("Retry-After", "1");
        respond(std::move(r));
    }, std::move(fields));
}

}  // namespace signflow::app
