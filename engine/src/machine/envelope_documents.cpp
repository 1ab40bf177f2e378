#include "envelope_documents.hpp"

#include "signflow/engine/data_keys.hpp"

#include <algorithm>

namespace signflow::engine::detail {
using nlohmann::json;

std::int64_t EnvelopeDocuments::latest(std::string const& name) const {
    for (auto const& r : revisions)
        if (r.name == name) return r.revision;
    return 0;
}

void EnvelopeDocuments::set_latest(std::string const& name, std::int64_t revision) {
    for (auto& r : revisions)
        if (r.name == name) {
            r.revision = revision;
            return;
        }
    revisions.push_back({name, revision});
}

EnvelopeDocuments documents_of(json const& data) {
    EnvelopeDocuments docs;
    if (!data.is_object()) return docs;
    auto it = data.find(data_key::documents);
    if (it == data.end() || !it->is_object()) {
        if (auto old = data.find(data_key::document); old != data.end() && old->is_string() && !old->empty())
            docs.signing.push_back(*old);
        return docs;
    }
    for (auto const& name : it->value("signing", json::array()))
        if (name.is_string()) docs.signing.push_back(name);
    for (auto const& r : it->value("revisions", json::array()))
        if (r.is_object() && r.value("name", json()).is_string() && r.value("revision", json()).is_number_integer())
            docs.revisions.push_back({r["name"], r["revision"]});
    docs.signed_since = it->value("signed", false);
    return docs;
}

void put_documents(json& data, EnvelopeDocuments const& docs) {
    json revisions = json::array();
    for (auto const& r : docs.revisions) revisions.push_back({{"name", r.name}, {"revision", r.revision}});
    data[data_key::documents] = {{"signing", docs.signing}, {"revisions", std::move(revisions)}, {"signed", docs.signed_since}};
    data.erase(data_key::document);
}

void document_filled(json& data, std::string const& name, std::int64_t revision) {
    EnvelopeDocuments docs = documents_of(data);
    if (docs.signed_since) docs.signing.clear();
    docs.signed_since = false;
    if (std::find(docs.signing.begin(), docs.signing.end(), name) == docs.signing.end()) docs.signing.push_back(name);
    if (revision > 0) docs.set_latest(name, revision);
    put_documents(data, docs);
}

void document_signed(json& data) {
    EnvelopeDocuments docs = documents_of(data);
    if (docs.signing.empty() || docs.signed_since) return;
    docs.signed_since = true;
    put_documents(data, docs);
}

}  // namespace signflow::engine::detail
