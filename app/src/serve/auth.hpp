#pragma once
// Who may call the daemon's API.
//
// Operators' programs carry an API key: `Authorization: Bearer sf_…`. A key
// has scopes: `send` starts and moves envelopes (events, bulk sends, cancel),
// `admin` does everything else (rules, reads, deliveries, security events)
// and includes `send`; `act-for-signer` alone lets a key act in a signer's
// name (a signature on paper, an identity checked elsewhere), with a reason,
// and the audit trail names the key (docs/security.md). `admin` does not
// include it. The store keeps only the SHA-256 of a token and
// its first characters (to tell keys apart): a copy of the database does not
// give access. Tokens are 32 random bytes, so one unsalted hash is enough —
// there is nothing to guess that a dictionary would help with.
//
// Open without a key: GET /healthz (answered before the gate), the signer
// pages (/sign/…) and inbound webhooks (/v1/hooks/…, which carry a signature
// instead, inbound_webhooks.hpp).
//
// Refused requests become security events (table security_events), through
// a rate limit: a flood of bad requests must not become a flood of writes
// that slows the commits of good ones.
#include "api.hpp"

#include "signflow/engine/runtime.hpp"
#include "signflow/engine/store.hpp"
#include "signflow/storage/access_store.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace signflow::app {

// ---- tokens

// A token and the record that stands for it in the store (id 0 until added).
struct IssuedKey {
    std::string token;  // shown once, never stored
    storage::ApiKeyRecord record;
};

// "send", "admin" and "act-for-signer".
bool is_scope(std::string_view scope);
// A fresh token ("sf_" + 32 random bytes, base64url) for `name` with
// `scopes` (each is_scope). Throws std::runtime_error when the system has no
// randomness to give.
IssuedKey new_api_key(std::string name, std::vector<std::string> const& scopes, std::int64_t now_ms);
// The hex SHA-256 the store keeps for a token.
std::string token_hash(std::string_view token);

// ---- what a request needs

enum class Scope { open, send, admin, act_for_signer };
char const* scope_name(Scope s);  // "open", "send", "admin", "act-for-signer"
// By path (and method): see the header comment and docs/security.md.
Scope scope_needed(std::string_view method, std::string_view path);
// Whether a key's scopes (space-separated) grant `need`.
bool grants(std::string_view scopes, Scope need);
// Whether a key's scopes (space-separated) list `scope` itself.
bool grants(std::string_view scopes, std::string_view scope);

// ---- security events

// Records refused requests in the store, at most `burst` at once and `per_second`
// sustained, across every kind (one instance for the whole daemon: the API
// gate, inbound webhooks and unknown signing links share it). What the limit
// drops is counted and reported with the next event that is recorded:
// "suppressed_before" (how many) and "suppressed_addresses" (from how many
// addresses, counted up to 10,000). Never throws: a store that cannot write
// is logged, and the refusal is answered all the same.
class SecurityEvents {
public:
    explicit SecurityEvents(storage::AccessStore& store, engine::LogFn log = {}, double per_second = 10, double burst = 50);
    void record(std::string kind, std::string source, std::string ip, nlohmann::json detail);

private:
    storage::AccessStore& store_;
    engine::LogFn log_;
    double per_second_, burst_;
    std::mutex mutex_;
    double tokens_;
    std::chrono::steady_clock::time_point refilled_;
    std::int64_t suppressed_ = 0;
    std::unordered_set<std::string> suppressed_from_;
};

// ---- the gate

struct GateOptions {
    // `serve --open`: no key needed anywhere (development only; the daemon
    // warns at start).
    bool open = false;
    // How long a key looked up stays in memory: a key revoked with
    // `signflow api-key revoke` is refused within this time.
    std::chrono::seconds cache_for{30};
    engine::LogFn log;  // refusals at warn level (rate-limited with the events)
    std::shared_ptr<SecurityEvents> events;  // where refusals go; null: a limiter of its own
};

// The gate of ApiOptions: nullopt lets a request through (and names its key
// in `caller`, when one is given); otherwise the 401 (no key, a malformed
// header, an unknown or revoked key; with WWW-Authenticate: Bearer) or 403
// (the key lacks the scope) to answer.
Gate make_api_gate(storage::AccessStore& store, GateOptions options);

// GET /v1/security-events?limit=N (newest first; admin, by the gate).
Routes make_security_event_routes(storage::AccessStore& store);

// ---- the first key

// Where serve puts the first admin key: beside the database, named after it
// (signflow.db -> signflow-admin.key).
std::filesystem::path first_key_path(std::filesystem::path const& db);
// When the store has no API key at all (a fresh installation), creates an
// admin key, writes its token to first_key_path(db) (mode 0600, atomically)
// and logs where it is — never the token. Returns that path, or an empty path
// when the store already has keys (revoked ones count: revoking every key is
// a decision, not a fresh start). Throws std::runtime_error when the file
// cannot be written (then no key is added).
std::filesystem::path ensure_first_key(storage::AccessStore& store, std::filesystem::path const& db,
                                       engine::LogFn const& log);

}  // namespace signflow::app
