#pragma once
// What one signer's page needs to know about their envelope (Runtime::signer):
// read from the committed record and its audit trail, never from another
// signer's point of view.
#include "signflow/engine/definition.hpp"
#include "signflow/engine/store.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace signflow::engine::detail {

nlohmann::json signer_view(Definition const& d, InstanceRecord const& r, std::vector<AuditRecord> const& trail,
                           std::string const& role);

}  // namespace signflow::engine::detail
