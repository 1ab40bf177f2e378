#pragma once
// Pieces every route of the daemon's API uses (api.cpp and the route groups
// beside it): JSON answers and errors, body and header checks, ids, where a
// request came from.
#include "signflow/engine/runtime.hpp"
#include "signflow/http/server.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::app {

// A JSON answer; invalid UTF-8 in echoed names is replaced, not thrown on.
http::Response reply_json(int status, nlohmann::json const& body);
// {"error": message, …extra}
http::Response error(int status, std::string message, nlohmann::json extra = nlohmann::json::object());
http::Response method_not_allowed(char const* allow);

// "/v1/instances/7" -> {"v1", "instances", "7"}
std::vector<std::string_view> segments(std::string_view path);
// A positive decimal id.
bool parse_id(std::string_view s, std::int64_t& id);
// Parses a JSON object body; on failure fills `bad` with the 4xx to answer.
// An empty body is {} unless `required`.
bool read_json(http::Request const& req, nlohmann::json& out, http::Response& bad, bool required);
// The Idempotency-Key header, checked (printable ASCII, 1–255 characters).
bool idempotency_key(http::Request const& req, std::string& key, http::Response& bad);
// What a request was, for its idempotency key (engine::IdempotencyKey):
// "METHOD PATH SHA256(body)".
std::string request_fingerprint(http::Request const& req);
// The peer's address (without the port) and User-Agent, for the audit trail.
engine::Origin origin_of(http::Request const& req);
// The address of a Request::remote ("1.2.3.4:5678" → "1.2.3.4", "[::1]:5678" → "::1").
std::string ip_of(std::string_view remote);

}  // namespace signflow::app
