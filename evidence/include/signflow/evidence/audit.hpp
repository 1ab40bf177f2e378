#pragma once
// The audit trail of an envelope: one entry per event in its life (created,
// sent, viewed, code verified, signed, ...), each carrying the SHA-256 of the
// entry before it, so that changing, removing, reordering or inserting an
// entry after the fact breaks the chain where it happened. The engine writes
// entries in the same database commit as the transition they record; this
// module only says what an entry is, how it is hashed, and whether a chain
// is intact. It knows no database, no clock and no time zones: the caller
// formats times (format_utc helps with the UTC one).
//
// The hash must be reproducible by a third party with their own code, so the
// canonical form is plain JSON with sorted keys and no spaces (docs/audit.md
// gives it byte for byte, with a Python re-implementation). The price is a
// few rules on what an entry may hold: strings are UTF-8 (link() replaces
// invalid bytes by U+FFFD before hashing) and `detail` holds no floating-point
// numbers, whose text form differs between JSON libraries.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::evidence {

// The kinds the engine records. The set is open (a connector's own events
// may add kinds); these constants keep the common ones free of typos.
namespace kinds {
inline constexpr std::string_view created = "created";
inline constexpr std::string_view document_filled = "document_filled";  // detail: {template, document_sha256}
inline constexpr std::string_view sent = "sent";
inline constexpr std::string_view delivered = "delivered";
inline constexpr std::string_view viewed = "viewed";
inline constexpr std::string_view consent_given = "consent_given";
inline constexpr std::string_view code_sent = "code_sent";          // detail: {method: "sms"|"email", to (masked), counter}
inline constexpr std::string_view code_verified = "code_verified";  // detail: {method, attempt}
inline constexpr std::string_view code_failed = "code_failed";      // detail: {method, attempt, result: wrong|expired|locked|used}
inline constexpr std::string_view attachment_uploaded = "attachment_uploaded";  // detail: {name, sha256, bytes, media_type}
inline constexpr std::string_view signed_ = "signed";  // (`signed` is a keyword) detail: {method, document_sha256}
inline constexpr std::string_view declined = "declined";            // detail: {reason}
inline constexpr std::string_view reminded = "reminded";
inline constexpr std::string_view expired = "expired";
inline constexpr std::string_view completed = "completed";
inline constexpr std::string_view sealed = "sealed";                // detail: {document_sha256}
inline constexpr std::string_view connector_called = "connector_called";  // detail: {connector, operation, outcome}
}  // namespace kinds

struct AuditEntry {
    std::int64_t envelope = 0;
    std::int64_t seq = 0;    // 1, 2, 3 ... per envelope, without gaps
    std::string at;          // UTC, RFC 3339 with milliseconds: 2026-11-27T09:14:03.120Z
    std::string local;       // the signer's (or the workflow's) local time: 2026-11-27T17:14:03.120+08:00
    std::string zone;        // IANA zone of `local` (Asia/Shanghai)
    std::string kind;        // see `kinds`: lowercase letters, digits and '_'
    std::string actor;       // a role name, "system", "operator", "api_key:ID", a connector name
    std::string ip;          // empty when there is none (events the system causes)
    std::string user_agent;  // empty when there is none
    nlohmann::json detail = nlohmann::json::object();  // kind-specific; always an object
    std::string prev;        // the previous entry's hash (64 hex); the first entry's is genesis_hash()
    std::string hash;        // sha256_hex(prev + canonical(entry))
};

// Whose act an entry records: the role it was done for when an operator's
// API key acted in a signer's name (detail.on_behalf_of, with the key as the
// actor), else the actor. The second form reads an entry as exported (JSON).
std::string subject_of(AuditEntry const& entry);
std::string subject_of(nlohmann::json const& entry);

// The exact bytes hashed (after `prev`): the compact JSON object of every
// field except `prev` and `hash`, keys sorted by byte, no spaces, UTF-8
// unescaped, integers in decimal. docs/audit.md has the definition.
std::string canonical(AuditEntry const& entry);

// sha256_hex(prev + canonical(entry)): what `hash` must be.
std::string entry_hash(AuditEntry const& entry);

// 64 zeros: the `prev` of an envelope's first entry.
std::string genesis_hash();

// Makes `entry` the successor of `prev` (genesis_hash() for the first):
// checks it (throws std::invalid_argument naming the field: seq < 1, `at`
// not RFC 3339 UTC with milliseconds, empty kind or actor, a detail that is
// not an object or holds a floating-point number), replaces invalid UTF-8,
// then sets `prev` and `hash`.
AuditEntry& link(AuditEntry& entry, std::string const& prev);

// "2026-11-27T09:14:03.120Z" for milliseconds since 1970 (UTC).
std::string format_utc(std::int64_t unix_ms);

struct ChainVerdict {
    bool ok = true;
    std::int64_t entries = 0;
    std::string head;              // the last entry's hash (genesis_hash() for no entries)
    // Where the chain first goes wrong, as a 1-based position in the chain
    // given, which is also the seq the entry there should have. For a
    // removal it is where the missing entries belong; for a removed tail,
    // entries + 1. 0 when ok.
    std::int64_t first_bad = 0;
    std::string problem;           // "altered" | "removed" | "reordered" | "inserted" | "wrong envelope" | "misnumbered"
    std::string explanation;       // one sentence for a person
    // When an expected head was given and found: the position of the entry
    // whose hash it is. Entries after it (e.g. `sealed`, recorded after the
    // certificate of completion) are allowed; the caller may show them.
    std::int64_t expected_head_at = 0;
};

// Checks every entry's hash and every link, in the order given. With
// `expected_head` (e.g. the chain head printed in the certificate of
// completion) it also catches a removed tail, which nothing inside the
// chain can show.
ChainVerdict verify_chain(std::span<AuditEntry const> entries, std::string const& expected_head = {});

// One entry as a JSON object with every field (the export format's entry).
nlohmann::json to_json(AuditEntry const& entry);
// The reverse; throws std::invalid_argument naming the field that is
// missing or of the wrong type. It does not check hashes: verify_chain does.
AuditEntry entry_from_json(nlohmann::json const& json);

// {"format":"signflow-audit/1","envelope":E,"entries":[...],"head":H}
// (envelope null for an empty chain).
nlohmann::json export_chain(std::span<AuditEntry const> entries);
// The entries of an export; throws std::invalid_argument ("entries[3].seq:
// ...") when it is not one.
std::vector<AuditEntry> import_chain(nlohmann::json const& exported);

}  // namespace signflow::evidence
