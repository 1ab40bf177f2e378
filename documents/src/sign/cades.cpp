#include "sign/cades.hpp"

#include "signflow/net/client.hpp"
#include "sign/openssl_util.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <vector>

namespace signflow::documents::sign_detail {

namespace {

using TsReqPtr = std::unique_ptr<TS_REQ, Deleter<TS_REQ_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, Deleter<TS_RESP_free>>;
using TsVerifyPtr = std::unique_ptr<TS_VERIFY_CTX, Deleter<TS_VERIFY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;

std::string sha256(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) fail("SHA-256 failed");
    return std::string(reinterpret_cast<char*>(digest), length);
}

template <class T, int (*I2d)(T const*, unsigned char**)>
std::string der(T const* value) {
    int length = I2d(value, nullptr);
    if (length <= 0) fail("cannot DER-encode");
    std::string out(static_cast<std::size_t>(length), '\0');
    auto* at = reinterpret_cast<unsigned char*>(out.data());
    I2d(value, &at);
    return out;
}

std::string der_length(std::size_t length) {
    if (length < 0x80) return std::string(1, static_cast<char>(length));
    std::string bytes;
    for (; length; length >>= 8) bytes.insert(bytes.begin(), static_cast<char>(length & 0xff));
    return static_cast<char>(0x80 | bytes.size()) + bytes;
}

// The DER of the signed attributes as the SET OF that the signature covers
// (RFC 5652 5.4): each attribute encoded, sorted bytewise as DER requires —
// the same order OpenSSL writes them in.
std::string signed_attributes_der(CMS_SignerInfo* signer) {
    std::vector<std::string> encoded;
    for (int i = 0; i < CMS_signed_get_attr_count(signer); ++i) {
        X509_ATTRIBUTE* attribute = CMS_signed_get_attr(signer, i);
        encoded.push_back(der<X509_ATTRIBUTE, i2d_X509_ATTRIBUTE>(attribute));
    }
    std::sort(encoded.begin(), encoded.end());
    std::string body;
    for (auto const& e : encoded) body += e;
    return '\x31' + der_length(body.size()) + body;
}

}  // namespace

std::string cades_detached(std::string_view content, Credentials const& credentials, std::string const& tsa_url) {
    ERR_clear_error();
    constexpr unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_CADES | CMS_NOSMIMECAP;
    CmsPtr cms(CMS_sign(nullptr, nullptr, credentials.chain.get(), nullptr, flags));
    if (!cms) fail("cannot start the CMS signature");
    // CMS_CADES with SHA-256 adds the ESS signing-certificate-v2 attribute
    // (and not the v1 one: PAdES wants exactly one of them).
    CMS_SignerInfo* signer = CMS_add1_signer(cms.get(), credentials.certificate.get(), credentials.key.get(),
                                             EVP_sha256(), flags);
    if (!signer) fail("cannot add the signer to the CMS signature");

    auto digest = sha256(content);
    if (!CMS_signed_add1_attr_by_NID(signer, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data), -1) ||
        !CMS_signed_add1_attr_by_NID(signer, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest.data(),
                                     static_cast<int>(digest.size())))
        fail("cannot add the signed attributes");

    auto to_be_signed = signed_attributes_der(signer);
    MdCtxPtr context(EVP_MD_CTX_new());
    std::size_t length = 0;
    if (!context ||
        EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, credentials.key.get()) != 1 ||
        EVP_DigestSign(context.get(), nullptr, &length,
                       reinterpret_cast<unsigned char const*>(to_be_signed.data()), to_be_signed.size()) != 1)
        fail("cannot sign with the private key");
    std::string value(length, '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(value.data()), &length,
                       reinterpret_cast<unsigned char const*>(to_be_signed.data()), to_be_signed.size()) != 1)
        fail("cannot sign with the private key");
    value.resize(length);
    if (!ASN1_STRING_set(CMS_SignerInfo_get0_signature(signer), value.data(), static_cast<int>(value.size())))
        fail("cannot store the signature value");

    if (!tsa_url.empty()) {
        auto token = timestamp_token(tsa_url, value);
        if (!CMS_unsigned_add1_attr_by_NID(signer, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, token.data(),
                                           static_cast<int>(token.size())))
            fail("cannot add the timestamp token to the signature");
    }
    return der<CMS_ContentInfo, i2d_CMS_ContentInfo>(cms.get());
}

// One POST of a DER TimeStampReq. Plain http is the rule for TSAs (the
// token is signed, so the channel needs no secrecy); https works as well.
net::Response ask_tsa(std::string const& url, std::string const& query) {
    std::string error;
    if (!net::parse_url(url, error)) throw DocumentError("TSA URL " + url + ": " + error);
    net::Request request;
    request.url = url;
    request.headers = {{"Content-Type", "application/timestamp-query"}};
    request.body = query;
    request.timeout = std::chrono::seconds(10);
    auto answer = net::send(request);
    if (!answer.answered) throw DocumentError("TSA " + url + " is not reachable: " + answer.error);
    if (answer.truncated) throw DocumentError("TSA " + url + ": the answer is larger than 1 MB");
    return answer;
}

std::string timestamp_token(std::string const& url, std::string_view data) {
    ERR_clear_error();
    auto digest = sha256(data);
    TsReqPtr request(TS_REQ_new());
    TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
    X509_ALGOR* algorithm = X509_ALGOR_new();
    unsigned char nonce_bytes[8];
    RAND_bytes(nonce_bytes, sizeof nonce_bytes);
    nonce_bytes[0] &= 0x7f;
    BIGNUM* nonce_number = BN_bin2bn(nonce_bytes, sizeof nonce_bytes, nullptr);
    ASN1_INTEGER* nonce = BN_to_ASN1_INTEGER(nonce_number, nullptr);
    BN_free(nonce_number);
    bool ok = request && imprint && algorithm && nonce && TS_REQ_set_version(request.get(), 1) &&
              X509_ALGOR_set0(algorithm, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) &&
              TS_MSG_IMPRINT_set_algo(imprint, algorithm) &&
              TS_MSG_IMPRINT_set_msg(imprint, reinterpret_cast<unsigned char*>(digest.data()),
                                     static_cast<int>(digest.size())) &&
              TS_REQ_set_msg_imprint(request.get(), imprint) && TS_REQ_set_nonce(request.get(), nonce) &&
              TS_REQ_set_cert_req(request.get(), 1);
    TS_MSG_IMPRINT_free(imprint);  // the setters copy
    X509_ALGOR_free(algorithm);
    ASN1_INTEGER_free(nonce);
    if (!ok) fail("cannot build the timestamp request");

    auto query = der<TS_REQ, i2d_TS_REQ>(request.get());
    auto answer = ask_tsa(url, query);
    if (answer.status != 200)
        throw DocumentError("TSA " + url + " answered HTTP " + std::to_string(answer.status) +
                            " to a timestamp request");
    auto const* at = reinterpret_cast<unsigned char const*>(answer.body.data());
    TsRespPtr reply(d2i_TS_RESP(nullptr, &at, static_cast<long>(answer.body.size())));
    if (!reply) fail("TSA " + url + ": the answer is not an RFC 3161 timestamp reply");
    long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(reply.get())));
    if (status != 0 && status != 1)  // granted, grantedWithMods
        throw DocumentError("TSA " + url + " refused the timestamp request (PKIStatus " + std::to_string(status) + ")");
    // The reply must be for our request: same imprint, same nonce. (Its
    // signature is the TSA's; trusting the TSA is the verifier's business.)
    TsVerifyPtr check(TS_REQ_to_TS_VERIFY_CTX(request.get(), nullptr));
    if (check) TS_VERIFY_CTX_set_flags(check.get(), TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
    if (!check || TS_RESP_verify_response(check.get(), reply.get()) != 1)
        fail("TSA " + url + ": the timestamp reply does not match the request");
    PKCS7* token = TS_RESP_get_token(reply.get());
    if (!token) throw DocumentError("TSA " + url + ": the timestamp reply holds no token");
    return der<PKCS7, i2d_PKCS7>(token);
}

}  // namespace signflow::documents::sign_detail
