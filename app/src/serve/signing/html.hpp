#pragma once
// The signing page's HTML: one page, server-rendered, whose sections depend
// on where the signer is (consent, code, document and signature, waiting,
// done). No inline script or style (the Content-Security-Policy forbids
// them): behaviour is in /assets/sign.js, looks in /assets/sign.css.
#include "text.hpp"

#include "signflow/engine/signer_view.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace signflow::app::signing {

std::string escape(std::string_view s);

struct Frame {
    Text const* text = nullptr;
    std::string title;
    std::string subtitle;  // "Envelope 42 · nda_onboarding"
    std::string csrf;      // empty: no forms on this page
    std::string notice;    // a message above the content
    bool notice_is_error = false;
    std::string body;      // the sections
    // An embedded session's page (sign.js): the origins its frame may be in,
    // what it tells the parent (viewed, signed, declined; "" nothing), and
    // where a page outside a frame returns when the signer is done.
    struct Embed {
        std::vector<std::string> origins;
        std::string outcome;
        std::string return_url;
        std::int64_t envelope = 0;
        std::string role;
    } embed;
};

std::string render(Frame const& f);

// Sections. `base` is "/sign/TOKEN".
std::string consent_section(Text const& t, std::string const& base, std::string const& csrf);
std::string code_section(Text const& t, std::string const& base, std::string const& csrf, std::string const& method);
// One document's pages. `name` is its template when the envelope signs
// several at once ("" for the only one): each gets its own heading, and its
// images and PDF are asked for with ?document=NAME. `first`: the one whose
// elements keep the plain ids (#pages, #open-pdf).
std::string document_section(Text const& t, std::string const& base, std::size_t pages, std::int64_t revision,
                             std::string const& name = {}, bool first = true);
std::string attachments_section(Text const& t, std::string const& base,
                                std::vector<engine::AttachmentState> const& attachments);
// The fields this signer fills (inputs named `field.NAME`), inside the sign
// form: `values` the values given last (kept after a refusal), `problems`
// field name -> {code, message} from the engine's check.
std::string fields_section(Text const& t, std::vector<engine::FieldState> const& fields, nlohmann::json const& values,
                           nlohmann::json const& problems);
// `fields`: fields_section's HTML (empty when none).
std::string sign_section(Text const& t, std::string const& base, std::string const& csrf, std::string const& name,
                         std::string const& fields = {});
std::string decline_section(Text const& t, std::string const& base, std::string const& csrf);
// `delegable`: the form that hands the signature over to someone else.
std::string delegate_section(Text const& t, std::string const& base, std::string const& csrf);
// A delegate's page: whom they sign for.
std::string behalf_section(Text const& t, std::string const& name);
std::string waiting_section(Text const& t, std::vector<engine::OtherSigner> const& waiting_for);
// `documents`: the envelope's documents by name, when it has several (one
// download each); empty: the one signed copy.
std::string signed_section(Text const& t, std::string const& base, bool complete,
                           std::vector<std::string> const& documents = {});
std::string paragraph(std::string_view text, char const* id = nullptr);

}  // namespace signflow::app::signing
