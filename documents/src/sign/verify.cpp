// verify(): every signature dictionary the scan finds (pdf_scan.hpp), its
// ByteRange against the position of its own /Contents, the digest of the
// bytes it names against the CMS messageDigest, the CMS signature, the ESS
// signing-certificate-v2 hash against the signer's certificate, and the
// RFC 3161 token's imprint against the signature value.
#include "signflow/documents/verify.hpp"

#include "sign/openssl_util.hpp"
#include "sign/pdf_scan.hpp"

#include <openssl/pkcs7.h>

#include <array>
#include <cmath>
#include <ctime>
#include <map>
#include <optional>

namespace signflow::documents {

using namespace sign_detail;

namespace {

using Kind = PdfValue::Kind;

std::string digest(EVP_MD const* md, std::initializer_list<std::string_view> parts) {
    std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>> context(EVP_MD_CTX_new());
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!context || EVP_DigestInit_ex(context.get(), md, nullptr) != 1) return {};
    for (auto part : parts) EVP_DigestUpdate(context.get(), part.data(), part.size());
    if (EVP_DigestFinal_ex(context.get(), out, &length) != 1) return {};
    return std::string(reinterpret_cast<char*>(out), length);
}

std::string octets(ASN1_STRING const* s) {
    return s ? std::string(reinterpret_cast<char const*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)))
             : std::string();
}

// "D:20261127091400Z" (or with +08'00') as "2026-11-27T01:14:00Z".
std::string iso_time(std::string const& pdf_date) {
    std::string d = pdf_date.rfind("D:", 0) == 0 ? pdf_date.substr(2) : pdf_date;
    if (d.size() < 14 || d.find_first_not_of("0123456789") < 14) return pdf_date;
    std::tm t{};
    t.tm_year = std::stoi(d.substr(0, 4)) - 1900;
    t.tm_mon = std::stoi(d.substr(4, 2)) - 1;
    t.tm_mday = std::stoi(d.substr(6, 2));
    t.tm_hour = std::stoi(d.substr(8, 2));
    t.tm_min = std::stoi(d.substr(10, 2));
    t.tm_sec = std::stoi(d.substr(12, 2));
    long offset = 0;
    if (d.size() >= 17 && (d[14] == '+' || d[14] == '-') && std::isdigit(static_cast<unsigned char>(d[15])) &&
        std::isdigit(static_cast<unsigned char>(d[16]))) {
        offset = std::stol(d.substr(15, 2)) * 3600;
        if (d.size() >= 20 && std::isdigit(static_cast<unsigned char>(d[18])) && std::isdigit(static_cast<unsigned char>(d[19])))
            offset += std::stol(d.substr(18, 2)) * 60;
        if (d[14] == '-') offset = -offset;
    }
    std::time_t seconds = timegm(&t) - offset;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// Does the ESS signing-certificate-v2 attribute name `certificate`?
// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, ... }
// ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256, certHash OCTET STRING, ... }
bool names_certificate(ASN1_STRING const* attribute, X509* certificate) {
    unsigned char const* p = ASN1_STRING_get0_data(attribute);
    long remaining = ASN1_STRING_length(attribute);
    auto enter = [&](int want_tag) {
        long length = 0;
        int tag = 0, cls = 0;
        unsigned char const* start = p;
        int rc = ASN1_get_object(&p, &length, &tag, &cls, remaining);
        if ((rc & 0x80) || tag != want_tag || cls != V_ASN1_UNIVERSAL) return -1L;
        remaining -= static_cast<long>(p - start);
        return length;
    };
    if (enter(V_ASN1_SEQUENCE) < 0 || enter(V_ASN1_SEQUENCE) < 0 || enter(V_ASN1_SEQUENCE) < 0) return false;
    EVP_MD const* md = EVP_sha256();
    if (remaining > 0 && *p == 0x30) {  // an explicit hashAlgorithm
        unsigned char const* start = p;
        X509_ALGOR* algorithm = d2i_X509_ALGOR(nullptr, &p, remaining);
        if (!algorithm) return false;
        md = EVP_get_digestbyobj(algorithm->algorithm);
        X509_ALGOR_free(algorithm);
        remaining -= static_cast<long>(p - start);
        if (!md) return false;
    }
    long length = enter(V_ASN1_OCTET_STRING);
    if (length < 0 || length > remaining) return false;
    std::string hash(reinterpret_cast<char const*>(p), static_cast<std::size_t>(length));
    int der_length = i2d_X509(certificate, nullptr);
    if (der_length <= 0) return false;
    std::string der(static_cast<std::size_t>(der_length), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    i2d_X509(certificate, &out);
    return digest(md, {der}) == hash;
}

// Checks the RFC 3161 token (unsigned attribute) over the signature value.
// Returns an empty string when it is sound, else the problem; sets `time`.
std::string check_timestamp(ASN1_STRING const* attribute, std::string const& signature_value, std::string& time) {
    unsigned char const* p = ASN1_STRING_get0_data(attribute);
    std::unique_ptr<PKCS7, Deleter<PKCS7_free>> token(d2i_PKCS7(nullptr, &p, ASN1_STRING_length(attribute)));
    if (!token) return "the timestamp token is not a CMS structure";
    std::unique_ptr<TS_TST_INFO, Deleter<TS_TST_INFO_free>> info(PKCS7_to_TS_TST_INFO(token.get()));
    if (!info) return "the timestamp token holds no TSTInfo";
    TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(info.get());
    EVP_MD const* md = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(imprint)->algorithm);
    if (!md) return "the timestamp token uses an unknown digest";
    if (digest(md, {signature_value}) != octets(TS_MSG_IMPRINT_get_msg(imprint)))
        return "the timestamp token is for a different signature value";
    // The TSA's signature over the token (its certificate's trust is the
    // operator's business, as with the signer's).
    if (PKCS7_verify(token.get(), nullptr, nullptr, nullptr, nullptr, PKCS7_NOVERIFY) != 1) {
        ERR_clear_error();
        return "the timestamp token's signature does not verify";
    }
    BioPtr out(BIO_new(BIO_s_mem()));
    ASN1_GENERALIZEDTIME_print(out.get(), TS_TST_INFO_get_time(info.get()));
    time = bio_contents(out.get());
    return {};
}

struct Range {
    std::size_t offset, length;
};

// Reads a ByteRange [a b c d]: four non-negative integers inside the file.
std::optional<std::array<Range, 2>> byte_range(PdfValue const* value, std::size_t file_size) {
    if (!value || !value->is(Kind::array) || value->items.size() != 4) return std::nullopt;
    double n[4];
    for (int i = 0; i < 4; ++i) {
        auto const& item = value->items[static_cast<std::size_t>(i)];
        if (!item.is(Kind::number) || item.number < 0 || item.number != std::floor(item.number) ||
            item.number > static_cast<double>(file_size))
            return std::nullopt;
        n[i] = item.number;
    }
    std::array<Range, 2> ranges{Range{static_cast<std::size_t>(n[0]), static_cast<std::size_t>(n[1])},
                                Range{static_cast<std::size_t>(n[2]), static_cast<std::size_t>(n[3])}};
    for (auto const& r : ranges)
        if (r.offset + r.length > file_size) return std::nullopt;
    return ranges;
}

void check_signature(std::string_view pdf, PdfValue const& dictionary, SignatureVerdict& verdict) {
    auto problem = [&](std::string text) {
        if (verdict.problem.empty()) verdict.problem = std::move(text);
    };
    if (auto const* filter = dictionary.get("SubFilter"); filter && filter->is(Kind::name)) verdict.sub_filter = filter->text;
    if (auto const* m = dictionary.get("M"); m && m->is(Kind::string)) verdict.signed_at = iso_time(m->text);
    PdfValue const* contents = dictionary.get("Contents");
    if (!contents || !contents->is(Kind::string) || !contents->hex)
        return problem("the signature's /Contents is not a hexadecimal string");
    auto ranges = byte_range(dictionary.get("ByteRange"), pdf.size());
    if (!ranges) return problem("the ByteRange is not four offsets inside the file");
    auto [first, second] = *ranges;
    if (first.offset != 0 || first.offset + first.length != contents->begin || second.offset != contents->end)
        return problem("the ByteRange does not cover the file except exactly this signature's /Contents");
    verdict.covers_whole_document = second.offset + second.length == pdf.size();
    if (verdict.sub_filter == "ETSI.RFC3161")
        return problem("a document timestamp (ETSI.RFC3161): signflow does not check those");

    auto const* der = reinterpret_cast<unsigned char const*>(contents->text.data());
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &der, static_cast<long>(contents->text.size())));
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
        ERR_clear_error();
        return problem("the /Contents is not a CMS SignedData");
    }
    STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
    if (sk_CMS_SignerInfo_num(signers) != 1) return problem("the CMS does not have exactly one signer");
    CMS_SignerInfo* signer = sk_CMS_SignerInfo_value(signers, 0);
    CMS_set1_signers_certs(cms.get(), nullptr, 0);
    ERR_clear_error();
    X509* certificate = nullptr;
    EVP_PKEY* key = nullptr;
    X509_ALGOR *digest_algorithm = nullptr, *signature_algorithm = nullptr;
    CMS_SignerInfo_get0_algs(signer, &key, &certificate, &digest_algorithm, &signature_algorithm);
    if (!certificate) return problem("the CMS does not carry the signer's certificate");
    verdict.signer = name_text(X509_get_subject_name(certificate));

    EVP_MD const* md = digest_algorithm ? EVP_get_digestbyobj(digest_algorithm->algorithm) : nullptr;
    if (!md) return problem("the signature uses an unknown digest algorithm");
    std::string computed = digest(md, {pdf.substr(first.offset, first.length), pdf.substr(second.offset, second.length)});
    std::string value = octets(CMS_SignerInfo_get0_signature(signer));

    if (CMS_signed_get_attr_count(signer) > 0) {
        auto const* signed_digest = static_cast<ASN1_OCTET_STRING const*>(CMS_signed_get0_data_by_OBJ(
            signer, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
        verdict.digest_ok = signed_digest && octets(signed_digest) == computed;
        verdict.signature_ok = CMS_SignerInfo_verify(signer) == 1;
        auto const* v2 = static_cast<ASN1_STRING const*>(CMS_signed_get0_data_by_OBJ(
            signer, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3, V_ASN1_SEQUENCE));
        verdict.certificate_v2 = v2 && names_certificate(v2, certificate);
    } else {
        // No signed attributes (old adbe.pkcs7.detached): the signature is
        // over the content itself, and only CMS_verify can tell.
        auto content = std::string(pdf.substr(first.offset, first.length)).append(pdf.substr(second.offset, second.length));
        auto bio = memory_bio(content);
        bool ok = CMS_verify(cms.get(), nullptr, nullptr, bio.get(), nullptr, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
        verdict.digest_ok = verdict.signature_ok = ok;
    }
    ERR_clear_error();

    if (auto const* token = static_cast<ASN1_STRING const*>(CMS_unsigned_get0_data_by_OBJ(
            signer, OBJ_nid2obj(NID_id_smime_aa_timeStampToken), -3, V_ASN1_SEQUENCE))) {
        auto trouble = check_timestamp(token, value, verdict.timestamp_time);
        ERR_clear_error();
        if (trouble.empty())
            verdict.timestamped = true;
        else
            problem(trouble);
    }
    if (!verdict.digest_ok) problem("digest mismatch: the signed bytes were changed");
    if (!verdict.signature_ok) problem("the signature value does not verify with the signer's key");
    if (verdict.sub_filter == "ETSI.CAdES.detached" && !verdict.certificate_v2)
        problem("PAdES requires the signing-certificate-v2 attribute naming the signer's certificate");
}

}  // namespace

std::vector<SignatureVerdict> verify(std::string_view pdf) {
    if (pdf.substr(0, 1024).find("%PDF-") == std::string_view::npos)
        throw DocumentError("not a PDF: no %PDF- header in the first 1024 bytes");
    auto objects = scan_objects(pdf);

    // Field names by the signature dictionary they point at (/V); the
    // newest revision of a field wins.
    std::map<long, PdfValue const*> by_number;
    for (auto const& object : objects) by_number[object.number] = &object.value;
    std::map<long, std::string> field_of;
    for (auto const& [number, value] : by_number) {
        (void)number;
        auto const* v = value->get("V");
        if (!v || !v->is(Kind::reference)) continue;
        std::string name;
        PdfValue const* field = value;
        for (int depth = 0; field && depth < 32; ++depth) {
            if (auto const* t = field->get("T"); t && t->is(Kind::string))
                name = name.empty() ? text_string_utf8(t->text) : text_string_utf8(t->text) + "." + name;
            auto const* parent = field->get("Parent");
            field = parent && parent->is(Kind::reference) && by_number.count(parent->object) ? by_number[parent->object] : nullptr;
        }
        field_of[v->object] = name;
    }

    std::vector<SignatureVerdict> verdicts;
    for (auto const& object : objects) {
        auto const& value = object.value;
        if (!value.is(Kind::dictionary) || !value.get("ByteRange") || !value.get("Contents")) continue;
        SignatureVerdict verdict;
        if (auto it = field_of.find(object.number); it != field_of.end()) verdict.field = it->second;
        try {
            check_signature(pdf, value, verdict);
        } catch (DocumentError const& error) {
            verdict.problem = error.what();
        }
        verdicts.push_back(std::move(verdict));
    }
    return verdicts;
}

nlohmann::json verdict_json(SignatureVerdict const& v) {
    return {{"field", v.field},
            {"signer", v.signer},
            {"sub_filter", v.sub_filter},
            {"signed_at", v.signed_at},
            {"valid", v.valid()},
            {"digest_ok", v.digest_ok},
            {"signature_ok", v.signature_ok},
            {"certificate_v2", v.certificate_v2},
            {"timestamped", v.timestamped},
            {"timestamp_time", v.timestamp_time},
            {"covers_whole_document", v.covers_whole_document},
            {"problem", v.problem}};
}

SignatureVerdict verdict_from_json(nlohmann::json const& j) {
    SignatureVerdict v;
    if (!j.is_object()) return v;
    v.field = j.value("field", "");
    v.signer = j.value("signer", "");
    v.sub_filter = j.value("sub_filter", "");
    v.signed_at = j.value("signed_at", "");
    v.digest_ok = j.value("digest_ok", false);
    v.signature_ok = j.value("signature_ok", false);
    v.certificate_v2 = j.value("certificate_v2", false);
    v.timestamped = j.value("timestamped", false);
    v.timestamp_time = j.value("timestamp_time", "");
    v.covers_whole_document = j.value("covers_whole_document", false);
    v.problem = j.value("problem", "");
    return v;
}

}  // namespace signflow::documents
