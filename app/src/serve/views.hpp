#pragma once
// The engine's typed reads as the JSON the API documents (docs/http-api.md):
// the presenters of the operator API, in one place.
#include "signflow/engine/runtime.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace signflow::app {

// GET /v1/instances/{id}: the envelope with its data, roles and history.
nlohmann::json instance_json(engine::InstanceDetail const& detail);
// GET /v1/instances: a page of envelopes (without their data).
nlohmann::json instances_json(engine::InstancePage const& page);
// GET /v1/instances/{id}/audit: the export format with the chain's verdict.
nlohmann::json audit_json(std::vector<engine::AuditRecord> const& records);
// GET /v1/instances/{id}/documents
// Which document (template) each of `documents` (in revision order) is of:
// a revision that names its document is of that one; in an envelope from
// before revisions were named, a `filled` revision is named by its `document_filled` entry in the trail
// (the one with its revision, else its hash); a signature or seal carries
// the name of the document it updates. "" when the trail does not say (yet:
// the revision is stored before its fill's entry is committed).
std::vector<std::string> document_names(std::vector<engine::DocumentRecord> const& documents,
                                        std::vector<engine::AuditRecord> const& trail);
nlohmann::json documents_json(std::int64_t id, std::vector<engine::DocumentRecord> const& documents,
                              std::vector<engine::AuditRecord> const& trail);
// GET /v1/rules
nlohmann::json rules_json(engine::Snapshot const& snapshot, std::vector<std::string> const& known_events);
// POST /v1/rules/reload
nlohmann::json reload_json(engine::ReloadReport const& report);
// GET /v1/quotas
nlohmann::json quotas_json(std::vector<engine::QuotaUsage> const& quotas);
// GET /v1/outbox, /v1/deliveries
nlohmann::json outbox_json(std::vector<engine::OutboxRecord> const& rows);

}  // namespace signflow::app
