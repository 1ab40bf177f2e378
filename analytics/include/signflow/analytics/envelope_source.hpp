#pragma once
// What an analytics report reads: every envelope of a period with its whole
// audit trail, streamed in id order. Implemented by each store backend
// (storage/sqlite); the engine does not use it.
#include "signflow/engine/store.hpp"

#include <climits>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace signflow::analytics {

// Which envelopes a scan reads: created in [from_ms, to_ms).
struct EnvelopeScan {
    std::string workflow;  // empty: every workflow
    std::int64_t from_ms = 0;
    std::int64_t to_ms = INT64_MAX;
};

class EnvelopeSource {
public:
    virtual ~EnvelopeSource() = default;
    virtual void scan_envelopes(
        EnvelopeScan const& scan,
        std::function<void(engine::InstanceRecord&&, std::vector<engine::AuditRecord>&&)> const& sink) = 0;
};

}  // namespace signflow::analytics
