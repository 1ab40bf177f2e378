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
};

}  // namespace signflow::storage
