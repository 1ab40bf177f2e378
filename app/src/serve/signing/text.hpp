#pragma once
// The signing page's words, in the languages it speaks: English and
// Simplified Chinese. The signer's language comes from their role data
// (`language`: "zh", "zh-CN", "zh-Hans"… → Chinese), else from the
// browser's Accept-Language, else English.
#include <string>
#include <string_view>

namespace signflow::app::signing {

struct Text {
    char const* lang;  // the html lang attribute
    char const* brand_note;
    char const* envelope;  // "Envelope" (followed by the number)
    char const* invalid_title;
    char const* invalid_body;
    char const* completed_title;
    char const* declined_envelope_title;
    char const* expired_title;
    char const* cancelled_title;
    char const* failed_title;
    char const* ended_body;
    char const* consent_title;
    char const* consent_text;  // the disclosure the signer agrees to (audited verbatim)
    char const* consent_agree;
    char const* consent_button;
    char const* code_title;
    char const* code_by_sms;
    char const* code_by_email;
    char const* code_label;
    char const* code_button;
    char const* resend_button;
    char const* code_wrong;
    char const* code_sent_again;
    char const* code_locked;
    char const* document_title;
    char const* page;  // "Page" (followed by "N / M")
    char const* open_pdf;
    char const* attachments_title;
    char const* attachment_required;
    char const* attachment_received;
    char const* attachment_choose;
    char const* attachment_needs_script;
    char const* sign_title;
    char const* name_label;
    char const* draw_label;
    char const* draw_hint;
    char const* clear_drawing;
    char const* sign_agree;
    char const* sign_button;
    char const* decline_title;
    char const* decline_reason;
    char const* decline_button;
    char const* wait_title;
    char const* wait_body;
    char const* wait_preparing;
    char const* signed_title;
    char const* signed_pending;
    char const* download;
    char const* download_all;  // several documents: all of them in one .zip
    char const* you_declined_title;
    char const* you_declined_body;
    char const* form_expired;
    char const* too_many;
    char const* not_now;
    char const* missing_name;
    char const* missing_agree;
    char const* missing_attachments;
    char const* link_expired_title;
    char const* link_expired_body;  // the sender, or a reminder, brings a new link
    char const* link_replaced_title;  // a link made before the signer's details were corrected
    char const* link_replaced_body;
    char const* code_expired;       // a code typed after its lifetime
    char const* code_used;          // a code that verified once already
    char const* fields_title;       // the fields a signer fills before signing
    char const* choose_option;      // a choice field's empty first entry
    char const* missing_fields;     // the page again, with each field's problem beside it
    // A field's problem by its code (engine: signer_fields.hpp); null: the
    // engine's English words are used as they are.
    char const* field_required;
    char const* field_invalid;      // any other problem, when the words are not in this language
    char const* field_if_needed;    // a field required only when another on the page says so
    // Handing over (`delegable`): the signer names someone else to sign.
    char const* delegate_title;
    char const* delegate_hint;
    char const* delegate_name;
    char const* delegate_email;
    char const* delegate_button;
    char const* delegated_title;  // the signer's page after they handed over (their link is then replaced)
    char const* delegated_body;
    char const* delegate_problem; // the name or address given is not one
    char const* on_behalf_of;     // "You sign on behalf of" (followed by the name)
    // A copy (`cc`): the envelope to read, nothing to sign.
    char const* copy_title;
    char const* copy_body;
    // An embed link opened a second time (it works once).
    char const* link_used_title;
    char const* link_used_body;
};

Text const& english();
Text const& chinese();
// `language` from the role data (may be empty), `accept` the Accept-Language header (may be empty).
Text const& text_for(std::string_view language, std::string_view accept);

}  // namespace signflow::app::signing
