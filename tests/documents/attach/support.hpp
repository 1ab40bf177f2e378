#pragma once
// Helpers of the attach tests: a scratch folder, running the real tools
// (qpdf, pdftotext, Debian's python with reportlab and PIL) and making test
// files with them, so that no PDF or image in these tests comes from the code
// under test.
#include <filesystem>
#include <string>

namespace attach_test {

namespace fs = std::filesystem;

// A fresh folder per test process under the system temp dir, removed at exit
// unless SIGNFLOW_KEEP_SCRATCH is set.
fs::path scratch();
std::string read_file(fs::path const& path);
void write_file(fs::path const& path, std::string const& bytes);

struct Run {
    int status = -1;
    std::string output;  // stdout and stderr
};
Run run(std::string const& command);

// A PDF of `pages` pages, each saying "page N" and `text`, made by reportlab.
std::string reportlab_pdf(int pages, std::string const& text = "signflow test");
// A real PNG / JPEG of the given size (PIL).
std::string png(int width, int height);
std::string jpeg(int width, int height);
// Writes `bytes` to a scratch file named `name` and returns its path.
fs::path saved(std::string const& name, std::string const& bytes);

}  // namespace attach_test
