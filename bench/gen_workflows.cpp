// Writes N generated workflows into a folder, one `.flow` file each
// (wf_00000.flow, wf_00001.flow, …), the first N of the benchmark set. Every
// file is compiled before it is written; the program stops with the
// diagnostics if one has an error. Used by scripts/bench-check.sh.
//
//   gen_workflows N DIR [SEED]      # DIR is created if missing
//   gen_workflows --print I [SEED]  # print workflow I to standard output
#include "workflow_gen.hpp"

#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/render.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace {

std::uint64_t parse_u64(char const* s) { return std::strtoull(s, nullptr, 0); }

// Compiles `text`; exits with its diagnostics when it has errors. Returns the warning count.
std::size_t validate(std::string const& name, std::string const& text, signflow::dsl::Catalog const& catalog) {
    signflow::dsl::SourceFile source(name, text);
    auto result = signflow::dsl::compile(source, catalog);
    if (result.diagnostics.has_errors() || !result.workflow) {
        std::cerr << "gen_workflows: generated workflow " << name << " does not compile:\n"
                  << signflow::dsl::render_human(source, result.diagnostics.all()) << "--- source ---\n"
                  << text;
        std::exit(3);
    }
    return result.diagnostics.warning_count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::string(argv[1]) == "--print") {
        bench::WorkflowGenerator gen(argc > 3 ? parse_u64(argv[3]) : bench::default_seed);
        std::cout << gen.workflow(parse_u64(argv[2]));
        return 0;
    }
    if (argc < 3) {
        std::cerr << "usage: gen_workflows N DIR [SEED]\n       gen_workflows --print I [SEED]\n";
        return 2;
    }
    std::size_t n = parse_u64(argv[1]);
    std::filesystem::path dir = argv[2];
    bench::WorkflowGenerator gen(argc > 3 ? parse_u64(argv[3]) : bench::default_seed);
    signflow::stdlib::StandardCatalog catalog;
    std::filesystem::create_directories(dir);
    std::size_t bytes = 0, warnings = 0;
    for (std::size_t i = 0; i < n; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "wf_%05zu.flow", i);
        std::string text = gen.workflow(i);
        warnings += validate(name, text, catalog);
        std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) {
            std::cerr << "gen_workflows: cannot write " << (dir / name).string() << "\n";
            return 1;
        }
        bytes += text.size();
    }
    std::cerr << "gen_workflows: wrote " << n << " workflows (" << bytes << " bytes, " << warnings
              << " warnings) to " << dir.string() << "\n";
    return 0;
}
