#include "signflow/base/digest.hpp"
#include "signflow/storage/pg_store.hpp"

#include "pg.hpp"
#include "pg_schema.hpp"
#include "pg_store_impl.hpp"

#include <chrono>
#include <mutex>
#include <thread>
#include <stdexcept>
#include <utility>

namespace signflow::storage {

using engine::AttachmentRecord;
using engine::AuditRecord;
using engine::Change;
using engine::DefinitionRecord;
using engine::DocumentRecord;
using engine::IdempotencyRecord;
using engine::InstanceFilter;
using engine::InstanceRecord;
using engine::JournalRecord;
using engine::OutboxRecord;
using engine::TimerRecord;
using pg::Params;

namespace pg_detail {

char const* const instance_columns =
    "id, workflow, version, state, status, data, progress, created_ms, updated_ms, batch";
char const* const outbox_columns =
    "id, key, instance, kind, target, payload, attempts, next_attempt_ms, status, last_error, created_ms, connector";
constexpr char const* timer_columns = "instance, timer, due_ms, zone, fired";
constexpr char const* audit_columns = "envelope, seq, at_ms, kind, hash, entry";

InstanceRecord instance_from(pg::Result const& r, int row) {
    InstanceRecord i;
    i.id = r.integer(row, 0);
    i.workflow = r.text(row, 1);
    i.version = r.text(row, 2);
    i.state = r.text(row, 3);
    i.status = r.text(row, 4);
    i.data = r.text(row, 5);
    i.progress = r.text(row, 6);
    i.created_ms = r.integer(row, 7);
    i.updated_ms = r.integer(row, 8);
    i.batch = r.integer(row, 9);
    return i;
}

OutboxRecord outbox_from(pg::Result const& r, int row) {
    OutboxRecord o;
    o.id = r.integer(row, 0);
    o.key = r.text(row, 1);
    o.instance = r.integer(row, 2);
    o.kind = r.text(row, 3);
    o.target = r.text(row, 4);
    o.payload = r.text(row, 5);
    o.attempts = r.integer(row, 6);
    o.next_attempt_ms = r.integer(row, 7);
    o.status = r.text(row, 8);
    o.last_error = r.text(row, 9);
    o.created_ms = r.integer(row, 10);
    o.connector = r.text(row, 11);
    return o;
}

AuditRecord audit_from(pg::Result const& r, int row) {
    return {r.integer(row, 0), r.integer(row, 1), r.integer(row, 2), r.text(row, 3), r.text(row, 4), r.text(row, 5)};
}

std::string select(char const* columns, char const* rest) { return std::string("SELECT ") + columns + " " + rest; }

}  // namespace pg_detail

using namespace pg_detail;

namespace {

// The commit path's statements, in engine/store.hpp's order. Each is
// prepared on the writer connection before a pipeline starts (a pipeline
// cannot prepare).
// created_ms and batch are left as first written: when and by what an
// envelope began are facts.
constexpr char const* upsert_instance = R"(INSERT INTO instances
    (id, workflow, version, state, status, data, progress, created_ms, updated_ms, batch)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (id) DO UPDATE SET
      workflow = excluded.workflow, version = excluded.version, state = excluded.state,
      status = excluded.status, data = excluded.data, progress = excluded.progress,
      updated_ms = excluded.updated_ms)";
constexpr char const* cancel_timer = "DELETE FROM timers WHERE instance = $1 AND timer = $2";
constexpr char const* arm_timer = R"(INSERT INTO timers (instance, timer, due_ms, zone, fired)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (instance, timer) DO UPDATE SET
      due_ms = excluded.due_ms, zone = excluded.zone, fired = excluded.fired)";
constexpr char const* add_outbox = R"(INSERT INTO outbox
    (key, instance, kind, target, payload, attempts, next_attempt_ms, status, last_error, created_ms, connector)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11))";
constexpr char const* add_outbox_with_id = R"(INSERT INTO outbox
    (id, key, instance, kind, target, payload, attempts, next_attempt_ms, status, last_error, created_ms, connector)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12))";
// A row given its id does not move the identity's sequence: it is moved past
// the highest id, so that the next row numbered by the database is new.
constexpr char const* outbox_sequence_past =
    "SELECT setval(pg_get_serial_sequence('outbox', 'id'), GREATEST((SELECT MAX(id) FROM outbox), 1))";
// An update of a key that is not in the outbox fails the batch (the store's
// contract): dividing by the count of rows updated makes none an error
// inside the transaction, where a count read after the pipeline would come
// too late.
constexpr char const* update_outbox = R"(WITH u AS (
      UPDATE outbox SET status = $1, attempts = $2, next_attempt_ms = $3, last_error = $4
      WHERE key = $5 RETURNING 1)
    SELECT 1 / (SELECT COUNT(*)::int FROM u))";
// A Change's journal lines, audit entries and people's terms go as one
// statement each (arrays, unnested in order): most of an event's rows are
// these, and PostgreSQL's cost is per statement more than per row. (Measured
// with scripts/bench-daemon.sh STORE=both: docs/development.md.)
constexpr char const* add_journal = R"(INSERT INTO journal (instance, at_ms, kind, detail, epoch)
    SELECT i, a, k, d, $5 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS t(i, a, k, d, n)
    ORDER BY n)";
constexpr char const* add_audit = R"(INSERT INTO audit (envelope, seq, at_ms, kind, hash, entry)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[]))";
constexpr char const* put_attachment = R"(INSERT INTO attachments
    (envelope, name, role, file_name, media_type, sha256, bytes, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (envelope, name) DO UPDATE SET role = excluded.role, file_name = excluded.file_name,
      media_type = excluded.media_type, sha256 = excluded.sha256, bytes = excluded.bytes,
      created_ms = excluded.created_ms)";
// The first answer stays: a retry must get the answer the first request
// got, whatever a racing duplicate produced.
constexpr char const* add_idempotency = R"(INSERT INTO idempotency (key, status, response, created_ms, request, outcome)
    VALUES ($1, 0, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING)";
constexpr char const* add_quota = R"(INSERT INTO quota_counters (quota, period_start_ms, count) VALUES ($1, $2, $3)
    ON CONFLICT (quota, period_start_ms) DO UPDATE SET count = quota_counters.count + excluded.count)";
constexpr char const* clear_people = "DELETE FROM envelope_people WHERE envelope = $1";
constexpr char const* add_people =
    "INSERT INTO envelope_people (term, envelope) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING";

// The fence: a commit goes through only while its daemon still holds the
// lead with the epoch it took (a lease that ran out while nobody took over
// is still its own: nobody else has written). FOR SHARE holds the lease row
// until the commit ends: a takeover (which updates the row) waits for it,
// so whatever committed under the old epoch is there when the new leader
// loads. None: division by zero (22012), the transaction fails.
constexpr char const* check_fence = R"(SELECT 1 / COUNT(*)::int FROM (
    SELECT 1 FROM leases WHERE name = 'daemon' AND holder = $1 AND epoch = $2 FOR SHARE) AS f)";

constexpr char const* mark_commit = R"(INSERT INTO commit_marks (writer, token) VALUES ($1, $2)
    ON CONFLICT (writer) DO UPDATE SET token = excluded.token)";

constexpr char const* write_statements[] = {
    check_fence,
    mark_commit,
    upsert_instance, cancel_timer, arm_timer, add_outbox, add_outbox_with_id, outbox_sequence_past, update_outbox,
    add_journal,     add_audit,    put_attachment, add_idempotency, add_quota,            clear_people,
    add_people,
};

// A quota's counter key as stored: PostgreSQL's index entries hold at most
// ~2.7 KB, and a quota's key comes from a request (a per-customer quota keyed
// by a field): a long one is kept as its SHA-256, for counting and reading
// alike.
std::string quota_key(std::string const& quota) {
    return quota.size() <= 512 ? quota : "sha256:" + signflow::base::sha256_hex(quota);
}

// A PostgreSQL array literal, {"…","…"} or {1,2}, sent as one text
// parameter (then cast: $1::text[], $1::bigint[]).
class Array {
public:
    void add(std::int64_t n) {
        next();
        text_ += std::to_string(n);
    }
    void add(std::string const& s) {
        next();
        text_.push_back('"');
        for (char c : s) {
            if (c == '"' || c == '\\') text_.push_back('\\');
            text_.push_back(c);
        }
        text_.push_back('"');
    }
    // The literal, closed (add() after this is a mistake).
    std::string const& text() {
        if (!closed_) {
            if (text_.empty()) text_ = "{";
            text_.push_back('}');
            closed_ = true;
        }
        return text_;
    }

private:
    void next() { text_ += text_.empty() ? "{" : ","; }
    std::string text_;
    bool closed_ = false;
};

// What a statement of the pipeline was for, to name a failure.
struct Sent {
    std::size_t change;  // SIZE_MAX: the commit's own (its mark; fence_check: the fence)
    std::string const* outbox_key;  // an outbox update's key
};

// One Change into the pipeline, in engine/store.hpp's order.
// `epoch`: the leader's, written on its journal lines (0 when unfenced).
void send(pg::Connection::Pipeline& p, Change const& c, std::size_t index, std::vector<Sent>& sent,
          std::int64_t epoch) {
    auto add = [&](char const* sql, Params& params, std::string const* key = nullptr) {
        p.add(sql, params);
        sent.push_back({index, key});
    };
    for (auto const& i : c.instances) {
        Params q;
        q.all(i.id, i.workflow, i.version, i.state, i.status, i.data, i.progress, i.created_ms, i.updated_ms, i.batch);
        add(upsert_instance, q);
    }
    for (auto const& [instance, timer] : c.timers_cancelled) {
        Params q;
        q.all(instance, timer);
        add(cancel_timer, q);
    }
    for (auto const& t : c.timers_armed) {
        Params q;
        q.all(t.instance, t.timer, t.due_ms, t.zone, t.fired);
        add(arm_timer, q);
    }
    for (auto const& o : c.outbox_added) {
        Params q;
        if (o.id != 0) q.add(o.id);
        q.all(o.key, o.instance, o.kind, o.target, o.payload, o.attempts, o.next_attempt_ms, o.status, o.last_error,
              o.created_ms, o.connector);
        add(o.id != 0 ? add_outbox_with_id : add_outbox, q);
        if (o.id != 0) {
            Params none;
            add(outbox_sequence_past, none);
        }
    }
    for (auto const& u : c.outbox_updated) {
        Params q;
        q.all(u.status, u.attempts, u.next_attempt_ms, u.last_error, u.key);
        add(update_outbox, q, &u.key);
    }
    if (!c.journal.empty()) {
        Array instance, at, kind, detail;
        for (auto const& j : c.journal) {
            instance.add(j.instance);
            at.add(j.at_ms);
            kind.add(j.kind);
            detail.add(j.detail);
        }
        Params q;
        q.all(instance.text(), at.text(), kind.text(), detail.text(), epoch);
        add(add_journal, q);
    }
    // A second entry with the same (envelope, seq) fails the batch: a chain
    // never forks.
    if (!c.audit.empty()) {
        Array envelope, seq, at, kind, hash, entry;
        for (auto const& a : c.audit) {
            envelope.add(a.envelope);
            seq.add(a.seq);
            at.add(a.at_ms);
            kind.add(a.kind);
            hash.add(a.hash);
            entry.add(a.entry);
        }
        Params q;
        q.all(envelope.text(), seq.text(), at.text(), kind.text(), hash.text(), entry.text());
        add(add_audit, q);
    }
    for (auto const& a : c.attachments) {
        Params q;
        q.all(a.envelope, a.name, a.role, a.file_name, a.media_type, a.sha256, pg::Bytes{a.bytes}, a.created_ms);
        add(put_attachment, q);
    }
    if (auto const& i = c.idempotency) {
        Params q;
        q.all(i->key, i->response, i->created_ms, i->request, i->outcome);
        add(add_idempotency, q);
    }
    for (auto const& quota : c.quotas) {
        Params q;
        q.all(quota_key(quota.quota), quota.period_start_ms, quota.delta);
        add(add_quota, q);
    }
    for (auto const& people : c.people) {
        Params q;
        q.add(people.envelope);
        add(clear_people, q);
        if (people.terms.empty()) continue;
        Array terms;
        for (auto const& term : people.terms) terms.add(term);
        Params t;
        t.all(terms.text(), people.envelope);
        add(add_people, t);
    }
}

// (what the fence's entry in `sent` points at, to tell it apart)
std::string const fence_check = "fence";

// Sends the COMMIT and reads every result; a failed statement is named by
// the change it belongs to.
void finish(pg::Connection::Pipeline& pipeline, std::vector<Sent> const& sent, std::size_t changes) {
    try {
        pipeline.commit();
    } catch (pg::ConnectionLost const&) {
        throw;
    } catch (std::exception const& e) {
        if (pipeline.failed_at < sent.size() && sent[pipeline.failed_at].outbox_key == &fence_check)
            throw std::runtime_error("this daemon no longer leads the database (its lease ran out and another "
                                     "daemon took over): nothing of this batch was committed");
        if (pipeline.failed_at >= sent.size() || sent[pipeline.failed_at].change == SIZE_MAX) throw;
        Sent const& s = sent[pipeline.failed_at];
        std::string why = e.what();
        if (s.outbox_key && why.find("22012") != std::string::npos)
            why = "outbox update: no outbox record with key '" + *s.outbox_key + "'";
        throw std::runtime_error("change " + std::to_string(s.change + 1) + " of " + std::to_string(changes) + ": " +
                                 why);
    }
}

}  // namespace

PgStore::Impl::Impl(std::string t, PgOptions o)
    : target(std::move(t)),
      described(pg::describe(target)),
      options(o),
      writer(std::make_unique<pg::Connection>(target)),
      writer_id(signflow::base::random_hex(16)) {}

PgStore::PgStore(std::string target, PgOptions options) : impl_(std::make_unique<Impl>(std::move(target), options)) {}

PgStore::~PgStore() = default;

int PgStore::latest_schema_version() { return pg_schema::latest_version(); }

std::string PgStore::describe_target(std::string const& target) { return pg::describe(target); }

std::string PgStore::describe() const { return impl_->described; }

void PgStore::migrate() {
    impl_->guard("migrate", [&] {
        std::lock_guard lock(impl_->write_mutex);
        pg_schema::migrate(impl_->write_connection());
    });
}

void PgStore::save_definition(DefinitionRecord const& d) {
    impl_->guard("save_definition", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(d.version, d.workflow, d.ir_json, d.loaded_ms);
        impl_->write_connection().run(R"(INSERT INTO definitions (version, workflow, ir_json, loaded_ms)
            VALUES ($1, $2, $3, $4) ON CONFLICT (version) DO NOTHING)",
                                      q);
    });
}

std::vector<DefinitionRecord> PgStore::load_definitions() {
    return impl_->guard("load_definitions", [&] {
        Impl::Reader db(*impl_);
        auto r = db->run("SELECT version, workflow, ir_json, loaded_ms FROM definitions ORDER BY loaded_ms, version");
        std::vector<DefinitionRecord> out;
        for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.integer(i, 3)});
        return out;
    });
}

void PgStore::commit(std::span<Change const> batch) {
    if (batch.empty()) return;
    impl_->guard("commit", [&] {
        std::lock_guard lock(impl_->write_mutex);
        auto& db = impl_->write_connection();
        if (!impl_->writes_prepared) {
            try {
                for (char const* sql : write_statements) db.prepared(sql);
            } catch (pg::ConnectionLost const&) {
                throw;
            } catch (std::exception const& e) {
                throw std::runtime_error(std::string(e.what()) + " (was migrate() called?)");
            }
            impl_->writes_prepared = true;
        }
        // A batch whose COMMIT may have landed before the connection broke
        // (the committer gives the same batch again): landed, it is done.
        // The server process that ran it may still be finishing it (a COMMIT
        // waiting for a synchronous standby does not see its client go):
        // it is ended first, and the mark read once it is gone, when its
        // transaction has either committed or rolled back.
        if (!impl_->unknown_commit.empty()) {
            Params pid;
            pid.all(std::int64_t{impl_->unknown_backend}, impl_->unknown_backend_start);
            db.run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = $1::int AND backend_start::text = $2",
                   pid);
            for (int waited = 0;; ++waited) {
                if (db.run("SELECT 1 FROM pg_stat_activity WHERE pid = $1::int AND backend_start::text = $2", pid)
                        .rows() == 0)
                    break;
                if (waited == 200)  // 10 s: try again at the committer's next attempt
                    throw pg::ConnectionLost("the server process of the commit whose outcome is unknown is still there");
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            Params q;
            q.add(impl_->writer_id);
            auto r = db.run("SELECT token FROM commit_marks WHERE writer = $1", q);
            bool const landed = r.rows() == 1 && r.text(0, 0) == impl_->unknown_commit;
            impl_->unknown_commit.clear();
            if (landed) return;
        }
        std::string const token = signflow::base::random_hex(16);
        int const backend = PQbackendPID(db.handle());
        std::string const backend_start = db.backend_start();
        std::vector<Sent> sent;
        try {
            pg::Connection::Pipeline pipeline(db);
            if (!impl_->fence_holder.empty()) {
                Params f;
                f.all(impl_->fence_holder, impl_->fence_epoch);
                pipeline.add(check_fence, f);
                sent.push_back({SIZE_MAX, &fence_check});
            }
            Params mark;
            mark.all(impl_->writer_id, token);
            pipeline.add(mark_commit, mark);
            sent.push_back({SIZE_MAX, nullptr});
            for (std::size_t index = 0; index < batch.size(); ++index) send(pipeline, batch[index], index, sent, impl_->fence_holder.empty() ? 0 : impl_->fence_epoch);
            finish(pipeline, sent, batch.size());
        } catch (pg::ConnectionLost const&) {
            impl_->unknown_commit = token;
            impl_->unknown_backend = backend;
            impl_->unknown_backend_start = backend_start;
            throw;
        }
    });
}

std::int64_t PgStore::take_lead(std::string const& holder, std::int64_t ttl_ms, std::string& held_by,
                               std::string const& dead_holder) {
    return impl_->guard("take_lead", [&]() -> std::int64_t {
        std::lock_guard lock(impl_->write_mutex);
        auto& db = impl_->write_connection();
        Params q;
        q.all(holder, ttl_ms, dead_holder);
        auto r = db.run(R"(INSERT INTO leases (name, holder, epoch, expires_at)
            VALUES ('daemon', $1, 1, now() + $2 * interval '1 millisecond')
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = leases.epoch + 1,
              expires_at = excluded.expires_at
            WHERE leases.expires_at <= now() OR leases.holder = $3 RETURNING epoch)",
                        q);
        if (r.rows() == 1) return r.integer(0, 0);
        auto who = db.run("SELECT holder FROM leases WHERE name = 'daemon'");
        held_by = who.rows() ? who.text(0, 0) : std::string();
        return 0;
    });
}

bool PgStore::renew_lead(std::string const& holder, std::int64_t epoch, std::int64_t ttl_ms) {
    return impl_->guard("renew_lead", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(holder, epoch, ttl_ms);
        return impl_->write_connection()
                   .run(R"(UPDATE leases SET expires_at = now() + $3 * interval '1 millisecond'
                        WHERE name = 'daemon' AND holder = $1 AND epoch = $2)",
                        q)
                   .affected() == 1;
    });
}

void PgStore::release_lead(std::string const& holder, std::int64_t epoch) {
    impl_->guard("release_lead", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(holder, epoch);
        impl_->write_connection().run(
            "UPDATE leases SET expires_at = now() WHERE name = 'daemon' AND holder = $1 AND epoch = $2", q);
    });
}

void PgStore::fence(std::string const& holder, std::int64_t epoch) {
    std::lock_guard lock(impl_->write_mutex);
    impl_->fence_holder = holder;
    impl_->fence_epoch = epoch;
}

void PgStore::load_running_instances(std::function<void(InstanceRecord&&)> const& sink) {
    impl_->guard("load_running_instances", [&] {
        Impl::Reader db(*impl_);
        Params none;
        db->each(select(instance_columns, "FROM instances WHERE status = 'running' ORDER BY id"), none,
                 [&](pg::Result const& r) { sink(instance_from(r, 0)); });
    });
}

void PgStore::load_timers(std::function<void(TimerRecord&&)> const& sink) {
    impl_->guard("load_timers", [&] {
        Impl::Reader db(*impl_);
        Params none;
        db->each(select(timer_columns, "FROM timers"), none, [&](pg::Result const& r) {
            sink({r.integer(0, 0), r.text(0, 1), r.integer(0, 2), r.text(0, 3), r.integer(0, 4)});
        });
    });
}

void PgStore::load_pending_outbox(std::function<void(OutboxRecord&&)> const& sink) {
    impl_->guard("load_pending_outbox", [&] {
        Impl::Reader db(*impl_);
        Params none;
        db->each(select(outbox_columns, "FROM outbox WHERE status = 'pending' ORDER BY id"), none,
                 [&](pg::Result const& r) { sink(outbox_from(r, 0)); });
    });
}

std::int64_t PgStore::max_instance_id() {
    return impl_->guard("max_instance_id", [&] {
        Impl::Reader db(*impl_);
        return db->run("SELECT COALESCE(MAX(id), 0) FROM instances").integer(0, 0);
    });
}

std::optional<InstanceRecord> PgStore::find_instance(std::int64_t id) {
    return impl_->guard("find_instance", [&]() -> std::optional<InstanceRecord> {
        Impl::Reader db(*impl_);
        Params q;
        q.add(id);
        auto r = db->run(select(instance_columns, "FROM instances WHERE id = $1"), q);
        if (r.rows() == 0) return std::nullopt;
        return instance_from(r, 0);
    });
}

std::vector<InstanceRecord> PgStore::list_instances(InstanceFilter const& f) {
    if (f.limit <= 0) return {};
    // Only the conditions asked for, each with its own parameter, so that the
    // planner sees plain equalities and ranges it can serve from an index.
    Params q;
    auto param = [&](auto const& value) {
        q.add(value);
        return "$" + std::to_string(q.size());
    };
    std::string sql = select(instance_columns, "FROM instances WHERE id > ") + param(f.after_id);
    if (!f.workflow.empty()) sql += " AND workflow = " + param(f.workflow);
    if (!f.state.empty()) sql += " AND state = " + param(f.state);
    if (!f.status.empty()) sql += " AND status = " + param(f.status);
    if (!f.q.empty()) {
        // A prefix is a range of the terms' key (bytewise: COLLATE "C"):
        // every UTF-8 text that starts with q sorts below q followed by the
        // highest code point's bytes.
        std::string past = f.q + "\xF4\x8F\xBF\xBF";
        sql += " AND id IN (SELECT envelope FROM envelope_people WHERE term >= " + param(f.q) + " AND term < " +
               param(past) + ")";
    }
    if (f.from_ms > 0) sql += " AND created_ms >= " + param(f.from_ms);
    if (f.to_ms > 0) sql += " AND created_ms < " + param(f.to_ms);
    sql += " ORDER BY id LIMIT " + param(std::int64_t{f.limit});
    return impl_->guard("list_instances", [&] {
        Impl::Reader db(*impl_);
        auto r = db->run(sql, q);
        std::vector<InstanceRecord> out;
        for (int i = 0; i < r.rows(); ++i) out.push_back(instance_from(r, i));
        return out;
    });
}

std::vector<JournalRecord> PgStore::journal(std::int64_t instance) {
    return impl_->guard("journal", [&] {
        Impl::Reader db(*impl_);
        Params q;
        q.add(instance);
        auto r = db->run("SELECT instance, at_ms, kind, detail FROM journal WHERE instance = $1 ORDER BY seq", q);
        std::vector<JournalRecord> out;
        for (int i = 0; i < r.rows(); ++i) out.push_back({r.integer(i, 0), r.integer(i, 1), r.text(i, 2), r.text(i, 3)});
        return out;
    });
}

std::vector<OutboxRecord> PgStore::list_outbox(std::string const& status, int limit, std::string const& target) {
    if (limit <= 0) return {};
    Params q;
    std::string where = "FROM outbox WHERE true";
    if (!status.empty()) {
        q.add(status);
        where += " AND status = $" + std::to_string(q.size());
    }
    if (!target.empty()) {
        q.add(target);
        where += " AND target = $" + std::to_string(q.size());
    }
    q.add(std::int64_t{limit});
    where += " ORDER BY id LIMIT $" + std::to_string(q.size());
    return impl_->guard("list_outbox", [&] {
        Impl::Reader db(*impl_);
        auto r = db->run(select(outbox_columns, where.c_str()), q);
        std::vector<OutboxRecord> out;
        for (int i = 0; i < r.rows(); ++i) out.push_back(outbox_from(r, i));
        return out;
    });
}

std::optional<IdempotencyRecord> PgStore::find_idempotency(std::string const& key) {
    return impl_->guard("find_idempotency", [&]() -> std::optional<IdempotencyRecord> {
        Impl::Reader db(*impl_);
        Params q;
        q.add(key);
        auto r = db->run("SELECT key, outcome, response, created_ms, request FROM idempotency WHERE key = $1", q);
        if (r.rows() == 0) return std::nullopt;
        return IdempotencyRecord{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.integer(0, 3), r.text(0, 4)};
    });
}

std::int64_t PgStore::quota_count(std::string const& quota, std::int64_t period_start_ms) {
    return impl_->guard("quota_count", [&] {
        Impl::Reader db(*impl_);
        Params q;
        q.all(quota_key(quota), period_start_ms);
        auto r = db->run("SELECT count FROM quota_counters WHERE quota = $1 AND period_start_ms = $2", q);
        return r.rows() ? r.integer(0, 0) : std::int64_t{0};
    });
}

std::vector<AuditRecord> PgStore::audit(std::int64_t envelope) {
    return impl_->guard("audit", [&] {
        Impl::Reader db(*impl_);
        Params q;
        q.add(envelope);
        auto r = db->run(select(audit_columns, "FROM audit WHERE envelope = $1 ORDER BY seq"), q);
        std::vector<AuditRecord> out;
        for (int i = 0; i < r.rows(); ++i) out.push_back(audit_from(r, i));
        return out;
    });
}

std::optional<AuditRecord> PgStore::audit_head(std::int64_t envelope) {
    return impl_->guard("audit_head", [&]() -> std::optional<AuditRecord> {
        Impl::Reader db(*impl_);
        Params q;
        q.add(envelope);
        auto r = db->run(select(audit_columns, "FROM audit WHERE envelope = $1 ORDER BY seq DESC LIMIT 1"), q);
        if (r.rows() == 0) return std::nullopt;
        return audit_from(r, 0);
    });
}

void PgStore::load_audit_heads(std::function<void(AuditRecord&&)> const& sink) {
    impl_->guard("load_audit_heads", [&] {
        Impl::Reader db(*impl_);
        Params none;
        // One index probe per running envelope (the primary key serves the
        // last seq and the row behind it).
        db->each(R"(SELECT a.envelope, a.seq, a.at_ms, a.kind, a.hash FROM instances i
            CROSS JOIN LATERAL (SELECT envelope, seq, at_ms, kind, hash FROM audit
                                WHERE envelope = i.id ORDER BY seq DESC LIMIT 1) a
            WHERE i.status = 'running' ORDER BY i.id)",
                 none, [&](pg::Result const& r) {
                     sink({r.integer(0, 0), r.integer(0, 1), r.integer(0, 2), r.text(0, 3), r.text(0, 4), {}});
                 });
    });
}

void PgStore::put_document(DocumentRecord const& d) {
    impl_->guard("put_document", [&] {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(d.envelope, d.revision, d.kind, d.sha256, pg::Bytes{d.pdf}, d.created_ms, d.document);
        impl_->write_connection().run(R"(INSERT INTO documents (envelope, revision, kind, sha256, pdf, created_ms, document)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (envelope, revision) DO UPDATE SET kind = excluded.kind, sha256 = excluded.sha256,
              pdf = excluded.pdf, created_ms = excluded.created_ms, document = excluded.document)",
                                      q);
    });
}

std::optional<DocumentRecord> PgStore::document(std::int64_t envelope, std::int64_t revision) {
    return impl_->guard("document", [&]() -> std::optional<DocumentRecord> {
        Impl::Reader db(*impl_);
        Params q;
        q.add(envelope);
        if (revision > 0) q.add(revision);
        auto r = db->run(revision > 0 ? "SELECT envelope, revision, kind, sha256, pdf, created_ms, document FROM documents "
                                        "WHERE envelope = $1 AND revision = $2"
                                      : "SELECT envelope, revision, kind, sha256, pdf, created_ms, document FROM documents "
                                        "WHERE envelope = $1 ORDER BY revision DESC LIMIT 1",
                         q);
        if (r.rows() == 0) return std::nullopt;
        return DocumentRecord{r.integer(0, 0), r.integer(0, 1), r.text(0, 2), r.text(0, 3),
                              r.bytes(0, 4),   r.integer(0, 5), r.text(0, 6)};
    });
}

std::vector<DocumentRecord> PgStore::documents(std::int64_t envelope) {
    return impl_->guard("documents", [&] {
        Impl::Reader db(*impl_);
        Params q;
        q.add(envelope);
        auto r = db->run("SELECT envelope, revision, kind, sha256, created_ms, document FROM documents "
                         "WHERE envelope = $1 ORDER BY revision",
                         q);
        std::vector<DocumentRecord> out;
        for (int i = 0; i < r.rows(); ++i)
            out.push_back({r.integer(i, 0), r.integer(i, 1), r.text(i, 2), r.text(i, 3), {}, r.integer(i, 4), r.text(i, 5)});
        return out;
    });
}

std::vector<AttachmentRecord> PgStore::attachments(std::int64_t envelope) {
    return impl_->guard("attachments", [&] {
        Impl::Reader db(*impl_);
        Params q;
        q.add(envelope);
        auto r = db->run("SELECT envelope, name, role, file_name, media_type, sha256, bytes, created_ms "
                         "FROM attachments WHERE envelope = $1 ORDER BY name",
                         q);
        std::vector<AttachmentRecord> out;
        for (int i = 0; i < r.rows(); ++i)
            out.push_back({r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5),
                           r.bytes(i, 6), r.integer(i, 7)});
        return out;
    });
}

std::string PgStore::secret(std::string const& name) {
    return impl_->guard("secret", [&] {
        std::lock_guard lock(impl_->write_mutex);
        auto& db = impl_->write_connection();
        // Another daemon may make it at the same moment: the first insert
        // wins and both read it back.
        Params insert;
        insert.all(name, signflow::base::random_hex(32));
        db.run("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", insert);
        Params q;
        q.add(name);
        return db.run("SELECT value FROM secrets WHERE name = $1", q).text(0, 0);
    });
}

std::optional<OutboxRecord> PgStore::revive_outbox(std::string const& key, std::int64_t now_ms) {
    return impl_->guard("revive_outbox", [&]() -> std::optional<OutboxRecord> {
        std::lock_guard lock(impl_->write_mutex);
        Params q;
        q.all(now_ms, key);
        auto r = impl_->write_connection().run(
            "WITH o AS (UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_ms = $1 "
            "WHERE key = $2 AND status = 'dead' AND kind <> 'send_code' RETURNING *) " +
                select(outbox_columns, "FROM o"),
            q);
        if (r.rows() == 0) return std::nullopt;
        return outbox_from(r, 0);
    });
}

}  // namespace signflow::storage
