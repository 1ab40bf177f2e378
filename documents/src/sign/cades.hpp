#pragma once
// The CMS inside a PAdES signature (ETSI EN 319 142-1, PAdES baseline):
// SignedData, detached, SHA-256, signed attributes contentType,
// messageDigest and ESS signing-certificate-v2 — and no signingTime, which
// PAdES baseline forbids (the claimed time is the dictionary's /M). OpenSSL's
// CMS_final always adds signingTime, so the signed attributes are signed
// here, once, with EVP_DigestSign. With a TSA, the signature value gets an
// RFC 3161 token as the unsigned attribute id-aa-signatureTimeStampToken
// (PAdES B-T).
#include "signflow/documents/keys.hpp"

#include <string>
#include <string_view>

namespace signflow::documents::sign_detail {

// The DER of the CMS for `content` (the bytes the ByteRange names).
std::string cades_detached(std::string_view content, Credentials const& credentials, std::string const& tsa_url);

// The DER of an RFC 3161 token (a CMS SignedData of TSTInfo) for the
// SHA-256 of `data`, asked of the TSA at `url` with a fresh nonce; the reply's
// status, imprint and nonce are checked. DocumentError when the TSA is down,
// refuses, or answers something else.
std::string timestamp_token(std::string const& url, std::string_view data);

}  // namespace signflow::documents::sign_detail
