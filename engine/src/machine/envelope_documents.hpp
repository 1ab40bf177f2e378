#pragma once
// The documents of an envelope, as its data keeps them (data_key::documents):
// which documents the next signature signs, and each document's latest
// revision. One home for the daemon's shard, the signer's view, the field
// check and the simulator.
//
//   "documents": {"signing":   ["order_form", "terms"],   signed by the next signature
//                 "revisions": [{"name": "order_form", "revision": 3},
//                               {"name": "terms", "revision": 4}],  every document, in fill order
//                 "signed":    false}                      a signature came after the last fill
//
// A `sign` signs every document filled since the previous `sign` (the
// checker follows the same rule, per path): a fill after a signature starts
// a new set. Revisions are numbered across the envelope (1, 2, 3 …); each
// names its document, and a signature or seal of a document is made on that
// document's latest revision.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace signflow::engine::detail {

struct DocumentRevision {
    std::string name;           // the template
    std::int64_t revision = 0;  // its latest revision (0: not known, an envelope older than this key)
};

struct EnvelopeDocuments {
    std::vector<std::string> signing;
    std::vector<DocumentRevision> revisions;
    bool signed_since = false;

    // The latest revision of `name` (0 when not known).
    std::int64_t latest(std::string const& name) const;
    void set_latest(std::string const& name, std::int64_t revision);
};

// What `data` says (an envelope from before this key, with only
// data["document"], signs that one; without either, nothing is known).
EnvelopeDocuments documents_of(nlohmann::json const& data);
void put_documents(nlohmann::json& data, EnvelopeDocuments const& docs);

// A fill answered: `name` is at `revision`, and joins the documents the next
// signature signs (or starts them, after a signature).
void document_filled(nlohmann::json& data, std::string const& name, std::int64_t revision);

// A signature was applied: the next fill starts a new set.
void document_signed(nlohmann::json& data);

}  // namespace signflow::engine::detail
