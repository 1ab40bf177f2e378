#pragma once
// Helpers of the sign tests: PDFs to sign (made with PoDoFo here; the form
// tests use reportlab's), a scratch folder, running the real peers (pdfsig,
// qpdf, openssl) and a local RFC 3161 TSA made with `openssl ts`.
#include "signflow/documents/keys.hpp"

#include <filesystem>
#include <string>

namespace signflow::documents::testing {

// A 2-page A4 PDF with a line of text on each page; with `field`, page 2
// also has an empty signature field of that name.
std::string two_page_pdf(std::string const& field = {});

// A self-signed test identity, made once per process (RSA keygen is slow).
KeyPair const& test_keys(std::string const& who = "Test Signer");

struct ScratchDir {
    std::filesystem::path path;
    ScratchDir();
    ~ScratchDir();
    std::filesystem::path write(std::string const& name, std::string const& bytes) const;
};

std::string slurp(std::filesystem::path const& path);

// Runs a shell command; its standard output and error together.
std::string run(std::string const& command, int* status = nullptr);

// `pdfsig FILE` (it exits 0 even on a bad signature: read the text).
std::string pdfsig(std::filesystem::path const& file);

// How often `needle` occurs in `text`.
int count(std::string const& text, std::string const& needle);

// A local TSA: `openssl ts -reply` behind /usr/bin/python3's http.server on
// 127.0.0.1, with its own self-signed TSA certificate (extendedKeyUsage
// critical timeStamping). Started by the constructor, stopped by the
// destructor.
class LocalTsa {
public:
    LocalTsa();
    ~LocalTsa();
    std::string url() const { return url_; }
    std::filesystem::path certificate() const { return dir_.path / "tsa.crt"; }

private:
    ScratchDir dir_;
    std::string url_;
    int pid_ = 0;
};

}  // namespace signflow::documents::testing
