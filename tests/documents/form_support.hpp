#pragma once
// What the form tests ask of real PDF tools: qpdf's view of the AcroForm
// (field -> value), pdftotext's text, the page count, qpdf --check. The
// tools read files, so each PDF is written to a temporary file first.
#include <map>
#include <string>
#include <string_view>

namespace signflow::test {

struct ToolResult {
    int status = -1;  // the exit status; -1 when the command could not run
    std::string output;  // standard output (standard error with it when asked)
};

// Runs a shell command line; captures standard output.
ToolResult run_tool(std::string const& command);

// A file under a fresh temporary folder, holding `bytes`.
std::string temp_file(std::string_view name, std::string_view bytes);

std::string read_bytes(std::string const& path);
std::string source_path(std::string const& relative);  // under SIGNFLOW_SOURCE_DIR

struct QpdfField {
    std::string value;        // "u:" stripped: text; names keep their slash ("/Yes")
    std::string type;         // "/Tx", "/Btn", "/Ch", "/Sig"
    std::string appearance;   // the widget's /AS, for buttons
    int page = 0;
};
// qpdf --json --json-key=acroform: every field by full name.
std::map<std::string, QpdfField> qpdf_fields(std::string const& pdf_path);

std::string pdftotext(std::string const& pdf_path);
int page_count(std::string const& pdf_path);
// qpdf --check: true when it reports no errors and no warnings.
bool qpdf_check(std::string const& pdf_path, std::string* report = nullptr);
// The file with every stream uncompressed (qpdf --qdf), to search its bytes.
std::string uncompressed(std::string const& pdf_path);

}  // namespace signflow::test
