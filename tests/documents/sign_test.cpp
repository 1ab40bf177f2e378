// Signing and verifying real PDFs, judged by poppler's pdfsig and OpenSSL:
// two signers and a seal (each an incremental update; earlier revisions'
// bytes unchanged; every signature valid; only the seal covers the whole
// file), a tampered byte, the PAdES attributes inside the CMS, the visible
// appearance, named fields, certification, keys.
#include "sign_support.hpp"

#include "signflow/documents/error.hpp"
#include "signflow/documents/keys.hpp"
#include "signflow/documents/signing.hpp"
#include "signflow/documents/verify.hpp"

#include <catch2/catch.hpp>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include <regex>
#include <thread>

using namespace signflow::documents;
using namespace signflow::documents::testing;

namespace {

std::shared_ptr<Credentials const> credentials(std::string const& who = "Test Signer") {
    auto const& keys = test_keys(who);
    return load_credentials(keys.key_pem, keys.cert_pem);
}

SignRequest signer_request(std::string const& name, std::string const& date) {
    SignRequest request;
    request.appearance.name = name;
    request.appearance.date_text = date;
    request.reason = "I agree to the terms";
    request.location = "Shanghai";
    request.when = std::chrono::system_clock::now();
    return request;
}

SignRequest seal_request() {
    SignRequest request;
    request.appearance.visible = false;
    request.reason = "Sealed by signflow: all parties signed";
    request.when = std::chrono::system_clock::now();
    return request;
}

// The signed attributes' OIDs of the CMS in the first signature's /Contents.
std::vector<int> signed_attribute_nids(std::string const& der) {
    auto const* p = reinterpret_cast<unsigned char const*>(der.data());
    CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(cms != nullptr);
    std::vector<int> nids;
    CMS_SignerInfo* signer = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    for (int i = 0; i < CMS_signed_get_attr_count(signer); ++i)
        nids.push_back(OBJ_obj2nid(X509_ATTRIBUTE_get0_object(CMS_signed_get_attr(signer, i))));
    CMS_ContentInfo_free(cms);
    return nids;
}

// The DER in the last /Contents <hex> of a signed file.
std::string last_contents_der(std::string const& pdf) {
    auto at = pdf.rfind("/Contents<");
    REQUIRE(at != std::string::npos);
    auto begin = at + 10, end = pdf.find('>', begin);
    std::string der;
    for (auto i = begin; i + 1 < end; i += 2) der.push_back(static_cast<char>(std::stoi(pdf.substr(i, 2), nullptr, 16)));
    return der;
}

}  // namespace

TEST_CASE("two signers and a seal: every signature valid, earlier revisions unchanged", "[sign]") {
    ScratchDir dir;
    auto creds = credentials();
    std::string original = two_page_pdf();
    std::string first = sign(original, *creds, signer_request("Ada Lovelace", "2026-11-27 09:14 (Europe/London)"));
    std::string second = sign(first, *creds, signer_request("王小明", "2026-11-27 17:20 (Asia/Shanghai)"));
    std::string sealed = sign(second, *creds, seal_request());

    // Incremental updates: each revision is a prefix of the next (cmp).
    auto f0 = dir.write("0.pdf", original), f1 = dir.write("1.pdf", first), f2 = dir.write("2.pdf", second),
         f3 = dir.write("3.pdf", sealed);
    int status = 0;
    run("cmp -n " + std::to_string(original.size()) + " '" + f0.string() + "' '" + f3.string() + "'", &status);
    CHECK(status == 0);
    run("cmp -n " + std::to_string(first.size()) + " '" + f1.string() + "' '" + f3.string() + "'", &status);
    CHECK(status == 0);
    run("cmp -n " + std::to_string(second.size()) + " '" + f2.string() + "' '" + f3.string() + "'", &status);
    CHECK(status == 0);

    auto report = pdfsig(f3);
    INFO(report);
    CHECK(count(report, "Signature #") == 3);
    CHECK(count(report, "Signature Validation: Signature is Valid.") == 3);
    CHECK(count(report, "Signature Type: ETSI.CAdES.detached") == 3);
    // Only the seal covers the whole file.
    auto seal_at = report.find("Signature #3");
    REQUIRE(seal_at != std::string::npos);
    CHECK(count(report.substr(0, seal_at), "Total document signed") == 0);
    CHECK(count(report.substr(0, seal_at), "Not total document signed") == 2);
    CHECK(count(report.substr(seal_at), "Total document signed") == 1);

    auto verdicts = verify(sealed);
    REQUIRE(verdicts.size() == 3);
    for (auto const& v : verdicts) {
        INFO(v.field << ": " << v.problem);
        CHECK(v.valid());
        CHECK(v.digest_ok);
        CHECK(v.signature_ok);
        CHECK(v.certificate_v2);
        CHECK_FALSE(v.timestamped);
        CHECK(v.sub_filter == "ETSI.CAdES.detached");
        CHECK(v.signer.find("CN=Test Signer") != std::string::npos);
        CHECK(v.signer.find("O=signflow TESTING ONLY") != std::string::npos);
        CHECK(std::regex_match(v.signed_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    }
    CHECK_FALSE(verdicts[0].covers_whole_document);
    CHECK_FALSE(verdicts[1].covers_whole_document);
    CHECK(verdicts[2].covers_whole_document);
    CHECK(verdicts[0].field == "Signature1");
    CHECK(verdicts[1].field == "Signature2");
    CHECK(verdicts[2].field == "Signature3");

    auto check = run("qpdf --check '" + f3.string() + "'", &status);
    INFO(check);
    CHECK(status == 0);
}

TEST_CASE("the CMS is PAdES: signing-certificate-v2, no signingTime", "[sign]") {
    auto creds = credentials();
    std::string signed_pdf = sign(two_page_pdf(), *creds, signer_request("Ada Lovelace", "today"));
    auto nids = signed_attribute_nids(last_contents_der(signed_pdf));
    auto has = [&](int nid) { return std::find(nids.begin(), nids.end(), nid) != nids.end(); };
    CHECK(has(NID_id_smime_aa_signingCertificateV2));
    CHECK_FALSE(has(NID_id_smime_aa_signingCertificate));
    CHECK_FALSE(has(NID_pkcs9_signingTime));  // PAdES baseline: the time is /M
    CHECK(has(NID_pkcs9_messageDigest));
    CHECK(has(NID_pkcs9_contentType));
    CHECK(signed_pdf.find("/SigFlags 3") != std::string::npos);
    CHECK(signed_pdf.find("/SubFilter/ETSI.CAdES.detached") != std::string::npos);

    // OpenSSL's own reading of it.
    ScratchDir dir;
    auto der = dir.write("sig.der", last_contents_der(signed_pdf));
    auto printed = run("openssl cms -cmsout -inform DER -in '" + der.string() + "' -print");
    INFO(printed);
    CHECK(printed.find("id-smime-aa-signingCertificateV2") != std::string::npos);
    CHECK(printed.find("signingTime") == std::string::npos);
}

TEST_CASE("a tampered byte inside a signed range is a digest mismatch", "[sign]") {
    ScratchDir dir;
    auto creds = credentials();
    std::string first = sign(two_page_pdf(), *creds, signer_request("Ada Lovelace", "today"));
    std::string sealed = sign(first, *creds, seal_request());
    // Change a letter of page 1's text: inside both signatures' first range.
    std::string tampered = sealed;
    auto at = tampered.find("Page 1 of 2");
    if (at == std::string::npos) {
        // The content stream is compressed: change a byte of the binary
        // comment on line 2 instead, which every signature also covers.
        at = tampered.find('\n') + 2;
    }
    tampered[at] ^= 0x01;
    auto file = dir.write("tampered.pdf", tampered);
    auto report = pdfsig(file);
    INFO(report);
    CHECK(count(report, "Digest Mismatch") == 2);
    CHECK(count(report, "Signature is Valid") == 0);

    auto verdicts = verify(tampered);
    REQUIRE(verdicts.size() == 2);
    for (auto const& v : verdicts) {
        CHECK_FALSE(v.digest_ok);
        CHECK(v.signature_ok);  // the signed attributes themselves are intact
        CHECK_FALSE(v.valid());
        CHECK(v.problem.find("digest mismatch") != std::string::npos);
    }

    // A byte after the first signature (in the seal's update) breaks only the seal.
    std::string late = sealed;
    auto in_seal = late.find("/Reason", first.size());
    REQUIRE(in_seal != std::string::npos);
    late[in_seal + 3] ^= 0x20;  // "/Reason" -> "/ReAson"
    auto late_verdicts = verify(late);
    REQUIRE(late_verdicts.size() == 2);
    CHECK(late_verdicts[0].valid());
    CHECK_FALSE(late_verdicts[1].digest_ok);
}

TEST_CASE("a named signature field is signed in place", "[sign]") {
    ScratchDir dir;
    auto creds = credentials();
    std::string pdf = two_page_pdf("client");
    auto request = signer_request("Grace Hopper", "2026-11-27 09:14 (America/New_York)");
    request.appearance.field = "client";
    std::string signed_pdf = sign(pdf, *creds, request);
    auto verdicts = verify(signed_pdf);
    REQUIRE(verdicts.size() == 1);
    CHECK(verdicts[0].field == "client");
    CHECK(verdicts[0].valid());
    auto report = pdfsig(dir.write("field.pdf", signed_pdf));
    INFO(report);
    CHECK(count(report, "Signature is Valid.") == 1);
    CHECK(report.find("Signature Field Name: client") != std::string::npos);

    // The same field twice is refused; a missing field becomes a box.
    CHECK_THROWS_WITH(sign(signed_pdf, *creds, request), Catch::Contains("already signed"));
    request.appearance.field = "manager";
    request.appearance.page = 1;
    auto boxed = verify(sign(signed_pdf, *creds, request));
    REQUIRE(boxed.size() == 2);
    CHECK(boxed[1].field == "manager");
    CHECK(boxed[1].valid());
}

TEST_CASE("the visible signature embeds only a subset of the font, and a drawn image", "[sign]") {
    ScratchDir dir;
    auto creds = credentials();
    std::string pdf = two_page_pdf();
    auto request = signer_request("Ada Lovelace", "2026-11-27 09:14 (Europe/London)");
    std::string latin = sign(pdf, *creds, request);
    CHECK(latin.size() - pdf.size() < 60 * 1024);  // DejaVuSans.ttf is 750 KB
    request.appearance.name = "王小明";
    std::string cjk = sign(pdf, *creds, request);
    CHECK(cjk.size() - pdf.size() < 100 * 1024);  // DroidSansFallbackFull.ttf is 4 MB
    CHECK(cjk.find("/FontFile2") != std::string::npos);

    // A drawn signature as PNG (written by Python's zlib: a 16x8 RGB ramp).
    auto script = dir.write("png.py", R"(import zlib, struct, sys
def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
rows = b''.join(b'\x00' + b''.join(bytes([x * 16, y * 32, 90]) for x in range(16)) for y in range(8))
with open(sys.argv[1], 'wb') as f:
    f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 16, 8, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
)");
    auto png = dir.path / "drawn.png";
    int status = 0;
    auto made = run("/usr/bin/python3 '" + script.string() + "' '" + png.string() + "'", &status);
    INFO(made);
    REQUIRE(status == 0);
    request.appearance.image_png = slurp(png);
    std::string drawn = sign(pdf, *creds, request);
    CHECK(drawn.find("/Subtype/Image") != std::string::npos);
    auto file = dir.write("drawn.pdf", drawn);
    auto report = pdfsig(file);
    INFO(report);
    CHECK(count(report, "Signature is Valid.") == 1);
    // Rendered, the box is not blank: pdftoppm draws the appearance.
    auto ppm = run("pdftoppm -r 36 -f 2 -l 2 -gray '" + file.string() + "' '" + (dir.path / "page").string() + "'", &status);
    CHECK(status == 0);

    request.appearance.image_png = "not an image";
    CHECK_THROWS_AS(sign(pdf, *creds, request), DocumentError);
}

TEST_CASE("certify: DocMDP only as the first signature", "[sign]") {
    ScratchDir dir;
    auto creds = credentials();
    auto request = seal_request();
    request.certify = true;
    std::string certified = sign(two_page_pdf(), *creds, request);
    CHECK(certified.find("/DocMDP") != std::string::npos);
    std::string then_signed = sign(certified, *creds, signer_request("Ada Lovelace", "today"));
    auto report = pdfsig(dir.write("certified.pdf", then_signed));
    INFO(report);
    CHECK(count(report, "Signature is Valid.") == 2);
    for (auto const& v : verify(then_signed)) CHECK(v.valid());
    CHECK_THROWS_WITH(sign(then_signed, *creds, request), Catch::Contains("must be the document's first"));
}

TEST_CASE("sign refuses what it cannot do, with the reason", "[sign]") {
    auto creds = credentials();
    auto request = signer_request("Ada", "today");
    CHECK_THROWS_AS(sign("not a pdf at all", *creds, request), DocumentError);
    request.appearance.page = 7;
    CHECK_THROWS_WITH(sign(two_page_pdf(), *creds, request), Catch::Contains("page 7 does not exist"));
}

TEST_CASE("keys: self-signed pairs say they are for testing, mismatches and bad PEM are errors", "[sign][keys]") {
    auto const& ada = test_keys("Ada");
    auto const& bob = test_keys("Bob");
    auto creds = load_credentials(ada.key_pem, ada.cert_pem);
    CHECK(certificate_subject(*creds).find("CN=Ada") != std::string::npos);
    CHECK(certificate_subject(*creds).find("O=signflow TESTING ONLY") != std::string::npos);
    CHECK(ada.key_pem.find("-----BEGIN PRIVATE KEY-----") == 0);
    CHECK_THROWS_WITH(load_credentials(bob.key_pem, ada.cert_pem), Catch::Contains("does not match the certificate"));
    CHECK_THROWS_WITH(load_credentials("garbage", ada.cert_pem), Catch::Contains("private key"));
    CHECK_THROWS_WITH(load_credentials(ada.key_pem, "garbage"), Catch::Contains("certificate"));
    CHECK_THROWS_WITH(load_credentials(ada.key_pem, ada.cert_pem, "garbage"), Catch::Contains("chain"));
    // A chain is carried into the CMS.
    auto chained = load_credentials(ada.key_pem, ada.cert_pem, bob.cert_pem);
    auto verdicts = verify(sign(two_page_pdf(), *chained, seal_request()));
    REQUIRE(verdicts.size() == 1);
    CHECK(verdicts[0].valid());
    CHECK(verdicts[0].signer.find("CN=Ada") != std::string::npos);
}

TEST_CASE("keys: an expired certificate is refused and the message says so", "[sign][keys]") {
    ScratchDir dir;
    auto const& ada = test_keys("Ada");
    auto key = dir.write("key.pem", ada.key_pem);
    auto cert = dir.write("cert.pem", ada.cert_pem);
    auto old = dir.path / "old.pem";
    int status = 0;
    // Re-sign Ada's certificate with validity ending yesterday (openssl x509 -days -1).
    auto out = run("openssl x509 -in '" + cert.string() + "' -signkey '" + key.string() + "' -days -1 -out '" +
                       old.string() + "'",
                   &status);
    INFO(out);
    REQUIRE(status == 0);
    CHECK_THROWS_WITH(load_credentials(ada.key_pem, slurp(old)), Catch::Contains("expired"));
}

TEST_CASE("one Credentials signs from several threads at once", "[sign]") {
    auto creds = credentials();
    std::string pdf = two_page_pdf();
    std::vector<std::string> results(4 * 8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 8; ++i)
                results[static_cast<std::size_t>(t * 8 + i)] =
                    sign(pdf, *creds, signer_request(i % 2 ? "王小明" : "Ada Lovelace", "today"));
        });
    for (auto& thread : threads) thread.join();
    for (auto const& signed_pdf : results) {
        auto verdicts = verify(signed_pdf);
        REQUIRE(verdicts.size() == 1);
        CHECK(verdicts[0].valid());
    }
}
