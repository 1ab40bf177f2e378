#include "certificate.hpp"

#include "signflow/engine/data_keys.hpp"
#include "signflow/evidence/audit.hpp"
#include "signflow/evidence/certificate.hpp"

namespace signflow::app {
using nlohmann::json;

std::optional<json> envelope_certificate(engine::Store& store, std::int64_t envelope,
                                         std::string const& fallback_document_sha256, bool to_completion,
                                         std::string const& document) {
    auto inst = store.find_instance(envelope);
    if (!inst) return std::nullopt;
    std::vector<evidence::AuditEntry> chain;
    for (auto const& r : store.audit(envelope)) {
        chain.push_back(evidence::entry_from_json(json::parse(r.entry)));
        if (to_completion && r.kind == "completed") break;
    }
    if (chain.empty()) return std::nullopt;
    // The signers are the roles that signed (or declined), with how they
    // were authenticated: a verified one-time code, or the signing link.
    json signers = json::array();
    json data = json::parse(inst->data, nullptr, false);
    if (data.is_object() && data[engine::data_key::roles].is_object()) {
        for (auto& [role, who] : data[engine::data_key::roles].items()) {
            bool acted = false, code = false;
            std::string operator_key;  // the API key that signed or declined in this signer's name
            for (auto const& e : chain) {
                if (evidence::subject_of(e) != role) continue;
                bool act = e.kind == "signed" || e.kind == "declined";
                acted = acted || act;
                code = code || e.kind == "code_verified";
                if (act && e.actor != role)
                    if (auto k = e.detail.find("api_key"); k != e.detail.end() && k->is_object())
                        operator_key = k->value("name", std::string()) + " (" + e.actor + ")";
            }
            if (!acted) continue;
            json w = who.is_object() ? who : json::object();
            signers.push_back({{"role", role},
                               {"name", w.value("name", "")},
                               {"email", w.value("email", "")},
                               {"zone", w.value("timezone", "")},
                               {"auth", !operator_key.empty() ? "by an operator's API key: " + operator_key
                                        : code                ? "one-time code"
                                                              : "signing link"}});
            // A delegate signed: for whom (the signer who handed over).
            if (w.contains("on_behalf_of") && w["on_behalf_of"].is_object())
                signers.back()["on_behalf_of"] = w["on_behalf_of"];
        }
    }
    auto first = store.document(envelope, 1);
    std::string sha256 = first ? first->sha256 : fallback_document_sha256;
    if (!document.empty())
        for (auto const& d : store.documents(envelope))
            if (d.document == document && d.kind == "filled") {
                sha256 = d.sha256;
                break;
            }
    json certificate = evidence::completion_certificate(envelope, inst->workflow, sha256, signers, chain);
    // Who got a copy (`cc`), from the trail: role, name, address, when, and
    // whether it was the envelope as sent or the signed copy.
    json copies = json::array();
    json const roles = data.is_object() ? data.value(engine::data_key::roles, json::object()) : json::object();
    for (auto const& e : chain) {
        if (e.kind != "copied") continue;
        std::string const role = e.detail.value("role", std::string());
        json w = roles.is_object() ? roles.value(role, json::object()) : json::object();
        if (w.is_string()) w = json{{"email", w}};
        copies.push_back({{"role", role},
                          {"name", w.is_object() ? w.value("name", "") : ""},
                          {"email", w.is_object() ? w.value("email", "") : ""},
                          {"on", e.detail.value("on", std::string())},
                          {"at", e.at}});
    }
    if (!copies.empty()) certificate["copies"] = std::move(copies);
    return certificate;
}

}  // namespace signflow::app
