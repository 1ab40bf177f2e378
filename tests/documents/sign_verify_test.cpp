// verify() on bytes nobody vouches for: not a PDF, no signatures, a
// ByteRange that leaves out more than the /Contents, /Contents that is not
// CMS, truncated and bit-flipped signed files, absurd nesting. Every case
// ends in verdicts with a problem or a DocumentError, never a crash.
#include "sign_support.hpp"

#include "signflow/documents/error.hpp"
#include "signflow/documents/signing.hpp"
#include "signflow/documents/verify.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <regex>

using namespace signflow::documents;
using namespace signflow::documents::testing;

namespace {

std::string signed_twice() {
    static std::string const pdf = [] {
        auto const& keys = test_keys();
        auto creds = load_credentials(keys.key_pem, keys.cert_pem);
        SignRequest request;
        request.appearance.name = "Ada Lovelace";
        request.when = std::chrono::system_clock::now();
        std::string once = sign(two_page_pdf(), *creds, request);
        request.appearance.visible = false;
        return sign(once, *creds, request);
    }();
    return pdf;
}

}  // namespace

TEST_CASE("verify: not a PDF, or a PDF without signatures", "[verify]") {
    CHECK_THROWS_AS(verify(""), DocumentError);
    CHECK_THROWS_WITH(verify("hello world"), Catch::Contains("not a PDF"));
    CHECK(verify(two_page_pdf()).empty());
}

TEST_CASE("verify: a ByteRange that leaves out more than the /Contents", "[verify]") {
    std::string pdf = signed_twice();
    // Shrink the first range by ten bytes, keeping the file's length.
    std::smatch found;
    REQUIRE(std::regex_search(pdf, found, std::regex(R"(/ByteRange\[ 0 (\d+) )")));
    std::string number = found[1];
    std::string shorter = std::to_string(std::stoul(number) - 10);
    shorter.resize(number.size(), ' ');
    std::string forged = pdf;
    forged.replace(static_cast<std::size_t>(found.position(1)), number.size(), shorter);
    auto verdicts = verify(forged);
    REQUIRE(verdicts.size() == 2);
    CHECK_FALSE(verdicts[0].valid());
    CHECK(verdicts[0].problem.find("ByteRange") != std::string::npos);
}

TEST_CASE("verify: /Contents that is not a CMS signature", "[verify]") {
    std::string pdf = signed_twice();
    auto at = pdf.find("/Contents<") + 10;
    pdf.replace(at, 8, "DEADBEEF");
    auto verdicts = verify(pdf);
    REQUIRE(verdicts.size() == 2);
    CHECK_FALSE(verdicts[0].valid());
    CHECK(verdicts[0].problem.find("not a CMS") != std::string::npos);
    CHECK(verdicts[1].valid() == false);  // the seal covered those bytes
}

TEST_CASE("verify: truncated and bit-flipped signed files never crash", "[verify]") {
    std::string pdf = signed_twice();
    std::size_t judged = 0;
    for (std::size_t length = 0; length < pdf.size(); length += 211) {
        try {
            // The seal covered the whole file, so no cut leaves it valid;
            // the first signature stays valid once its revision is whole.
            auto verdicts = verify(pdf.substr(0, length));
            judged += verdicts.size();
            for (auto const& v : verdicts) CHECK((v.field != "Signature2" || !v.valid()));
        } catch (DocumentError const&) {
        }
    }
    CHECK(judged > 0);
    std::mt19937 random(20261127);
    int invalid = 0;
    for (int round = 0; round < 300; ++round) {
        std::string flipped = pdf;
        for (int k = 0; k < 4; ++k) flipped[random() % flipped.size()] ^= static_cast<char>(1 << (random() % 8));
        try {
            for (auto const& v : verify(flipped)) invalid += !v.valid();
        } catch (DocumentError const&) {
        }
    }
    CHECK(invalid > 0);
}

TEST_CASE("verify: absurd nesting and unterminated values", "[verify]") {
    std::string deep = "%PDF-1.7\n1 0 obj\n<< /ByteRange " + std::string(200000, '[') + "\nendobj\n";
    CHECK(verify(deep).empty());
    std::string open_string = "%PDF-1.7\n1 0 obj\n<< /ByteRange [0 1 2 3] /Contents (never closed\n";
    CHECK(verify(open_string).empty());
    std::string bad_hex = "%PDF-1.7\n1 0 obj\n<< /ByteRange [0 1 2 3] /Contents <12zz> >>\nendobj\n";
    CHECK(verify(bad_hex).empty());
    std::string out_of_file = "%PDF-1.7\n1 0 obj\n<< /ByteRange [0 10 99999 5] /Contents <3082> >>\nendobj\n";
    auto verdicts = verify(out_of_file);
    REQUIRE(verdicts.size() == 1);
    CHECK(verdicts[0].problem.find("ByteRange") != std::string::npos);
    std::string negative = "%PDF-1.7\n1 0 obj\n<< /ByteRange [0 -10 20 1.5] /Contents <3082> >>\nendobj\n";
    REQUIRE(verify(negative).size() == 1);
    CHECK_FALSE(verify(negative)[0].valid());
}
