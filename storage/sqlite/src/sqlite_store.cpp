#include "signflow/base/digest.hpp"
#include "signflow/base/text.hpp"
#include "signflow/storage/sqlite_store.hpp"

#include "schema.hpp"
#include "sqlite.hpp"
#include "store_impl.hpp"

#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <stdexcept>
#include <utility>

namespace signflow::storage {

using engine::AttachmentRecord;
using engine::AuditRecord;
using engine::Change;
using engine::DocumentRecord;
using engine::DefinitionRecord;
using engine::IdempotencyRecord;
using engine::InstanceFilter;
using engine::InstanceRecord;
using engine::JournalRecord;
using engine::OutboxRecord;
using engine::TimerRecord;
using sqlite::Blob;
using sqlite::Connection;
using sqlite::Resetting;
using sqlite::Statement;

namespace detail {

bool in_memory(std::string const& path) { return path.empty() || path == ":memory:"; }

// NOMUTEX: see sqlite.hpp; the store serialises each connection's use itself.
constexpr int writer_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
constexpr int reader_flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;

void set_busy_timeout(Connection& db, SqliteOptions const& options) {
    // busy_timeout: when another process holds the lock we need, retry for
    // this long instead of failing at once with SQLITE_BUSY.
    auto const sql = "PRAGMA busy_timeout = " + std::to_string(options.busy_timeout.count());
    db.exec(sql.c_str());
}

// The connection that writes. Its PRAGMAs are what makes the store durable.
// The database holds personal data, documents and ID scans: readable by the
// daemon's user only. A new file is created here with mode 0600 before
// SQLite opens it (SQLite gives the -wal and -shm files the database's
// mode); an existing one, with its -wal and -shm, loses any access for
// others (group access, if an operator gave it, stays). Never follows a
// symlink when creating.
void protect_database_file(std::string const& path) {
    if (in_memory(path) || path.starts_with("file:")) return;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return;
    }
    for (std::string const& p : {path, path + "-wal", path + "-shm"}) {
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO) != 0)
            ::chmod(p.c_str(), st.st_mode & 07770);
    }
}

std::unique_ptr<Connection> open_writer(std::string const& path, SqliteOptions const& options) {
    protect_database_file(path);
    // SQLite opens lazily: a file that is not a database, or that we may not
    // write, shows only at the first statement, so the PRAGMAs are part of
    // opening and their failures are reported as such.
    try {
        auto db = std::make_unique<Connection>(path, writer_flags);
        set_busy_timeout(*db, options);
        if (sqlite3_db_readonly(db->handle(), "main") == 1)
            throw std::runtime_error("the file is read-only (the store must write it)");
        // journal_mode=WAL: a commit appends to the -wal file instead of
        // rewriting pages in place, so readers never block the writer nor the
        // writer the readers, and a commit costs one fsync (of the WAL). The
        // mode is stored in the file; setting it again is a no-op.
        std::string const mode = db->query_text("PRAGMA journal_mode = WAL");
        if (mode != "wal" && !in_memory(path))
            throw std::runtime_error("cannot switch to WAL mode (journal mode is '" + mode + "')");
        // synchronous=FULL: fsync the WAL at every commit. With NORMAL a WAL
        // commit survives a crash of the process but not of the machine;
        // an event we acknowledged must survive power loss.
        db->exec("PRAGMA synchronous = FULL");
        // foreign_keys=ON: SQLite checks REFERENCES only when asked, per
        // connection. A timer, journal line or outbox row of an instance that
        // does not exist is an engine bug we want to hear about at commit,
        // not at the next restart.
        db->exec("PRAGMA foreign_keys = ON");
        return db;
    } catch (std::exception const& e) {
        throw std::runtime_error("cannot open signflow store '" + path + "': " + e.what());
    }
}

std::unique_ptr<Connection> open_reader(std::string const& path, SqliteOptions const& options) {
    // Read-only at the file level: a read path cannot write by mistake.
    auto db = std::make_unique<Connection>(path, reader_flags);
    set_busy_timeout(*db, options);
    return db;
}

// Column lists, in the order the *_from functions read them. The readers
// assign fields by name, not by position: a field added to a record cannot
// shift the others onto the wrong columns.
char const* const instance_columns =
    "id, workflow, version, state, status, data, progress, created_ms, updated_ms, batch";
constexpr char const* timer_columns = "instance, timer, due_ms, zone, fired";
char const* const outbox_columns =
    "id, key, instance, kind, target, payload, attempts, next_attempt_ms, status, last_error, created_ms, connector";

InstanceRecord instance_from(Statement const& s) {
    InstanceRecord r;
    r.id = s.integer(0);
    r.workflow = s.text(1);
    r.version = s.text(2);
    r.state = s.text(3);
    r.status = s.text(4);
    r.data = s.text(5);
    r.progress = s.text(6);
    r.created_ms = s.integer(7);
    r.updated_ms = s.integer(8);
    r.batch = s.integer(9);
    return r;
}

TimerRecord timer_from(Statement const& s) {
    TimerRecord r;
    r.instance = s.integer(0);
    r.timer = s.text(1);
    r.due_ms = s.integer(2);
    r.zone = s.text(3);
    r.fired = s.integer(4);
    return r;
}

OutboxRecord outbox_from(Statement const& s) {
    OutboxRecord r;
    r.id = s.integer(0);
    r.key = s.text(1);
    r.instance = s.integer(2);
    r.kind = s.text(3);
    r.target = s.text(4);
    r.payload = s.text(5);
    r.attempts = s.integer(6);
    r.next_attempt_ms = s.integer(7);
    r.status = s.text(8);
    r.last_error = s.text(9);
    r.created_ms = s.integer(10);
    r.connector = s.text(11);
    return r;
}

std::string select(char const* columns, char const* rest) {
    return std::string("SELECT ") + columns + " " + rest;
}

}  // namespace detail

using namespace detail;

// The commit path's statements, prepared once (they need the schema, so on
// the first commit rather than at open) and held directly.
struct detail::WriteStatements {
    explicit WriteStatements(sqlite3* db)
        : upsert_instance(db, R"(INSERT INTO instances
              (id, workflow, version, state, status, data, progress, created_ms, updated_ms, batch)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (id) DO UPDATE SET
                workflow = excluded.workflow, version = excluded.version, state = excluded.state,
                status = excluded.status, data = excluded.data, progress = excluded.progress,
                updated_ms = excluded.updated_ms)"),
          // created_ms and batch are left as first written: when and by what
          // an envelope began are facts.
          cancel_timer(db, "DELETE FROM timers WHERE instance = ? AND timer = ?"),
          arm_timer(db, R"(INSERT INTO timers (instance, timer, due_ms, zone, fired)
              VALUES (?, ?, ?, ?, ?)
              ON CONFLICT (instance, timer) DO UPDATE SET
                due_ms = excluded.due_ms, zone = excluded.zone, fired = excluded.fired)"),
          add_outbox(db, R"(INSERT INTO outbox
              (key, instance, kind, target, payload, attempts, next_attempt_ms, status, last_error, created_ms,
               connector)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))"),
          add_outbox_with_id(db, R"(INSERT INTO outbox
              (id, key, instance, kind, target, payload, attempts, next_attempt_ms, status, last_error, created_ms,
               connector)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))"),
          update_outbox(db, R"(UPDATE outbox SET status = ?, attempts = ?, next_attempt_ms = ?, last_error = ?
              WHERE key = ?)"),
          add_journal(db, "INSERT INTO journal (instance, at_ms, kind, detail) VALUES (?, ?, ?, ?)"),
          // The first answer stays: a retry must get the answer the first
          // request got, whatever a racing duplicate produced.
          add_idempotency(db, R"(INSERT INTO idempotency (key, status, response, created_ms, request, outcome)
              VALUES (?, 0, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING)"),
          add_audit(db, "INSERT INTO audit (envelope, seq, at_ms, kind, hash, entry) VALUES (?, ?, ?, ?, ?, ?)"),
          put_attachment(db, R"(INSERT INTO attachments
              (envelope, name, role, file_name, media_type, sha256, bytes, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (envelope, name) DO UPDATE SET role = excluded.role, file_name = excluded.file_name,
                media_type = excluded.media_type, sha256 = excluded.sha256, bytes = excluded.bytes,
                created_ms = excluded.created_ms)"),
          add_quota(db, R"(INSERT INTO quota_counters (quota, period_start_ms, count) VALUES (?, ?, ?)
              ON CONFLICT (quota, period_start_ms) DO UPDATE SET count = quota_counters.count + excluded.count)"),
          clear_people(db, "DELETE FROM envelope_people WHERE envelope = ?"),
          add_person(db, "INSERT OR IGNORE INTO envelope_people (term, envelope) VALUES (?, ?)") {}

    Statement upsert_instance;
    Statement cancel_timer;
    Statement arm_timer;
    Statement add_outbox;
    Statement add_outbox_with_id;
    Statement update_outbox;
    Statement add_journal;
    Statement add_idempotency;
    Statement add_audit;
    Statement put_attachment;
    Statement add_quota;
    Statement clear_people;
    Statement add_person;

    // One Change, in the order engine/store.hpp specifies.
    void apply(Change const& c) {
        apply_rest(c);
        for (auto const& p : c.people) {
            clear_people.bind(p.envelope).run();
            for (auto const& term : p.terms) add_person.bind(term, p.envelope).run();
        }
    }

    void apply_rest(Change const& c) {
        for (auto const& i : c.instances)
            upsert_instance
                .bind(i.id, i.workflow, i.version, i.state, i.status, i.data, i.progress, i.created_ms, i.updated_ms,
                      i.batch)
                .run();
        for (auto const& [instance, timer] : c.timers_cancelled) cancel_timer.bind(instance, timer).run();
        for (auto const& t : c.timers_armed) arm_timer.bind(t.instance, t.timer, t.due_ms, t.zone, t.fired).run();
        for (auto const& o : c.outbox_added) {
            if (o.id == 0)
                add_outbox.bind(o.key, o.instance, o.kind, o.target, o.payload, o.attempts, o.next_attempt_ms,
                                o.status, o.last_error, o.created_ms, o.connector)
                    .run();
            else
                add_outbox_with_id
                    .bind(o.id, o.key, o.instance, o.kind, o.target, o.payload, o.attempts, o.next_attempt_ms,
                          o.status, o.last_error, o.created_ms, o.connector)
                    .run();
        }
        for (auto const& u : c.outbox_updated) {
            update_outbox.bind(u.status, u.attempts, u.next_attempt_ms, u.last_error, u.key).run();
            if (update_outbox.changes() == 0)
                throw std::runtime_error("outbox update: no outbox record with key '" + u.key + "'");
        }
        for (auto const& j : c.journal) add_journal.bind(j.instance, j.at_ms, j.kind, j.detail).run();
        // A second entry with the same (envelope, seq) fails the batch: a
        // chain never forks.
        for (auto const& a : c.audit) add_audit.bind(a.envelope, a.seq, a.at_ms, a.kind, a.hash, a.entry).run();
        for (auto const& a : c.attachments)
            put_attachment
                .bind(a.envelope, a.name, a.role, a.file_name, a.media_type, a.sha256, Blob{a.bytes}, a.created_ms)
                .run();
        if (auto const& i = c.idempotency)
            add_idempotency.bind(i->key, i->response, i->created_ms, i->request, i->outcome).run();
        for (auto const& q : c.quotas) add_quota.bind(q.quota, q.period_start_ms, q.delta).run();
    }
};

SqliteStore::Impl::Impl(std::string p, SqliteOptions o)
    : path(std::move(p)), options(o), shared_connection(in_memory(path)), writer(open_writer(path, options)) {}

SqliteStore::Impl::~Impl() = default;

detail::WriteStatements& SqliteStore::Impl::write_statements() {
    if (!write) {
        try {
            write = std::make_unique<detail::WriteStatements>(writer->handle());
        } catch (std::exception const& e) {
            throw std::runtime_error(std::string(e.what()) + " (was migrate() called?)");
        }
    }
    return *write;
}

SqliteStore::SqliteStore(std::string path, SqliteOptions options)
    : impl_(std::make_unique<Impl>(std::move(path), options)) {}

SqliteStore::~SqliteStore() {
    // optimize: lets SQLite refresh the planner's statistics where a query
    // would benefit; cheap, and recommended before closing a long-lived
    // connection. Failure is of no consequence.
    if (impl_) sqlite3_exec(impl_->writer->handle(), "PRAGMA optimize", nullptr, nullptr, nullptr);
}

int SqliteStore::latest_schema_version() { return schema::latest_version(); }

std::string const& SqliteStore::path() const { return impl_->path; }

void SqliteStore::announce(Member const& self) {
    std::lock_guard lock(impl_->member_mutex);
    impl_->self = self;
    impl_->self_seen_ms = base::now_ms();
}

void SqliteStore::leave(std::string const& holder) {
    std::lock_guard lock(impl_->member_mutex);
    if (impl_->self && impl_->self->holder == holder) impl_->self.reset();
}

Cluster SqliteStore::cluster() {
    std::lock_guard lock(impl_->member_mutex);
    Cluster c;
    if (impl_->self) {
        c.members.push_back(*impl_->self);
        c.members.back().seen_ms_ago = base::now_ms() - impl_->self_seen_ms;
        c.leader = impl_->self->holder;
        c.epoch = 1;
    }
    return c;
}

void SqliteStore::migrate() {
    impl_->guard("migrate", [&] {
        std::lock_guard lock(impl_->write_mutex);
        schema::migrate(*impl_->writer);
    });
}

void SqliteStore::save_definition(DefinitionRecord const& d) {
    impl_->guard("save_definition", [&] {
        std::lock_guard lock(impl_->write_mutex);
        impl_->writer
            ->statement(R"(INSERT INTO definitions (version, workflow, ir_json, loaded_ms) VALUES (?, ?, ?, ?)
                           ON CONFLICT (version) DO NOTHING)")
            .bind(d.version, d.workflow, d.ir_json, d.loaded_ms)
            .run();
    });
}

std::vector<DefinitionRecord> SqliteStore::load_definitions() {
    return impl_->guard("load_definitions", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(
            "SELECT version, workflow, ir_json, loaded_ms FROM definitions ORDER BY loaded_ms, version"));
        std::vector<DefinitionRecord> out;
        while (q->step()) out.push_back({q->text(0), q->text(1), q->text(2), q->integer(3)});
        return out;
    });
}

void SqliteStore::commit(std::span<Change const> batch) {
    if (batch.empty()) return;
    impl_->guard("commit", [&] {
        std::lock_guard lock(impl_->write_mutex);
        auto& statements = impl_->write_statements();
        auto& db = *impl_->writer;
        // IMMEDIATE: take the write lock now, so that a conflict with another
        // process shows here (after busy_timeout), not half way through.
        db.exec("BEGIN IMMEDIATE");
        std::size_t index = 0;
        try {
            for (; index < batch.size(); ++index) statements.apply(batch[index]);
            db.exec("COMMIT");
        } catch (std::exception const& e) {
            // A failed COMMIT may leave the transaction open, or SQLite may
            // have rolled it back already: either way none of the batch stays.
            if (!sqlite3_get_autocommit(db.handle()))
                sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
            if (index == batch.size()) throw;
            throw std::runtime_error("change " + std::to_string(index + 1) + " of " + std::to_string(batch.size()) +
                                     ": " + e.what());
        }
    });
}

void SqliteStore::load_running_instances(std::function<void(InstanceRecord&&)> const& sink) {
    impl_->guard("load_running_instances", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(select(instance_columns, "FROM instances WHERE status = 'running' ORDER BY id")));
        while (q->step()) sink(instance_from(*q));
    });
}

void SqliteStore::load_timers(std::function<void(TimerRecord&&)> const& sink) {
    impl_->guard("load_timers", [&] {
        Impl::Reader db(*impl_);
        // In the table's order: no walk of the timers_due index with a row
        // lookup per timer (the shards' queues order them by due time).
        Resetting q(db.statement(select(timer_columns, "FROM timers")));
        while (q->step()) sink(timer_from(*q));
    });
}

void SqliteStore::load_pending_outbox(std::function<void(OutboxRecord&&)> const& sink) {
    impl_->guard("load_pending_outbox", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(select(outbox_columns, "FROM outbox WHERE status = 'pending' ORDER BY id")));
        while (q->step()) sink(outbox_from(*q));
    });
}

std::int64_t SqliteStore::max_instance_id() {
    return impl_->guard("max_instance_id", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement("SELECT COALESCE(MAX(id), 0) FROM instances"));
        return q->step() ? q->integer(0) : std::int64_t{0};
    });
}

std::optional<InstanceRecord> SqliteStore::find_instance(std::int64_t id) {
    return impl_->guard("find_instance", [&]() -> std::optional<InstanceRecord> {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(select(instance_columns, "FROM instances WHERE id = ?")));
        q->bind(id);
        if (!q->step()) return std::nullopt;
        return instance_from(*q);
    });
}

std::vector<InstanceRecord> SqliteStore::list_instances(InstanceFilter const& f) {
    if (f.limit <= 0) return {};
    // One statement per combination of filters (eight at most, each cached)
    // rather than `(?2 = '' OR workflow = ?2)`, which no index can serve.
    // Numbered parameters keep their numbers whichever conditions are absent.
    // A period without a person: the envelopes started in it, read through
    // the index by start time (its rows, not the table's, then ordered by id).
    bool const by_period = f.q.empty() && (f.from_ms > 0 || f.to_ms > 0);
    std::string sql = select(instance_columns, by_period ? "FROM instances INDEXED BY instances_created WHERE id > ?1"
                                                         : "FROM instances WHERE id > ?1");
    if (by_period && f.from_ms <= 0) sql += " AND created_ms >= 0";  // (the index's range needs a start)
    if (!f.workflow.empty()) sql += " AND workflow = ?2";
    if (!f.state.empty()) sql += " AND state = ?3";
    if (!f.status.empty()) sql += " AND status = ?4";
    // A person's address or name by its start: a range of the terms' index
    // (?7 is ?6 with its last byte raised), never a scan of the envelopes.
    if (!f.q.empty()) sql += " AND id IN (SELECT envelope FROM envelope_people WHERE term >= ?6 AND term < ?7)";
    if (f.from_ms > 0) sql += " AND created_ms >= ?8";
    // (?9 named either way: a statement's parameters are as many as its
    // highest number, and all nine are bound)
    sql += f.to_ms > 0 ? " AND created_ms < ?9" : " AND ?9 = ?9";
    sql += " ORDER BY id LIMIT ?5";
    std::string past = f.q;
    if (!past.empty()) past.push_back(static_cast<char>(0xff));  // (terms are UTF-8: no byte 0xff)
    return impl_->guard("list_instances", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(sql));
        q->bind(f.after_id, f.workflow, f.state, f.status, std::int64_t{f.limit}, f.q, past, f.from_ms, f.to_ms);
        std::vector<InstanceRecord> out;
        while (q->step()) out.push_back(instance_from(*q));
        return out;
    });
}

std::vector<JournalRecord> SqliteStore::journal(std::int64_t instance) {
    return impl_->guard("journal", [&] {
        Impl::Reader db(*impl_);
        Resetting q(
            db.statement("SELECT instance, at_ms, kind, detail FROM journal WHERE instance = ? ORDER BY seq"));
        q->bind(instance);
        std::vector<JournalRecord> out;
        while (q->step()) out.push_back({q->integer(0), q->integer(1), q->text(2), q->text(3)});
        return out;
    });
}

std::vector<OutboxRecord> SqliteStore::list_outbox(std::string const& status, int limit, std::string const& target) {
    if (limit <= 0) return {};
    return impl_->guard("list_outbox", [&] {
        Impl::Reader db(*impl_);
        // One statement per filter, so that each uses its index (an
        // `?1 = '' OR status = ?1` would make SQLite scan the table).
        char const* where = status.empty() ? (target.empty() ? "FROM outbox WHERE ?1 = ?1 AND ?3 = ?3 ORDER BY id LIMIT ?2"
                                                             : "FROM outbox WHERE ?1 = ?1 AND target = ?3 ORDER BY id LIMIT ?2")
                                           : (target.empty() ? "FROM outbox WHERE status = ?1 AND ?3 = ?3 ORDER BY id LIMIT ?2"
                                                             : "FROM outbox WHERE target = ?3 AND status = ?1 ORDER BY id LIMIT ?2");
        Resetting q(db.statement(select(outbox_columns, where)));
        q->bind(status, std::int64_t{limit}, target);
        std::vector<OutboxRecord> out;
        while (q->step()) out.push_back(outbox_from(*q));
        return out;
    });
}

std::optional<IdempotencyRecord> SqliteStore::find_idempotency(std::string const& key) {
    return impl_->guard("find_idempotency", [&]() -> std::optional<IdempotencyRecord> {
        Impl::Reader db(*impl_);
        Resetting q(db.statement("SELECT key, outcome, response, created_ms, request FROM idempotency WHERE key = ?"));
        q->bind(key);
        if (!q->step()) return std::nullopt;
        return IdempotencyRecord{q->text(0), q->text(1), q->text(2), q->integer(3), q->text(4)};
    });
}

std::int64_t SqliteStore::quota_count(std::string const& quota, std::int64_t period_start_ms) {
    return impl_->guard("quota_count", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement("SELECT count FROM quota_counters WHERE quota = ? AND period_start_ms = ?"));
        q->bind(quota, period_start_ms);
        return q->step() ? q->integer(0) : std::int64_t{0};
    });
}

std::vector<AuditRecord> SqliteStore::audit(std::int64_t envelope) {
    return impl_->guard("audit", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(
            "SELECT envelope, seq, at_ms, kind, hash, entry FROM audit WHERE envelope = ? ORDER BY seq"));
        q->bind(envelope);
        std::vector<AuditRecord> out;
        while (q->step()) out.push_back({q->integer(0), q->integer(1), q->integer(2), q->text(3), q->text(4), q->text(5)});
        return out;
    });
}

std::optional<AuditRecord> SqliteStore::audit_head(std::int64_t envelope) {
    return impl_->guard("audit_head", [&]() -> std::optional<AuditRecord> {
        Impl::Reader db(*impl_);
        Resetting q(db.statement("SELECT envelope, seq, at_ms, kind, hash, entry FROM audit WHERE envelope = ? "
                                 "ORDER BY seq DESC LIMIT 1"));
        q->bind(envelope);
        if (!q->step()) return std::nullopt;
        return AuditRecord{q->integer(0), q->integer(1), q->integer(2), q->text(3), q->text(4), q->text(5)};
    });
}

void SqliteStore::load_audit_heads(std::function<void(AuditRecord&&)> const& sink) {
    impl_->guard("load_audit_heads", [&] {
        Impl::Reader db(*impl_);
        // One index probe per running envelope: the primary key (envelope,
        // seq) serves MAX(seq) and the row behind it.
        Resetting q(db.statement(R"(SELECT a.envelope, a.seq, a.at_ms, a.kind, a.hash FROM instances i
            JOIN audit a ON a.envelope = i.id AND a.seq = (SELECT MAX(seq) FROM audit WHERE envelope = i.id)
            WHERE i.status = 'running' ORDER BY i.id)"));
        while (q->step()) sink({q->integer(0), q->integer(1), q->integer(2), q->text(3), q->text(4), {}});
    });
}

void SqliteStore::put_document(DocumentRecord const& d) {
    impl_->guard("put_document", [&] {
        std::lock_guard lock(impl_->write_mutex);
        impl_->writer
            ->statement(R"(INSERT INTO documents (envelope, revision, kind, sha256, pdf, created_ms, document)
                           VALUES (?, ?, ?, ?, ?, ?, ?)
                           ON CONFLICT (envelope, revision) DO UPDATE SET kind = excluded.kind,
                             sha256 = excluded.sha256, pdf = excluded.pdf, created_ms = excluded.created_ms,
                             document = excluded.document)")
            .bind(d.envelope, d.revision, d.kind, d.sha256, Blob{d.pdf}, d.created_ms, d.document)
            .run();
    });
}

std::optional<DocumentRecord> SqliteStore::document(std::int64_t envelope, std::int64_t revision) {
    return impl_->guard("document", [&]() -> std::optional<DocumentRecord> {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(
            revision > 0 ? "SELECT envelope, revision, kind, sha256, pdf, created_ms, document FROM documents "
                           "WHERE envelope = ?1 AND revision = ?2"
                         : "SELECT envelope, revision, kind, sha256, pdf, created_ms, document FROM documents "
                           "WHERE envelope = ?1 AND ?2 = 0 ORDER BY revision DESC LIMIT 1"));
        q->bind(envelope, revision);
        if (!q->step()) return std::nullopt;
        return DocumentRecord{q->integer(0), q->integer(1), q->text(2), q->text(3), q->blob(4), q->integer(5), q->text(6)};
    });
}

std::vector<DocumentRecord> SqliteStore::documents(std::int64_t envelope) {
    return impl_->guard("documents", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement("SELECT envelope, revision, kind, sha256, created_ms, document FROM documents "
                                 "WHERE envelope = ? ORDER BY revision"));
        q->bind(envelope);
        std::vector<DocumentRecord> out;
        while (q->step())
            out.push_back({q->integer(0), q->integer(1), q->text(2), q->text(3), {}, q->integer(4), q->text(5)});
        return out;
    });
}

std::vector<AttachmentRecord> SqliteStore::attachments(std::int64_t envelope) {
    return impl_->guard("attachments", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement("SELECT envelope, name, role, file_name, media_type, sha256, bytes, created_ms "
                                 "FROM attachments WHERE envelope = ? ORDER BY name"));
        q->bind(envelope);
        std::vector<AttachmentRecord> out;
        while (q->step())
            out.push_back({q->integer(0), q->text(1), q->text(2), q->text(3), q->text(4), q->text(5), q->blob(6),
                           q->integer(7)});
        return out;
    });
}

std::string SqliteStore::secret(std::string const& name) {
    return impl_->guard("secret", [&] {
        std::lock_guard lock(impl_->write_mutex);
        auto& db = *impl_->writer;
        {
            Resetting q(db.statement("SELECT value FROM secrets WHERE name = ?"));
            q->bind(name);
            if (q->step()) return q->text(0);
        }
        std::string value = signflow::base::random_hex(32);
        db.statement("INSERT INTO secrets (name, value) VALUES (?, ?)").bind(name, value).run();
        return value;
    });
}

// ---- dead letters retried (the daemon's own stores: sqlite_access.cpp)

std::optional<OutboxRecord> SqliteStore::revive_outbox(std::string const& key, std::int64_t now_ms) {
    return impl_->guard("revive_outbox", [&]() -> std::optional<OutboxRecord> {
        std::lock_guard lock(impl_->write_mutex);
        auto& db = *impl_->writer;
        Statement& update = db.statement(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_ms = ? "
            "WHERE key = ? AND status = 'dead' AND kind <> 'send_code'");
        update.bind(now_ms, key).run();
        if (update.changes() == 0) return std::nullopt;
        Resetting q(db.statement(select(outbox_columns, "FROM outbox WHERE key = ?")));
        q->bind(key);
        if (!q->step()) return std::nullopt;
        return outbox_from(*q);
    });
}

}  // namespace signflow::storage
