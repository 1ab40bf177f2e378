#pragma once
// The PostgreSQL store: the same records and contracts as the SQLite store
// (signflow/storage/sqlite_store.hpp), in a PostgreSQL database that several
// machines can reach. Durability is PostgreSQL's: a commit returns once the
// server has flushed its WAL (synchronous_commit = on, the default), and
// with synchronous replication once a standby has it too
// (docs/operations.md, "Running on PostgreSQL").
//
// Threading contract, as the SQLite store's: every member function may be
// called from any thread.
//   - Writes go through ONE connection behind a mutex. A commit is one
//     transaction sent in one round trip (libpq's pipeline mode: BEGIN, every
//     row's statement, COMMIT, one Sync), so a batch costs one network round
//     trip and one WAL flush however many rows it writes.
//   - Reads use a small pool of connections, one per concurrent reader.
//   - The sinks of load_* run while a connection is held; they must not
//     call back into the store.
//
// Connections: `target` is a libpq connection URI
// (postgresql://USER@HOST:PORT/DBNAME?…) or key=value string. The password
// comes from PGPASSWORD or ~/.pgpass (or the target, which is then never
// logged: describe() leaves it out). A connection the server dropped (a
// restart, a cut network) is replaced at its next use; a call that was using
// it fails with std::runtime_error, and a commit that fails has changed
// nothing (PostgreSQL rolls back a transaction whose COMMIT it never read).
//
// Errors: std::runtime_error "signflow store 'postgresql://user@host:port/db':
// <operation>: <PostgreSQL's message> [SQLSTATE …]".
#include "signflow/storage/daemon_store.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace signflow::storage {

struct PgOptions {
    // Read connections kept open between reads.
    std::size_t idle_readers = 4;
};

class PgStore final : public DaemonStore {
public:
    // Connects (the writer connection). Throws when the server cannot be
    // reached or refuses us, naming the target without its password.
    explicit PgStore(std::string target, PgOptions options = {});
    ~PgStore() override;
    PgStore(PgStore const&) = delete;
    PgStore& operator=(PgStore const&) = delete;

    static int latest_schema_version();
    // The target as describe() shows it, for any connection string.
    static std::string describe_target(std::string const& target);

    std::string describe() const override;
    std::int64_t take_lead(std::string const& holder, std::int64_t ttl_ms, std::string& held_by,
                           std::string const& dead_holder) override;
    bool renew_lead(std::string const& holder, std::int64_t epoch, std::int64_t ttl_ms) override;
    void release_lead(std::string const& holder, std::int64_t epoch) override;
    void fence(std::string const& holder, std::int64_t epoch) override;
    void announce(Member const& self) override;
    void leave(std::string const& holder) override;
    Cluster cluster() override;
    std::string claim_key(std::string const& name, std::string const& fingerprint) override;

    void migrate() override;

    void save_definition(engine::DefinitionRecord const& d) override;
    std::vector<engine::DefinitionRecord> load_definitions() override;
    void commit(std::span<engine::Change const> batch) override;
    void load_running_instances(std::function<void(engine::InstanceRecord&&)> const& sink) override;
    void load_timers(std::function<void(engine::TimerRecord&&)> const& sink) override;
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
    bool revoke_api_key(std::int64_t id, std::int64_t at_ms) override;
    void add_signing_token(SigningTokenRecord const& t) override;
    std::optional<SigningTokenRecord> find_signing_token(std::string const& hash) override;
    bool use_signing_token(std::string const& hash, std::int64_t now_ms) override;
    void record_security_event(SecurityEventRecord const& e) override;
    std::vector<SecurityEventRecord> security_events(int limit) override;
    void scan_envelopes(analytics::EnvelopeScan const& scan,
                        std::function<void(engine::InstanceRecord&&, std::vector<engine::AuditRecord>&&)> const& sink)
        override;

private:
    // Keeps <libpq-fe.h> out of this header.
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace signflow::storage
