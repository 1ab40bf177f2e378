#pragma once
// The one store failure its callers treat apart from the others
// (engine/store.hpp): the database cannot be reached.
#include <stdexcept>

namespace signflow::engine {

// The database cannot be reached: refused, dropped, restarting. A store
// that throws this knows that nothing of the call took effect: a commit that
// throws it was not committed (when a connection broke after the commit was
// sent, the store finds out which it was before the next commit), so the
// committer commits the same batch again once the database is back, and a
// read may be retried. The embedded SQLite store never throws it.
struct StoreUnavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace signflow::engine
