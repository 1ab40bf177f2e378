// Fuzzes the upload gate as the daemon runs it: what a signer sends as
// `attach id_scan from client` is read by a signflow-parse child
// (signflow/documents/isolated.hpp), whose job is run_parse_job (here in
// process, on the same bytes) and whose answer the daemon decodes with
// upload_answer (here too). Behind it: inspect_upload, and PoDoFo 0.9.8
// parsing hostile PDFs.
//
// Properties: run_parse_job always answers (a refusal is an answer), and
// upload_answer returns or throws DocumentError, nothing else
// (no other exception, no crash, no sanitizer report, no hang past
// libFuzzer's -timeout, no allocation past -rss_limit_mb); what it accepts
// is described consistently (a known media type, the SHA-256 of the bytes,
// pages within the limit for a PDF, pixels within the limit for an image);
// a refusal says something.
//
// PoDoFo is Debian's build, not instrumented: libFuzzer sees coverage of our
// code only, so its guidance inside PoDoFo is blind (seeds and the dictionary
// do the work), and ASan catches PoDoFo's heap errors only where they reach
// an intercepted call (memcpy, free). Seeds: tests/fuzz/seeds/uploads
// (made by tests/fuzz/seeds/make_upload_seeds.py), dictionary:
// tests/fuzz/dict/upload.dict. Inputs PoDoFo itself crashes or hangs on
// are kept under tests/fuzz/podofo-crashes/ (see the README there).
#include "signflow/documents/attachments.hpp"
#include "signflow/documents/error.hpp"
#include "signflow/documents/isolated.hpp"

#include <podofo/podofo.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

[[noreturn]] void fail(char const* what, std::string const& detail) {
    std::fprintf(stderr, "\n==== upload_fuzzer: %s ====\n%s\n", what, detail.c_str());
    std::abort();
}

}  // namespace

// PoDoFo 0.9.8 leaks on some broken inputs (a Flate decoder, 4 KB, when an
// xref stream's predictor is invalid: tests/fuzz/podofo-crashes/leaks/).
// LeakSanitizer would stop the run at the first; leaks allocated inside
// libpodofo (or in zlib, which only PoDoFo calls here) are written down in the
// README there instead; leaks of our own code still stop the run.
extern "C" char const* __lsan_default_suppressions() { return "leak:libpodofo.so\nleak:libz.so\n"; }

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    // PoDoFo logs every broken object to stderr; at thousands of inputs a
    // second that is noise and most of the time spent.
    static bool const quiet = [] {
        PoDoFo::PdfError::EnableLogging(false);
        PoDoFo::PdfError::EnableDebug(false);
        return true;
    }();
    (void)quiet;

    namespace docs = signflow::documents;
    std::string_view bytes(reinterpret_cast<char const*>(data), size);
    docs::ParseJob job;  // the defaults: what the daemon uses
    job.kind = docs::ParseJob::Kind::upload;
    job.filename = "upload.bin";
    docs::UploadLimits const& limits = job.upload;
    std::string answer = docs::run_parse_job(job, bytes);
    if (answer.find('\n') == std::string::npos) fail("answer", "no answer line");
    try {
        docs::UploadInfo info = docs::upload_answer(answer);
        if (info.size != size) fail("size", std::to_string(info.size) + " != " + std::to_string(size));
        if (info.sha256 != docs::sha256_hex(bytes)) fail("sha256", info.sha256);
        if (info.media_type == "application/pdf") {
            if (info.pages < 1 || info.pages > limits.max_pages) fail("pages", std::to_string(info.pages));
        } else if (info.media_type == "image/png" || info.media_type == "image/jpeg") {
            if (info.width <= 0 || info.height <= 0 ||
                static_cast<long long>(info.width) * info.height > limits.max_image_pixels)
                fail("image size", std::to_string(info.width) + " x " + std::to_string(info.height));
        } else {
            fail("media type", info.media_type);
        }
    } catch (docs::DocumentError const& e) {
        if (std::string_view(e.what()).empty()) fail("refusal", "a DocumentError without a message");
    }
    return 0;
}
