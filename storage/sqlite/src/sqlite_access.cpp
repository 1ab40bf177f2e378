// The SQLite store's side for the daemon's own parts: bulk sends
// (storage::BatchStore), API keys, signing links and refused requests
// (storage::AccessStore), and analytics scans (analytics::EnvelopeSource).
// The engine's state is in sqlite_store.cpp; both share store_impl.hpp.
#include "store_impl.hpp"

#include <utility>

namespace signflow::storage {

using engine::AuditRecord;
using sqlite::Resetting;
using sqlite::Statement;
using namespace detail;

namespace {
BatchRecord batch_from(Statement const& s) {
    BatchRecord b;
    b.id = s.integer(0);
    b.workflow = s.text(1);
    b.status = s.text(2);
    b.rows = s.integer(3);
    b.accepted = s.integer(4);
    b.rejected = s.integer(5);
    b.rejections = s.text(6);
    b.note = s.text(7);
    b.created_ms = s.integer(8);
    b.finished_ms = s.integer(9);
    return b;
}

ApiKeyRecord api_key_from(Statement const& s) {
    ApiKeyRecord k;
    k.id = s.integer(0);
    k.name = s.text(1);
    k.prefix = s.text(2);
    k.hash = s.text(3);
    k.scopes = s.text(4);
    k.created_ms = s.integer(5);
    k.revoked_ms = s.integer(6);
    return k;
}

constexpr char const* batch_columns =
    "id, workflow, status, rows, accepted, rejected, rejections, note, created_ms, finished_ms";
constexpr char const* api_key_columns = "id, name, prefix, hash, scopes, created_ms, revoked_ms";
}  // namespace

std::int64_t SqliteStore::create_batch(BatchRecord const& b) {
    return impl_->guard("create_batch", [&] {
        std::lock_guard lock(impl_->write_mutex);
        auto& db = *impl_->writer;
        db.statement(R"(INSERT INTO batches (workflow, status, rows, accepted, rejected, rejections, note,
                        created_ms, finished_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?))")
            .bind(b.workflow, b.status, b.rows, b.accepted, b.rejected, b.rejections, b.note, b.created_ms,
                  b.finished_ms)
            .run();
        return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db.handle()));
    });
}

void SqliteStore::update_batch(BatchRecord const& b) {
    impl_->guard("update_batch", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Statement& u = impl_->writer->statement(
            R"(UPDATE batches SET status = ?, rows = ?, accepted = ?, rejected = ?, rejections = ?, note = ?,
               finished_ms = ? WHERE id = ?)");
        u.bind(b.status, b.rows, b.accepted, b.rejected, b.rejections, b.note, b.finished_ms, b.id).run();
        if (u.changes() == 0) throw std::runtime_error("no batch " + std::to_string(b.id));
    });
}

std::optional<BatchRecord> SqliteStore::find_batch(std::int64_t id) {
    return impl_->guard("find_batch", [&]() -> std::optional<BatchRecord> {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(select(batch_columns, "FROM batches WHERE id = ?")));
        q->bind(id);
        if (!q->step()) return std::nullopt;
        return batch_from(*q);
    });
}

std::vector<std::pair<std::string, std::int64_t>> SqliteStore::batch_progress(std::int64_t batch) {
    return impl_->guard("batch_progress", [&] {
        Impl::Reader db(*impl_);
        // `batch <> 0` lets SQLite use the partial index instances_batch.
        Resetting q(db.statement("SELECT status, state, COUNT(*) FROM instances WHERE batch = ?1 AND batch <> 0 "
                                 "GROUP BY status, state ORDER BY status, state"));
        q->bind(batch);
        std::vector<std::pair<std::string, std::int64_t>> out;
        while (q->step()) out.emplace_back(q->text(0) + "/" + q->text(1), q->integer(2));
        return out;
    });
}

std::int64_t SqliteStore::add_api_key(ApiKeyRecord const& k) {
    return impl_->guard("add_api_key", [&] {
        std::lock_guard lock(impl_->write_mutex);
        auto& db = *impl_->writer;
        db.statement(R"(INSERT INTO api_keys (name, prefix, hash, scopes, created_ms, revoked_ms)
                        VALUES (?, ?, ?, ?, ?, ?))")
            .bind(k.name, k.prefix, k.hash, k.scopes, k.created_ms, k.revoked_ms)
            .run();
        return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db.handle()));
    });
}

std::optional<ApiKeyRecord> SqliteStore::find_api_key(std::string const& hash) {
    return impl_->guard("find_api_key", [&]() -> std::optional<ApiKeyRecord> {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(select(api_key_columns, "FROM api_keys WHERE hash = ?")));
        q->bind(hash);
        if (!q->step()) return std::nullopt;
        return api_key_from(*q);
    });
}

void SqliteStore::add_signing_token(SigningTokenRecord const& t) {
    impl_->guard("add_signing_token", [&] {
        std::lock_guard lock(impl_->write_mutex);
        impl_->writer
            ->statement(R"(INSERT INTO signing_tokens (hash, envelope, role, purpose, created_ms, expires_ms, used_ms, detail)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?))")
            .bind(t.hash, t.envelope, t.role, t.purpose, t.created_ms, t.expires_ms, t.used_ms, t.detail)
            .run();
    });
}

bool SqliteStore::use_signing_token(std::string const& hash, std::int64_t now_ms) {
    return impl_->guard("use_signing_token", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Statement& u = impl_->writer->statement("UPDATE signing_tokens SET used_ms = ? WHERE hash = ? AND used_ms = 0");
        u.bind(now_ms, hash).run();
        return u.changes() == 1;
    });
}

std::optional<SigningTokenRecord> SqliteStore::find_signing_token(std::string const& hash) {
    return impl_->guard("find_signing_token", [&]() -> std::optional<SigningTokenRecord> {
        Impl::Reader db(*impl_);
        Resetting q(db.statement("SELECT hash, envelope, role, purpose, created_ms, expires_ms, used_ms, detail "
                                 "FROM signing_tokens WHERE hash = ?"));
        q->bind(hash);
        if (!q->step()) return std::nullopt;
        return SigningTokenRecord{q->text(0),    q->integer(1), q->text(2), q->text(3),
                                  q->integer(4), q->integer(5), q->integer(6), q->text(7)};
    });
}

std::vector<ApiKeyRecord> SqliteStore::api_keys() {
    return impl_->guard("api_keys", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(select(api_key_columns, "FROM api_keys ORDER BY id")));
        std::vector<ApiKeyRecord> out;
        while (q->step()) out.push_back(api_key_from(*q));
        return out;
    });
}

bool SqliteStore::revoke_api_key(std::int64_t id, std::int64_t at_ms) {
    return impl_->guard("revoke_api_key", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Statement& u = impl_->writer->statement("UPDATE api_keys SET revoked_ms = ? WHERE id = ? AND revoked_ms = 0");
        u.bind(at_ms, id).run();
        return u.changes() > 0;
    });
}

void SqliteStore::record_security_event(SecurityEventRecord const& e) {
    impl_->guard("record_security_event", [&] {
        std::lock_guard lock(impl_->write_mutex);
        impl_->writer
            ->statement("INSERT INTO security_events (at_ms, kind, source, ip, detail) VALUES (?, ?, ?, ?, ?)")
            .bind(e.at_ms, e.kind, e.source, e.ip, e.detail)
            .run();
    });
}

std::vector<SecurityEventRecord> SqliteStore::security_events(int limit) {
    if (limit <= 0) return {};
    return impl_->guard("security_events", [&] {
        Impl::Reader db(*impl_);
        Resetting q(db.statement(
            "SELECT at_ms, kind, source, ip, detail FROM security_events ORDER BY seq DESC LIMIT ?"));
        q->bind(std::int64_t{limit});
        std::vector<SecurityEventRecord> out;
        while (q->step()) out.push_back({q->integer(0), q->text(1), q->text(2), q->text(3), q->text(4)});
        return out;
    });
}

void SqliteStore::scan_envelopes(
    analytics::EnvelopeScan const& scan,
    std::function<void(engine::InstanceRecord&&, std::vector<engine::AuditRecord>&&)> const& sink) {
    impl_->guard("scan_envelopes", [&] {
        Impl::Reader db(*impl_);
        // One pass over both tables in envelope order: the audit rows of the
        // envelopes in range, merged with the envelopes (no query per envelope).
        Resetting envelopes(db.statement(select(
            instance_columns,
            "FROM instances WHERE created_ms >= ?1 AND created_ms < ?2 AND (?3 = '' OR workflow = ?3) ORDER BY id")));
        envelopes->bind(scan.from_ms, scan.to_ms, scan.workflow);
        Resetting trail(db.statement(R"(SELECT a.envelope, a.seq, a.at_ms, a.kind, a.hash, a.entry
            FROM audit a JOIN instances i ON i.id = a.envelope
            WHERE i.created_ms >= ?1 AND i.created_ms < ?2 AND (?3 = '' OR i.workflow = ?3)
            ORDER BY a.envelope, a.seq)"));
        trail->bind(scan.from_ms, scan.to_ms, scan.workflow);
        bool more = trail->step();
        while (envelopes->step()) {
            engine::InstanceRecord r = instance_from(*envelopes);
            std::vector<AuditRecord> entries;
            while (more && trail->integer(0) < r.id) more = trail->step();
            while (more && trail->integer(0) == r.id) {
                entries.push_back({trail->integer(0), trail->integer(1), trail->integer(2), trail->text(3),
                                   trail->text(4), trail->text(5)});
                more = trail->step();
            }
            sink(std::move(r), std::move(entries));
        }
    });
}

}  // namespace signflow::storage
