#pragma once
// Sends requests the server took on to another server and hands back its
// answers: how a standing-by daemon answers any request, by forwarding it to
// the daemon that leads the database (docs/operations.md, "Running several
// daemons").
//
// Connections to the target are kept open and reused (a forwarded request
// costs one local round trip, not a connect), at most `max_connections` at
// once: further requests wait, in order, for one to come free. A request
// whose reused connection turns out to have been closed by the target before
// it read a byte is sent again on a fresh connection, when that is harmless
// (the request had not gone out whole, or it is a GET, HEAD or OPTIONS, or
// carries an Idempotency-Key); none other is ever sent twice.
//
// Beast stays in src/forwarder.cpp.
#include "signflow/http/server.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace signflow::http {

struct ForwardOptions {
    std::size_t max_connections = 32;
    // One request, from taking a connection to the answer's last byte.
    std::chrono::seconds timeout{120};
    // An idle connection is closed after this: below the target's own idle
    // timeout, so that it is not the target that closes it under a request.
    std::chrono::seconds idle_keep{10};
    std::size_t max_body = std::size_t{512} << 20;  // the answer's body
};

struct Forwarded {
    bool answered = false;  // the target answered: `response` is its answer
    // False: the request never reached the target (no target, refused, a
    // connect timeout): it cannot have been applied there.
    bool delivered = false;
    std::string error;  // when not answered: what went wrong
    Response response;
};

class Forwarder {
public:
    Forwarder(boost::asio::io_context& io, ForwardOptions options = {});
    ~Forwarder();
    Forwarder(Forwarder const&) = delete;
    Forwarder& operator=(Forwarder const&) = delete;

    // Where requests go from now on ("" host: nowhere, every request fails
    // undelivered). Open connections to a former target are closed as they
    // come free. Thread-safe.
    void target(std::string const& host, std::uint16_t port);

    // Sends `request` (its body, or the file it was spooled to) with its own
    // header fields less the hop-by-hop ones, plus `extra`, plus what
    // `fields` gives each time the request goes out (a signature with the
    // time of sending); calls `done` once, on an io_context thread.
    void forward(Request request, std::vector<std::pair<std::string, std::string>> extra,
                 std::function<void(Forwarded)> done,
                 std::function<std::vector<std::pair<std::string, std::string>>()> fields = {});

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace signflow::http
