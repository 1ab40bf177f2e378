#include "certificate.hpp"

#include "signflow/evidence/audit.hpp"
#include "signflow/evidence/certificate.hpp"

namespace signflow::app {
using nlohmann::json;

std::optional<json> envelope_certificate(engine::Store& store, std::int64_t envelope,
                                         std::string const& fallback_document_sha256) {
    auto inst = store.find_instance(envelope);
    if (!inst) return std::nullopt;
    std::vector<evidence::AuditEntry> chain;
    for (auto const& r : store.audit(envelope)) chain.push_back(evidence::entry_from_json(json::parse(r.entry)));
    if (chain.empty()) return std::nullopt;
    // The signers are the roles that signed (or declined), with how they
    // were authenticated: a verified one-time code, or the signing link.
    json signers = json::array();
    json data = json::parse(inst->data, nullptr, false);
    if (data.is_object() && data["roles"].is_object()) {
        for (auto& [role, who] : data["roles"].items()) {
            bool acted = false, code = false;
            for (auto const& e : chain) {
                if (e.actor != role) continue;
                acted = acted || e.kind == "signed" || e.kind == "declined";
                code = code || e.kind == "code_verified";
            }
            if (!acted) continue;
            json w = who.is_object() ? who : json::object();
            signers.push_back({{"role", role},
                               {"name", w.value("name", "")},
                               {"email", w.value("email", "")},
                               {"zone", w.value("timezone", "")},
                               {"auth", code ? "one-time code" : "signing link"}});
        }
    }
    auto first = store.document(envelope, 1);
    return evidence::completion_certificate(envelope, inst->workflow,
                                            first ? first->sha256 : fallback_document_sha256, signers, chain);
}

}  // namespace signflow::app
