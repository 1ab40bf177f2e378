#pragma once
// Hostile files are parsed in a child process with resource limits.
//
// A signer's upload, a drawn signature and a PDF given to verify reach
// PoDoFo, libpng and OpenSSL's parsers, and PoDoFo 0.9.8 has crashed on
// uploads before. The daemon does not run those parsers itself: it hands the
// bytes to `signflow-parse` (app/src/parse_main.cpp), a small program that
// limits its own address space, CPU time, open files and core dumps before
// it reads a byte, runs one job, writes its answer and exits. A crash, a
// sanitizer report, a limit reached or a hang past the wall-clock deadline
// ends that child only: the caller gets a DocumentError for that file (the
// daemon answers 422), and every other request goes on.
//
// The child's side is `run_parse_job`, an ordinary function: the upload
// fuzzer drives it (tests/fuzz/upload_fuzzer.cpp) with the same bytes the
// child would read, and decodes its answer with the parent's decoder.
#include "signflow/documents/attachments.hpp"
#include "signflow/documents/signature_image.hpp"
#include "signflow/documents/verify.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::documents {

// What one child may use. The defaults fit the upload limits (a 20 MB PDF
// whose streams inflate to 256 MB at most) with room to spare.
struct ChildLimits {
    std::size_t address_space = std::size_t{1} << 30;  // RLIMIT_AS, bytes (not set in sanitizer builds)
    int cpu_seconds = 20;                              // RLIMIT_CPU: SIGXCPU, then SIGKILL a second later
    int open_files = 16;                               // RLIMIT_NOFILE
    std::size_t output_bytes = 8 * 1024 * 1024;        // what the parent reads; more stops the child
    std::chrono::milliseconds wall{30'000};            // then the parent kills the child
    int concurrent = 4;                                // children at once; more callers wait their turn
};

// Whether this build's children limit their address space (RLIMIT_AS). Not
// in sanitizer builds: ASan and friends reserve terabytes of address space
// for their shadow memory before main, which the limit would refuse.
bool address_space_limited();

// One job for the child: its kind, and what it needs besides the bytes.
struct ParseJob {
    enum class Kind { upload, signature_image, verify };
    Kind kind = Kind::upload;
    std::string filename;             // upload: the name the signer's file had (for messages)
    UploadLimits upload;              // upload
    SignatureImageLimits image;       // signature_image
};

// The child's side, in process: runs `job` on `bytes` and returns the answer
// as the child writes it (a JSON line, then the payload). Never throws for
// bad bytes: a refusal is an answer.
std::string run_parse_job(ParseJob const& job, std::string_view bytes);

// The parent's side of that answer (also what the fuzzer checks): throws
// DocumentError with the child's message for a refusal, and for an answer
// that is not one.
UploadInfo upload_answer(std::string_view answer);
std::string signature_image_answer(std::string_view answer);
std::vector<SignatureVerdict> verify_answer(std::string_view answer);

// `signflow-parse`'s main: limits itself (argv), reads the job line and the
// bytes from standard input, runs the job (`run`: run_parse_job; the tests
// give a reader that misbehaves on purpose, tests/documents/isolated_test.cpp),
// writes the answer to standard output.
using JobRunner = std::string (*)(ParseJob const& job, std::string_view bytes);
int parse_child_main(int argc, char** argv, JobRunner run = run_parse_job);

// The daemon's parsers of untrusted files, each run in a `signflow-parse`
// child. Thread-safe; at most `limits.concurrent` children at once.
// `report` (optional) hears why a child failed, with the end of what it
// wrote to its standard error (a sanitizer's report, say): for the
// operator's log, not for the signer.
class IsolatedParser {
public:
    IsolatedParser(std::filesystem::path helper, ChildLimits limits = {},
                   std::function<void(std::string const&)> report = {});
    ~IsolatedParser();
    IsolatedParser(IsolatedParser const&) = delete;
    IsolatedParser& operator=(IsolatedParser const&) = delete;

    UploadInfo inspect_upload(std::string_view bytes, std::string const& filename,
                              UploadLimits const& limits = {}) const;
    std::string fit_signature_image(std::string_view bytes, SignatureImageLimits const& limits = {}) const;
    std::vector<SignatureVerdict> verify(std::string_view pdf) const;

    std::filesystem::path const& helper() const { return helper_; }

private:
    std::string run(ParseJob const& job, std::string_view bytes) const;

    std::filesystem::path helper_;
    ChildLimits limits_;
    std::function<void(std::string const&)> report_;
    struct Turns;
    std::unique_ptr<Turns> turns_;
};

// `signflow-parse` beside the running program (/proc/self/exe's folder):
// where the build and an installation put it. Throws DocumentError naming
// the path when it is missing or not executable.
std::filesystem::path parse_helper_beside_this_program();

}  // namespace signflow::documents
