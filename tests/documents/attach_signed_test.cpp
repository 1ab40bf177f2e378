// The order at completion, end to end with real signatures: a signer signs,
// the uploads are embedded, the certificate of completion is appended, the
// operator seals. pdfsig must find the signer's signature still valid (the
// updates left its bytes alone) and the seal valid over the whole file.
#include "attach/support.hpp"

#include "signflow/documents/attachments.hpp"
#include "signflow/documents/completion.hpp"
#include "signflow/documents/error.hpp"
#include "signflow/documents/keys.hpp"
#include "signflow/documents/signing.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace signflow::documents;
using namespace attach_test;
using Catch::Matchers::Contains;

namespace {

int count(std::string const& text, std::string const& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("attachments and certificate between a signature and the seal keep both valid", "[attach]") {
    auto keys = make_self_signed("signflow attach test");
    auto credentials = load_credentials(keys.key_pem, keys.cert_pem);

    std::string pdf = reportlab_pdf(1, "the contract");
    SignRequest client;
    client.appearance.name = "Ana Müller";
    client.appearance.date_text = "2026-11-27 10:14 (Europe/Berlin)";
    client.when = std::chrono::system_clock::now();
    std::string signed_once = sign(pdf, *credentials, client);

    std::string with_files =
        embed_attachments(signed_once, {{"id_scan.png", "image/png", png(60, 40), "ID scan uploaded by the client"}});
    nlohmann::json certificate = {
        {"envelope", 7},
        {"document_sha256", sha256_hex(pdf)},
        {"signers", {{{"role", "client"}, {"name", "Ana Müller"}, {"auth", "sms code"}}}},
        {"events", {{{"at", "2026-11-27T09:14:03.120Z"}, {"kind", "signed"}, {"actor", "client"}}}},
        {"chain_head", std::string(64, 'e')},
        {"entries", 1}};
    std::string with_certificate = append_completion_page(with_files, certificate);

    SignRequest seal;
    seal.appearance.visible = false;
    seal.when = std::chrono::system_clock::now();
    std::string sealed = sign(with_certificate, *credentials, seal);

    REQUIRE(sealed.compare(0, signed_once.size(), signed_once) == 0);
    auto path = saved("sealed.pdf", sealed);
    Run check = run("pdfsig " + path.string());
    INFO(check.output);
    CHECK(count(check.output, "Signature is Valid.") == 2);
    CHECK(count(check.output, "Digest Mismatch") == 0);
    CHECK_THAT(check.output, Contains("Total document signed"));
    CHECK_THAT(run("qpdf --list-attachments " + path.string()).output, Contains("id_scan.png"));
    CHECK_THAT(run("pdftotext " + path.string() + " -").output, Contains("Certificate of completion"));
}
