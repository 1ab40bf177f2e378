#pragma once
// A PDF's signature verdicts as JSON: what `signflow verify --format json`
// prints and what POST /v1/verify answers (docs/cli.md, docs/http-api.md).
#include "signflow/documents/verify.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace signflow::app {

// {signatures: [{field, signer, sub_filter, signed_at, valid, digest_ok,
// signature_ok, certificate_v2, timestamped, timestamp_time,
// covers_whole_document, problem}], valid, last_covers_whole_document}.
// `valid` is false for a PDF without signatures.
nlohmann::json verdict_report(std::vector<documents::SignatureVerdict> const& verdicts);

}  // namespace signflow::app
