#include "pg.hpp"

#include <poll.h>

#include "signflow/base/utf8.hpp"

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace signflow::storage::pg {

namespace {

// How many statements a pipeline sends before it reads their results: the
// results of one chunk (a command tag each) must fit the socket's buffers,
// or the server would block writing them while we block writing statements.
constexpr std::size_t chunk = 256;

std::string trimmed(char const* message) {
    std::string s = message ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

std::string describe(std::string const& conninfo) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    if (!options) {
        // (libpq's reason quotes the part it could not read, which may be
        // the password: not repeated)
        PQfreemem(error);
        return "PostgreSQL (a connection string libpq cannot read: check its quoting and %-encoding)";
    }
    std::string host, port, dbname, user;
    for (auto* o = options; o->keyword; ++o) {
        if (!o->val) continue;
        std::string_view k = o->keyword;
        if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
        else if (k == "port") port = o->val;
        else if (k == "dbname") dbname = o->val;
        else if (k == "user") user = o->val;
    }
    PQconninfoFree(options);
    std::string out = "postgresql://";
    if (!user.empty()) out += user + "@";
    out += host.empty() ? "(local socket)" : host;
    if (!port.empty()) out += ":" + port;
    out += "/" + dbname;
    return out;
}

void fail(PGconn* c, PGresult const* r, std::string_view what) {
    std::string message;
    if (r) {
        message = trimmed(PQresultErrorMessage(r));
        if (char const* state = PQresultErrorField(r, PG_DIAG_SQLSTATE)) message += " [SQLSTATE " + std::string(state) + "]";
    }
    if (message.empty() && c) message = trimmed(PQerrorMessage(c));
    if (message.empty()) message = "no answer from the server";
    if (c && PQstatus(c) != CONNECTION_OK) throw ConnectionLost(std::string(what) + ": " + message);
    throw std::runtime_error(std::string(what) + ": " + message);
}

// ---- Params

// PostgreSQL's text holds valid UTF-8 without NUL; SQLite's holds any bytes.
// Text that is not (an error a remote server answered, a file name a signer
// gave) would fail the statement and, in a commit, stop the daemon: each
// invalid byte and each NUL becomes U+FFFD instead, the same way for a write
// and for the lookup that later reads it.
std::string repaired(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = text[i] == '\0' ? 0 : base::utf8_length(text, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

Params& Params::add(std::string_view text) {
    if (text.find('\0') != std::string_view::npos || !base::utf8_valid(text))
        values_.push_back(repaired(text));
    else
        values_.emplace_back(text);
    lengths_.push_back(static_cast<int>(values_.back().size()));
    formats_.push_back(0);
    return *this;
}

Params& Params::add(std::int64_t n) { return add(std::string_view(std::to_string(n))); }

Params& Params::add(Bytes b) {
    values_.emplace_back(b.bytes);
    lengths_.push_back(static_cast<int>(b.bytes.size()));
    formats_.push_back(1);
    return *this;
}

std::vector<char const*> const& Params::values() {
    pointers_.clear();
    for (auto const& v : values_) pointers_.push_back(v.c_str());
    return pointers_;
}

// ---- Result

std::string Result::text(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

std::int64_t Result::integer(int row, int col) const {
    char const* v = PQgetvalue(r_.get(), row, col);
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(v, v + std::strlen(v), n);
    if (ec != std::errc{}) throw std::runtime_error("column " + std::to_string(col) + ": not an integer: " + v);
    (void)end;
    return n;
}

std::string Result::bytes(int row, int col) const {
    std::size_t length = 0;
    unsigned char* raw = PQunescapeBytea(reinterpret_cast<unsigned char const*>(PQgetvalue(r_.get(), row, col)), &length);
    if (!raw) throw std::runtime_error("column " + std::to_string(col) + ": cannot decode bytea (out of memory)");
    std::string out(reinterpret_cast<char const*>(raw), length);
    PQfreemem(raw);
    return out;
}

std::int64_t Result::affected() const {
    char const* n = PQcmdTuples(r_.get());
    return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

// ---- Connection

Connection::Connection(std::string const& conninfo) : described_(describe(conninfo)) {
    {
        char* error = nullptr;
        PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
        PQfreemem(error);
        if (!parsed) throw std::runtime_error("cannot connect: " + described_);
        PQconninfoFree(parsed);
    }
    // Defaults first: what the target itself says (expanded from `dbname`)
    // overrides them. The client speaks UTF-8 whatever the environment says.
    char const* keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
    char const* values[] = {"10", "signflow", conninfo.c_str(), "UTF8", nullptr};
    conn_.reset(PQconnectdbParams(keys, values, 1));
    if (!conn_) throw ConnectionLost("cannot connect to " + described_ + ": out of memory");
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw ConnectionLost("cannot connect to " + described_ + ": " + trimmed(PQerrorMessage(conn_.get())));
    // Notices (e.g. "relation already exists, skipping") are not errors: keep
    // them off the daemon's stderr.
    PQsetNoticeProcessor(conn_.get(), [](void*, char const*) {}, nullptr);
    Result r(PQexec(conn_.get(), "SELECT backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid()"));
    if (r && PQresultStatus(r.get()) == PGRES_TUPLES_OK && r.rows() == 1) backend_start_ = r.text(0, 0);
}

bool Connection::alive() {
    if (!ok()) return false;
    // Input on an idle connection: a notice, or the server's goodbye (an
    // error message, then the end of the stream, which makes libpq mark the
    // connection bad). Read while there is some.
    for (int i = 0; i < 8 && ok(); ++i) {
        pollfd p{PQsocket(conn_.get()), POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) break;
        if (!PQconsumeInput(conn_.get())) break;
        while (!PQisBusy(conn_.get())) {
            PGresult* r = PQgetResult(conn_.get());
            if (!r) break;
            PQclear(r);
        }
    }
    return ok();
}

void Connection::exec(std::string const& sql) {
    Result r(PQexec(conn_.get(), sql.c_str()));
    auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(conn_.get(), r.get(), sql.substr(0, 80));
}

std::string const& Connection::prepared(std::string const& sql) {
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) return it->second;
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    Result r(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) fail(conn_.get(), r.get(), "preparing " + sql.substr(0, 120));
    return prepared_.emplace(sql, std::move(name)).first->second;
}

Result Connection::run(std::string const& sql, Params& params) {
    std::string const& name = prepared(sql);
    Result r(PQexecPrepared(conn_.get(), name.c_str(), params.size(), params.values().data(), params.lengths(),
                            params.formats(), 0));
    auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(conn_.get(), r.get(), sql.substr(0, 120));
    return r;
}

void Connection::each(std::string const& sql, Params& params, RowSink const& sink) {
    std::string const& name = prepared(sql);
    if (!PQsendQueryPrepared(conn_.get(), name.c_str(), params.size(), params.values().data(), params.lengths(),
                             params.formats(), 0))
        fail(conn_.get(), nullptr, sql.substr(0, 120));
    PQsetSingleRowMode(conn_.get());
    // Every result is read to the end, even after a sink throws: the
    // connection must be idle again before anyone else uses it.
    std::string error;
    while (PGresult* raw = PQgetResult(conn_.get())) {
        Result r(raw);
        auto status = PQresultStatus(raw);
        if (status == PGRES_SINGLE_TUPLE) {
            if (!error.empty()) continue;
            try {
                sink(r);
            } catch (std::exception const& e) {
                error = e.what();
            }
        } else if (status != PGRES_TUPLES_OK && error.empty()) {
            try {
                fail(conn_.get(), raw, sql.substr(0, 120));
            } catch (std::exception const& e) {
                error = e.what();
            }
        }
    }
    if (!error.empty()) {
        if (!ok()) throw ConnectionLost(error);
        throw std::runtime_error(error);
    }
}

// ---- Pipeline

Connection::Pipeline::Pipeline(Connection& c) : c_(c) {
    if (!PQenterPipelineMode(c_.handle())) fail(c_.handle(), nullptr, "entering pipeline mode");
    if (!PQsendQueryParams(c_.handle(), "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0))
        fail(c_.handle(), nullptr, "BEGIN");
    ++sent_;
}

Connection::Pipeline::~Pipeline() {
    // Left half way (a statement could not be sent, the server went): the
    // connection is not reused as it is; the store checks ok() and, when the
    // server is still there, a Sync and a ROLLBACK make it idle again.
    PGconn* c = c_.handle();
    if (PQpipelineStatus(c) == PQ_PIPELINE_OFF) return;
    if (PQstatus(c) == CONNECTION_OK && PQpipelineSync(c)) {
        for (int guard = 0; guard < 1'000'000; ++guard) {
            PGresult* r = PQgetResult(c);
            if (!r) {
                if (PQstatus(c) != CONNECTION_OK) break;
                continue;
            }
            bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
            PQclear(r);
            if (sync) break;
        }
    }
    PQexitPipelineMode(c);
    if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
        PQclear(PQexec(c, "ROLLBACK"));
}

void Connection::Pipeline::add(std::string const& sql, Params& params) {
    auto it = c_.prepared_.find(sql);
    if (it == c_.prepared_.end())
        throw std::logic_error("pipeline: statement not prepared before the pipeline: " + sql.substr(0, 80));
    if (!PQsendQueryPrepared(c_.handle(), it->second.c_str(), params.size(), params.values().data(),
                             params.lengths(), params.formats(), 0))
        fail(c_.handle(), nullptr, sql.substr(0, 120));
    ++sent_;
    if (sent_ - read_ >= chunk) {
        if (!PQsendFlushRequest(c_.handle()) || PQflush(c_.handle()) != 0)
            fail(c_.handle(), nullptr, "flushing a pipeline");
        drain(sent_);
    }
}

// Reads the results of statements [read_, upto).
void Connection::Pipeline::drain(std::size_t upto) {
    PGconn* c = c_.handle();
    while (read_ < upto) {
        PGresult* raw = PQgetResult(c);
        if (!raw) {
            if (PQstatus(c) != CONNECTION_OK) fail(c, nullptr, "reading a pipeline's results");
            continue;  // (the NULL that ends one statement's results)
        }
        Result r(raw);
        auto status = PQresultStatus(raw);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_PIPELINE_ABORTED) {
            ++read_;
            // (the NULL after each statement's result)
            PGresult* end = PQgetResult(c);
            if (end) PQclear(end);
            continue;
        }
        if (status == PGRES_FATAL_ERROR) {
            if (error_.empty()) {
                error_at_ = read_;
                try {
                    fail(c, raw, "statement");
                } catch (std::exception const& e) {
                    error_ = e.what();
                }
            }
            ++read_;
            PGresult* end = PQgetResult(c);
            if (end) PQclear(end);
            if (PQstatus(c) != CONNECTION_OK) fail(c, nullptr, "reading a pipeline's results");
            continue;
        }
        fail(c, raw, "pipeline: unexpected result " + std::string(PQresStatus(status)));
    }
}

void Connection::Pipeline::commit() {
    PGconn* c = c_.handle();
    if (!PQsendQueryParams(c, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0)) fail(c, nullptr, "COMMIT");
    ++sent_;
    if (!PQpipelineSync(c)) fail(c, nullptr, "sending a pipeline's Sync");
    drain(sent_);
    for (;;) {
        PGresult* raw = PQgetResult(c);
        if (!raw) {
            if (PQstatus(c) != CONNECTION_OK) fail(c, nullptr, "reading a pipeline's Sync");
            continue;
        }
        Result r(raw);
        if (PQresultStatus(raw) == PGRES_PIPELINE_SYNC) break;
    }
    PQexitPipelineMode(c);
    if (!error_.empty()) {
        // An explicit transaction that failed stays open (aborted) after the
        // Sync: end it.
        if (PQtransactionStatus(c) != PQTRANS_IDLE) PQclear(PQexec(c, "ROLLBACK"));
        // error_at_ counts BEGIN as 0: statement i of the caller is i + 1.
        failed_at = error_at_ == 0 ? SIZE_MAX : error_at_ - 1;
        throw std::runtime_error(error_);
    }
}

}  // namespace signflow::storage::pg
