#pragma once
// The certificate of completion as JSON (evidence/certificate.hpp's shape),
// built from what the store holds about an envelope: its audit chain, its
// roles, its first document. The seal appends it as a page; GET
// /v1/instances/{id}/certificate answers it. One function, so that the page
// and the JSON never disagree.
#include "signflow/engine/store.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>

namespace signflow::app {

// Nullopt when the envelope does not exist or has no audit entries.
// `fallback_document_sha256` is used when no revision 1 is stored.
// `to_completion`: the chain up to its `completed` entry only, so that every
// seal of an envelope of several documents carries one certificate (the
// seals' own entries come after it). `document`: the certificate sealed into
// that document names its hash as filled (else the envelope's first).
std::optional<nlohmann::json> envelope_certificate(engine::Store& store, std::int64_t envelope,
                                                   std::string const& fallback_document_sha256 = {},
                                                   bool to_completion = false, std::string const& document = {});

}  // namespace signflow::app
