#pragma once
// An absolute http(s) URL, split for a connection: the one parser of the
// URLs signflow calls (connector and webhook endpoints, SMS gateways, a
// timestamp authority, the daemon the command line talks to).
#include <optional>
#include <string>

namespace signflow::net {

struct Url {
    std::string scheme;  // "http" or "https"
    std::string host;    // without brackets for IPv6 literals
    std::string port;    // explicit or the scheme's default
    std::string target;  // path and query, at least "/"
    bool https() const { return scheme == "https"; }
    // host:port, what errors name (never the path: it may hold ids or keys).
    std::string authority() const;
    // The Host header: the port only when it is not the scheme's default.
    std::string host_header() const;
};

// Nullopt with `error` set for anything but http(s)://host[:port][/path][?query]
// (a fragment is dropped; credentials, spaces and control characters are refused).
std::optional<Url> parse_url(std::string const& text, std::string& error);

}  // namespace signflow::net
