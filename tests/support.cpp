#include "support.hpp"

#include "signflow/stdlib/catalog.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace signflow::test {

namespace fs = std::filesystem;

fs::path source_dir() { return SIGNFLOW_SOURCE_DIR; }

std::string read(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write(fs::path const& p, std::string const& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
}

std::vector<fs::path> files_under(fs::path const& dir, std::string const& extension) {
    std::vector<fs::path> out;
    for (auto const& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == extension) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

dsl::CompileResult compile_text(std::string const& text, std::string const& path,
                                std::vector<std::string> const* connectors) {
    dsl::SourceFile source(path, text);
    if (connectors) return dsl::compile(source, stdlib::StandardCatalog(*connectors));
    return dsl::compile(source, stdlib::StandardCatalog());
}

std::vector<std::string> codes(dsl::Diagnostics const& diags) {
    std::vector<std::string> out;
    for (auto const& d : diags.all()) out.emplace_back(dsl::info(d.code).id);
    return out;
}

}  // namespace signflow::test
