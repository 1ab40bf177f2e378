#pragma once
// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so
// that an event acknowledged after commit() survives kill -9 and power loss.
//
// Threading contract. Every member function may be called from any thread.
//   - Writes (migrate, save_definition, commit) go through ONE connection,
//     serialised by a mutex: SQLite allows one writer at a time anyway, and
//     the engine has one committer thread, so the mutex is uncontended.
//   - Reads go through a small pool of read-only connections, one per
//     concurrent reader. In WAL mode they run alongside each other and
//     alongside a commit; each read sees the database as of the last commit
//     that returned before it started (a commit in progress is invisible).
//   - The sinks of load_* run on the calling thread while a read connection
//     is held; they must not call back into the store (with an in-memory
//     database that would deadlock; see below).
//   - An in-memory database (":memory:" or "") exists only inside its
//     connection, so it has no pool: reads share the writer connection and
//     its mutex. Meant for tests.
//
// Errors: every failure throws std::runtime_error naming the file and giving
// SQLite's (and, when opening, the operating system's) reason. A commit that
// throws has changed nothing.
//
// Call migrate() once after opening (the daemon does at start); the other
// calls expect the schema to exist.
#include "signflow/storage/daemon_store.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace signflow::storage {

struct SqliteOptions {
    // How long a statement waits for another process's lock (a second
    // daemon, a backup, the sqlite3 shell) before failing with "database is
    // locked". One process alone never waits: WAL readers do not block it.
    std::chrono::milliseconds busy_timeout{5000};
    // Read connections kept open between reads. More concurrent readers than
    // this still work; the extra connections are closed after use.
    std::size_t idle_readers = 4;
};

// Implements every store interface: the engine's durable state, and the
// daemon's own (access, bulk sends, analytics scans), in one database.
class SqliteStore final : public DaemonStore {
public:
    // Opens or creates the file. Throws when the directory is missing, the
    // file is read-only or not an SQLite database.
    explicit SqliteStore(std::string path, SqliteOptions options = {});
    ~SqliteStore() override;
    SqliteStore(SqliteStore const&) = delete;
    SqliteStore& operator=(SqliteStore const&) = delete;

    // The schema version this build migrates to.
    static int latest_schema_version();

    std::string const& path() const;
    std::string describe() const override { return path(); }
    // One daemon per file: it always leads (no lease is kept).
    std::int64_t take_lead(std::string const&, std::int64_t, std::string&, std::string const&) override { return 1; }
    bool renew_lead(std::string const&, std::int64_t, std::int64_t) override { return true; }
    void release_lead(std::string const&, std::int64_t) override {}
    void fence(std::string const&, std::int64_t) override {}
    // Its one daemon is its only member, kept in memory; the keys are beside
    // the file, for that daemon alone.
    void announce(Member const& self) override;
    void leave(std::string const& holder) override;
    Cluster cluster() override;
    std::string claim_key(std::string const&, std::string const& fingerprint) override { return fingerprint; }

    void migrate() override;

    void save_definition(engine::DefinitionRecord const& d) override;
    std::vector<engine::DefinitionRecord> load_definitions() override;  // by loaded_ms, then version

    void commit(std::span<engine::Change const> batch) override;

    void load_running_instances(std::function<void(engine::InstanceRecord&&)> const& sink) override;
    void load_timers(std::function<void(engine::TimerRecord&&)> const& sink) override;  // by due_ms
    void load_pending_outbox(std::function<void(engine::OutboxRecord&&)> const& sink) override;
    std::int64_t max_instance_id() override;

    std::optional<engine::InstanceRecord> find_instance(std::int64_t id) override;
    std::vector<engine::InstanceRecord> list_instances(engine::InstanceFilter const& f) override;
    std::vector<engine::JournalRecord> journal(std::int64_t instance) override;
    std::vector<engine::OutboxRecord> list_outbox(std::string const& status, int limit,
                                                  std::string const& target = {}) override;
    std::optional<engine::IdempotencyRecord> find_idempotency(std::string const& key) override;
    std::int64_t quota_count(std::string const& quota, std::int64_t period_start_ms) override;

    std::vector<engine::AuditRecord> audit(std::int64_t envelope) override;
    std::optional<engine::AuditRecord> audit_head(std::int64_t envelope) override;
    void load_audit_heads(std::function<void(engine::AuditRecord&&)> const& sink) override;
    void put_document(engine::DocumentRecord const& d) override;
    std::optional<engine::DocumentRecord> document(std::int64_t envelope, std::int64_t revision = 0) override;
    std::vector<engine::DocumentRecord> documents(std::int64_t envelope) override;
    std::vector<engine::AttachmentRecord> attachments(std::int64_t envelope) override;
    std::string secret(std::string const& name) override;

    std::optional<engine::OutboxRecord> revive_outbox(std::string const& key, std::int64_t now_ms) override;
    std::int64_t create_batch(BatchRecord const& b) override;
    void update_batch(BatchRecord const& b) override;
    std::optional<BatchRecord> find_batch(std::int64_t id) override;
    std::vector<std::pair<std::string, std::int64_t>> batch_progress(std::int64_t batch) override;
    std::int64_t add_api_key(ApiKeyRecord const& k) override;
    std::optional<ApiKeyRecord> find_api_key(std::string const& hash) override;
    std::vector<ApiKeyRecord> api_keys() override;
    void add_signing_token(SigningTokenRecord const& t) override;
    std::optional<SigningTokenRecord> find_signing_token(std::string const& hash) override;
    bool use_signing_token(std::string const& hash, std::int64_t now_ms) override;
    bool revoke_api_key(std::int64_t id, std::int64_t at_ms) override;
    void record_security_event(SecurityEventRecord const& e) override;
    std::vector<SecurityEventRecord> security_events(int limit) override;
    void scan_envelopes(analytics::EnvelopeScan const& scan,
                        std::function<void(engine::InstanceRecord&&, std::vector<engine::AuditRecord>&&)> const& sink)
        override;

private:
    // Keeps <sqlite3.h> out of this header: the engine and the daemon's other
    // parts include it and should not see SQLite.
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace signflow::storage
