// append_completion_page: the certificate of completion's JSON, laid out as
// blocks of lines (certificate_layout does the fonts, wrapping and pages),
// appended in one incremental update.
#include "signflow/documents/completion.hpp"

#include "attach/certificate_layout.hpp"
#include "attach/podofo_edge.hpp"
#include "signflow/documents/error.hpp"

#include <nlohmann/json.hpp>

namespace signflow::documents {

using nlohmann::json;

namespace {

constexpr char const* kMissing = "—";

// A value as the page shows it: strings as they are, numbers as written,
// missing, null or empty as a dash.
std::string text(json const& object, char const* key) {
    if (!object.is_object()) return kMissing;
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return kMissing;
    if (it->is_string()) return it->get_ref<std::string const&>().empty() ? kMissing : it->get<std::string>();
    return it->dump();
}

bool has(json const& object, char const* key) { return text(object, key) != kMissing; }

void require(json const& certificate, char const* key, bool (json::*is)() const noexcept, char const* kind) {
    auto it = certificate.find(key);
    if (it == certificate.end())
        throw DocumentError(std::string("the certificate of completion has no \"") + key + "\"");
    if (!((*it).*is)())
        throw DocumentError(std::string("the certificate of completion's \"") + key + "\" is not " + kind);
}

void check_shape(json const& certificate) {
    if (!certificate.is_object()) throw DocumentError("the certificate of completion is not a JSON object");
    if (!certificate.contains("envelope"))
        throw DocumentError("the certificate of completion has no \"envelope\"");
    if (!certificate["envelope"].is_number_integer() && !certificate["envelope"].is_string())
        throw DocumentError("the certificate of completion's \"envelope\" is not a number or a string");
    require(certificate, "document_sha256", &json::is_string, "a string");
    require(certificate, "chain_head", &json::is_string, "a string");
    require(certificate, "signers", &json::is_array, "a list");
    require(certificate, "events", &json::is_array, "a list");
}

using attach::Block;
using attach::Line;

Line heading(std::string t) { return {std::move(t), 12, 0, 10, false}; }
Line label(std::string t) { return {std::move(t), 7.5, 0, 4, true}; }
Line body(std::string t, double indent = 0) { return {std::move(t), 9, indent, 0, false}; }
Line detail(std::string t) { return {std::move(t), 8, 12, 0, true}; }

std::vector<Block> blocks_of(json const& c) {
    std::vector<Block> blocks;
    std::string envelope = text(c, "envelope");
    Block head{{"Certificate of completion", 18, 0, 0, false},
               body("Envelope " + envelope + " · workflow " + text(c, "workflow")),
               body("Generated at " + text(c, "generated_at") + " by signflow")};
    // An envelope of several documents lists each (evidence::completion_certificate
    // reads them from the chain); one document, or a certificate without
    // the list, shows its hash.
    json const documents = c.value("documents", json::array());
    if (documents.is_array() && documents.size() > 1) {
        head.push_back(label("DOCUMENTS SHA-256 (each document as filled, before signatures)"));
        for (auto const& d : documents) {
            if (!d.is_object()) continue;
            head.push_back(body(text(d, "template") + ":"));
            head.push_back(body(text(d, "sha256"), 12));
        }
    } else {
        head.push_back(label("DOCUMENT SHA-256 (the document as filled, before signatures)"));
        head.push_back(body(text(c, "document_sha256")));
    }
    blocks.push_back(std::move(head));

    auto const& signers = c["signers"];
    for (std::size_t i = 0; i < signers.size(); ++i) {
        json const& s = signers[i];
        Block block;
        if (i == 0) block.push_back(heading("Signers (" + std::to_string(signers.size()) + ")"));
        block.push_back(body(text(s, "role") + ": " + text(s, "name") + " <" + text(s, "email") + ">"));
        block.back().gap_before = 4;
        // A delegate: the signer who handed over.
        if (s.contains("on_behalf_of") && s["on_behalf_of"].is_object())
            block.push_back(detail("Signed on behalf of " + text(s["on_behalf_of"], "name") + " <" +
                                   text(s["on_behalf_of"], "email") + ">"));
        block.push_back(detail("Time zone " + text(s, "zone") + " · authentication: " + text(s, "auth")));
        // evidence::completion_certificate adds these from the chain.
        if (has(s, "signed_at"))
            block.push_back(detail("Signed " + text(s, "signed_at") + " UTC · local " + text(s, "signed_local")));
        if (has(s, "declined_at"))
            block.push_back(detail("Declined " + text(s, "declined_at") + " UTC · local " + text(s, "declined_local")));
        // The fields this signer filled, per document, as drawn, and their hash.
        if (s.contains("fields") && s["fields"].is_array())
            for (auto const& f : s["fields"]) {
                if (!f.is_object() || !f.contains("values") || !f["values"].is_object()) continue;
                block.push_back(detail("Fields filled in " + text(f, "document") + " (SHA-256 " + text(f, "sha256") + "):"));
                for (auto const& [name, value] : f["values"].items())
                    block.push_back(detail("  " + name + ": " +
                                           (value.is_string() ? value.get<std::string>() : value.dump())));
            }
        blocks.push_back(std::move(block));
    }

    // Who received a copy (`cc`), without signing.
    if (c.contains("copies") && c["copies"].is_array())
        for (std::size_t i = 0; i < c["copies"].size(); ++i) {
            json const& s = c["copies"][i];
            if (!s.is_object()) continue;
            Block block;
            if (i == 0) block.push_back(heading("Copies (" + std::to_string(c["copies"].size()) + ")"));
            block.push_back(body(text(s, "role") + ": " + text(s, "name") + " <" + text(s, "email") + ">"));
            block.back().gap_before = 4;
            block.push_back(detail("Copy " + std::string(text(s, "on") == "sent" ? "of the envelope as sent, " : "signed, ") +
                                   text(s, "at") + " UTC"));
            blocks.push_back(std::move(block));
        }

    auto const& events = c["events"];
    for (std::size_t i = 0; i < events.size(); ++i) {
        json const& e = events[i];
        Block block;
        if (i == 0) block.push_back(heading("Events (" + std::to_string(events.size()) + ")"));
        // The entry's number in the audit chain when given, so that a reader
        // can find it in the export.
        std::string number = has(e, "seq") ? text(e, "seq") : std::to_string(i + 1);
        std::string by = text(e, "actor");
        // An operator's API key acting in a signer's name.
        if (has(e, "on_behalf_of")) {
            if (e.contains("api_key") && e["api_key"].is_object() && e["api_key"].value("name", json()).is_string())
                by = e["api_key"]["name"].get<std::string>() + " (" + by + ")";
            by += " on behalf of " + text(e, "on_behalf_of");
        }
        block.push_back(body(number + ". " + text(e, "kind") + " by " + by));
        block.back().gap_before = 4;
        std::string when = "UTC " + text(e, "at") + " · local " + text(e, "local");
        if (has(e, "zone")) when += " (" + text(e, "zone") + ")";
        block.push_back(detail(when));
        std::string how = "IP " + text(e, "ip");
        if (has(e, "method")) how += " · method: " + text(e, "method");
        block.push_back(detail(how));
        block.push_back(detail("User agent: " + text(e, "user_agent")));
        if (has(e, "reason")) block.push_back(detail("Reason: " + text(e, "reason")));
        if (has(e, "operator_reason")) block.push_back(detail("Operator's reason: " + text(e, "operator_reason")));
        blocks.push_back(std::move(block));
    }

    blocks.push_back({heading("Audit trail"),
                      body(text(c, "entries") + " entries, each holding the SHA-256 of the one before."),
                      label("FINAL HASH OF THE AUDIT CHAIN"), body(text(c, "chain_head")),
                      detail("Check it offline with: signflow audit verify EXPORT.json")});
    return blocks;
}

}  // namespace

std::string append_completion_page(std::string_view pdf, json const& certificate) {
    check_shape(certificate);
    auto document = attach::load_for_update(pdf, "the document");
    try {
        attach::TextSetter setter(*document);
        attach::flow_onto_pages(*document, setter, blocks_of(certificate),
                                "signflow certificate of completion · envelope " + text(certificate, "envelope"));
        setter.embed();
    } catch (PoDoFo::PdfError const& e) {
        throw DocumentError("drawing the certificate of completion failed: " + attach::describe_pdf_error(e));
    }
    return attach::write_incremental_update(*document, pdf, "the document");
}

}  // namespace signflow::documents
