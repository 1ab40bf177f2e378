#include "daemon_client.hpp"

#include "files.hpp"

#include <CLI/CLI.hpp>

#include "signflow/net/client.hpp"

#include <chrono>
#include <cstdlib>

namespace signflow::app {

void add_target_options(CLI::App* cmd, DaemonTarget& t, char const* key_help) {
    cmd->add_option("--url", t.url, "the daemon (default http://127.0.0.1:8080, or $SIGNFLOW_URL)");
    cmd->add_option("--key", t.key, key_help);
}

void DaemonTarget::from_environment() {
    if (char const* u = std::getenv("SIGNFLOW_URL"); u && *u && url == "http://127.0.0.1:8080") url = u;
    if (char const* k = std::getenv("SIGNFLOW_API_KEY"); k && *k && key.empty()) key = k;
}

DaemonReply call_daemon(DaemonTarget const& target, std::string const& method, std::string const& path,
                        std::string const& body, std::string const& content_type) {
    std::string error;
    auto url = net::parse_url(target.url, error);
    if (!url) throw InputError("--url: `" + target.url + "`: " + error);
    // What follows the authority is a path prefix (a proxy's /signflow).
    std::string prefix = url->target;
    if (auto query = prefix.find('?'); query != std::string::npos) prefix.resize(query);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    net::Request request;
    request.method = method;
    request.url = url->scheme + "://" + url->host_header() + prefix + path;
    request.headers = {{"User-Agent", "signflow-cli"}};
    if (!target.key.empty()) request.headers.emplace_back("Authorization", "Bearer " + target.key);
    if (!body.empty() || method == "POST") request.headers.emplace_back("Content-Type", content_type);
    request.body = body;
    request.timeout = std::chrono::seconds(60);
    request.max_body = 64 << 20;  // a listing of 1,000 deliveries is well under this
    auto reply = net::send(request);
    if (!reply.answered)
        throw InputError("cannot reach the daemon at " + url->authority() + ": " + reply.error +
                         " (is `signflow serve` running?)");
    if (reply.truncated) throw InputError("the daemon at " + url->authority() + " answered with more than 64 MB");
    return {reply.status, std::move(reply.body)};
}

}  // namespace signflow::app
