// The server behind signflow/http/server.hpp: Beast's parser and serializer,
// one small state machine per connection, callbacks rather than coroutines
// (the answer arrives through Respond, from anywhere, whenever the engine is
// ready: a completion we post to the connection's strand).
//
// Lifetimes:
// - Server::Impl is shared by the Server and by every Connection; it holds
//   only weak pointers to connections (a registry for stop() and the count
//   for max_connections), so nothing here forms a cycle.
// - A Connection is kept alive by the completion handler of its pending
//   operation, or, while the handler works, by the Respond it was given.
//   When neither exists it is destroyed, which closes its socket and removes
//   it from the registry; the last one gone after stop() triggers `done`.
// - All of a connection's state is touched on its strand only. The registry
//   and the stop/accept flags are under Impl::mutex.
#include "signflow/base/text.hpp"
#include "signflow/http/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace signflow::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace detail {

// ---------------------------------------------------------------- text helpers

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

using signflow::base::iequals;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Whether a comma-separated field value (Connection: keep-alive, close) holds
// `token`, ignoring case.
bool has_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        auto comma = value.find(',');
        auto item = value.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (iequals(item, token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

std::string json_escape(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

Response error_response(int status, std::string_view error, std::string_view detail) {
    Response r;
    r.status = status;
    r.body = "{\"error\": \"" + json_escape(error) + "\", \"detail\": \"" + json_escape(detail) + "\"}";
    return r;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decodes `in` into `out`. False on a malformed escape, and on an
// escaped NUL: no route needs one and C APIs further on would cut at it.
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (in.size() - i < 3) return false;
            int hi = hex_value(in[i + 1]);
            int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return true;
}

// Fills r.path and r.query from r.target. Accepts the origin form
// ("/a?b"), the absolute form ("http://host/a?b", which RFC 7230 §5.3.2
// obliges a server to accept) and "*".
bool split_target(Request& r) {
    std::string_view rest = r.target;
    if (!rest.empty() && rest.front() != '/' && rest != "*") {
        auto scheme = rest.find("://");
        if (scheme == std::string_view::npos) return false;
        rest.remove_prefix(scheme + 3);
        auto start = rest.find_first_of("/?");
        rest = start == std::string_view::npos ? std::string_view{} : rest.substr(start);
    }
    auto q = rest.find('?');
    std::string_view path = rest.substr(0, q);
    if (path.empty()) path = "/";
    if (!percent_decode(path, false, r.path)) return false;
    if (q == std::string_view::npos) return true;
    std::string_view query = rest.substr(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        auto part = query.substr(0, amp);
        if (!part.empty()) {
            auto eq = part.find('=');
            std::string key, value;
            if (!percent_decode(part.substr(0, eq), true, key)) return false;
            if (eq != std::string_view::npos && !percent_decode(part.substr(eq + 1), true, value))
                return false;
            r.query.emplace_back(std::move(key), std::move(value));
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return true;
}

// A header field the handler asks for is written only if it cannot break the
// message's framing (no CR, LF or NUL; a name is a token).
bool field_ok(std::string_view name, std::string_view value) {
    if (name.empty()) return false;
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == ':' || c == '(' || c == ')' || c == ',' || c == ';' ||
            c == '"' || c == '/' || c == '[' || c == ']' || c == '?' || c == '=' || c == '{' ||
            c == '}' || c == '<' || c == '>' || c == '@' || c == '\\')
            return false;
    }
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string endpoint_text(tcp::endpoint const& e) {
    auto a = e.address();
    std::string s = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    return s + ":" + std::to_string(e.port());
}

// Whom Limits::max_connections_per_client counts a connection against: an
// IPv4 address (also when it comes as an IPv4-mapped IPv6 one), or an IPv6
// address's /64.
std::string client_key(net::ip::address const& a) {
    if (!a.is_v6()) return a.to_string();
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6).to_string();
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return net::ip::address_v6(bytes).to_string() + "/64";
}

// Whether a request's body goes to a file (Limits::spool), by its method and
// decoded path.
bool spooled(Limits const& limits, std::string_view method, std::string_view target) {
    if (limits.spool.empty()) return false;
    Request r;
    r.target = std::string(target);
    if (!split_target(r)) return false;
    for (auto const& rule : limits.spool)
        if (rule.method == method && r.path.compare(0, rule.path_prefix.size(), rule.path_prefix) == 0)
            return true;
    return false;
}

// A new, empty temporary file (0600) in `dir` (empty: the system's
// temporary folder), open for writing; its path goes to `path`.
beast::file spool_file(std::filesystem::path const& dir, std::string& path, error_code& ec) {
    std::error_code fs_ec;
    auto folder = dir.empty() ? std::filesystem::temp_directory_path(fs_ec) : dir;
    if (fs_ec) folder = "/tmp";
    std::string name = (folder / "signflow-spool-XXXXXX").string();
    int fd = ::mkstemp(name.data());
    beast::file f;
    if (fd < 0) {
        ec.assign(errno, boost::system::generic_category());
        return f;
    }
    path = name;
    f.native_handle(fd);
    return f;
}

class Connection;

}  // namespace detail

// ---------------------------------------------------------------- the server

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    Impl(net::io_context& context, Handler h, Limits l)
        : io(context),
          handler(std::move(h)),
          limits(std::move(l)),
          acceptor(net::make_strand(context)),
          retry(acceptor.get_executor()) {}

    net::io_context& io;
    Handler const handler;
    Limits const limits;
    tcp::acceptor acceptor;  // on its own strand; so is `retry`
    net::steady_timer retry;  // back-off after a failed accept (out of descriptors)
    std::uint16_t port = 0;

    // Read without the lock by connections deciding whether to keep alive.
    std::atomic<bool> stopping{false};
    // Set by ~Server: requests read afterwards do not reach the handler.
    std::atomic<bool> destroyed{false};

    std::mutex mutex;  // guards the members below
    std::unordered_map<detail::Connection*, std::weak_ptr<detail::Connection>> connections;
    std::size_t serving = 0;   // connections counted against max_connections
    // Of those, per client (client_key); no entry for a client with none.
    std::unordered_map<std::string, std::size_t> per_client;
    // `serving`, readable without the lock (crowded()).
    std::atomic<std::size_t> serving_now{0};
    // Bytes of spooled bodies being received, against Limits::spool_budget.
    std::atomic<std::uint64_t> spooled{0};
    // Takes `n` more bytes of the spool budget; false (and nothing taken)
    // when they do not fit.
    bool take_spool(std::uint64_t n) {
        auto now = spooled.load();
        do {
            if (now + n > limits.spool_budget) return false;
        } while (!spooled.compare_exchange_weak(now, now + n));
        return true;
    }
    bool accepting = false;    // an accept or its back-off timer is pending
    std::function<void()> done;  // from stop()

    void report(std::string_view what) const noexcept {
        if (!limits.on_error) return;
        try {
            limits.on_error(what);
        } catch (...) {  // a logger that fails must not take the server down
        }
    }

    void do_accept();
    void on_accept(error_code ec, tcp::socket socket);
    void accepting_ended();
    void connection_gone(detail::Connection* c, bool counted, std::string const& client);
    // Serving at least 3/4 of max_connections: idle keep-alives close sooner.
    bool crowded() const { return serving_now.load(std::memory_order_relaxed) * 4 >= limits.max_connections * 3; }
    // Under the lock: takes `done` if the stop is complete.
    std::function<void()> take_done_if_finished() {
        if (stopping && !accepting && connections.empty() && done) return std::exchange(done, nullptr);
        return nullptr;
    }
    void finish(std::function<void()> d) {
        if (d) net::post(io, std::move(d));
    }
};

namespace detail {

// One client connection: read a request, hand it over, write the answer,
// repeat. `state_` says what the pending operation is, so that stop() can
// tell an idle connection (closed at once) from a busy one (finished first).
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(std::shared_ptr<Server::Impl> server, tcp::socket socket, std::string remote, std::string client,
               bool counted)
        : server_(std::move(server)),
          limits_(server_->limits),
          stream_(std::move(socket)),
          remote_(std::move(remote)),
          client_(std::move(client)),
          counted_(counted) {}

    ~Connection() {
        drop_spool();
        server_->connection_gone(this, counted_, client_);
    }

    Connection(Connection const&) = delete;
    Connection& operator=(Connection const&) = delete;

    auto executor() { return stream_.get_executor(); }
    bool counted() const { return counted_; }

    // Each of these is called from outside the strand and goes onto it.
    void start() {
        net::dispatch(executor(), [self = shared_from_this()] { self->next_request(); });
    }
    // Over max_connections (503) or max_connections_per_client (429): the
    // answer before reading anything, then close.
    void reject(int status) {
        net::dispatch(executor(), [self = shared_from_this(), status] {
            if (status == 429)
                self->respond(error_response(429, "too_many_connections",
                                             "too many connections from this address; retry later"),
                              true);
            else
                self->respond(error_response(503, "service_unavailable", "too many connections; retry later"),
                              true);
        });
    }
    // Whether it is a keep-alive connection waiting for its next request
    // (for at least `idle`); true at most once per wait, for the one who
    // takes it (reclaim()).
    bool claim_waiting(std::chrono::steady_clock::duration idle = {}) {
        if (!waiting_.load()) return false;
        auto since = std::chrono::steady_clock::time_point(
            std::chrono::steady_clock::duration(waiting_since_.load(std::memory_order_relaxed)));
        if (std::chrono::steady_clock::now() - since < idle) return false;
        return waiting_.exchange(false);
    }
    // At the cap: close this keep-alive connection to make room, unless its
    // next request has begun meanwhile.
    void reclaim() {
        net::dispatch(executor(), [self = shared_from_this()] {
            if (self->state_ == State::idle && !self->first_)
                self->close();
            else if (self->state_ == State::writing)
                self->close_when_idle_ = true;  // its answer goes out first
        });
    }
    // stop(): an idle connection closes now; a busy one finishes its request
    // (its answer then says Connection: close).
    void on_stop() {
        net::dispatch(executor(), [self = shared_from_this()] {
            if (self->state_ == State::idle) self->close();
        });
    }
    // ~Server: close whatever the state; a later answer is dropped.
    void close_now() {
        net::dispatch(executor(), [self = shared_from_this()] { self->close(); });
    }

    // The handler's answer, on the strand.
    void answer(Response r) {
        if (state_ != State::handling) return;  // closed meanwhile (~Server)
        respond(std::move(r), !keep_alive_);
    }

private:
    enum class State { idle, reading, handling, writing, lingering, closed };

    void next_request() {
        if (server_->stopping || close_when_idle_) {
            close();
            return;
        }
        version_ = 11;
        head_ = false;
        keep_alive_ = false;
        parser_.reset();
        file_parser_.reset();
        drop_spool();
        body_limit_ = limits_.body_bytes;
        // The header first, into a parser without a body: what follows it
        // decides where the body goes (memory or a spool file).
        header_parser_.emplace();
        header_parser_->header_limit(static_cast<std::uint32_t>(
            std::min<std::size_t>(limits_.header_bytes, std::numeric_limits<std::uint32_t>::max())));
        // Checked in choose_body, against the right limit. (Not boost::none:
        // Beast 1.74 compares a Content-Length with an empty limit as "over".)
        header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
        if (buffer_.size() > 0) {  // a pipelined request is already here
            waiting_ = false;
            stream_.expires_after(limits_.read_timeout);
            read_header();
            return;
        }
        // Wait for the first byte. A fresh connection's whole first request
        // must come within read_timeout; a kept-alive one may idle longer and
        // gets read_timeout from its next request's first byte.
        state_ = State::idle;
        if (first_) {
            stream_.expires_after(limits_.read_timeout);
        } else {
            auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                server_->crowded() ? std::min(limits_.idle_timeout, limits_.idle_timeout_crowded)
                                   : limits_.idle_timeout);
            // Never past the connection's age (respond() closed it at the age).
            wait = std::min(wait, born_ + limits_.max_connection_age - std::chrono::steady_clock::now());
            stream_.expires_after(std::max(wait, std::chrono::steady_clock::duration::zero()));
        }
        stream_.async_read_some(buffer_.prepare(read_chunk),
                                [self = shared_from_this()](error_code ec, std::size_t n) {
                                    self->on_first_bytes(ec, n);
                                });
    }

    void on_first_bytes(error_code ec, std::size_t n) {
        waiting_ = false;
        if (ec || state_ == State::closed) {  // idle timeout, EOF, reset, stop()
            close();
            return;
        }
        buffer_.commit(n);
        if (!first_) stream_.expires_after(limits_.read_timeout);
        read_header();
    }

    void read_header() {
        state_ = State::reading;
        bhttp::async_read_header(stream_, buffer_, *header_parser_,
                                 [self = shared_from_this()](error_code ec, std::size_t) {
                                     self->on_header(ec);
                                 });
    }

    void on_header(error_code ec) {
        if (ec) {
            on_read_error(ec);
            return;
        }
        if (!choose_body()) return;
        if (parser_ && parser_->is_done()) {
            on_request();
            return;
        }
        auto const& req = parser_ ? parser_->get().base() : file_parser_->get().base();
        // A client that asks before sending its body (curl does above 1 KiB)
        // would otherwise wait a second for nothing. The body's size has been
        // checked against body_limit already, so saying "go on" is safe.
        if (req.version() >= 11 && iequals(view(req[bhttp::field::expect]), "100-continue")) {
            static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
            net::async_write(stream_, net::buffer(go_on.data(), go_on.size()),
                             [self = shared_from_this()](error_code e, std::size_t) {
                                 if (e)
                                     self->close();
                                 else
                                     self->read_body();
                             });
            return;
        }
        read_body();
    }

    // After the header: the body goes to memory (parser_) or, for a
    // request Limits::spool names, to a temporary file (file_parser_). False
    // when the request is refused (answered already).
    bool choose_body() {
        auto const& head = header_parser_->get();
        // Transfer-Encoding: chunked alone (RFC 9112 §6.3). Any other coding
        // (gzip, "chunked, gzip", an unknown one) leaves the body's length
        // unknown, and with Content-Length too the two may disagree: a proxy
        // in front may frame the request otherwise (request smuggling). 400,
        // closed.
        if (auto te = head.find(bhttp::field::transfer_encoding); te != head.end()) {
            bool chunked_only = iequals(trim(view(te->value())), "chunked") &&
                                std::count_if(head.begin(), head.end(), [](auto const& f) {
                                    return f.name() == bhttp::field::transfer_encoding;
                                }) == 1;
            if (!chunked_only || head.find(bhttp::field::content_length) != head.end()) {
                header_parser_.reset();
                respond(error_response(400, "bad_request",
                                       chunked_only ? "Transfer-Encoding and Content-Length together"
                                                    : "Transfer-Encoding other than chunked is not supported"),
                        true);
                return false;
            }
        }
        bool spool = !header_parser_->is_done() &&
                     spooled(limits_, view(head.method_string()), view(head.target()));
        body_limit_ = spool ? limits_.spool_bytes : limits_.body_bytes;
        // A declared length is refused before a byte of the body is read
        // (and before "100 Continue").
        if (auto length = header_parser_->content_length(); length && *length > body_limit_) {
            on_read_error(bhttp::error::body_limit);
            return false;
        }
        if (spool && limits_.admit) {
            Request head;
            take_header(header_parser_->get(), head);
            head.remote = remote_;
            std::optional<Response> refused;
            if (!split_target(head))
                refused = error_response(400, "bad_request", "malformed percent-escape in the request target");
            else
                refused = limits_.admit(head);
            if (refused) {
                header_parser_.reset();
                respond(std::move(*refused), true);
                return false;
            }
        }
        if (spool) {
            // The declared length is taken from the spool budget up front; a
            // chunked body's bytes as they come (read_spooled).
            std::uint64_t declared = header_parser_->content_length().value_or(0);
            if (!server_->take_spool(declared)) {
                header_parser_.reset();
                respond(error_response(503, "service_unavailable",
                                       "the server is receiving too many uploads at once; retry later"),
                        true);
                return false;
            }
            spool_accounted_ = declared;
            spool_received_ = 0;
            spool_started_ = std::chrono::steady_clock::now();
        }
        if (!spool) {
            parser_.emplace(std::move(*header_parser_));
            parser_->body_limit(body_limit_);
            header_parser_.reset();
            return true;
        }
        error_code ec;
        auto file = spool_file(limits_.spool_dir, spool_path_, ec);
        if (!ec) {
            file_parser_.emplace(std::move(*header_parser_));
            file_parser_->body_limit(body_limit_);
            file_parser_->get().body().reset(std::move(file), ec);
        }
        header_parser_.reset();
        if (ec) {
            server_->report("cannot create a spool file for a request body: " + ec.message());
            respond(error_response(507, "insufficient_storage", "the server cannot store the request body now"),
                    true);
            return false;
        }
        return true;
    }

    void read_body() {
        if (file_parser_) {
            read_spooled();
            return;
        }
        bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
            if (ec)
                self->on_read_error(ec);
            else
                self->on_request();
        });
    }

    // A spooled body: read by pieces, each within read_timeout (a large
    // upload may take longer than read_timeout as a whole).
    void read_spooled() {
        stream_.expires_after(limits_.read_timeout);
        bhttp::async_read_some(stream_, buffer_, *file_parser_,
                               [self = shared_from_this()](error_code ec, std::size_t n) {
                                   if (ec) return self->on_read_error(ec);
                                   if (!self->spool_progress(n)) return;
                                   if (self->file_parser_->is_done())
                                       self->on_request();
                                   else
                                       self->read_spooled();
                               });
    }

    // After `n` more bytes of a spooled body: within the spool budget, the
    // minimum rate and the deadline? If not, answered (and false).
    bool spool_progress(std::size_t n) {
        spool_received_ += n;
        if (spool_received_ > spool_accounted_) {
            if (!server_->take_spool(spool_received_ - spool_accounted_)) {
                respond(error_response(413, "payload_too_large",
                                       "the server's space for uploads is used up; retry later"),
                        true);
                return false;
            }
            spool_accounted_ = spool_received_;
        }
        auto elapsed = std::chrono::steady_clock::now() - spool_started_;
        double seconds = std::chrono::duration<double>(elapsed).count();
        bool too_long = elapsed > limits_.spool_deadline;
        bool too_slow = elapsed > limits_.read_timeout &&
                        static_cast<double>(spool_received_) < static_cast<double>(limits_.spool_min_rate) * seconds;
        if (too_long || too_slow) {
            respond(error_response(408, "request_timeout",
                                   too_long ? "the upload took longer than " +
                                                  std::to_string(limits_.spool_deadline.count()) + " s"
                                            : "the upload is slower than " +
                                                  std::to_string(limits_.spool_min_rate) + " bytes a second"),
                    true);
            return false;
        }
        return true;
    }

    void drop_spool() {
        if (spool_accounted_) server_->spooled -= std::exchange(spool_accounted_, 0);
        if (spool_path_.empty()) return;
        ::unlink(spool_path_.c_str());
        spool_path_.clear();
    }

    void on_read_error(error_code ec) {
        if (ec == bhttp::error::header_limit) {
            respond(error_response(431, "header_fields_too_large",
                                   "the request line and header fields exceed " +
                                       std::to_string(limits_.header_bytes) + " bytes"),
                    true);
        } else if (ec == bhttp::error::body_limit) {
            respond(error_response(413, "payload_too_large",
                                   "the body exceeds " + std::to_string(body_limit_) + " bytes"),
                    true);
        } else if (file_parser_ && ec == boost::system::errc::no_space_on_device) {
            server_->report("spooling a request body: " + ec.message());
            respond(error_response(507, "insufficient_storage", "the server ran out of space for the body"), true);
        } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                   ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
            respond(error_response(400, "bad_request", "malformed HTTP request: " + ec.message()), true);
        } else {
            // The client went away or was too slow (beast::error::timeout):
            // nobody to answer.
            close();
        }
    }

    void on_request() {
        state_ = State::handling;
        stream_.expires_never();  // no I/O until the answer; the handler may take its time
        Request r;
        if (file_parser_) {
            error_code ignored;
            file_parser_->get().body().file().close(ignored);  // written; the handler reads it by path
            r.body_file = spool_path_;
            take_header(file_parser_->get(), r);
        } else {
            r.body = std::move(parser_->get().body());
            take_header(parser_->get(), r);
        }
        parser_.reset();
        file_parser_.reset();
        r.remote = remote_;
        if (!split_target(r)) {
            respond(error_response(400, "bad_request", "malformed percent-escape in the request target"),
                    !keep_alive_);
            return;
        }

        if (server_->destroyed) {
            close();
            return;
        }
        auto pending = std::make_shared<Pending>(shared_from_this());
        try {
            server_->handler(std::move(r), [pending](Response answer) { pending->deliver(std::move(answer)); });
        } catch (std::exception const& e) {
            pending->fail(std::string("the handler threw: ") + e.what());
        } catch (...) {
            pending->fail("the handler threw a non-standard exception");
        }
    }

    template <class Message>
    void take_header(Message const& req, Request& r) {
        version_ = req.version();
        head_ = req.method() == bhttp::verb::head;
        keep_alive_ = req.keep_alive();
        r.method = std::string(view(req.method_string()));
        r.target = std::string(view(req.target()));
        r.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
        for (auto const& field : req) {
            std::string name(view(field.name_string()));
            for (char& c : name) c = lower(c);
            r.headers.emplace_back(std::move(name), std::string(view(field.value())));
        }
    }

    // Builds the response from the handler's answer and writes it.
    void respond(Response r, bool close_after) {
        drop_spool();  // answered: the handler is done with the file's name
        close_after = close_after || server_->stopping ||
                      std::chrono::steady_clock::now() - born_ >= limits_.max_connection_age;
        if (r.status < 200 || r.status > 599) {
            server_->report("the handler answered status " + std::to_string(r.status) + "; sent 500 instead");
            r = error_response(500, "internal_error", "the server could not answer this request");
        }
        res_ = {};
        res_.version(version_);
        res_.result(static_cast<unsigned>(r.status));
        res_.set(bhttp::field::server, "signflow");
        if (!r.content_type.empty() && field_ok("content-type", r.content_type))
            res_.set(bhttp::field::content_type, r.content_type);
        for (auto const& [name, value] : r.headers) {
            if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
            if (iequals(name, "connection")) {
                close_after = close_after || has_token(value, "close");
                continue;
            }
            if (!field_ok(name, value)) {
                server_->report("the handler's header field \"" + name + "\" would break the response; dropped");
                continue;
            }
            res_.insert(name, value);
        }
        // 204 and 304 carry no body and no length (RFC 7230 §3.3.2). A HEAD
        // answer carries the length the GET would have, and no body.
        if (r.status != 204 && r.status != 304) {
            res_.content_length(r.body.size());
            if (!head_) res_.body() = std::move(r.body);
        }
        // Beast's keep_alive(false) writes nothing for HTTP/1.0, where closing
        // is the default; we say it in every version.
        if (close_after)
            res_.set(bhttp::field::connection, "close");
        else
            res_.keep_alive(true);

        state_ = State::writing;
        close_after_ = close_after;
        // From its answer on, a keep-alive waits for its next request: it
        // may be reclaimed (closed once the answer is out) to make room.
        if (!close_after) {
            waiting_since_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                                 std::memory_order_relaxed);
            waiting_ = true;
        }
        stream_.expires_after(limits_.write_timeout);
        bhttp::async_write(stream_, res_, [self = shared_from_this()](error_code ec, std::size_t) {
            self->on_write(ec);
        });
    }

    void on_write(error_code ec) {
        if (ec || state_ == State::closed) {
            close();
        } else if (close_after_) {
            linger();
        } else {
            first_ = false;
            next_request();
        }
    }

    // After a "Connection: close" answer: stop sending, then read and drop
    // what the client still sends (the rest of a refused body, a pipelined
    // request) for a moment. Closing at once with unread input makes the
    // kernel send a reset, and the client may lose our answer with it.
    void linger() {
        state_ = State::lingering;
        error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec) {
            close();
            return;
        }
        stream_.expires_after(std::min<std::chrono::seconds>(limits_.read_timeout, std::chrono::seconds(2)));
        drain();
    }

    void drain() {
        stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](error_code ec, std::size_t n) {
            self->drained_ += n;
            if (ec || self->drained_ > linger_bytes || self->state_ == State::closed)
                self->close();
            else
                self->drain();
        });
    }

    void close() {
        if (state_ == State::closed) return;
        state_ = State::closed;
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();  // cancels the pending operation and the timer
    }

    // The Respond handed to the handler shares one of these. It posts the
    // answer to the connection's strand (keeping the connection alive until
    // then), lets only the first answer through, and answers 500 if every
    // copy of the Respond is dropped unanswered.
    class Pending {
    public:
        explicit Pending(std::shared_ptr<Connection> c)
            : server_(c->server_), connection_(std::move(c)) {}
        Pending(Pending const&) = delete;
        Pending& operator=(Pending const&) = delete;
        ~Pending() {
            if (answered_.exchange(true)) return;
            try {
                server_->report("the handler dropped Respond without answering; sent 500");
                post(error_response(500, "internal_error", "the request was not answered"));
            } catch (...) {  // out of memory while giving up: the client sees the connection close
            }
        }
        void deliver(Response r) {
            if (answered_.exchange(true)) {
                server_->report("Respond was called twice; the second answer is dropped");
                return;
            }
            post(std::move(r));
        }
        void fail(std::string const& why) {
            server_->report(why);
            if (answered_.exchange(true)) return;  // it answered before throwing
            post(error_response(500, "internal_error", "the server failed to handle this request"));
        }

    private:
        // Only the caller that won `answered_` gets here, once. The connection
        // moves into the posted answer: a Respond kept after answering must
        // not keep the connection (and stop()'s `done`) waiting.
        void post(Response r) {
            auto c = std::move(connection_);
            auto ex = c->executor();
            net::post(ex, [c = std::move(c), r = std::move(r)]() mutable { c->answer(std::move(r)); });
        }
        std::shared_ptr<Server::Impl> const server_;
        std::shared_ptr<Connection> connection_;  // until answered
        std::atomic<bool> answered_{false};
    };

    static constexpr std::size_t read_chunk = 4096;
    static constexpr std::size_t linger_bytes = 1024 * 1024;

    std::shared_ptr<Server::Impl> const server_;  // outlives us: we hold it
    Limits const& limits_;                        // server_->limits
    beast::tcp_stream stream_;                    // on this connection's strand
    beast::flat_buffer buffer_;                   // bytes read but not parsed yet (pipelining)
    // Fresh per request: the header goes to header_parser_, then the body to
    // parser_ (memory) or file_parser_ (a spool file at spool_path_).
    std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;
    std::string spool_path_;                      // deleted when answered or when the connection goes
    std::uint64_t body_limit_ = 0;                // the limit of the body being read
    std::uint64_t spool_accounted_ = 0;           // taken from the server's spool budget
    std::uint64_t spool_received_ = 0;            // bytes of the spooled body so far
    std::chrono::steady_clock::time_point spool_started_;
    bhttp::response<bhttp::string_body> res_;     // the answer being written
    std::array<char, 4096> scratch_{};            // where linger() drops bytes
    std::size_t drained_ = 0;
    std::string const remote_;
    std::string const client_;  // client_key of the peer
    bool const counted_;       // against max_connections (false: a 503 or 429 rejection)
    std::chrono::steady_clock::time_point const born_ = std::chrono::steady_clock::now();
    std::atomic<bool> waiting_{false};  // a keep-alive answered, waiting for its next request
    bool close_when_idle_ = false;      // reclaimed while writing its answer
    std::atomic<std::chrono::steady_clock::rep> waiting_since_{0};  // since when
    State state_ = State::idle;
    bool first_ = true;        // no request answered yet
    unsigned version_ = 11;    // of the request being answered
    bool head_ = false;        // it is a HEAD request
    bool keep_alive_ = false;  // its client wants to keep the connection
    bool close_after_ = false;
};

}  // namespace detail

// ---------------------------------------------------------------- accepting

void Server::Impl::do_accept() {
    acceptor.async_accept(net::make_strand(io), [self = shared_from_this()](error_code ec, tcp::socket s) {
        self->on_accept(ec, std::move(s));
    });
}

void Server::Impl::on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || stopping) {
        error_code ignored;
        socket.close(ignored);
        accepting_ended();
        return;
    }
    if (ec) {
        // Out of descriptors or memory, or a connection reset before we took
        // it: wait a little rather than spin, then accept again.
        report("accept failed: " + ec.message());
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([self = shared_from_this()](error_code e) {
            if (e || self->stopping)
                self->accepting_ended();
            else
                self->do_accept();
        });
        return;
    }
    error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    std::string remote = peer_ec ? std::string("unknown") : detail::endpoint_text(peer);
    std::string client = peer_ec ? std::string("unknown") : detail::client_key(peer.address());

    std::shared_ptr<detail::Connection> c;
    std::vector<std::shared_ptr<detail::Connection>> reclaimed;
    int refusal = 503;
    {
        std::lock_guard lock(mutex);
        auto mine = per_client.find(client);
        std::size_t from_client = mine == per_client.end() ? 0 : mine->second;
        bool client_ok = limits.max_connections_per_client == 0 || from_client < limits.max_connections_per_client ||
                         (!peer_ec && limits.uncapped && limits.uncapped(peer.address().to_string()));
        bool room = serving < limits.max_connections;
        if (client_ok && !room) {
            // At the cap: take the place of a keep-alive connection that
            // waits for its next request (closed below), rather than refuse.
            for (auto const& [raw, weak] : connections)
                if (raw->claim_waiting())
                    if (auto taken = weak.lock()) {
                        reclaimed.push_back(std::move(taken));
                        break;
                    }
            room = !reclaimed.empty();
        }
        bool serve = client_ok && room;
        if (!client_ok) refusal = 429;
        // Rejections are short-lived (one small write, bounded by
        // write_timeout) but still bounded: past that, a flood is just closed.
        bool answer = serve || connections.size() - serving < std::max<std::size_t>(limits.max_connections, 1);
        if (answer) {
            if (serve) {
                ++serving;
                serving_now.store(serving, std::memory_order_relaxed);
                ++per_client[client];
            }
            c = std::make_shared<detail::Connection>(shared_from_this(), std::move(socket), std::move(remote),
                                                     client, serve);
            connections.emplace(c.get(), c);
        }
        if (crowded()) {
            // Crowded (with this one): keep-alives idle for longer than the
            // crowded idle timeout go now, also those whose wait began
            // before the crowd.
            for (auto const& [raw, weak] : connections)
                if (raw != c.get() && raw->claim_waiting(limits.idle_timeout_crowded))
                    if (auto taken = weak.lock()) reclaimed.push_back(std::move(taken));
        }
    }
    for (auto const& r : reclaimed) r->reclaim();
    reclaimed.clear();  // (a reference dropped here may be the last: never under the lock)
    if (!c) {
        error_code ignored;
        socket.close(ignored);
    } else if (c->counted()) {
        c->start();
    } else {
        c->reject(refusal);
    }
    do_accept();
}

void Server::Impl::accepting_ended() {
    std::function<void()> d;
    {
        std::lock_guard lock(mutex);
        accepting = false;
        d = take_done_if_finished();
    }
    finish(std::move(d));
}

void Server::Impl::connection_gone(detail::Connection* c, bool counted, std::string const& client) {
    std::function<void()> d;
    {
        std::lock_guard lock(mutex);
        connections.erase(c);
        if (counted) {
            --serving;
            serving_now.store(serving, std::memory_order_relaxed);
            if (auto it = per_client.find(client); it != per_client.end() && --it->second == 0) per_client.erase(it);
        }
        d = take_done_if_finished();
    }
    finish(std::move(d));
}

// ---------------------------------------------------------------- Server

Server::Server(net::io_context& io, std::string const& host, std::uint16_t port, Handler handler, Limits limits)
    : impl_(std::make_shared<Impl>(io, std::move(handler), std::move(limits))) {
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host, std::to_string(port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service);
    if (endpoints.empty())
        throw boost::system::system_error(net::error::host_not_found, "signflow::http::Server: " + host);
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
    impl_->port = acceptor.local_endpoint().port();
    // Spool files a crash left behind (their requests were never answered),
    // in a spool folder of the server's own (not the shared temporary
    // folder, where another server may be receiving one now).
    if (!impl_->limits.spool.empty() && !impl_->limits.spool_dir.empty()) {
        std::error_code ec;
        for (auto it = std::filesystem::directory_iterator(impl_->limits.spool_dir, ec);
             !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
            if (it->path().filename().string().starts_with("signflow-spool-") && it->is_regular_file(ec))
                std::filesystem::remove(it->path(), ec);
    }
}

Server::~Server() {
    impl_->destroyed = true;
    std::vector<std::shared_ptr<detail::Connection>> open;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
        for (auto const& [raw, weak] : impl_->connections)
            if (auto c = weak.lock()) open.push_back(std::move(c));
    }
    net::post(impl_->acceptor.get_executor(), [impl = impl_] {
        error_code ignored;
        impl->acceptor.close(ignored);
        impl->retry.cancel();
    });
    for (auto const& c : open) c->close_now();
}

std::uint16_t Server::port() const { return impl_->port; }

void Server::start() {
    net::post(impl_->acceptor.get_executor(), [impl = impl_] {
        {
            std::lock_guard lock(impl->mutex);
            if (impl->stopping || impl->accepting) return;
            impl->accepting = true;
        }
        impl->do_accept();
    });
}

void Server::stop(std::function<void()> done) {
    std::vector<std::shared_ptr<detail::Connection>> open;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
        impl_->done = std::move(done);
        for (auto const& [raw, weak] : impl_->connections)
            if (auto c = weak.lock()) open.push_back(std::move(c));
    }
    // Closing the acceptor ends a pending accept (operation_aborted), which
    // calls accepting_ended(); with none pending, check here.
    net::post(impl_->acceptor.get_executor(), [impl = impl_] {
        error_code ignored;
        impl->acceptor.close(ignored);
        impl->retry.cancel();
        std::function<void()> d;
        {
            std::lock_guard lock(impl->mutex);
            d = impl->take_done_if_finished();
        }
        impl->finish(std::move(d));
    });
    for (auto const& c : open) c->on_stop();
}

// ---------------------------------------------------------------- Request

std::string const* Request::header(std::string_view name) const {
    for (auto const& [n, v] : headers)
        if (detail::iequals(n, name)) return &v;
    return nullptr;
}

std::string const* Request::param(std::string_view name) const {
    for (auto const& [n, v] : query)
        if (n == name) return &v;
    return nullptr;
}

}  // namespace signflow::http
