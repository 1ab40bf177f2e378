#include "form_support.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace signflow::test {

namespace fs = std::filesystem;

ToolResult run_tool(std::string const& command) {
    ToolResult r;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return r;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
    int status = ::pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

std::string temp_file(std::string_view name, std::string_view bytes) {
    static std::atomic<int> counter{0};
    fs::path dir = fs::temp_directory_path() /
                   ("signflow-form-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir);
    fs::path file = dir / std::string(name);
    std::ofstream(file, std::ios::binary) << bytes;
    return file.string();
}

std::string read_bytes(std::string const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string source_path(std::string const& relative) { return (fs::path(SIGNFLOW_SOURCE_DIR) / relative).string(); }

std::map<std::string, QpdfField> qpdf_fields(std::string const& pdf_path) {
    auto r = run_tool("qpdf --json --json-key=acroform '" + pdf_path + "'");
    if (r.status != 0 && r.status != 3) throw std::runtime_error("qpdf --json failed on " + pdf_path);
    auto json = nlohmann::json::parse(r.output);
    std::map<std::string, QpdfField> out;
    for (auto const& f : json.at("acroform").at("fields")) {
        QpdfField q;
        auto value = f.value("value", nlohmann::json());
        if (value.is_string()) {
            std::string v = value.get<std::string>();
            q.value = v.rfind("u:", 0) == 0 ? v.substr(2) : v;
        }
        q.type = f.value("fieldtype", std::string());
        q.appearance = f.at("annotation").value("appearancestate", std::string());
        q.page = f.value("pageposfrom1", 0);
        std::string name = f.at("fullname").get<std::string>();
        if (!out.count(name)) out.emplace(name, q);
    }
    return out;
}

std::string pdftotext(std::string const& pdf_path) { return run_tool("pdftotext -enc UTF-8 '" + pdf_path + "' -").output; }

int page_count(std::string const& pdf_path) {
    auto r = run_tool("qpdf --show-npages '" + pdf_path + "'");
    return r.status == 0 ? std::stoi(r.output) : -1;
}

bool qpdf_check(std::string const& pdf_path, std::string* report) {
    auto r = run_tool("qpdf --check '" + pdf_path + "' 2>&1");
    if (report) *report = r.output;
    return r.status == 0 && r.output.find("No syntax or stream encoding errors") != std::string::npos &&
           r.output.find("WARNING") == std::string::npos;
}

std::string uncompressed(std::string const& pdf_path) {
    return run_tool("qpdf --qdf --object-streams=disable '" + pdf_path + "' -").output;
}

}  // namespace signflow::test
