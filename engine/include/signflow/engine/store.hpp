#pragma once
// Where the engine keeps what must survive a crash: workflow definitions (by
// their IR hash), instances (envelopes), their journal, pending timers, the
// outbox, idempotency keys and quota counters.
//
// The engine sees storage only through this interface, and this interface
// holds only what the engine (and the reads it answers) needs. The daemon's
// own stores sit beside it, with their owners: API keys, signing links and
// refused requests (signflow/storage/access_store.hpp), bulk sends
// (signflow/storage/batch_store.hpp), analytics scans
// (signflow/analytics/envelope_source.hpp). SQLite is the embedded default
// (storage/sqlite) and implements all four; a PostgreSQL backend for several
// daemons will follow, so the interfaces speak in records, not SQL, and the
// SQL behind them stays portable.
//
// Writing is batched: the engine's group committer hands `commit` several
// Changes (one per event) and they land in ONE transaction, so one fsync
// covers many events. A Change is all-or-nothing with the batch: either every
// Change of the batch is on disk when commit returns, or commit throws and
// none is.
#include <cstdint>
#include <functional>
#include <climits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace signflow::engine {

struct DefinitionRecord {
    std::string version;   // the IR's content hash (64 hex digits)
    std::string workflow;  // the workflow's name
    std::string ir_json;   // ir::to_json, as text
    std::int64_t loaded_ms = 0;
};

// An instance's whole state. `data` is JSON text owned by the engine (the
// trigger event, the envelope's fields, resolved roles, who has signed,
// reminder counts); the store does not look inside.
struct InstanceRecord {
    std::int64_t id = 0;
    std::string workflow;
    std::string version;
    std::string state;
    std::string status;  // running | finished | cancelled
    std::string data;
    // The machine's bookkeeping, JSON text the store does not look inside:
    // {"trigger", "entered_by", "signed", "seq", "documents", "sent"}.
    std::string progress;
    std::int64_t created_ms = 0;
    std::int64_t updated_ms = 0;
    std::int64_t batch = 0;  // the bulk send that started it (0: none)
};

// A pending timer. At most one per (instance, timer): arming again replaces.
struct TimerRecord {
    std::int64_t instance = 0;
    std::string timer;     // the IR timer id, e.g. "remind#1(client)"
    std::int64_t due_ms = 0;
    std::string zone;      // the zone its local time was computed in ("" when none)
    std::int64_t fired = 0;  // how many times it has fired so far (reminders)
};

// A side effect to deliver at least once. `key` is its idempotency key,
// stable across retries and restarts (the receiver deduplicates on it).
struct OutboxRecord {
    std::int64_t id = 0;     // assigned by the store on insert when 0
    std::string key;         // unique
    std::int64_t instance = 0;
    std::string kind;        // the action kind: invoke, notify, fill, …
    std::string target;      // connector, role or template
    std::string connector;   // who delivers it, decided once (ir::route_of):
                             // documents, messages or a connector's name;
                             // empty: the default connector (log)
    std::string payload;     // JSON text
    std::int64_t attempts = 0;
    std::int64_t next_attempt_ms = 0;
    std::string status;      // pending | delivered | dead
    std::string last_error;
    std::int64_t created_ms = 0;
};

// One line of an instance's history (event received, guard, action, state
// change, timer): what GET /v1/instances/{id} shows and the audit trail reads.
struct JournalRecord {
    std::int64_t instance = 0;
    std::int64_t at_ms = 0;
    std::string kind;
    std::string detail;  // JSON text
};

// The answer given to a request that carried an Idempotency-Key, so that a
// retry gets the same answer and changes nothing.
struct IdempotencyRecord {
    std::string key;
    std::string outcome;   // the answer's outcome (engine/outcome.hpp: "accepted", …)
    std::string response;  // the response body
    std::int64_t created_ms = 0;
    std::string request;   // what the request was (IdempotencyKey::request); "" when not given
};

// Adds `delta` to the counter of (quota, period_start).
struct QuotaIncrement {
    std::string quota;  // "<workflow>#<index>|<key value>"
    std::int64_t period_start_ms = 0;
    std::int64_t delta = 1;
};

// A delivery attempt's outcome. Rows are named by `key`, not by `id`: the
// engine knows the key from the moment it adds the record (in the same batch,
// possibly), while the id is assigned by the database inside commit. Updating
// a key that is not in the outbox is an error (the batch fails).
struct OutboxUpdate {
    std::string key;
    std::string status;       // pending | delivered | dead
    std::int64_t attempts = 0;
    std::int64_t next_attempt_ms = 0;
    std::string last_error;
};

// One entry of an envelope's audit trail. `entry` is the whole entry as JSON
// text (evidence/audit.hpp says what it holds and how entries are chained);
// the other fields are copies the store indexes. Entries are appended in the
// same change as the transition they record, never updated.
struct AuditRecord {
    std::int64_t envelope = 0;
    std::int64_t seq = 0;   // 1, 2, … per envelope
    std::int64_t at_ms = 0;
    std::string kind;
    std::string hash;
    std::string entry;
};

// A version of one of an envelope's documents. Revisions are numbered across
// the envelope: each document's filled template, then one per signature of
// it, then its sealed final copy; `document` says whose revision it is. Written by the
// documents connector in its own transaction (put_document), before the
// delivery that made it is recorded: a retry writes the same revision again.
struct DocumentRecord {
    std::int64_t envelope = 0;
    std::int64_t revision = 0;
    std::string kind;    // filled | signed | sealed
    std::string sha256;
    std::string pdf;     // the bytes (empty in listings)
    std::int64_t created_ms = 0;
    std::string document;  // which document: its template ("" in rows from before it was kept)
};

// A file a signer uploaded for an attachment request.
struct AttachmentRecord {
    std::int64_t envelope = 0;
    std::string name;       // the request's name in the template (`attach id_scan from client`)
    std::string role;
    std::string file_name;  // as uploaded
    std::string media_type; // sniffed from the bytes
    std::string sha256;
    std::string bytes;
    std::int64_t created_ms = 0;
};

// Everything one event changed. Applied in this order: instances, timers
// cancelled, timers armed, outbox added, outbox updated, journal, audit,
// attachments, idempotency, quotas.
//
// Integrity the store enforces (a violation fails the whole batch): an
// instance's `version` is a saved definition; timers, outbox and journal rows
// name an instance that exists (in the store, or earlier in the batch or in
// this Change, which is why instances come first); outbox keys are unique.
// Cancelling a timer that is not armed does nothing (it may have been
// cancelled already). An idempotency key is recorded once: a second record
// with the same key keeps the first answer.
// What an envelope is found by (GET /v1/instances?q=): its people's email
// addresses and names, lower-cased (ASCII), each name also word by word.
// Replaces the envelope's terms.
struct PeopleTerms {
    std::int64_t envelope = 0;
    std::vector<std::string> terms;
};

struct Change {
    std::vector<InstanceRecord> instances;  // upserts by id
    std::vector<std::pair<std::int64_t, std::string>> timers_cancelled;  // (instance, timer)
    std::vector<TimerRecord> timers_armed;                               // upserts by (instance, timer)
    std::vector<OutboxRecord> outbox_added;
    std::vector<OutboxUpdate> outbox_updated;
    std::vector<JournalRecord> journal;
    std::vector<AuditRecord> audit;
    std::vector<AttachmentRecord> attachments;  // replaces (envelope, name)
    std::optional<IdempotencyRecord> idempotency;
    std::vector<QuotaIncrement> quotas;
    std::vector<PeopleTerms> people;  // an envelope started, a signer corrected or handed over
};

struct InstanceFilter {
    std::string workflow;  // empty: any
    std::string state;     // empty: any
    std::string status;    // empty: any
    std::int64_t after_id = 0;  // paging: ids greater than this
    int limit = 100;            // at most this many rows; <= 0: none
    // Search: envelopes one of whose people has an email address or a name
    // (or a word of it) starting with `q` (lower-cased; empty: any), started
    // in [from_ms, to_ms) (0: open).
    std::string q;
    std::int64_t from_ms = 0, to_ms = 0;
};

class Store {
public:
    virtual ~Store() = default;

    // Creates or upgrades the schema (numbered migrations). Idempotent.
    virtual void migrate() = 0;

    virtual void save_definition(DefinitionRecord const& d) = 0;  // ignored when the version exists
    virtual std::vector<DefinitionRecord> load_definitions() = 0;

    // One transaction for the whole batch (see the header comment).
    virtual void commit(std::span<Change const> batch) = 0;

    // Start-up: streams what a restarted daemon needs: the running
    // instances and the pending outbox in id order, the timers in any order.
    virtual void load_running_instances(std::function<void(InstanceRecord&&)> const& sink) = 0;
    virtual void load_timers(std::function<void(TimerRecord&&)> const& sink) = 0;
    virtual void load_pending_outbox(std::function<void(OutboxRecord&&)> const& sink) = 0;
    virtual std::int64_t max_instance_id() = 0;

    // Reads for the API.
    virtual std::optional<InstanceRecord> find_instance(std::int64_t id) = 0;
    virtual std::vector<InstanceRecord> list_instances(InstanceFilter const& f) = 0;
    virtual std::vector<JournalRecord> journal(std::int64_t instance) = 0;
    // Deliveries by status ("" any) and connector (`target`, "" any), oldest first.
    virtual std::vector<OutboxRecord> list_outbox(std::string const& status, int limit,
                                                  std::string const& target = {}) = 0;
    virtual std::optional<IdempotencyRecord> find_idempotency(std::string const& key) = 0;
    virtual std::int64_t quota_count(std::string const& quota, std::int64_t period_start_ms) = 0;

    // The audit trail, in order; and its last entry (the chain's head).
    virtual std::vector<AuditRecord> audit(std::int64_t envelope) = 0;
    virtual std::optional<AuditRecord> audit_head(std::int64_t envelope) = 0;
    // Start-up: the heads (envelope, seq, hash; `entry` left empty) of the
    // running envelopes' chains.
    virtual void load_audit_heads(std::function<void(AuditRecord&&)> const& sink) = 0;

    // Documents: written outside the group commit, one transaction each,
    // replacing (envelope, revision). `revision` 0 reads the latest.
    virtual void put_document(DocumentRecord const& d) = 0;
    virtual std::optional<DocumentRecord> document(std::int64_t envelope, std::int64_t revision = 0) = 0;
    virtual std::vector<DocumentRecord> documents(std::int64_t envelope) = 0;  // without the bytes
    virtual std::vector<AttachmentRecord> attachments(std::int64_t envelope) = 0;

    // A named secret of this installation (e.g. the key one-time codes are
    // derived from): 32 random bytes as hex, made on first use and kept.
    virtual std::string secret(std::string const& name) = 0;

    // A dead letter made pending again (attempts from zero, due now), for an
    // operator's retry. Written at once, outside the group commit (a dead
    // row is in no queue, so nothing else updates it meanwhile). Null when
    // no dead delivery has that key.
    virtual std::optional<OutboxRecord> revive_outbox(std::string const& key, std::int64_t now_ms) = 0;
};

}  // namespace signflow::engine
