#pragma once
// Signing a PDF: one signer's act (or the operator's final seal) becomes a
// visible signature and a PAdES digital signature (SubFilter
// ETSI.CAdES.detached, CMS with the signing-certificate-v2 attribute, no
// signingTime attribute: the claimed time is the dictionary's /M) written as
// an incremental update. The bytes before the update are never changed, so
// every earlier signature stays valid; the newest signature covers the whole
// file. With a TSA URL the signature value is timestamped (RFC 3161,
// PAdES B-T). docs/signatures.md says more.
#include "signflow/documents/keys.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace signflow::documents {

// What the signature looks like on the page.
struct Appearance {
    std::string name;       // the typed name, drawn in the box (any script: CJK falls back to Droid Sans)
    std::string image_png;  // a drawn signature (PNG or JPEG bytes); empty: the typed name only
    std::string date_text;  // already formatted in the signer's zone by the caller, e.g. "2026-11-27 09:14 (Asia/Shanghai)"
    std::string note;       // a small line above the date, e.g. "on behalf of Ana Ruiz" (a delegate's signature)
    std::string field;      // a signature field to sign; absent from the PDF: a new box on `page`
    int page = 0;           // 1-based; 0: the last page
    bool visible = true;    // false: an invisible signature (the seal)
};

struct SignRequest {
    Appearance appearance;
    std::string reason, location, contact;
    std::string tsa_url;  // RFC 3161 TSA over plain HTTP (http://host[:port]/path); empty: no timestamp
    std::chrono::system_clock::time_point when;  // /M of the signature dictionary
    // A certification signature (DocMDP, P=2: later form filling and
    // signatures allowed). PDF allows one, and only as the document's first
    // signature: certifying a document that is already signed is a
    // DocumentError. The final seal is therefore an approval signature
    // (certify=false); docs/signatures.md explains.
    bool certify = false;
};

// Returns the whole new file: `pdf` unchanged, then an incremental update
// with the signature. DocumentError when the PDF cannot be read, the page or
// field does not exist, the field is already signed, the image cannot be
// decoded, or the TSA does not answer.
std::string sign(std::string_view pdf, Credentials const& credentials, SignRequest const& request);

}  // namespace signflow::documents
