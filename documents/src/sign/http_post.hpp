#pragma once
// A small blocking HTTP/1.1 client, just enough to ask an RFC 3161
// timestamp authority: one POST over plain TCP (no TLS: TSAs answer over
// http, and a token is signed, so the channel needs no secrecy), a deadline
// on the connection and the exchange (not on resolving the name, which
// getaddrinfo does without one), `Connection: close`, a body read by Content-Length,
// chunked encoding, or to the end of the stream.
#include <chrono>
#include <string>
#include <string_view>

namespace signflow::documents::sign_detail {

struct HttpAnswer {
    int status = 0;
    std::string content_type;
    std::string body;
};

// POSTs `body` to `url` (http://host[:port]/path). DocumentError naming the
// URL when it is malformed or https, the host does not resolve, the
// connection is refused, the deadline passes, or the answer is not HTTP.
HttpAnswer http_post(std::string const& url, std::string_view content_type, std::string_view body,
                     std::chrono::milliseconds deadline = std::chrono::seconds(10));

}  // namespace signflow::documents::sign_detail
