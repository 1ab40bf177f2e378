// The certificate of completion: appended pages read back with pdftotext and
// qpdf, the original bytes untouched.
#include "attach/support.hpp"

#include "signflow/documents/attachments.hpp"
#include "signflow/documents/completion.hpp"
#include "signflow/documents/error.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace signflow::documents;
using namespace attach_test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

json certificate(int events) {
    json c = {{"envelope", 42},
              {"workflow", "nda_onboarding"},
              {"document_sha256", "9f2c1a7e5b3d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f"},
              {"signers", json::array({{{"role", "client"}, {"name", "王小明"}, {"email", "wang@example.cn"},
                                        {"zone", "Asia/Shanghai"}, {"auth", "sms code"},
                                        {"signed_at", "2026-11-27T09:14:03.120Z"},
                                        {"signed_local", "2026-11-27 17:14:03 CST"}},
                                       {{"role", "manager"}, {"name", "Ana Müller"}, {"email", "ana@example.com"},
                                        {"zone", "Europe/Berlin"}, {"auth", "email code"}}})},
              {"chain_head", "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc"},
              {"entries", events},
              {"generated_at", "2026-11-27T09:20:00Z"}};
    json list = json::array();
    for (int i = 0; i < events; ++i) {
        char at[40];
        std::snprintf(at, sizeof at, "2026-11-27T09:%02d:%02d.120Z", (i / 60) % 60, i % 60);
        list.push_back({{"seq", 100 + i},
                        {"at", at},
                        {"local", "2026-11-27 17:14:03 CST"},
                        {"kind", i == events - 1 ? "signed" : "event" + std::to_string(i)},
                        {"actor", "client"},
                        {"ip", "203.0.113." + std::to_string(i % 250)},
                        {"user_agent",
                         "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70 signflow-test-agent-" +
                             std::to_string(i)},
                        {"method", "sms code"}});
    }
    c["events"] = list;
    return c;
}

std::string text_of(std::string const& pdf, std::string const& name) {
    auto path = saved(name, pdf);
    Run r = run("pdftotext -layout " + path.string() + " -");
    REQUIRE(r.status == 0);
    return r.output;
}

int pages_of(std::string const& pdf, std::string const& name) {
    auto path = saved(name, pdf);
    Run r = run("qpdf --show-npages " + path.string());
    REQUIRE(r.status == 0);
    return std::stoi(r.output);
}

}  // namespace

TEST_CASE("completion: one page with everything, original bytes untouched", "[attach]") {
    std::string base = reportlab_pdf(2, "the contract");
    std::string out = append_completion_page(base, certificate(3));
    REQUIRE(out.size() > base.size());
    CHECK(out.compare(0, base.size(), base) == 0);
    CHECK(pages_of(out, "completion.pdf") == 3);
    Run check = run("qpdf --check " + (scratch() / "completion.pdf").string());
    CHECK(check.status == 0);

    std::string text = text_of(out, "completion.pdf");
    CHECK_THAT(text, Contains("the contract"));  // the document's own pages are still there
    CHECK_THAT(text, Contains("Certificate of completion"));
    CHECK_THAT(text, Contains("Envelope 42"));
    CHECK_THAT(text, Contains("nda_onboarding"));
    CHECK_THAT(text, Contains("9f2c1a7e5b3d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f"));
    CHECK_THAT(text, Contains("c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc"));
    CHECK_THAT(text, Contains("王小明"));
    CHECK_THAT(text, Contains("Ana Müller"));
    CHECK_THAT(text, Contains("Asia/Shanghai"));
    CHECK_THAT(text, Contains("sms code"));
    CHECK_THAT(text, Contains("email code"));
    for (char const* event : {"event0 by client", "event1 by client", "signed by client"}) CHECK_THAT(text, Contains(event));
    CHECK_THAT(text, Contains("2026-11-27T09:00:02.120Z"));
    CHECK_THAT(text, Contains("203.0.113.1"));
    CHECK_THAT(text, Contains("signflow-test-agent-2"));  // the end of a wrapped user agent
    CHECK_THAT(text, Contains("page 1 of 1"));
    CHECK_THAT(text, Contains("Signed 2026-11-27T09:14:03.120Z UTC"));  // from the signer's entry
    CHECK_THAT(text, Contains("101. event1 by client"));                // numbered as in the chain
}

TEST_CASE("completion: an envelope of two documents lists each one's hash", "[attach]") {
    json c = certificate(2);
    std::string const agreement(64, 'a'), invoice(64, 'c');
    c["document_sha256"] = agreement;
    c["documents"] = json::array({{{"template", "service_agreement"}, {"sha256", agreement}, {"revision", 1}},
                                  {{"template", "invoice"}, {"sha256", invoice}, {"revision", 3}}});
    std::string text = text_of(append_completion_page(reportlab_pdf(1, "the invoice"), c), "two_documents.pdf");
    CHECK_THAT(text, Contains("DOCUMENTS SHA-256"));
    CHECK_THAT(text, Contains("service_agreement:"));
    CHECK_THAT(text, Contains("invoice:"));
    CHECK_THAT(text, Contains(agreement));
    CHECK_THAT(text, Contains(invoice));
    // One document: its hash, as before the list.
    c["documents"].erase(1);
    text = text_of(append_completion_page(reportlab_pdf(1, "the agreement"), c), "one_document.pdf");
    CHECK_THAT(text, Contains("DOCUMENT SHA-256 (the document as filled"));
    CHECK_THAT(text, !Contains(invoice));
}

TEST_CASE("completion: the fields a signer filled, per document", "[attach]") {
    json c = certificate(2);
    std::string const sha(64, 'e');
    c["signers"][0]["fields"] = json::array({{{"document", "order"},
                                              {"values", {{"plan", "enterprise"}, {"seats", "300"}, {"accept", true}}},
                                              {"sha256", sha}}});
    std::string text = text_of(append_completion_page(reportlab_pdf(1, "the order"), c), "fields.pdf");
    CHECK_THAT(text, Contains("Fields filled in order"));
    CHECK_THAT(text, Contains("plan: enterprise"));
    CHECK_THAT(text, Contains("seats: 300"));
    CHECK_THAT(text, Contains("accept: true"));
    CHECK_THAT(text, Contains(sha));
}

TEST_CASE("completion: many events flow onto several pages", "[attach]") {
    std::string base = reportlab_pdf(1);
    std::string out = append_completion_page(base, certificate(120));
    CHECK(out.compare(0, base.size(), base) == 0);
    int pages = pages_of(out, "many.pdf");
    CHECK(pages >= 4);
    CHECK(run("qpdf --check " + (scratch() / "many.pdf").string()).status == 0);
    std::string text = text_of(out, "many.pdf");
    for (int i = 0; i < 119; ++i) CHECK_THAT(text, Contains("event" + std::to_string(i) + " by client"));
    CHECK_THAT(text, Contains("page " + std::to_string(pages - 1) + " of " + std::to_string(pages - 1)));
    CHECK_THAT(text, Contains("c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc"));
}

TEST_CASE("completion: appended after attachments, both survive", "[attach]") {
    // The order at completion: attachments, then the certificate, then the seal.
    std::string base = reportlab_pdf(1);
    std::string with_files = embed_attachments(base, {{"id_scan.png", "image/png", png(40, 30), "ID scan"}});
    std::string out = append_completion_page(with_files, certificate(2));
    CHECK(out.compare(0, with_files.size(), with_files) == 0);
    CHECK(out.compare(0, base.size(), base) == 0);
    CHECK(pages_of(out, "files-then-certificate.pdf") == 2);
    auto path = scratch() / "files-then-certificate.pdf";
    CHECK(run("qpdf --check " + path.string()).status == 0);
    CHECK_THAT(run("qpdf --list-attachments " + path.string()).output, Contains("id_scan.png"));
    CHECK_THAT(text_of(out, "files-then-certificate.pdf"), Contains("Certificate of completion"));

    // A second certificate (say, after a correction) appends again.
    std::string again = append_completion_page(out, certificate(1));
    CHECK(again.compare(0, out.size(), out) == 0);
    CHECK(pages_of(again, "twice.pdf") == 3);
}

TEST_CASE("completion: a certificate without its required keys is refused", "[attach]") {
    std::string base = reportlab_pdf(1);
    json c = certificate(1);
    c.erase("chain_head");
    CHECK_THROWS_WITH(append_completion_page(base, c), Contains("\"chain_head\""));
    c = certificate(1);
    c["events"] = "none";
    CHECK_THROWS_WITH(append_completion_page(base, c), Contains("\"events\" is not a list"));
    CHECK_THROWS_WITH(append_completion_page(base, json::array()), Contains("not a JSON object"));
    // Optional keys may be missing: the page shows a dash.
    c = certificate(1);
    c.erase("workflow");
    c["events"][0].erase("ip");
    std::string out = append_completion_page(base, c);
    CHECK_THAT(text_of(out, "dash.pdf"), Contains("IP —"));
}
