// The certificate of completion (certificate.hpp): the chain, checked, read
// as a list of events per signer.
#include "signflow/base/text.hpp"
#include "signflow/evidence/certificate.hpp"

#include <chrono>
#include <map>
#include <stdexcept>

namespace signflow::evidence {

using json = nlohmann::json;

json completion_certificate(std::int64_t envelope, std::string const& workflow, std::string const& document_sha256,
                            json const& signers, std::span<AuditEntry const> chain,
                            std::optional<std::int64_t> generated_at_ms) {
    auto verdict = verify_chain(chain);
    if (!verdict.ok)
        throw std::invalid_argument("no certificate for a broken audit chain: entry " +
                                    std::to_string(verdict.first_bad) + ": " + verdict.problem + " — " +
                                    verdict.explanation);
    if (!chain.empty() && chain.front().envelope != envelope)
        throw std::invalid_argument("the audit chain is envelope " + std::to_string(chain.front().envelope) +
                                    "'s, not envelope " + std::to_string(envelope) + "'s");
    if (!signers.is_array()) throw std::invalid_argument("signers: not an array");

    std::map<std::string, std::size_t> by_role;  // role -> index in `listed`
    json listed = json::array();
    for (std::size_t i = 0; i < signers.size(); ++i) {
        auto const& s = signers[i];
        auto role = s.is_object() ? s.find("role") : s.end();
        if (!s.is_object() || role == s.end() || !role->is_string() || role->get_ref<std::string const&>().empty())
            throw std::invalid_argument("signers[" + std::to_string(i) + "]: no role");
        by_role[role->get<std::string>()] = i;
        listed.push_back(s);
    }

    json events = json::array();
    json documents = json::array();  // each document as filled, in the order they were
    for (auto const& e : chain) {
        if (e.kind == kinds::document_filled) {
            json d = {{"template", e.detail.value("template", json(""))},
                      {"sha256", e.detail.value("document_sha256", json(""))}};
            if (auto r = e.detail.find("revision"); r != e.detail.end() && r->is_number_integer()) d["revision"] = *r;
            documents.push_back(std::move(d));
        }
        std::string method;
        auto signer = by_role.find(subject_of(e));
        if (auto m = e.detail.find("method"); m != e.detail.end() && m->is_string())
            method = m->get<std::string>();
        else if (signer != by_role.end() && listed[signer->second].contains("auth") &&
                 listed[signer->second]["auth"].is_string())
            method = listed[signer->second]["auth"].get<std::string>();
        events.push_back({{"seq", e.seq},   {"at", e.at},     {"local", e.local},
                          {"zone", e.zone}, {"kind", e.kind}, {"actor", e.actor},
                          {"ip", e.ip},     {"user_agent", e.user_agent}, {"method", method}});
        // An operator's key that acted in a signer's name: who, for whom, why.
        if (auto b = e.detail.find("on_behalf_of"); b != e.detail.end() && b->is_string()) {
            json& ev = events.back();
            ev["on_behalf_of"] = *b;
            if (auto k = e.detail.find("api_key"); k != e.detail.end() && k->is_object()) ev["api_key"] = *k;
            if (auto r = e.detail.find("operator_reason"); r != e.detail.end() && r->is_string())
                ev["operator_reason"] = *r;
        }
        if (signer != by_role.end() && (e.kind == kinds::signed_ || e.kind == kinds::declined)) {
            auto& who = listed[signer->second];
            who[e.kind == kinds::signed_ ? "signed_at" : "declined_at"] = e.at;
            who[e.kind == kinds::signed_ ? "signed_local" : "declined_local"] = e.local;
            // The fields this signer filled in the document they signed, with
            // the hash the entry records (audit.hpp: a signed entry's detail).
            if (auto f = e.detail.find("fields"); e.kind == kinds::signed_ && f != e.detail.end() && f->is_object()) {
                if (!who.contains("fields")) who["fields"] = json::array();
                // One signature over several documents: named together.
                json document = e.detail.value("document", json(""));
                if (auto several = e.detail.find("documents"); several != e.detail.end() && several->is_array()) {
                    std::string names;
                    for (auto const& n : *several)
                        if (n.is_string()) names += (names.empty() ? "" : ", ") + n.get<std::string>();
                    document = names;
                }
                who["fields"].push_back({{"document", std::move(document)},
                                         {"values", *f},
                                         {"sha256", e.detail.value("fields_sha256", json(""))}});
            }
        }
    }

    auto now = generated_at_ms ? *generated_at_ms
                               : base::now_ms();
    return {
        {"format", "signflow-certificate/1"},
        {"envelope", envelope},
        {"workflow", workflow},
        {"document_sha256", document_sha256},
        {"documents", std::move(documents)},
        {"signers", std::move(listed)},
        {"events", std::move(events)},
        {"chain_head", verdict.head},
        {"entries", verdict.entries},
        {"generated_at", format_utc(now)},
    };
}

}  // namespace signflow::evidence
