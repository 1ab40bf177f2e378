#include "sqlite.hpp"

#include <cstring>
#include <stdexcept>

namespace signflow::storage::sqlite {

namespace {

// The start of a statement's SQL on one line, to say which statement failed
// without quoting twenty lines of DDL.
std::string head_of(char const* sql) {
    constexpr std::size_t max = 60;
    std::string out;
    char const* c = sql ? sql : "";
    for (; *c && out.size() < max; ++c) {
        bool const space = *c == ' ' || *c == '\n' || *c == '\t' || *c == '\r';
        if (!space) out += *c;
        else if (!out.empty() && out.back() != ' ') out += ' ';
    }
    if (*c) out += "…";
    return out;
}

}  // namespace

void fail(sqlite3* db, std::string_view what) {
    std::string message(what);
    message += ": ";
    message += sqlite3_errmsg(db);
    throw std::runtime_error(message);
}

// ---------------------------------------------------------------------------
// Statement

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    // PERSISTENT: a hint that the statement lives long, so SQLite does not
    // take its memory from the lookaside pool meant for short-lived ones.
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt_, nullptr) != SQLITE_OK)
        fail(db, "preparing `" + head_of(std::string(sql).c_str()) + "`");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind_one(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "binding");
}

void Statement::bind_one(int index, std::string_view value) {
    // A default string_view has no data pointer, which SQLite would store as
    // NULL; every text column here is NOT NULL and means "" by an empty one.
    char const* data = value.data() ? value.data() : "";
    if (sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8) != SQLITE_OK)
        fail(db_, "binding");
}

void Statement::bind_one(int index, Blob value) {
    char const* data = value.bytes.data() ? value.bytes.data() : "";
    if (sqlite3_bind_blob64(stmt_, index, data, value.bytes.size(), SQLITE_STATIC) != SQLITE_OK)
        fail(db_, "binding");
}

bool Statement::step() {
    switch (sqlite3_step(stmt_)) {
    case SQLITE_ROW: return true;
    case SQLITE_DONE: return false;
    default: {
        // Take the message before resetting: the statement must be reusable
        // after the throw.
        std::string message = std::string(sqlite3_errmsg(db_)) + " (in `" + head_of(sqlite3_sql(stmt_)) + "`)";
        sqlite3_reset(stmt_);
        throw std::runtime_error(message);
    }
    }
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

std::string Statement::text(int column) const {
    auto const* data = reinterpret_cast<char const*>(sqlite3_column_text(stmt_, column));
    if (!data) return {};
    return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::blob(int column) const {
    auto const* data = static_cast<char const*>(sqlite3_column_blob(stmt_, column));
    if (!data) return {};
    return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

// ---------------------------------------------------------------------------
// Connection

Connection::Connection(std::string const& path, int flags) {
    int const rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string cause = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        // SQLite says "unable to open database file" for every reason the
        // operating system had; errno says which.
        if (int const err = db_ ? sqlite3_system_errno(db_) : 0; err != 0)
            cause += std::string(" (") + std::strerror(err) + ")";
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw std::runtime_error(cause);
    }
}

Connection::~Connection() {
    statements_.clear();  // finalized before the connection closes
    sqlite3_close_v2(db_);
}

void Connection::exec(char const* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errmsg(db_);
        sqlite3_free(error);
        throw std::runtime_error(message + " (in `" + head_of(sql) + "`)");
    }
}

std::string Connection::query_text(char const* sql) {
    Statement statement(db_, sql);
    return statement.step() ? statement.text(0) : std::string();
}

Statement& Connection::statement(std::string const& sql) {
    auto& slot = statements_[sql];
    if (!slot) slot = std::make_unique<Statement>(db_, sql);
    return *slot;
}

}  // namespace signflow::storage::sqlite
