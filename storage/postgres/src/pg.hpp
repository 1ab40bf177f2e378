#pragma once
// A thin RAII layer over libpq, private to this library: a Connection owns a
// `PGconn*`, a Result a `PGresult*`, Params the text of one statement's
// parameters. Every failure becomes std::runtime_error carrying PostgreSQL's
// own message (and SQLSTATE); the store adds the target and the operation.
//
// Parameters travel as text, except bytes (a PDF, an upload), which travel
// in binary: no escaping of megabytes. Results come back as text; bytea
// columns are decoded from PostgreSQL's hex output.
//
// Not thread-safe: one thread at a time uses a connection (the store's
// mutex and reader pool see to it).
#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace signflow::storage::pg {

// The target as a person may read it in a log: host, port, database and
// user, never the password (libpq parses URIs and key=value strings alike).
std::string describe(std::string const& conninfo);

// Bytes bound as bytea (binary), not as text.
struct Bytes {
    std::string_view bytes;
};

class Params {
public:
    Params& add(std::string_view text);
    Params& add(char const* text) { return add(std::string_view(text)); }
    Params& add(std::string const& text) { return add(std::string_view(text)); }
    Params& add(std::int64_t n);
    Params& add(int n) { return add(std::int64_t{n}); }
    Params& add(Bytes b);

    template <class... T>
    Params& all(T const&... values) {
        (add(values), ...);
        return *this;
    }

    int size() const { return static_cast<int>(values_.size()); }
    // Pointers valid until the next add().
    std::vector<char const*> const& values();
    int const* lengths() const { return lengths_.data(); }
    int const* formats() const { return formats_.data(); }

private:
    std::vector<std::string> values_;
    std::vector<char const*> pointers_;
    std::vector<int> lengths_, formats_;
};

class Result {
public:
    Result() = default;
    explicit Result(PGresult* r) : r_(r) {}
    PGresult* get() const { return r_.get(); }
    explicit operator bool() const { return r_ != nullptr; }
    int rows() const { return PQntuples(r_.get()); }
    bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
    std::string text(int row, int col) const;
    std::int64_t integer(int row, int col) const;
    std::string bytes(int row, int col) const;  // a bytea column
    std::int64_t affected() const;              // rows an INSERT/UPDATE/DELETE touched

private:
    struct Clear {
        void operator()(PGresult* r) const { PQclear(r); }
    };
    std::unique_ptr<PGresult, Clear> r_;
};

// One row of a streamed result (single-row mode).
using RowSink = std::function<void(Result const& row)>;

class Connection {
public:
    // Connects (blocking, libpq's connect_timeout of 10 s unless the target
    // says otherwise). Throws ConnectionLost "cannot connect to <described
    // target>: <why>".
    explicit Connection(std::string const& conninfo);
    Connection(Connection const&) = delete;
    Connection& operator=(Connection const&) = delete;

    PGconn* handle() const { return conn_.get(); }
    // When the server process behind this connection started (with its
    // pid, it names that process even after the pid is reused).
    std::string const& backend_start() const { return backend_start_; }
    // False once the server has gone (a restart, a cut network): the owner
    // drops this connection and opens another.
    bool ok() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
    // ok(), and the server has not closed the connection while it sat idle
    // (a restart, an administrator's pg_terminate_backend): such a server
    // says so and closes the socket, which shows as readable input here. A
    // connection taken from a pool is checked so before each use, so that
    // no request fails on a connection known to be dead.
    bool alive();

    // Runs SQL with no parameters (several statements allowed).
    void exec(std::string const& sql);
    // Runs one statement, prepared once per connection (by its text).
    Result run(std::string const& sql, Params& params);
    Result run(std::string const& sql) {
        Params none;
        return run(sql, none);
    }
    // Streams the rows of a query one at a time.
    void each(std::string const& sql, Params& params, RowSink const& sink);

    // The name of `sql`'s prepared statement on this connection, preparing
    // it on first use.
    std::string const& prepared(std::string const& sql);

    // A batch of statements in one round trip (libpq's pipeline mode):
    // `BEGIN`, the statements, `COMMIT`, one Sync. When one fails the server
    // skips the rest, the transaction rolls back, and run() throws naming
    // the failed statement's index (0-based, BEGIN not counted) through
    // `failed_at`.
    class Pipeline {
    public:
        explicit Pipeline(Connection& c);
        ~Pipeline();
        void add(std::string const& sql, Params& params);
        // Sends COMMIT and the Sync, reads every result. Throws on the first
        // failure (after reading to the Sync, so the connection stays usable).
        void commit();
        std::size_t failed_at = SIZE_MAX;

    private:
        void drain(std::size_t upto);
        Connection& c_;
        std::size_t sent_ = 0, read_ = 0;  // statements (BEGIN and COMMIT included)
        std::string error_;
        std::size_t error_at_ = SIZE_MAX;
    };

private:
    struct Finish {
        void operator()(PGconn* c) const { PQfinish(c); }
    };
    std::unique_ptr<PGconn, Finish> conn_;
    std::string described_;
    std::string backend_start_;
    std::unordered_map<std::string, std::string> prepared_;
};

// The server cannot be reached, or the connection broke: what was being
// done may or may not have happened (the store finds out).
struct ConnectionLost : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "<what>: <PostgreSQL's message>" for a failed result or connection; a
// ConnectionLost when the connection is gone.
[[noreturn]] void fail(PGconn* c, PGresult const* r, std::string_view what);

}  // namespace signflow::storage::pg
