// The forwarder behind signflow/http/forwarder.hpp: a pool of keep-alive
// connections to one target, a queue of requests waiting for one, Beast's
// serializer and parser. One Exchange per request, kept alive by its pending
// operation's handler; the pool and the queue are under Impl::mutex.
#include "signflow/http/forwarder.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <variant>

namespace signflow::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// Fields that describe one connection, not the message (RFC 9110 §7.6.1),
// and those the serializer or the server write themselves.
bool hop_by_hop(std::string_view name) {
    static constexpr std::string_view fields[] = {"connection", "keep-alive", "proxy-connection", "te",
                                                  "trailer", "transfer-encoding", "upgrade", "content-length",
                                                  "expect", "server"};
    for (auto f : fields)
        if (std::equal(name.begin(), name.end(), f.begin(), f.end(),
                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
            return true;
    return false;
}

// An exchange in flight, as the pool sees it: closed when the target
// changes (the daemon it went to no longer leads: its answer, if it ever
// came, could not be trusted to have been applied).
struct Active {
    virtual ~Active() = default;
    virtual void abandon() = 0;
};

struct Pooled {
    std::unique_ptr<beast::tcp_stream> stream;
    std::uint64_t generation = 0;  // of the target it was opened to
    std::chrono::steady_clock::time_point idle_since;
};

}  // namespace

struct Forwarder::Impl : std::enable_shared_from_this<Forwarder::Impl> {
    asio::io_context& io;
    ForwardOptions options;

    std::mutex mutex;  // guards everything below
    std::string host;
    std::uint16_t port = 0;
    std::uint64_t generation = 0;
    std::vector<Pooled> idle;
    std::size_t busy = 0;  // connections lent to an exchange (or being opened for one)
    std::deque<std::function<void()>> waiting;
    std::uint64_t next_id = 0;
    std::unordered_map<std::uint64_t, std::weak_ptr<Active>> active;

    Impl(asio::io_context& i, ForwardOptions o) : io(i), options(o) {}

    // Runs `start` when a connection may be taken (now, or when one comes
    // free); counts it as busy.
    void acquire(std::function<void()> start) {
        {
            std::lock_guard lock(mutex);
            if (busy >= options.max_connections) {
                waiting.push_back(std::move(start));
                return;
            }
            ++busy;
        }
        start();
    }
    void release(std::optional<Pooled> keep) {
        std::function<void()> next;
        {
            std::lock_guard lock(mutex);
            if (keep && keep->generation == generation) {
                keep->idle_since = std::chrono::steady_clock::now();
                idle.push_back(std::move(*keep));
            }
            if (!waiting.empty()) {
                next = std::move(waiting.front());
                waiting.pop_front();
            } else {
                --busy;
            }
        }
        if (next) asio::post(io, std::move(next));
    }
    // An idle connection to the current target, if one is fresh enough.
    std::optional<Pooled> take_idle() {
        std::lock_guard lock(mutex);
        auto const now = std::chrono::steady_clock::now();
        while (!idle.empty()) {
            Pooled p = std::move(idle.back());
            idle.pop_back();
            if (p.generation == generation && now - p.idle_since < options.idle_keep) return p;
        }
        return std::nullopt;
    }
};

namespace {

using StringRequest = bhttp::request<bhttp::string_body>;
using FileRequest = bhttp::request<bhttp::file_body>;

struct Exchange : Active, std::enable_shared_from_this<Exchange> {
    std::shared_ptr<Forwarder::Impl> pool;
    std::uint64_t id = 0;
    std::variant<StringRequest, FileRequest> message;
    std::function<void(Forwarded)> done;
    Pooled connection;
    bool reused = false;
    bool retried = false;
    bool head = false;        // a HEAD: its answer has no body, whatever its Content-Length says
    bool replayable = false;  // safe to send twice (GET, HEAD, OPTIONS, or an Idempotency-Key)
    bool written = false;     // the whole request went out at least once
    std::function<std::vector<std::pair<std::string, std::string>>()> fields;  // added as it is sent
    std::string host;
    std::uint16_t port = 0;
    std::shared_ptr<tcp::resolver> resolver;
    beast::flat_buffer buffer;
    std::optional<bhttp::response_parser<bhttp::string_body>> parser;
    bool finished = false;

    // Set under the pool's mutex once this exchange has a connection: where
    // its handlers run, and so where it may be closed from.
    std::optional<asio::any_io_executor> executor;

    void abandon() override {  // (under the pool's mutex)
        if (!executor) return;
        asio::post(*executor, [self = shared_from_this()] {
            if (self->connection.stream && !self->finished) self->connection.stream->socket().close();
        });
    }
    void own(Pooled p) {
        connection = std::move(p);
        std::lock_guard lock(pool->mutex);
        executor = connection.stream->get_executor();
    }

    void begin() {
        if (!retried) {
            std::lock_guard lock(pool->mutex);
            pool->active[id] = std::weak_ptr<Active>(std::static_pointer_cast<Active>(shared_from_this()));
        }
        if (auto p = retried ? std::nullopt : pool->take_idle()) {
            own(std::move(*p));
            reused = true;
            asio::dispatch(connection.stream->get_executor(), [self = shared_from_this()] { self->send(); });
            return;
        }
        {
            std::lock_guard lock(pool->mutex);
            host = pool->host;
            port = pool->port;
            connection.generation = pool->generation;
        }
        reused = false;
        if (host.empty()) return fail(false, "no daemon to forward to");
        {
            Pooled fresh;
            fresh.generation = connection.generation;
            fresh.stream = std::make_unique<beast::tcp_stream>(asio::make_strand(pool->io));
            own(std::move(fresh));
        }
        connection.stream->expires_after(pool->options.timeout);
        resolver = std::make_shared<tcp::resolver>(pool->io);
        resolver->async_resolve(host, std::to_string(port),
                                asio::bind_executor(connection.stream->get_executor(), [self = shared_from_this()](error_code ec, tcp::resolver::results_type results) {
                                    if (ec) return self->fail(false, "cannot resolve " + self->host + ": " + ec.message());
                                    self->connection.stream->async_connect(
                                        results, [self](error_code ec, tcp::endpoint const&) {
                                            if (ec)
                                                return self->fail(false, "cannot connect to " + self->host + ":" +
                                                                             std::to_string(self->port) + ": " +
                                                                             ec.message());
                                            self->send();
                                        });
                                }));
    }

    void send() {
        if (finished) return;  // (abandoned meanwhile)
        connection.stream->expires_after(pool->options.timeout);
        parser.emplace();
        parser->body_limit(pool->options.max_body);
        parser->header_limit(64 * 1024);
        if (head) parser->skip(true);
        buffer.clear();
        std::visit(
            [this](auto& m) {
                if (fields)
                    for (auto const& [name, value] : fields()) m.set(name, value);
                bhttp::async_write(*connection.stream, m, [self = shared_from_this()](error_code ec, std::size_t) {
                    if (ec) return self->broken(ec, "sending");
                    self->written = true;
                    self->receive();
                });
            },
            message);
    }

    void receive() {
        bhttp::async_read(*connection.stream, buffer, *parser, [self = shared_from_this()](error_code ec, std::size_t) {
            if (ec) return self->broken(ec, "reading the answer");
            self->answered();
        });
    }

    // A reused connection the target had closed before reading our request
    // (nothing came back at all): sent again, once, on a fresh connection.
    // A request whose whole body went out may have been applied (the leader
    // killed right after its commit closes the connection the same way): sent
    // again only when that is harmless.
    void broken(error_code ec, char const* step) {
        bool nothing_back = !parser->got_some();
        if (reused && !retried && nothing_back && (!written || replayable) &&
            (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
             ec == asio::error::broken_pipe || ec == asio::error::eof)) {
            retried = true;
            sent_before = written;
            connection.stream.reset();
            if (auto* f = std::get_if<FileRequest>(&message)) {
                // The file body's reader rewinds on a new write (Beast reopens
                // nothing): seek back to its start.
                error_code seek;
                f->body().file().seek(0, seek);
            }
            pool->release(std::nullopt);
            pool->acquire([self = shared_from_this()] { self->begin(); });
            return;
        }
        fail(true, std::string(step) + ": " + ec.message());
    }
    bool sent_before = false;  // a first attempt went out whole: a later failure may not say "not applied"

    void answered() {
        auto& m = parser->get();
        Forwarded out;
        out.answered = true;
        out.delivered = true;
        out.response.status = static_cast<int>(m.result_int());
        out.response.content_type.clear();
        for (auto const& field : m) {
            std::string name(field.name_string());
            std::string value(field.value());
            if (hop_by_hop(name)) continue;
            if (beast::iequals(name, "content-type")) {
                out.response.content_type = value;
                continue;
            }
            out.response.headers.emplace_back(std::move(name), std::move(value));
        }
        out.response.body = std::move(m.body());
        bool keep = m.keep_alive();
        finish(std::move(out), keep);
    }

    void fail(bool delivered, std::string error) {
        Forwarded out;
        out.delivered = delivered || sent_before;
        out.error = std::move(error);
        finish(std::move(out), false);
    }

    void finish(Forwarded out, bool keep) {
        if (finished) return;
        finished = true;
        {
            std::lock_guard lock(pool->mutex);
            pool->active.erase(id);
        }
        std::optional<Pooled> back;
        if (keep && connection.stream) {
            connection.stream->expires_never();
            back = std::move(connection);
        }
        pool->release(std::move(back));
        auto d = std::move(done);
        d(std::move(out));
    }
};

template <class Message>
void copy_head(Message& m, Request const& r, std::vector<std::pair<std::string, std::string>> const& extra) {
    m.method_string(r.method);
    m.target(r.target);
    m.version(11);
    for (auto const& [name, value] : r.headers)
        if (!hop_by_hop(name)) m.insert(name, value);
    for (auto const& [name, value] : extra) m.set(name, value);
    m.keep_alive(true);
}

}  // namespace

Forwarder::Forwarder(asio::io_context& io, ForwardOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

Forwarder::~Forwarder() = default;

void Forwarder::target(std::string const& host, std::uint16_t port) {
    std::lock_guard lock(impl_->mutex);
    if (host == impl_->host && port == impl_->port) return;
    impl_->host = host;
    impl_->port = port;
    ++impl_->generation;
    impl_->idle.clear();
    for (auto& [id, a] : impl_->active)
        if (auto live = a.lock()) live->abandon();
}

void Forwarder::forward(Request request, std::vector<std::pair<std::string, std::string>> extra,
                        std::function<void(Forwarded)> done,
                        std::function<std::vector<std::pair<std::string, std::string>>()> fields) {
    auto x = std::make_shared<Exchange>();
    x->pool = impl_;
    x->fields = std::move(fields);
    x->head = request.method == "HEAD";
    x->replayable = request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS" ||
                    request.header("idempotency-key") != nullptr;
    {
        std::lock_guard lock(impl_->mutex);
        x->id = ++impl_->next_id;
    }
    x->done = std::move(done);
    if (!request.body_file.empty()) {
        FileRequest m;
        copy_head(m, request, extra);
        error_code ec;
        m.body().open(request.body_file.c_str(), beast::file_mode::scan, ec);
        if (ec) {
            Forwarded out;
            out.error = "cannot read the uploaded body: " + ec.message();
            return x->done(std::move(out));
        }
        m.prepare_payload();
        x->message = std::move(m);
    } else {
        StringRequest m;
        copy_head(m, request, extra);
        m.body() = std::move(request.body);
        if (!m.body().empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH")
            m.prepare_payload();
        x->message = std::move(m);
    }
    impl_->acquire([x] { x->begin(); });
}

}  // namespace signflow::http
