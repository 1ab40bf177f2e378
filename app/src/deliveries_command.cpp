// `signflow deliveries list|retry`: the outbox of a running daemon, as an
// operator sees it (what went out, what is waiting, what was given up) and
// a dead letter sent again. The same as GET /v1/deliveries and
// POST /v1/deliveries/{key}/retry, so it needs an admin API key.
#include "commands.hpp"
#include "daemon_client.hpp"
#include "files.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cctype>
#include <iostream>
#include <memory>

namespace signflow::app {

namespace {

std::string encode(std::string const& s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
        else out += {'%', hex[c >> 4], hex[c & 15]};
    }
    return out;
}

// The daemon's answer as JSON, or an error naming its status and message.
nlohmann::json answer(DaemonReply const& r, int expected) {
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status != expected) {
        std::string why = body.is_object() && body.contains("error") ? body["error"].get<std::string>() : r.body;
        throw InputError("the daemon answered " + std::to_string(r.status) + ": " + why);
    }
    if (body.is_discarded()) throw InputError("the daemon's answer is not JSON");
    return body;
}

struct Options {
    DaemonTarget target;
    std::string status, connector;
    int limit = 100;
    bool json = false;
    std::vector<std::string> keys;
};

int list(Options o) {
    o.target.from_environment();
    std::string path = "/v1/deliveries?limit=" + std::to_string(o.limit);
    if (!o.status.empty()) path += "&status=" + encode(o.status);
    if (!o.connector.empty()) path += "&connector=" + encode(o.connector);
    auto body = answer(call_daemon(o.target, "GET", path), 200);
    if (o.json) {
        std::cout << body.dump(2) << "\n";
        return 0;
    }
    auto const& rows = body["deliveries"];
    if (rows.empty()) std::cout << "no deliveries\n";
    for (auto const& d : rows) {
        std::cout << d.value("status", "") << "  " << d.value("key", "") << "  " << d.value("kind", "") << " -> "
                  << d.value("target", "") << "  envelope " << d.value("instance", std::int64_t{0}) << "  attempts "
                  << d.value("attempts", 0);
        if (d.contains("next_attempt_at")) std::cout << "  next " << d["next_attempt_at"].get<std::string>();
        std::cout << "\n";
        if (d.contains("last_error")) std::cout << "    last error: " << d["last_error"].get<std::string>() << "\n";
    }
    return 0;
}

int retry(Options o) {
    o.target.from_environment();
    int failed = 0;
    for (auto const& key : o.keys) {
        auto r = call_daemon(o.target, "POST", "/v1/deliveries/" + encode(key) + "/retry");
        if (r.status == 202) {
            std::cout << key << ": pending again, delivered now\n";
            continue;
        }
        ++failed;
        auto body = nlohmann::json::parse(r.body, nullptr, false);
        std::cerr << key << ": " << (body.is_object() ? body.value("error", r.body) : r.body) << "\n";
    }
    return failed ? exit_findings : exit_ok;
}


}  // namespace

void add_deliveries_commands(CLI::App& app, Runner& run) {
    auto options = std::make_shared<Options>();
    auto* deliveries = app.add_subcommand("deliveries", "What the connectors delivered, are retrying or gave up")
                           ->require_subcommand(1);
    auto* ls = deliveries->add_subcommand("list", "List deliveries (newest last)");
    ls->add_option("--status", options->status, "pending, delivered or dead (default: all)")
        ->check(CLI::IsMember({"pending", "delivered", "dead"}));
    ls->add_option("--connector", options->connector, "only this connector's");
    ls->add_option("--limit", options->limit, "at most this many (1–1000)")->check(CLI::Range(1, 1000));
    ls->add_flag("--json", options->json, "the daemon's JSON as it is");
    add_target_options(ls, options->target, "an admin API key (default $SIGNFLOW_API_KEY)");
    ls->callback([&run, options] { run = [options] { return list(*options); }; });

    auto* again = deliveries->add_subcommand("retry", "Deliver dead letters again (attempts start from zero)");
    again->add_option("keys", options->keys, "the deliveries' keys (from `deliveries list --status dead`)")
        ->required();
    add_target_options(again, options->target, "an admin API key (default $SIGNFLOW_API_KEY)");
    again->callback([&run, options] { run = [options] { return retry(*options); }; });
}

}  // namespace signflow::app
