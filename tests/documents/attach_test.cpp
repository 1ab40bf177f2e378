// Uploads (inspect_upload) and embedded files (embed_attachments), checked
// against files made by other programs (reportlab, PIL, qpdf) and read back
// with qpdf.
#include "attach/support.hpp"

#include "signflow/documents/attachments.hpp"
#include "signflow/documents/error.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace signflow::documents;
using namespace attach_test;
using Catch::Matchers::Contains;

namespace {

std::string refusal(std::string const& bytes, std::string const& name, UploadLimits const& limits = {}) {
    try {
        inspect_upload(bytes, name, limits);
    } catch (DocumentError const& e) {
        return e.what();
    }
    FAIL("inspect_upload accepted " << name);
    return {};
}

// A PNG whose header claims a size and whose data is a few bytes: what an
// attacker sends to make thumbnailers allocate gigabytes.
std::string png_claiming(unsigned width, unsigned height) {
    Run r = run("/usr/bin/python3 -c \"import struct,zlib,sys\n"
                "def chunk(t,d): return struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d))\n"
                "sys.stdout.buffer.write(b'\\x89PNG\\r\\n\\x1a\\n'+chunk(b'IHDR',struct.pack('>IIBBBBB'," +
                std::to_string(width) + "," + std::to_string(height) +
                ",8,2,0,0,0))+chunk(b'IDAT',zlib.compress(b'\\0'*16))+chunk(b'IEND',b''))\" > " +
                (scratch() / "claiming.png").string());
    REQUIRE(r.status == 0);
    return read_file(scratch() / "claiming.png");
}

}  // namespace

TEST_CASE("uploads: the type comes from the bytes, not the name", "[attach]") {
    std::string pdf = reportlab_pdf(3);
    auto info = inspect_upload(pdf, "scan.png");
    CHECK(info.media_type == "application/pdf");
    CHECK(info.pages == 3);
    CHECK(info.size == pdf.size());
    CHECK(info.sha256 == sha256_hex(pdf));
    CHECK(info.sha256.size() == 64);

    auto as_png = inspect_upload(png(640, 480), "id_scan.pdf");
    CHECK(as_png.media_type == "image/png");
    CHECK(as_png.width == 640);
    CHECK(as_png.height == 480);
    CHECK(as_png.pages == 0);

    auto as_jpeg = inspect_upload(jpeg(300, 200), "photo.pdf");
    CHECK(as_jpeg.media_type == "image/jpeg");
    CHECK(as_jpeg.width == 300);
    CHECK(as_jpeg.height == 200);

    CHECK_THAT(refusal("PK\x03\x04 a zip, say a .docx", "contract.pdf"),
               Contains("\"contract.pdf\" is not a PDF, PNG or JPEG file"));
    CHECK_THAT(refusal("GIF89a...", "/tmp/uploads/cat.gif"), Contains("\"cat.gif\" is not a PDF, PNG or JPEG file"));
    CHECK_THAT(refusal("", "empty.pdf"), Contains("is empty"));
}

TEST_CASE("uploads: size, page and pixel limits", "[attach]") {
    std::string big = "%PDF-1.7\n" + std::string(31 * 1024 * 1024, 'x');
    CHECK(refusal(big, "big.pdf") == "the file is 31 MB; the limit is 20 MB");

    UploadLimits small;
    small.max_bytes = 1000;
    CHECK_THAT(refusal(png(64, 64) + std::string(2000, '\0'), "a.png", small), Contains("the limit is 1 KB"));

    UploadLimits three_pages;
    three_pages.max_pages = 3;
    CHECK(refusal(reportlab_pdf(5), "annex.pdf", three_pages) == "the PDF has 5 pages; the limit is 3");
    CHECK(inspect_upload(reportlab_pdf(3), "annex.pdf", three_pages).pages == 3);

    CHECK(refusal(png_claiming(100000, 100000), "huge.png") ==
          "the image is 100000 × 100000 pixels; the limit is 50 million pixels");
    CHECK(inspect_upload(png_claiming(5000, 5000), "fine.png").width == 5000);
}

TEST_CASE("uploads: a damaged file is refused with the reason", "[attach]") {
    std::string pdf = reportlab_pdf(2);
    CHECK_THAT(refusal(pdf.substr(0, pdf.size() / 2), "cut.pdf"), Contains("the PDF is damaged: "));
    CHECK_THAT(refusal("%PDF-1.4\n" + std::string(4000, '\x07') + "\n%%EOF\n", "garbage.pdf"),
               Contains("the PDF is damaged: "));

    // One object broken in the middle of an otherwise sound file: the
    // catalog's dictionary loses its opening. PoDoFo drops the object and
    // says nothing; the reference check finds it.
    std::string broken = pdf;
    auto at = broken.find("/Type /Catalog");
    REQUIRE(at != std::string::npos);
    auto open = broken.rfind("<<", at);
    broken.replace(open, 2, "((");
    CHECK_THAT(refusal(broken, "broken.pdf"), Contains("the PDF is damaged: "));

    // Compressed content that is not Flate data.
    std::string corrupt = pdf;
    auto stream = corrupt.find("stream\n", corrupt.find("/Filter"));
    REQUIRE(stream != std::string::npos);
    for (std::size_t i = stream + 7; i < stream + 27; ++i) corrupt[i] = 'Z';
    CHECK_THAT(refusal(corrupt, "corrupt.pdf"), Contains("the PDF is damaged: "));

    std::string image = png(100, 100);
    CHECK_THAT(refusal(image.substr(0, image.size() - 20), "cut.png"), Contains("the PNG is damaged: "));
    std::string flipped = image;
    flipped[40] = static_cast<char>(flipped[40] ^ 0x55);
    CHECK_THAT(refusal(flipped, "flipped.png"), Contains("the PNG is damaged: the checksum"));
    std::string photo = jpeg(100, 100);
    CHECK_THAT(refusal(photo.substr(0, 200), "cut.jpg"), Contains("the JPEG is damaged: "));
}

TEST_CASE("uploads: an encrypted PDF is refused", "[attach]") {
    auto plain = saved("plain.pdf", reportlab_pdf(1));
    auto locked = scratch() / "locked.pdf", restricted = scratch() / "restricted.pdf";
    REQUIRE(run("qpdf --encrypt secret owner 256 -- " + plain.string() + " " + locked.string()).status == 0);
    REQUIRE(run("qpdf --encrypt '' owner 256 --print=none -- " + plain.string() + " " + restricted.string()).status ==
            0);
    CHECK_THAT(refusal(read_file(locked), "locked.pdf"), Contains("password"));
    CHECK_THAT(refusal(read_file(restricted), "restricted.pdf"), Contains("the PDF is encrypted"));
}

TEST_CASE("uploads: a PDF with object streams (qpdf) passes", "[attach]") {
    auto plain = saved("plain-os.pdf", reportlab_pdf(2));
    auto packed = scratch() / "packed.pdf";
    REQUIRE(run("qpdf --object-streams=generate " + plain.string() + " " + packed.string()).status == 0);
    auto info = inspect_upload(read_file(packed), "packed.pdf");
    CHECK(info.pages == 2);
}

TEST_CASE("embedding: files land as attachments in an incremental update", "[attach]") {
    std::string base = reportlab_pdf(2, "the contract");
    std::string annex = reportlab_pdf(1, "the annex");
    std::string scan = png(120, 80);
    std::string out = embed_attachments(base, {{"annex.pdf", "application/pdf", annex, "Annex uploaded by the client"},
                                               {"uploads/身份证.png", "image/png", scan, "ID scan"},
                                               {"annex.pdf", "application/pdf", scan, "same name again"}});
    REQUIRE(out.size() > base.size());
    CHECK(out.compare(0, base.size(), base) == 0);  // the signed bytes are untouched

    auto path = saved("embedded.pdf", out);
    Run check = run("qpdf --check " + path.string());
    CHECK(check.status == 0);
    CHECK_THAT(check.output, Contains("No syntax or stream encoding errors"));

    Run list = run("qpdf --list-attachments --verbose " + path.string());
    REQUIRE(list.status == 0);
    CHECK_THAT(list.output, Contains("annex.pdf ->"));
    CHECK_THAT(list.output, Contains("身份证.png ->"));
    CHECK_THAT(list.output, Contains("annex (2).pdf ->"));
    CHECK_THAT(list.output, Contains("application/pdf"));
    CHECK_THAT(list.output, Contains("image/png"));
    CHECK_THAT(list.output, Contains("Annex uploaded by the client"));

    auto shown = [&](std::string const& key) {
        auto file = scratch() / "shown.bin";
        Run r = run("qpdf --show-attachment='" + key + "' " + path.string() + " > " + file.string());
        REQUIRE(r.status == 0);
        return read_file(file);
    };
    CHECK(shown("annex.pdf") == annex);
    CHECK(shown("身份证.png") == scan);
    CHECK(shown("annex (2).pdf") == scan);

    // A second round (say, an upload after the first signer) keeps the
    // first round's files and bytes.
    std::string again = embed_attachments(out, {{"annex.pdf", "application/pdf", annex, ""}});
    CHECK(again.compare(0, out.size(), out) == 0);
    auto path2 = saved("embedded2.pdf", again);
    CHECK(run("qpdf --check " + path2.string()).status == 0);
    Run list2 = run("qpdf --list-attachments " + path2.string());
    CHECK_THAT(list2.output, Contains("annex (3).pdf"));
    CHECK_THAT(list2.output, Contains("身份证.png"));
}

TEST_CASE("embedding: into a PDF with cross-reference streams", "[attach]") {
    auto plain = saved("plain-xs.pdf", reportlab_pdf(1));
    auto packed = scratch() / "packed-xs.pdf";
    REQUIRE(run("qpdf --object-streams=generate " + plain.string() + " " + packed.string()).status == 0);
    std::string base = read_file(packed);
    std::string out = embed_attachments(base, {{"note.txt", "text/plain", "hello, world\n", "a note"}});
    CHECK(out.compare(0, base.size(), base) == 0);
    auto path = saved("packed-embedded.pdf", out);
    CHECK(run("qpdf --check " + path.string()).status == 0);
    auto file = scratch() / "note.txt";
    REQUIRE(run("qpdf --show-attachment=note.txt " + path.string() + " > " + file.string()).status == 0);
    CHECK(read_file(file) == "hello, world\n");
}

TEST_CASE("embedding: a document that is not a PDF is an error that says so", "[attach]") {
    CHECK_THROWS_WITH(embed_attachments("not a pdf", {{"a.txt", "text/plain", "x", ""}}),
                      Contains("the document cannot be loaded"));
}

TEST_CASE("uploads: hostile PDF structures are refused, and the process lives on", "[attach]") {
    auto folder = scratch() / "hostile";
    Run made = run("/usr/bin/python3 " SIGNFLOW_SOURCE_DIR "/tests/documents/attach/hostile_pdfs.py " + folder.string());
    REQUIRE(made.status == 0);
    UploadLimits limits;
    limits.max_decoded_bytes = 16 * 1024 * 1024;
    std::map<std::string, std::string> expected = {
        {"deep_arrays.pdf", "the PDF is damaged: it nests objects 100001 levels deep (the limit is 100)"},
        {"deep_dicts.pdf", "the PDF is damaged: it nests objects 50001 levels deep (the limit is 100)"},
        {"deep_dicts_in_objstm.pdf", "the PDF is damaged: it nests objects 50000 levels deep"},
        {"pages_cycle.pdf", "the PDF is damaged: its page list is broken"},
        {"pages_cycle2.pdf", "the PDF is damaged: its page list is broken"},
        {"pages_deep.pdf", "the PDF is damaged"},
        {"pages_count_lies.pdf", "the limit is 500"},
        {"pages_count_short.pdf", "the PDF is damaged: page 2 of 3 is missing"},
        {"pages_count_negative.pdf", "the PDF is damaged: it has no pages"},
        {"xref_size_huge.pdf", "the PDF is damaged"},
        {"flate_bomb.pdf", "unpacks to more than 16 MB"},
        {"dangling_reference.pdf", "the PDF is damaged: object 9 0 is referenced but missing"},
        {"encrypt_escaped.pdf", "the PDF is encrypted"},
    };
    int seen = 0;
    for (auto const& entry : fs::directory_iterator(folder)) {
        std::string name = entry.path().filename().string();
        INFO(name);
        std::string bytes = read_file(entry.path());
        if (name.rfind("ok_", 0) == 0) {
            CHECK(inspect_upload(bytes, name, limits).pages == 1);
            continue;
        } else {
            REQUIRE(expected.count(name) == 1);
            CHECK_THAT(refusal(bytes, name, limits), Contains(expected[name]));
        }
        ++seen;
    }
    CHECK(seen == static_cast<int>(expected.size()));
}

TEST_CASE("uploads: inputs that crashed or leaked PoDoFo in fuzzing are refused", "[attach]") {
    // tests/fuzz/podofo-crashes/README.md says what each one did.
    int seen = 0;
    for (char const* folder : {"guarded", "leaks"})
        for (auto const& entry :
             fs::directory_iterator(fs::path(SIGNFLOW_SOURCE_DIR) / "tests/fuzz/podofo-crashes" / folder)) {
            INFO(entry.path().string());
            CHECK_THROWS_AS(inspect_upload(read_file(entry.path()), "crash.pdf"), DocumentError);
            ++seen;
        }
    CHECK(seen >= 3);
}
