// Pieces every route of the daemon's API uses: JSON answers and errors, the
// body and header checks, ids, where a request came from.
#include "api_util.hpp"

#include "signflow/base/digest.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace signflow::app {
using nlohmann::json;

http::Response reply_json(int status, json const& body) {
    http::Response r;
    r.status = status;
    // A name from the path may be any bytes (`%FF`): answers echo it, so
    // invalid UTF-8 is replaced rather than thrown on (on whatever thread
    // answers: the committer's, after a commit).
    r.body = body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    return r;
}

http::Response error(int status, std::string message, json extra) {
    extra["error"] = std::move(message);
    return reply_json(status, extra);
}

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        auto end = path.find('/');
        out.push_back(path.substr(0, end));
        if (end == std::string_view::npos) break;
        path.remove_prefix(end);
    }
    return out;
}

bool parse_id(std::string_view s, std::int64_t& id) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    return ec == std::errc() && p == s.data() + s.size() && id > 0;
}

// Where in the body a JSON syntax error is, as line:column.
namespace {
std::string position(std::string const& body, std::size_t byte) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < byte && i < body.size(); ++i) {
        if (body[i] == '\n') ++line, col = 1;
        else ++col;
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
}
}  // namespace

// Parses a JSON body; on failure fills `bad` with the 4xx to answer.
bool read_json(http::Request const& req, json& out, http::Response& bad, bool required) {
    if (req.body.empty() && !required) {
        out = json::object();
        return true;
    }
    auto const* type = req.header("content-type");
    std::string_view t = type ? std::string_view(*type) : std::string_view();
    if (t.substr(0, t.find(';')) != "application/json") {
        bad = error(415, "the body must be JSON, sent with Content-Type: application/json",
                    {{"content_type", type ? *type : std::string("(none)")}});
        return false;
    }
    if (req.body.empty()) {
        bad = error(400, "the body is empty; send a JSON object");
        return false;
    }
    try {
        out = json::parse(req.body);
    } catch (json::parse_error const& e) {
        std::string what = e.what();
        if (auto p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
        bad = error(400, "the body is not valid JSON at " + position(req.body, e.byte), {{"detail", what}});
        return false;
    }
    if (!out.is_object()) {
        bad = error(400, "the body must be a JSON object ({…}), not " + std::string(out.type_name()));
        return false;
    }
    return true;
}

bool idempotency_key(http::Request const& req, std::string& key, http::Response& bad) {
    auto const* k = req.header("idempotency-key");
    if (!k) return true;
    if (k->empty() || k->size() > 255) {
        bad = error(400, "Idempotency-Key must be 1 to 255 characters");
        return false;
    }
    for (unsigned char c : *k)
        if (c < 0x21 || c > 0x7e) {
            bad = error(400, "Idempotency-Key must be printable ASCII without spaces");
            return false;
        }
    // The daemon's own keys (inbound webhooks, signing pages, bulk rows).
    for (std::string_view reserved : {"hook:", "page:", "bulk:"})
        if (k->starts_with(reserved)) {
            bad = error(400, "Idempotency-Key may not begin with `" + std::string(reserved) +
                                 "`: the daemon keeps that prefix for its own keys");
            return false;
        }
    key = *k;
    return true;
}

std::string request_fingerprint(http::Request const& req) {
    return req.method + " " + req.path + " " + base::sha256_hex(req.body);
}

// Who sent a request, for the audit trail: the peer's address (without the
// port) and its User-Agent.
std::string ip_of(std::string_view remote) {
    if (!remote.empty() && remote.front() == '[') return std::string(remote.substr(1, remote.find(']') - 1));
    return std::string(remote.substr(0, remote.rfind(':')));
}

engine::Origin origin_of(http::Request const& req) {
    engine::Origin o;
    o.ip = ip_of(req.remote);
    if (auto const* ua = req.header("user-agent")) o.user_agent = ua->substr(0, 512);
    return o;
}

http::Response method_not_allowed(char const* allow) {
    auto r = error(405, std::string("method not allowed here; use ") + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
}

}  // namespace signflow::app
