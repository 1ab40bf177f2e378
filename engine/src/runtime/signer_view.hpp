#pragma once
// Reads one signer's view (signflow/engine/signer_view.hpp) from the
// committed record and its audit trail.
#include "signflow/engine/definition.hpp"
#include "signflow/engine/signer_view.hpp"
#include "signflow/engine/store.hpp"
#include "signflow/engine/time.hpp"

#include <string>
#include <vector>

namespace signflow::engine::detail {

// `now`: the clock a field's `when` condition reads (`now()`).
SignerView signer_view(Definition const& d, InstanceRecord const& r, std::vector<AuditRecord> const& trail,
                       std::string const& role, Instant now = {});

}  // namespace signflow::engine::detail
