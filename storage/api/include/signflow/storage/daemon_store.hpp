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

namespace signflow::storage {

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
};

}  // namespace signflow::storage
