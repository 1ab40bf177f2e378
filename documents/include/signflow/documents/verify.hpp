#pragma once
// Checking the signatures in a PDF without trusting it: every signature
// dictionary is found by scanning the bytes (a signature dictionary cannot
// live in a compressed object stream, since its /Contents must be a hole the
// ByteRange skips), its ByteRange checked, the digest recomputed and the CMS
// verified. Certificate trust (chains to a root, revocation) is not judged
// here: `signer` names who signed, the operator decides whether to trust it.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace signflow::documents {

struct SignatureVerdict {
    std::string field;       // the signature field's name (/T), when found
    std::string signer;      // the signing certificate's subject, CN first ("CN=Acme, O=Acme Ltd")
    std::string sub_filter;  // ETSI.CAdES.detached, adbe.pkcs7.detached, ...
    std::string signed_at;   // /M as ISO 8601 UTC (or as written, when it is not a PDF date)
    bool digest_ok = false;     // the bytes the ByteRange names hash to the signed messageDigest
    bool signature_ok = false;  // the signer's key verifies the signed attributes
    bool certificate_v2 = false;  // ESS signing-certificate-v2 present and naming the signer's certificate
    bool timestamped = false;     // an RFC 3161 token over the signature value, its imprint checked
    bool covers_whole_document = false;  // the ByteRange reaches the end of the file
    std::string timestamp_time;          // the token's genTime, when timestamped
    std::string problem;  // empty when all is well; else what is wrong, in words

    bool valid() const { return digest_ok && signature_ok && problem.empty(); }
};

// One verdict per signature, in file order (oldest first). DocumentError
// when the bytes are not a PDF at all; a PDF without signatures gives an
// empty vector.
std::vector<SignatureVerdict> verify(std::string_view pdf);

// A verdict as JSON, `valid` included: what `signflow verify --format json`
// prints, POST /v1/verify answers and a signflow-parse child hands back
// (isolated.hpp). verdict_from_json reads it back (`valid` is derived).
nlohmann::json verdict_json(SignatureVerdict const& v);
SignatureVerdict verdict_from_json(nlohmann::json const& j);

}  // namespace signflow::documents
