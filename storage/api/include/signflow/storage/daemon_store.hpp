#pragma once
// Everything the daemon keeps, behind one object: the engine's durable state
// (engine::Store), who may call (AccessStore), bulk sends (BatchStore) and
// analytics scans (analytics::EnvelopeSource). Each backend implements all
// four in one database: SQLite (storage/sqlite, the embedded default) and
// PostgreSQL (storage/postgres). signflow/storage/open.hpp picks one from
// the `--db` target.
#include "signflow/analytics/envelope_source.hpp"
#include "signflow/engine/store.hpp"
#include "signflow/storage/access_store.hpp"
#include "signflow/storage/batch_store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace signflow::storage {

// A daemon of a database, as it announced itself.
struct Member {
    std::string holder;   // HOST:PID:random, as in the lease
    std::string address;  // where it takes requests: http://HOST:PORT
    bool leading = false;
    std::string rules;    // JSON object: workflow name -> version it serves
    std::int64_t started_ms = 0;
    std::int64_t seen_ms_ago = 0;  // by the database's clock (read back only)
};

struct Cluster {
    std::vector<Member> members;  // by holder
    std::string leader;           // the lease's holder ("" when none was ever taken)
    std::int64_t epoch = 0;
    std::int64_t lease_left_ms = 0;  // negative: it ran out that long ago
};

class DaemonStore : public engine::Store,
                    public AccessStore,
                    public BatchStore,
                    public analytics::EnvelopeSource {
public:
    // What the store is, for a person reading a log: a file's path, or a
    // PostgreSQL target without its password.
    virtual std::string describe() const = 0;

    // Leading. One daemon at a time runs the envelopes of a database; others
    // started on it stand by and take over when the leader's lease runs out
    // (docs/operations.md, "Running several daemons"). SQLite's file has one
    // daemon: it always leads.
    //
    // Takes the lead for `holder` when nobody holds it, the holder's lease
    // has run out (by the database's clock) or the holder is `dead_holder`
    // (a daemon known to have died: "" for none); returns the new epoch, or
    // 0 and who leads in `held_by`.
    virtual std::int64_t take_lead(std::string const& holder, std::int64_t ttl_ms, std::string& held_by,
                                   std::string const& dead_holder) = 0;
    // Extends the lease; false when it is no longer this holder's (it ran
    // out and another daemon took the lead; one that ran out while nobody
    // took it is extended).
    virtual bool renew_lead(std::string const& holder, std::int64_t epoch, std::int64_t ttl_ms) = 0;
    // Ends it now (a clean stop), so that a standby takes over at once.
    virtual void release_lead(std::string const& holder, std::int64_t epoch) = 0;
    // From now on every commit checks, inside its transaction, that this
    // holder still leads with this epoch; a commit by a daemon that lost the
    // lead (another took over during its pause) fails and changes nothing.
    virtual void fence(std::string const& holder, std::int64_t epoch) = 0;

    // The daemons that use the database (GET /v1/cluster): each says every
    // few seconds who it is, where it takes requests, whether it leads and
    // which rule versions it serves. Rows not heard from for an hour go.
    virtual void announce(Member const& self) = 0;
    virtual void leave(std::string const& holder) = 0;  // a clean stop
    virtual Cluster cluster() = 0;
    // Keys every daemon of a database must share (the one-time-code key, the
    // sealing certificate): the first daemon records its key's fingerprint
    // under `name`; returns the fingerprint recorded, which a daemon holding
    // another key must not serve with. Never the key itself.
    virtual std::string claim_key(std::string const& name, std::string const& fingerprint) = 0;
};

}  // namespace signflow::storage
