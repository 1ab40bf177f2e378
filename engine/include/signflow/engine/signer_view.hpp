#pragma once
// What one signer's page needs to know about their envelope
// (Runtime::signer): read from the committed record and its audit trail,
// never from another signer's point of view. The daemon presents it as JSON
// (GET /v1/instances/{id}/signers/{role}) and as the signing page, which
// switches on `step`.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::engine {

enum class SignerStep : std::uint8_t {
    unknown,   // the workflow has no such role
    ended,     // the envelope has ended (completed, declined, expired, cancelled, failed)
    signed_,   // this signer has signed; others may still be signing
    declined,  // this signer declined (the envelope ends with it)
    verify,    // this signer must prove who they are first (`method`: sms or email)
    sign,      // this signer's turn
    wait,      // not yet: `waiting_for` says who comes first, empty while a document is prepared
};

std::string_view step_name(SignerStep);  // "unknown", "ended", "signed", …

// Another signer as this signer may see them: a role and a name, never an address.
struct OtherSigner {
    std::string role;
    std::optional<std::string> name;
};

struct AttachmentState {
    std::string name;
    bool required = false;
    bool uploaded = false;
};

// A field this signer fills before signing (`field NAME from ROLE: TYPE`).
struct FieldState {
    std::string name;
    std::string type;  // text | number | date | checkbox | choice | radio | initials
    std::string label; // `label "…"`; empty: the page makes one of the name
    std::vector<std::string> options;      // choice, radio
    std::optional<std::int64_t> min, max;  // text: length; number: value
    bool required = false;
    bool patterned = false;  // text with a `matching` pattern
    bool shown = true;       // asked with the data the envelope has now (its `when` holds), or possibly
    bool depends = false;    // its `when` reads another field on this page: asked only if that holds
};

struct SignerView {
    std::int64_t envelope = 0;
    std::string workflow;
    std::string status;  // running, finished, …
    std::string state;
    std::string role;
    std::int64_t documents = 0;  // revisions of the envelope's document so far
    nlohmann::json signer = nlohmann::json::object();  // this role's own data (email, name, phone, zone, language)
    bool consented = false;
    bool viewed = false;
    bool signed_ = false;
    bool declined = false;
    bool verified = false;  // by a code or an identity check, since this signer last signed
    std::vector<AttachmentState> attachments;  // what the workflow asks this role to upload
    std::string document;                      // sign: the template being signed ("" when not known)
    std::vector<std::string> signing;          // sign: every document this signature signs, in fill order
    std::int64_t links_from_ms = 0;            // this signer's links made before then were replaced (a correction)
    std::vector<FieldState> fields;            // sign: what this role fills in it (date_signed ones are not asked)
    bool may_delegate = false;                 // sign: this step is `delegable` for them, and they have not handed over
    nlohmann::json on_behalf_of;               // a delegate: {name, email} of the signer who handed over (else null)
    SignerStep step = SignerStep::unknown;
    std::string method;                     // verify: sms | email
    std::vector<OtherSigner> waiting_for;   // wait: each signer once, in signing order

    // This signer's name as their role data gives it (empty when none).
    std::string name() const;
    // The envelope completed (every signer signed, the seal follows).
    bool completed() const { return status == "finished" && state == "completed"; }
};

}  // namespace signflow::engine
