#pragma once
// The command line's way to a running daemon: one HTTP/1.1 request through
// signflow::net (http to the daemon's own address, or https to a proxy in
// front of it), under one 60-second deadline. Used by the commands that act
// on the daemon rather than on files: `signflow deliveries`.
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace signflow::app {

struct DaemonTarget {
    std::string url = "http://127.0.0.1:8080";  // --url; SIGNFLOW_URL
    std::string key;                            // --key; SIGNFLOW_API_KEY
    // Fills url/key from the environment where the options left them empty
    // or at their default.
    void from_environment();
};

struct DaemonReply {
    int status = 0;
    std::string body;
};

// A command's --url and --key options (`key_help`: which key it needs).
void add_target_options(CLI::App* cmd, DaemonTarget& target, char const* key_help);

// Sends one request; throws InputError (files.hpp) when the daemon cannot be
// reached, naming the address and the reason.
DaemonReply call_daemon(DaemonTarget const& target, std::string const& method, std::string const& path,
                        std::string const& body = {}, std::string const& content_type = "application/json");

}  // namespace signflow::app
