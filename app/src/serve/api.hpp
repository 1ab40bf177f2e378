#pragma once
// The daemon's HTTP API (docs/http-api.md): routes requests to the runtime and
// turns its replies into responses. No Beast here: the server library parses
// HTTP; this file only reads paths, headers and JSON.
#include "client_address.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/http/server.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace signflow::documents {
class IsolatedParser;
}

namespace signflow::app {

class FileWork;

struct ApiLog {
    std::function<void(std::string const&)> debug;
};

// A group of routes kept in its own file (bulk send, analytics, inbound
// webhooks…): answers the request and returns true when it is one of its
// own, else returns false without touching `respond`.
using Routes = std::function<bool(http::Request& req, http::Respond& respond)>;

// The API key a request came with, once the gate let it through (id 0: no
// key, under `serve --open`).
struct Caller {
    std::int64_t key_id = 0;
    std::string key_name;
};

// Routes that need to know which API key called (its idempotency keys are
// its own: bulk sends).
using KeyedRoutes = std::function<bool(http::Request& req, http::Respond& respond, Caller const& caller)>;

// Decides whether a request may go on: nullopt lets it through (and fills
// `caller` when it is not null), a response (401, 403) is sent instead.
// Called for every request but /healthz.
using Gate = std::function<std::optional<http::Response>(http::Request const& req, Caller* caller)>;

struct ApiOptions {
    ApiLog log;
    // Reverse proxies whose X-Forwarded-For / Forwarded name the client
    // (client_address.hpp); a request's `remote` becomes that client before
    // anything else reads it. Others' forwarding headers are ignored and
    // reported to `forwarded_ignored` (with the peer's address).
    TrustedProxies proxies;
    std::function<void(std::string const& peer)> forwarded_ignored;
    Gate gate;                  // empty: everything is open (tests of the engine alone)
    std::vector<Routes> routes; // tried in order, before the built-in routes
    std::vector<KeyedRoutes> keyed_routes;  // then these, which need to know the caller
    std::function<std::string()> metrics;  // more Prometheus text for /metrics (analytics)
    // Uploads are read in a child process with limits (isolated.hpp), on
    // the file threads (file_work.hpp).
    std::shared_ptr<documents::IsolatedParser const> files;
    std::shared_ptr<FileWork> work;
};

// The handler for http::Server. Thread-safe; answers through `respond`,
// possibly later (events are answered after their commit).
// `store`: for the reads the runtime does not answer (the certificate of
// completion).
http::Handler make_api(engine::Runtime& runtime, engine::Store& store, ApiOptions options);

}  // namespace signflow::app
