// The PostgreSQL store's side for the daemon's own parts: bulk sends
// (storage::BatchStore), API keys, signing links and refused requests
// (storage::AccessStore), and analytics scans (analytics::EnvelopeSource).
// The engine's state is in pg_store.cpp; both share pg_store_impl.hpp.
#include "pg_store_impl.hpp"

#include <utility>

namespace signflow::storage {

using engine::AuditRecord;
using pg::Params;
using namespace pg_detail;

namespace {

constexpr char const* batch_columns =
    "id, workflow, status, rows, accepted, rejected, rejections, note, created_ms, finished_ms";
constexpr char const* api_key_columns = "id, name, prefix, hash, scopes, created_ms, revoked_ms";

BatchRecord batch_from(pg::Result const& r, int i) {
    BatchRecord b;
    b.id = r.integer(i, 0);
    b.workflow = r.text(i, 1);
    b.status = r.text(i, 2);
    b.rows = r.integer(i, 3);
    b.accepted = r.integer(i, 4);
    b.rejected = r.integer(i, 5);
    b.rejections = r.text(i, 6);
    b.note = r.text(i, 7);
    b.created_ms = r.integer(i, 8);
    b.finished_ms = r.integer(i, 9);
    return b;
}

ApiKeyRecord api_key_from(pg::Result const& r, int i) {
    ApiKeyRecord k;
    k.id = r.integer(i, 0);
    k.name = r.text(i, 1);
    k.prefix = r.text(i, 2);
    k.hash = r.text(i, 3);
    k.scopes = r.text(i, 4);
    k.created_ms = r.integer(i, 5);
    k.revoked_ms = r.integer(i, 6);
    return k;
}

}  // namespace

std::int64_t PgStore::create_batch(BatchRecord const& b) {
    return impl_->guard("create_batch", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(b.workflow, b.status, b.rows, b.accepted, b.rejected, b.rejections, b.note, b.created_ms, b.finished_ms);
        return impl_->write_connection()
            .run(R"(INSERT INTO batches (workflow, status, rows, accepted, rejected, rejections, note, created_ms,
                    finished_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id)",
                 q)
            .integer(0, 0);
    });
}

void PgStore::update_batch(BatchRecord const& b) {
    impl_->guard("update_batch", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(b.status, b.rows, b.accepted, b.rejected, b.rejections, b.note, b.finished_ms, b.id);
        auto r = impl_->write_connection().run(
            R"(UPDATE batches SET status = $1, rows = $2, accepted = $3, rejected = $4, rejections = $5, note = $6,
               finished_ms = $7 WHERE id = $8)",
            q);
        if (r.affected() == 0) throw std::runtime_error("no batch " + std::to_string(b.id));
    });
}

std::optional<BatchRecord> PgStore::find_batch(std::int64_t id) {
    return impl_->guard("find_batch", [&]() -> std::optional<BatchRecord> {
        Impl::Reader db(*impl_);
        Params q;
        q.add(id);
        auto r = db->run(select(batch_columns, "FROM batches WHERE id = $1"), q);
        if (r.rows() == 0) return std::nullopt;
        return batch_from(r, 0);
    });
}

std::vector<std::pair<std::string, std::int64_t>> PgStore::batch_progress(std::int64_t batch) {
    return impl_->guard("batch_progress", [&] {
        Impl::Reader db(*impl_);
        Params q;
        q.add(batch);
        // `batch <> 0` lets the planner use the partial index instances_batch.
        auto r = db->run("SELECT status, state, COUNT(*) FROM instances WHERE batch = $1 AND batch <> 0 "
                         "GROUP BY status, state ORDER BY status, state",
                         q);
        std::vector<std::pair<std::string, std::int64_t>> out;
        for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0) + "/" + r.text(i, 1), r.integer(i, 2));
        return out;
    });
}

std::int64_t PgStore::add_api_key(ApiKeyRecord const& k) {
    return impl_->guard("add_api_key", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(k.name, k.prefix, k.hash, k.scopes, k.created_ms, k.revoked_ms);
        return impl_->write_connection()
            .run(R"(INSERT INTO api_keys (name, prefix, hash, scopes, created_ms, revoked_ms)
                    VALUES ($1, $2, $3, $4, $5, $6) RETURNING id)",
                 q)
            .integer(0, 0);
    });
}

std::optional<ApiKeyRecord> PgStore::find_api_key(std::string const& hash) {
    return impl_->guard("find_api_key", [&]() -> std::optional<ApiKeyRecord> {
        Impl::Reader db(*impl_);
        Params q;
        q.add(hash);
        auto r = db->run(select(api_key_columns, "FROM api_keys WHERE hash = $1"), q);
        if (r.rows() == 0) return std::nullopt;
        return api_key_from(r, 0);
    });
}

std::vector<ApiKeyRecord> PgStore::api_keys() {
    return impl_->guard("api_keys", [&] {
        Impl::Reader db(*impl_);
        auto r = db->run(select(api_key_columns, "FROM api_keys ORDER BY id"));
        std::vector<ApiKeyRecord> out;
        for (int i = 0; i < r.rows(); ++i) out.push_back(api_key_from(r, i));
        return out;
    });
}

bool PgStore::revoke_api_key(std::int64_t id, std::int64_t at_ms) {
    return impl_->guard("revoke_api_key", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(at_ms, id);
        return impl_->write_connection()
                   .run("UPDATE api_keys SET revoked_ms = $1 WHERE id = $2 AND revoked_ms = 0", q)
                   .affected() > 0;
    });
}

void PgStore::add_signing_token(SigningTokenRecord const& t) {
    impl_->guard("add_signing_token", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(t.hash, t.envelope, t.role, t.purpose, t.created_ms, t.expires_ms, t.used_ms, t.detail);
        impl_->write_connection().run(
            R"(INSERT INTO signing_tokens (hash, envelope, role, purpose, created_ms, expires_ms, used_ms, detail)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8))",
            q);
    });
}

bool PgStore::use_signing_token(std::string const& hash, std::int64_t now_ms) {
    return impl_->guard("use_signing_token", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(now_ms, hash);
        // One statement: of two requests (on one daemon or two) only one
        // sees a row change.
        return impl_->write_connection()
                   .run("UPDATE signing_tokens SET used_ms = $1 WHERE hash = $2 AND used_ms = 0", q)
                   .affected() == 1;
    });
}

std::optional<SigningTokenRecord> PgStore::find_signing_token(std::string const& hash) {
    return impl_->guard("find_signing_token", [&]() -> std::optional<SigningTokenRecord> {
        Impl::Reader db(*impl_);
        Params q;
        q.add(hash);
        auto r = db->run("SELECT hash, envelope, role, purpose, created_ms, expires_ms, used_ms, detail "
                         "FROM signing_tokens WHERE hash = $1",
                         q);
        if (r.rows() == 0) return std::nullopt;
        return SigningTokenRecord{r.text(0, 0),    r.integer(0, 1), r.text(0, 2),    r.text(0, 3),
                                  r.integer(0, 4), r.integer(0, 5), r.integer(0, 6), r.text(0, 7)};
    });
}

void PgStore::record_security_event(SecurityEventRecord const& e) {
    impl_->guard("record_security_event", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(e.at_ms, e.kind, e.source, e.ip, e.detail);
        impl_->write_connection().run(
            "INSERT INTO security_events (at_ms, kind, source, ip, detail) VALUES ($1, $2, $3, $4, $5)", q);
    });
}

std::vector<SecurityEventRecord> PgStore::security_events(int limit) {
    if (limit <= 0) return {};
    return impl_->guard("security_events", [&] {
        Impl::Reader db(*impl_);
        Params q;
        q.add(std::int64_t{limit});
        auto r = db->run("SELECT at_ms, kind, source, ip, detail FROM security_events ORDER BY seq DESC LIMIT $1", q);
        std::vector<SecurityEventRecord> out;
        for (int i = 0; i < r.rows(); ++i)
            out.push_back({r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4)});
        return out;
    });
}

void PgStore::scan_envelopes(
    analytics::EnvelopeScan const& scan,
    std::function<void(engine::InstanceRecord&&, std::vector<engine::AuditRecord>&&)> const& sink) {
    impl_->guard("scan_envelopes", [&] {
        // The envelopes of the period, and their audit rows, each streamed in
        // envelope order on its own connection, merged here (no query per
        // envelope, neither result held whole).
        Impl::Reader envelopes_db(*impl_);
        Impl::Reader trail_db(*impl_);
        auto where = [&](Params& q, char const* alias) {
            q.all(scan.from_ms, scan.to_ms);
            std::string w = std::string(" WHERE ") + alias + "created_ms >= $1 AND " + alias + "created_ms < $2";
            if (!scan.workflow.empty()) {
                q.add(scan.workflow);
                w += std::string(" AND ") + alias + "workflow = $3";
            }
            return w;
        };
        Params trail_q;
        std::string trail_sql = "SELECT a.envelope, a.seq, a.at_ms, a.kind, a.hash, a.entry FROM audit a "
                                "JOIN instances i ON i.id = a.envelope" +
                                where(trail_q, "i.") + " ORDER BY a.envelope, a.seq";
        std::string const& trail_name = trail_db->prepared(trail_sql);
        PGconn* tc = trail_db->handle();
        if (!PQsendQueryPrepared(tc, trail_name.c_str(), trail_q.size(), trail_q.values().data(), trail_q.lengths(),
                                 trail_q.formats(), 0))
            pg::fail(tc, nullptr, "the audit rows of a scan");
        PQsetSingleRowMode(tc);
        // The trail's next row (null at its end); a failure is thrown once the
        // envelopes are read, after the trail's results are all consumed.
        std::string trail_error;
        auto next_trail = [&]() -> pg::Result {
            while (PGresult* raw = PQgetResult(tc)) {
                pg::Result r(raw);
                auto status = PQresultStatus(raw);
                if (status == PGRES_SINGLE_TUPLE) return r;
                if (status != PGRES_TUPLES_OK && trail_error.empty())
                    trail_error = PQresultErrorMessage(raw);
            }
            return pg::Result();
        };
        pg::Result trail = next_trail();
        Params envelope_q;
        std::string envelope_sql = select(instance_columns, "FROM instances") + where(envelope_q, "") + " ORDER BY id";
        envelopes_db->each(envelope_sql, envelope_q, [&](pg::Result const& row) {
            engine::InstanceRecord r = instance_from(row, 0);
            std::vector<AuditRecord> entries;
            while (trail && trail.integer(0, 0) < r.id) trail = next_trail();
            while (trail && trail.integer(0, 0) == r.id) {
                entries.push_back(audit_from(trail, 0));
                trail = next_trail();
            }
            sink(std::move(r), std::move(entries));
        });
        while (trail) trail = next_trail();
        if (!trail_error.empty()) {
            if (!trail_db->ok()) throw pg::ConnectionLost("the audit rows of a scan: " + trail_error);
            throw std::runtime_error("the audit rows of a scan: " + trail_error);
        }
    });
}

}  // namespace signflow::storage
