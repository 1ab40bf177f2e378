#pragma once
// The HTTP/1.1 front door of the daemon. It turns requests into calls of one
// Handler and enforces the limits that keep a hostile or broken client from
// tying the daemon up: header and body sizes, a deadline on every read and
// write, an idle timeout for keep-alive connections, a cap on connections.
// It knows nothing of workflows; the daemon routes in its Handler.
//
// The trade-off: one request at a time per connection (read → handler →
// write → read the next). Pipelined requests are answered in order because
// the next one is not read before the previous answer is written. The answer
// may come later and from any thread (the engine answers after its group
// commit), so a connection waits without a deadline while its handler works.
//
// Threads: one io_context, run by as many threads as the daemon likes. Every
// connection lives on its own strand; the Handler is called on that strand,
// so it runs concurrently for different connections and must be thread-safe.
// It should return quickly (queue the work, answer through Respond later).
//
// Beast stays in src/server.cpp: this header costs nothing to include.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace signflow::http {

struct Request {
    std::string method;  // "GET", "POST", … as sent (HTTP methods are case-sensitive)
    std::string target;  // the raw target, e.g. "/v1/instances?workflow=x"
    std::string path;    // the target's path, percent-decoded, without the query
    // The query's pairs in the order sent, percent-decoded ('+' is a space, as
    // in HTML forms). A key without '=' has an empty value.
    std::vector<std::pair<std::string, std::string>> query;
    // The header fields in the order sent, names lower-cased; a repeated
    // field appears once per occurrence.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // A body the server spooled to a temporary file instead (see
    // Limits::spool): its path, and `body` is empty. Empty otherwise. The
    // file is deleted once the answer is given (or the connection dies):
    // a handler that reads it after answering opens it first (on POSIX an
    // open file stays readable after its name is gone).
    std::string body_file;
    std::string remote;  // the peer, "127.0.0.1:54321" or "[::1]:54321"

    // The first header field of this name (compared ignoring case), or null.
    std::string const* header(std::string_view name) const;
    // The first query parameter of this name, or null.
    std::string const* param(std::string_view name) const;
};

struct Response {
    int status = 200;  // 200–599; anything else is answered as a 500
    std::string content_type = "application/json";  // empty: no Content-Type
    std::string body;
    // Extra fields. The server writes Content-Length, Server and Connection
    // itself and ignores those (and Transfer-Encoding) here, except that
    // "Connection: close" is honoured: the connection closes after the answer.
    std::vector<std::pair<std::string, std::string>> headers;
};

// Answers one request. Call it exactly once, from any thread, now or later.
// A second call is ignored (and reported through Limits::on_error). If every
// copy is destroyed without a call, the client gets a 500. If the client has
// gone meanwhile, the answer is dropped. A pending Respond keeps its
// connection's memory alive, not the client: the io_context must outlive it.
using Respond = std::function<void(Response)>;

// Called once per request, on the connection's strand. May throw: the client
// then gets a 500 (the exception's text goes to on_error, not to the client)
// and the connection keeps serving.
using Handler = std::function<void(Request&&, Respond)>;

// Requests allowed a large body (a bulk upload): their body goes to a
// temporary file as it arrives, never into memory, and the handler gets its
// path (Request::body_file).
struct SpoolRule {
    std::string method;       // "POST"
    std::string path_prefix;  // "/v1/bulk/": matched against the decoded path
};

struct Limits {
    // The request line and header fields together; more → 431 and close.
    std::size_t header_bytes = 8 * 1024;
    // The body (after de-chunking); more → 413 and close.
    std::size_t body_bytes = 1024 * 1024;
    // Requests whose body is spooled to a file (SpoolRule) may send up to
    // spool_bytes; more → 413 and close. Files go to spool_dir (empty: the
    // system's temporary folder).
    std::vector<SpoolRule> spool;
    std::uint64_t spool_bytes = std::uint64_t{1} << 30;
    std::filesystem::path spool_dir;
    // All spooled bodies being received at once, together (their declared
    // lengths, or what has arrived): past it a new one is answered 503 and
    // one growing past it 413, closed. Spool files left in spool_dir (when
    // it is set) by a crash are removed when the server is made.
    std::uint64_t spool_budget = std::uint64_t{4} << 30;
    // A spooled body must arrive at spool_min_rate bytes a second on average
    // (counted after read_timeout, so a slow start is forgiven) and as a
    // whole within spool_deadline: a client that trickles an upload cannot
    // hold its connection (and a graceful stop) for ever. Either → 408, closed.
    std::uint64_t spool_min_rate = 16 * 1024;
    std::chrono::seconds spool_deadline{900};
    // Called for a request whose body would be spooled, with its header only
    // (`body` and `body_file` empty), before a byte of the body is read and
    // before "100 Continue". A response refuses the request: it is sent and
    // the connection closes, the body unread. The daemon checks the API key
    // here, so that nobody without one can fill its disk. Empty: all pass.
    std::function<std::optional<Response>(Request const& head)> admit;
    // The whole request must arrive within this, counted from its first byte
    // (from the accept for a connection's first request): a client that
    // trickles bytes (slowloris) loses its connection. A spooled body may
    // take longer as a whole; each of its reads must make progress within
    // read_timeout.
    std::chrono::seconds read_timeout{10};
    // A keep-alive connection waiting for its next request is closed after this.
    std::chrono::seconds idle_timeout{30};
    // ... or after this, when the server is crowded (it serves at least 3/4
    // of max_connections): idle connections make room sooner.
    std::chrono::seconds idle_timeout_crowded{2};
    // A connection's whole life: the answer given after it says
    // "Connection: close", and a keep-alive wait never outlasts it. Nobody
    // holds a connection for ever by sending a request now and then.
    std::chrono::seconds max_connection_age{600};
    // Writing one response; a client that does not read loses its connection.
    std::chrono::seconds write_timeout{10};
    // Connections served at once. At the cap, a new connection takes the
    // place of a keep-alive connection waiting for its next request (which
    // is closed); with none, it is answered 503 and closed.
    std::size_t max_connections = 1024;
    // Connections served at once for one client: an IPv4 address, or an IPv6
    // /64 (one host usually holds a whole /64). One more is answered 429 and
    // closed. Well below max_connections, so that one client cannot take
    // them all. 0: no cap per client.
    std::size_t max_connections_per_client = 64;
    // Peers (by address text, "10.0.0.5", "::1") the per-client cap does not
    // apply to: trusted reverse proxies, which carry many clients. Empty:
    // none.
    std::function<bool(std::string const& address)> uncapped;
    // What went wrong that the daemon may want to log: a handler's exception,
    // a Respond called twice or never, an accept failure. Called from the
    // io_context's threads; must be thread-safe. Empty: nothing is reported.
    std::function<void(std::string_view)> on_error;
};

class Server {
public:
    // Binds and listens on host:port now (port 0: an ephemeral port, see
    // port()); throws boost::system::system_error when it cannot. Accepting
    // begins with start().
    Server(boost::asio::io_context& io, std::string const& host, std::uint16_t port,
           Handler handler, Limits limits = {});
    // Closes the listener and every connection without waiting for answers.
    // Destroy the server after stop()'s `done`, or once the io_context no
    // longer runs: otherwise a request already read may still reach the
    // handler while the server is being destroyed.
    ~Server();
    Server(Server const&) = delete;
    Server& operator=(Server const&) = delete;

    std::uint16_t port() const;  // the bound port
    void start();

    // Graceful stop: stops accepting (new connections are refused), closes
    // keep-alive connections waiting for a request, lets requests already
    // begun finish (each answered with "Connection: close"), and calls `done`
    // once no connection remains — on an io_context thread. Call at most once.
    void stop(std::function<void()> done);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;  // shared with the connections: they may outlive *this
};

}  // namespace signflow::http
