#pragma once
// The audit trail, as the runtime writes it: every fact of an envelope's life
// (created, document filled, sent, delivered, viewed, consent given, code
// sent / verified / failed, attachment uploaded, signed, declined, reminded,
// expired, completed, sealed, connector called) becomes an entry chained to
// the envelope's previous one by its hash (evidence/audit.hpp), and goes into
// the SAME Change as the transition or delivery it records: the trail never
// says something happened that the store does not hold, nor misses something
// it does.
//
// Chaining needs the previous entry's hash. Only the envelope's shard writes
// its entries, on its strand, so the head lives in the Instance while it
// runs; after it ends (connector calls and the seal come later) the shard
// keeps the head in a bounded cache and reads the store when it has let go.
#include "signflow/engine/definition.hpp"
#include "signflow/engine/instance.hpp"
#include "signflow/engine/machine.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/engine/store.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace signflow::engine::detail {

// One fact to record: what happened, who did it, from where.
struct AuditFact {
    std::string kind;
    std::string actor;  // a role, "system", "api", "operator", a connector name
    nlohmann::json detail = nlohmann::json::object();
    Origin origin;
};

// Where a chain stands: its last entry's number and hash.
struct AuditHead {
    std::int64_t seq = 0;
    std::string hash;  // empty: no entry yet (the next one links to the genesis hash)
};

// Chains `fact` after `head`, adds the entry to `change` and moves `head`.
// `zone` is the zone the entry's local time is written in.
void append_audit(AuditHead& head, std::int64_t envelope, AuditFact fact, Instant now, std::string const& zone,
                  Change& change);

// The facts an applied event records, in order: the event itself (a
// signature, a decline, a reminder…), the messages its step sends, and the
// envelope's completion. `start` is true for the event that created it.
std::vector<AuditFact> facts_of(Definition const& d, Instance const& inst, std::string_view event,
                                nlohmann::json const* event_data, Step const& step, Origin const& origin, bool start);

// The zone an actor's local times are written in: a role's own zone when the
// envelope knows one, else the workflow's, else `fallback`.
std::string zone_of(Definition const& d, Instance const& inst, std::string const& actor, std::string const& fallback);

}  // namespace signflow::engine::detail
