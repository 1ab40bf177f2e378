#pragma once
// A realistic audit chain for the tests and the CLI test's fixture: one
// envelope of `client_nda`, two signers in different zones, a wrong code
// before the right one, an attachment, both signatures, the seal. Built
// with link(), so its hashes are what the engine would write; text with
// quotes, control characters and CJK exercises the canonical form.
#include "signflow/evidence/audit.hpp"

#include <vector>

namespace signflow::evidence::testing {

inline constexpr std::int64_t sample_envelope = 42;

// 16 entries, seq 1..16, linked from the genesis hash.
std::vector<AuditEntry> sample_chain();

// The signers as completion_certificate() takes them.
nlohmann::json sample_signers();

}  // namespace signflow::evidence::testing
