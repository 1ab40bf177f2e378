#pragma once
// The daemon's HTTP API (docs/http-api.md): routes requests to the runtime and
// turns its replies into responses. No Beast here: the server library parses
// HTTP; this file only reads paths, headers and JSON.
#include "signflow/engine/runtime.hpp"
#include "signflow/http/server.hpp"

#include <functional>
#include <string>

namespace signflow::app {

struct ApiLog {
    std::function<void(std::string const&)> debug;
};

// The handler for http::Server. Thread-safe; answers through `respond`,
// possibly later (events are answered after their commit).
// `store`: for the reads the runtime does not answer (the certificate of
// completion).
http::Handler make_api(engine::Runtime& runtime, engine::Store& store, ApiLog log);

}  // namespace signflow::app
