#pragma once
// A thin RAII layer over SQLite's C API, private to this library: a
// Connection owns a `sqlite3*`, a Statement owns a `sqlite3_stmt*`. Every
// failure becomes std::runtime_error carrying SQLite's own message and the
// statement it came from; the store adds the file and the operation when the
// error leaves it, so that a line in a log says which file, what and why.
//
// Neither class is thread-safe. Connections are opened with
// SQLITE_OPEN_NOMUTEX (SQLite's "multi-thread" mode: no mutex inside the
// connection); the store guarantees that one thread at a time uses a
// connection and its statements, which is cheaper than SQLite serialising
// every call and makes the guarantee visible in our code.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace signflow::storage::sqlite {

// Throws std::runtime_error "<what>: <SQLite's message>".
[[noreturn]] void fail(sqlite3* db, std::string_view what);

// A prepared statement. Prepared once and reused: preparing costs more than
// running a small INSERT, and the commit path runs several per event.
// Bytes bound as a BLOB (a PDF), not as UTF-8 text.
struct Blob {
    std::string_view bytes;
};

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement const&) = delete;
    Statement& operator=(Statement const&) = delete;

    // Binds the arguments to parameters 1, 2, … in order. Text is bound
    // without copying (SQLITE_STATIC): it must live until the statement has
    // been stepped, which every use here does at once. Whatever stays bound
    // after a reset is never read again: the next use binds every parameter.
    template <class... Args>
    Statement& bind(Args const&... args) {
        int index = 0;
        (bind_one(++index, args), ...);
        return *this;
    }

    // Steps once: true when a row is ready, false when the statement is done.
    // A failure resets the statement and throws.
    bool step();
    // For statements that return no rows: steps to the end and resets.
    void run();
    void reset() noexcept { sqlite3_reset(stmt_); }

    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
    std::string text(int column) const;
    std::string blob(int column) const;
    // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
    std::int64_t changes() const { return sqlite3_changes64(db_); }

private:
    void bind_one(int index, std::int64_t value);
    void bind_one(int index, std::string_view value);
    void bind_one(int index, Blob value);

    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the scope ends. A SELECT left part way (the caller
// took one row, or a sink threw) would otherwise keep its read transaction
// open, pinning a snapshot and stopping WAL checkpoints from finishing.
class Resetting {
public:
    explicit Resetting(Statement& statement) : statement_(statement) {}
    ~Resetting() { statement_.reset(); }
    Resetting(Resetting const&) = delete;
    Resetting& operator=(Resetting const&) = delete;
    Statement* operator->() const { return &statement_; }
    Statement& operator*() const { return statement_; }

private:
    Statement& statement_;
};

class Connection {
public:
    // Opens (with `flags`, see sqlite3_open_v2) or throws the cause,
    // including the operating system's word for it (No such file or
    // directory, Permission denied …).
    Connection(std::string const& path, int flags);
    ~Connection();
    Connection(Connection const&) = delete;
    Connection& operator=(Connection const&) = delete;

    sqlite3* handle() const { return db_; }

    // Runs SQL that returns no rows (several statements allowed); throws.
    void exec(char const* sql);
    // Runs a PRAGMA (or any one-row query) and returns its first column.
    std::string query_text(char const* sql);

    // A statement prepared on first use and kept for the connection's life,
    // found again by its SQL text. For the read paths; the commit path holds
    // its statements directly so that it does not hash SQL per event.
    Statement& statement(std::string const& sql);

private:
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

}  // namespace signflow::storage::sqlite
