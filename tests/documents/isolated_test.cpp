// Untrusted files read in a child process (signflow/documents/isolated.hpp).
// The real signflow-parse answers as the in-process parsers do (uploads,
// drawn signatures, verify); a reader that misbehaves on purpose
// (misbehaving_reader.cpp: the same main, limits and protocol) shows that a
// crash, a CPU loop, a hang, a flood of output, a huge allocation and a
// descriptor leak each end that child only, with a DocumentError that says
// what happened, and that the parser serves the next file.
#include "attach/support.hpp"
#include "sign_support.hpp"

#include "signflow/documents/attachments.hpp"
#include "signflow/documents/error.hpp"
#include "signflow/documents/isolated.hpp"
#include "signflow/documents/signature_image.hpp"
#include "signflow/documents/signing.hpp"
#include "signflow/documents/verify.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <thread>

using namespace signflow::documents;

namespace {

// A sanitizer build: its children get no address-space limit, and a crash
// ends through the sanitizer's own report (isolated.hpp).
bool const sanitized = !address_space_limited();

std::string refusal(IsolatedParser const& parser, std::string const& filename, std::string const& bytes) {
    try {
        parser.inspect_upload(bytes, filename);
    } catch (DocumentError const& e) {
        return e.what();
    }
    FAIL("the upload `" << filename << "` was accepted");
    return {};
}

}  // namespace

TEST_CASE("isolated: signflow-parse answers as the parsers in process do", "[isolated]") {
    IsolatedParser parser(SIGNFLOW_PARSE_HELPER);

    SECTION("a PDF upload") {
        std::string pdf = attach_test::reportlab_pdf(3);
        UploadInfo here = inspect_upload(pdf, "scan.pdf");
        UploadInfo there = parser.inspect_upload(pdf, "scan.pdf");
        CHECK(there.media_type == "application/pdf");
        CHECK(there.pages == 3);
        CHECK(there.pages == here.pages);
        CHECK(there.sha256 == here.sha256);
        CHECK(there.size == pdf.size());
    }
    SECTION("a JPEG upload") {
        std::string jpeg = attach_test::jpeg(640, 480);
        UploadInfo there = parser.inspect_upload(jpeg, "id.jpg");
        CHECK(there.media_type == "image/jpeg");
        CHECK(there.width == 640);
        CHECK(there.height == 480);
        CHECK(there.sha256 == sha256_hex(jpeg));
    }
    SECTION("a refusal keeps its words") {
        std::string here, there;
        try {
            inspect_upload("hello, world", "notes.txt");
        } catch (DocumentError const& e) {
            here = e.what();
        }
        there = refusal(parser, "notes.txt", "hello, world");
        CHECK(!here.empty());
        CHECK(there == here);
        UploadLimits small;
        small.max_pages = 2;
        CHECK_THROWS_WITH(parser.inspect_upload(attach_test::reportlab_pdf(3), "long.pdf", small),
                          Catch::Equals("the PDF has 3 pages; the limit is 2"));
    }
    SECTION("a drawn signature, scaled as in process") {
        std::string png = attach_test::png(1200, 400);
        std::string here = fit_signature_image(png);
        std::string there = parser.fit_signature_image(png);
        CHECK(there == here);
        CHECK_THROWS_AS(parser.fit_signature_image("GIF89a not a png"), DocumentError);
    }
    SECTION("verify: the same verdicts") {
        auto const& keys = testing::test_keys();
        auto creds = load_credentials(keys.key_pem, keys.cert_pem);
        SignRequest request;
        request.appearance.name = "Ada Lovelace";
        request.when = std::chrono::system_clock::now();
        std::string signed_pdf = sign(testing::two_page_pdf(), *creds, request);
        auto here = verify(signed_pdf);
        auto there = parser.verify(signed_pdf);
        REQUIRE(there.size() == 1);
        REQUIRE(here.size() == 1);
        CHECK(there[0].valid());
        CHECK(there[0].signer == here[0].signer);
        CHECK(there[0].signed_at == here[0].signed_at);
        CHECK(there[0].sub_filter == here[0].sub_filter);
        CHECK(there[0].covers_whole_document == here[0].covers_whole_document);
        // One byte changed inside the signed range: a verdict with a problem.
        std::string tampered = signed_pdf;
        auto at = tampered.find("/Type");
        REQUIRE(at != std::string::npos);
        tampered[at + 1] = 't';
        auto bad = parser.verify(tampered);
        REQUIRE(!bad.empty());
        CHECK(!bad[0].valid());
    }
}

TEST_CASE("isolated: a reader that crashes, loops, hangs or floods ends alone", "[isolated]") {
    ChildLimits limits;
    limits.cpu_seconds = 1;
    limits.wall = std::chrono::milliseconds(3000);
    limits.output_bytes = 256 * 1024;
    limits.address_space = std::size_t{512} << 20;
    std::vector<std::string> reported;
    std::mutex reporting;
    IsolatedParser parser(SIGNFLOW_MISBEHAVING_READER, limits, [&](std::string const& m) {
        std::lock_guard lock(reporting);
        reported.push_back(m);
    });
    std::string const pdf = attach_test::reportlab_pdf(1);

    SECTION("a crash is the file's refusal, named; the operator hears what the reader said") {
        // Under ASan the sanitizer catches the SIGSEGV, reports, and ends
        // the child its own way (SIGABRT, or an exit status).
        CHECK_THAT(refusal(parser, "crash.pdf", pdf),
                   Catch::Contains(sanitized ? "its reader stopped on it (" : "its reader stopped on it (SIGSEGV)"));
        REQUIRE(reported.size() == 1);
        CHECK_THAT(reported[0], Catch::StartsWith("signflow-parse (upload job, " + std::to_string(pdf.size()) +
                                                  " bytes): its reader stopped on it ("));
        CHECK_THAT(reported[0], Catch::Contains("it said:\nmisbehaving reader: crashing on purpose"));
    }
    SECTION("a CPU loop stops at its CPU limit") {
        CHECK_THAT(refusal(parser, "spin.pdf", pdf), Catch::Contains("more than 1 s of processor time"));
    }
    SECTION("a hang without CPU stops at the deadline") {
        CHECK_THAT(refusal(parser, "sleep.pdf", pdf), Catch::Contains("longer than 3 s"));
    }
    SECTION("an answer past the output cap") {
        CHECK_THAT(refusal(parser, "flood.pdf", pdf), Catch::Contains("answer passed 256 KB"));
    }
    SECTION("descriptors: the child may open a few files, no more") {
        std::string said = refusal(parser, "files.pdf", pdf);
        // 16 descriptors, 3 of them standard: at most 13 more.
        CHECK_THAT(said, Catch::Matches("opened (1[0-3]|[1-9]) files"));
    }
    SECTION("the hash and size that reach the audit trail are the daemon's, not the child's word") {
        UploadInfo lied = parser.inspect_upload(pdf, "lie.pdf");
        CHECK(lied.sha256 == sha256_hex(pdf));
        CHECK(lied.size == pdf.size());
        CHECK_THAT(refusal(parser, "html.pdf", pdf), Catch::Contains("an answer that is not one"));
    }
    SECTION("a grandchild holding the pipes is stopped with its parent's group") {
        CHECK_THAT(refusal(parser, "orphan.pdf", pdf), Catch::Contains("longer than 3 s"));
        REQUIRE(reported.size() == 1);
        auto at = reported[0].find("orphan ");
        REQUIRE(at != std::string::npos);
        int grandchild = std::stoi(reported[0].substr(at + 7));
        REQUIRE(grandchild > 0);
        // Gone, or a zombie waiting for whoever adopted it to reap it.
        auto stopped = [&] {
            std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
            std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
            auto close = text.rfind(')');
            return !stat || text.empty() || (close != std::string::npos && text.substr(close + 2, 1) == "Z");
        };
        for (int i = 0; i < 500 && !stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CHECK(stopped());
    }
    if (!sanitized) {
        SECTION("memory: 2 GiB asked under a 512 MiB address space") {
            CHECK(refusal(parser, "allocate.pdf", pdf) == "bad_alloc");
        }
    }
    // After each of them, the same parser reads a good file, and reports
    // nothing for it.
    auto before = reported.size();
    UploadInfo info = parser.inspect_upload(pdf, "fine.pdf");
    CHECK(info.pages == 1);
    CHECK(reported.size() == before);
}

TEST_CASE("isolated: a missing reader is a clear error, not a crash", "[isolated]") {
    IsolatedParser parser("/nonexistent/signflow-parse");
    CHECK_THROWS_WITH(parser.inspect_upload(attach_test::reportlab_pdf(1), "a.pdf"),
                      Catch::Contains("/nonexistent/signflow-parse"));
}

TEST_CASE("isolated: callers beyond `concurrent` wait for a turn and are answered", "[isolated]") {
    ChildLimits limits;
    limits.concurrent = 1;
    limits.wall = std::chrono::milliseconds(2000);
    IsolatedParser parser(SIGNFLOW_MISBEHAVING_READER, limits);
    std::string const pdf = attach_test::reportlab_pdf(1);
    // The first holds the only turn until its deadline; the second, started
    // while the first runs, still gets its answer (after the first's end).
    auto slow = std::async(std::launch::async, [&] { return refusal(parser, "sleep.pdf", pdf); });
    auto fine = std::async(std::launch::async, [&] { return parser.inspect_upload(pdf, "fine.pdf").pages; });
    CHECK(fine.get() == 1);
    CHECK_THAT(slow.get(), Catch::Contains("longer than 2 s"));
}
