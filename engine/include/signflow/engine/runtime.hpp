#pragma once
// The daemon's engine: runs every envelope of every loaded workflow, durably.
//
// Threads and order. The runtime runs on the caller's io_context (which the
// daemon runs on one thread per core). Envelopes are spread over shards, one
// Asio strand each, by id: everything that happens to one envelope happens on
// its shard, in order, never two transitions at once. One committer thread
// writes to the store; one dispatcher thread delivers the outbox.
//
// Durability. Applying an event changes the envelope in memory and produces
// a Change (new state, journal line, timers, outbox rows, quota counts, the
// idempotency record). Changes go to the committer in order; it writes every
// change that is waiting in ONE transaction (group commit: one fsync for many
// events) and only then answers the senders and hands the new outbox rows to
// the dispatcher. An answered event is on disk. If a commit fails, the
// process cannot know what the disk holds: the runtime reports it through
// on_fatal, answers `unavailable` and the daemon exits, to restart from what is
// committed (crash-only).
//
// Effects are never performed inside a transition: they are outbox rows,
// delivered after the commit, at least once, with a stable idempotency key,
// retried with exponential backoff and full jitter, and kept as dead letters
// after the last try.
#include "signflow/dsl/catalog.hpp"
#include "signflow/dsl/ir.hpp"
#include "signflow/engine/connector.hpp"
#include "signflow/engine/outcome.hpp"
#include "signflow/engine/rules.hpp"
#include "signflow/engine/signer_view.hpp"
#include "signflow/engine/store.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace signflow::engine {

enum class LogLevel { debug, info, warn, error };
using LogFn = std::function<void(LogLevel, std::string const&)>;

// A webhook connector's subscription to envelope lifecycle events
// (envelope.sent, recipient.signed, …; docs/connectors.md lists them): each
// event becomes a `webhook` delivery to `connector`, in the same commit as
// the change it reports.
struct Subscription {
    std::string connector;
    std::vector<std::string> events;     // empty: every event
    std::vector<std::string> workflows;  // empty: every workflow
};

struct RuntimeOptions {
    std::filesystem::path rules = "rules";
    std::string default_zone = "UTC";       // signers with no zone, in workflows with none
    std::string connector_log = "connector-calls.jsonl";  // the log connector's file
    unsigned shards = 0;                    // 0: one per hardware thread
    std::size_t max_batch = 4096;           // changes per commit at most
    bool watch = true;                      // inotify on the rules folder
    std::chrono::milliseconds reload_debounce{200};
    // Outbox retries: attempt n waits a random time in [0, min(cap, base·2^n)].
    std::chrono::milliseconds retry_base{1000};
    std::chrono::milliseconds retry_cap{std::chrono::hours(6)};
    int max_attempts = 12;
    // The key one-time codes are derived from and checked with (hex). Keep
    // it out of the database: with it, the stored code hashes can be tested
    // offline. Empty: a key the store keeps (`Store::secret`), for tests.
    std::string code_secret;
    std::vector<Subscription> subscriptions;
};

// Where a request came from, for the audit trail.
// An operator's API key acting in a signer's name (scope act-for-signer):
// the audit entry's actor is then the key ("api_key:ID"), and its detail says
// on whose behalf and why (docs/audit.md).
struct ActingKey {
    std::int64_t key_id = 0;  // 0: no key (`serve --open`)
    std::string key_name;
    std::string reason;
};

struct Origin {
    std::string ip;
    std::string user_agent;
    std::optional<ActingKey> acting;  // unset: the signer through their own link, or the system
};

// An idempotency key: `key` names a request among its caller's (the API
// puts the API key's id in front, so that two callers' keys never meet);
// `request` says what the request was (method, path and the body's SHA-256,
// "POST /v1/instances/7/cancel 3b1f…"). A retry with the same key and
// request gets the first answer; the same key with another request is
// answered `invalid`, saying whether the route or the body differs. An empty
// `request` is not compared (the engine's own callers: pages, bulk rows).
struct IdempotencyKey {
    std::string key;
    std::string request;
    IdempotencyKey() = default;
    IdempotencyKey(std::string k) : key(std::move(k)) {}  // NOLINT(google-explicit-constructor): a plain key
    IdempotencyKey(char const* k) : key(k) {}             // NOLINT(google-explicit-constructor)
    IdempotencyKey(std::string k, std::string r) : key(std::move(k)), request(std::move(r)) {}
};

// An envelope as GET /v1/instances/{id} shows it: its record and history.
struct InstanceDetail {
    InstanceRecord record;
    std::vector<JournalRecord> history;
};

// A page of envelopes; `next_after_id` when more may follow (pass it as
// InstanceFilter::after_id).
struct InstancePage {
    std::vector<InstanceRecord> instances;
    std::optional<std::int64_t> next_after_id;
};

// One quota of a loaded workflow this period.
struct QuotaUsage {
    std::string workflow;
    std::int64_t limit = 0;
    std::string period;  // day | week | month | year
    std::int64_t period_start_ms = 0;
    std::int64_t resets_ms = 0;
    std::string key;        // the key expression (`event.customer`); empty: one count for all
    std::int64_t used = 0;  // without a key
    // With a key: the keys this daemon counted this period since it started,
    // most used first.
    std::vector<std::pair<std::string, std::int64_t>> keys;
};

class Runtime {
public:
    Runtime(boost::asio::io_context& io, Store& store, dsl::Catalog const& catalog, RuntimeOptions options,
            LogFn log = {});
    ~Runtime();
    Runtime(Runtime const&) = delete;
    Runtime& operator=(Runtime const&) = delete;

    // Connectors by name; names the configuration does not define go to the
    // log connector. Add them before start().
    void add_connector(std::unique_ptr<Connector> c);
    // Called when the store failed to commit (see the header comment).
    std::function<void(std::string const&)> on_fatal;
    // A rule may be refused at load (e.g. a connector the configuration lacks).
    std::function<std::string(ir::Workflow const&)> accept_rule;

    // Migrates the store, loads the rules, restores envelopes, re-arms timers
    // (firing once those that came due while the daemon was down) and resumes
    // the outbox. Throws std::runtime_error when it cannot.
    void start();
    // Stops taking events, lets what is in flight finish and be committed,
    // drains nothing more from the outbox, then calls `done`.
    void stop(std::function<void()> done);

    // An event: starts envelopes and/or moves the ones awaiting
    // it. `idempotency_key` (may be empty) makes a retry return the first
    // answer and change nothing.
    void post_event(std::string const& name, nlohmann::json data, IdempotencyKey const& idempotency_key, ReplyFn reply);
    // Starts one envelope of `workflow` (its current version) from `data`, by
    // the first trigger whose condition holds, as part of bulk send `batch`
    // (0: none). accepted with {"started": [summary]}; not_found: unknown
    // workflow; invalid: no trigger holds or a role is missing; over_limit:
    // a quota is used up.
    void start_envelope(std::string const& workflow, nlohmann::json data, IdempotencyKey const& idempotency_key,
                        std::int64_t batch, ReplyFn reply);
    // What the workflow's quotas without a key (`quota 500 envelopes per
    // day`) still allow now: how many envelopes, and a sentence naming the
    // tightest quota. Nullopt when none limits it or no such workflow is
    // loaded. Quotas per key (per event.customer) depend on each start's
    // data: they refuse individual starts (over_limit) instead. For bulk send,
    // which says up front how many rows can start.
    struct QuotaRoom {
        std::int64_t envelopes = 0;
        std::string message;
    };
    std::optional<QuotaRoom> quota_room(std::string const& workflow);
    // A signer's act on envelope `id`: signed, declined, verified,
    // verification_failed.
    // `data`: for signed {name, image (base64 PNG, optional)}; for declined
    // {reason}.
    void signer_event(std::int64_t id, std::string const& role, std::string const& what, nlohmann::json data,
                      IdempotencyKey const& idempotency_key, ReplyFn reply, Origin origin = {});
    // Evidence that changes no state: a signer viewed the envelope
    // (`viewed`) or agreed to do business electronically (`consent_given`).
    void signer_record(std::int64_t id, std::string const& role, std::string const& kind, nlohmann::json detail,
                       Origin origin, ReplyFn reply);
    // A one-time code a signer typed: verified(role) when it matches, a
    // counted failure when not, verification_failed(role) once locked.
    void submit_code(std::int64_t id, std::string const& role, std::string const& code, Origin origin, ReplyFn reply);
    // Sends the signer a new code (at most 5 per verification).
    void resend_code(std::int64_t id, std::string const& role, Origin origin, ReplyFn reply);
    // A file a signer uploaded for an attachment request (already inspected:
    // type, size, hash); stored with the envelope in the same commit as its
    // audit entry.
    void upload_attachment(AttachmentRecord file, Origin origin, ReplyFn reply);

    // Reads for the operator API; the daemon presents them
    // (app/src/serve/views.cpp). not_found: no such envelope.
    // The audit trail's entries in order, a document version (0: the
    // latest) and the documents list (without their bytes).
    Result<std::vector<AuditRecord>> audit(std::int64_t id);
    std::optional<DocumentRecord> document(std::int64_t id, std::int64_t revision);
    Result<std::vector<DocumentRecord>> documents(std::int64_t id);
    // `origin.acting`: the operator's key, named in the `cancelled` entry.
    void cancel(std::int64_t id, std::string const& reason, IdempotencyKey const& idempotency_key, ReplyFn reply,
                Origin origin = {});
    // An operator corrects a signer who has not signed yet: `changes` holds
    // any of email, phone, name, timezone, language (strings). The signer's
    // earlier links stop working (SignerView::links_from_ms), the trail gets
    // a `signer_corrected` entry with the old and new values, and the
    // signing request goes again, to the new address, when it is their turn
    // (else it goes there when their turn comes). Timers run on: reminders
    // keep their schedule and count. invalid (422): a value that is not one;
    // not_found: no such envelope or role; conflict: ended, or signed.
    void correct_signer(std::int64_t id, std::string const& role, nlohmann::json changes, Origin origin,
                        IdempotencyKey const& idempotency_key, ReplyFn reply);
    // A signer hands over to someone else (`delegable`), from their signing
    // page: `to` holds the delegate's name and email. The role becomes the
    // delegate's (the signer kept as `on_behalf_of`), the signer's links stop
    // working, the delegate is asked with a link of their own, the trail
    // gets `signer_delegated`. conflict: not their turn, not delegable here,
    // handed over already; invalid: a name or address that is not one.
    void delegate_signer(std::int64_t id, std::string const& role, nlohmann::json to, Origin origin, ReplyFn reply);
    // The signing request sent again now, with a new link (the earlier ones
    // keep working). conflict: not `role`'s turn.
    void resend_request(std::int64_t id, std::string const& role, Origin origin, IdempotencyKey const& idempotency_key,
                        ReplyFn reply);

    // One signer's view of envelope `id`, for their signing page (see
    // signer_view.hpp). not_found when there is no such envelope; failed
    // when its workflow version is not loaded.
    Result<SignerView> signer(std::int64_t id, std::string const& role);
    Result<InstanceDetail> instance(std::int64_t id);
    InstancePage instances(InstanceFilter const& filter);
    // Every event a loaded workflow starts with or waits for (the rules
    // themselves: snapshot()).
    std::vector<std::string> known_events() const;
    // Every loaded workflow's quotas this period, by workflow name.
    std::vector<QuotaUsage> quotas();
    // Compiles the rules folder now: invalid when a file failed (the report
    // says which; its previous version keeps serving), failed when the
    // folder could not be read.
    Result<ReloadReport> reload();
    std::vector<OutboxRecord> outbox(std::string const& status, int limit, std::string const& connector = {});
    // An operator retries a dead letter: pending again, attempts from zero,
    // delivered by its connector's lane now (the row as it is now).
    // not_found when no dead delivery has that key.
    Result<OutboxRecord> retry_delivery(std::string const& key);
    std::string metrics();  // Prometheus text format
    bool accepting() const;
    // False while the store cannot be reached (a database restarting):
    // requests that would change something are answered `unavailable`.
    bool store_reachable() const;
    // The rules now serving (see rules.hpp).
    std::shared_ptr<Snapshot const> snapshot() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace signflow::engine
