#pragma once
// A small synchronous HTTP/1.1 client. Each call runs on the caller's
// thread, on an io_context of its own, under one deadline that covers name
// resolution, connect, the TLS handshake, sending and reading the answer: a
// receiver that hangs costs at most `timeout`, never more.
//
// https verifies the peer against the system's trust store (or `ca_file`,
// for a private CA or a test's self-signed certificate), checks the host name
// (or IP address) against the certificate and sends SNI. There is no
// connection reuse: the callers (deliveries, timestamps, one command line
// request) are rare enough that a fresh connection per call is simpler than
// a pool, and it cannot carry state between attempts.
//
// Beast lives in client.cpp only (a Beast translation unit is slow to build).
#include "signflow/net/url.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace signflow::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Bodies larger than this are cut by default: connectors only read a
// receipt id or an error message from an answer, and a runaway receiver
// must not fill memory.
inline constexpr std::size_t max_response_body = 1 << 20;

struct Request {
    std::string method = "POST";
    std::string url;
    Headers headers;                           // sent as given; they replace Host or User-Agent if named
    std::string body;                          // Content-Length is set from it (none for a bodiless GET)
    std::chrono::milliseconds timeout{10000};  // the whole call, resolve to last byte
    std::string ca_file;                       // PEM bundle to trust instead of the system store
    std::size_t max_body = max_response_body;  // the answer's body is cut beyond this
};

struct Response {
    // False when no HTTP answer came back (bad URL, resolution, refused,
    // reset, TLS, timeout); `error` then says which ("cannot connect:
    // Connection refused"); the caller names the host.
    bool answered = false;
    bool timed_out = false;
    std::string error;
    int status = 0;
    Headers headers;
    std::string body;        // at most the request's max_body bytes
    bool truncated = false;  // the body was longer than that (`body` may then be empty)

    std::string const* header(std::string const& name) const;  // case-insensitive
};

Response send(Request const& request);

// A header value may not hold CR, LF or NUL (they would end the header and
// let data write headers of its own).
bool valid_header_value(std::string const& value);

// "signflow/0.1.0": sent on every request unless `headers` sets User-Agent.
std::string user_agent();

}  // namespace signflow::net
