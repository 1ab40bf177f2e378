// Which document each revision of an envelope is of (app/src/serve/views.hpp:
// document_names), from its documents and its audit trail's fills.
#include "serve/views.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using signflow::engine::AuditRecord;
using signflow::engine::DocumentRecord;
using nlohmann::json;

namespace {

DocumentRecord doc(std::int64_t revision, char const* kind, char sha) {
    return {7, revision, kind, std::string(64, sha), {}, 0, {}};
}

AuditRecord filled(char const* name, json revision, char sha) {
    json detail = {{"template", name}, {"document_sha256", std::string(64, sha)}};
    if (!revision.is_null()) detail["revision"] = revision;
    return {7, 1, 0, "document_filled", "", json{{"kind", "document_filled"}, {"detail", detail}}.dump()};
}

}  // namespace

TEST_CASE("document names: each fill names itself and the revisions that update it", "[documents]") {
    std::vector<DocumentRecord> docs = {doc(1, "filled", 'a'), doc(2, "signed", 'b'), doc(3, "filled", 'c'),
                                        doc(4, "signed", 'd'), doc(5, "sealed", 'e')};
    std::vector<AuditRecord> trail = {filled("contract", 1, 'a'), filled("invoice", 3, 'c')};
    CHECK(signflow::app::document_names(docs, trail) ==
          std::vector<std::string>{"contract", "contract", "invoice", "invoice", "invoice"});
}

TEST_CASE("document names: a revision whose fill is not in the trail yet has none", "[documents]") {
    // The invoice is stored before its document_filled entry is committed:
    // it is not the contract.
    std::vector<DocumentRecord> docs = {doc(1, "filled", 'a'), doc(2, "signed", 'b'), doc(3, "filled", 'c')};
    std::vector<AuditRecord> trail = {filled("contract", 1, 'a')};
    CHECK(signflow::app::document_names(docs, trail) == std::vector<std::string>{"contract", "contract", ""});
}

TEST_CASE("document names: entries before fills were numbered, the first one wins", "[documents]") {
    // The second fill was answered with revision 1's document, and says so.
    std::vector<DocumentRecord> docs = {doc(1, "filled", 'a'), doc(2, "signed", 'b')};
    std::vector<AuditRecord> trail = {filled("contract", 1, 'a'), filled("invoice", 1, 'a')};
    CHECK(signflow::app::document_names(docs, trail) == std::vector<std::string>{"contract", "contract"});
    // Without a revision, by the hash.
    trail = {filled("contract", json(), 'a')};
    CHECK(signflow::app::document_names(docs, trail) == std::vector<std::string>{"contract", "contract"});
}
