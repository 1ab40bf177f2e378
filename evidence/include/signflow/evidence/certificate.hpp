#pragma once
// The certificate of completion as JSON: what the page appended to the final
// PDF shows (documents/ draws it), and what an operator hands over when
// asked how a document was signed. It is made from the audit chain, so it
// says nothing the chain does not, and it carries the chain's head so that
// the chain can later be checked against it (`signflow audit verify --head`).
#include "signflow/evidence/audit.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace signflow::evidence {

// {"format":"signflow-certificate/1", "envelope", "workflow",
//  "document_sha256", "documents":[{template, sha256, revision}] (each
//  document as filled, from the chain's `document_filled` entries: an
//  envelope may carry several), "signers":[{role,name,email,zone,auth, signed_at,
//  signed_local (when the chain has their `signed` entry), declined_at}],
//  "events":[{seq, at, local, zone, kind, actor, ip, user_agent, method}],
//   (plus on_behalf_of, api_key {id, name} and operator_reason for an act an
//   operator's API key did in a signer's name),
//  "chain_head", "entries", "generated_at"}
//
// `signers` is [{role, name, email, zone, auth: "sms code"|"email code"|...}]
// (role required, the rest copied as given). An event's `method` is its
// detail's "method" when it has one, else the acting signer's `auth`, else
// empty. Throws std::invalid_argument when the chain is broken or belongs
// to another envelope (a certificate must not vouch for a chain that does
// not verify), or a signer has no role. `generated_at_ms`: when the
// certificate is made (default: now).
nlohmann::json completion_certificate(std::int64_t envelope, std::string const& workflow,
                                      std::string const& document_sha256, nlohmann::json const& signers,
                                      std::span<AuditEntry const> chain,
                                      std::optional<std::int64_t> generated_at_ms = std::nullopt);

}  // namespace signflow::evidence
