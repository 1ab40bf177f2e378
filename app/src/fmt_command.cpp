// `signflow fmt`: rewrites files in the canonical layout (in place, atomically),
// or with `--check` lists the files that are not formatted. A file with syntax
// errors is left alone: formatting it could drop what did not parse.
#include "commands.hpp"
#include "files.hpp"

#include "signflow/dsl/format.hpp"
#include "signflow/dsl/parse.hpp"
#include "signflow/dsl/render.hpp"

#include <iostream>

namespace signflow::app {

int run_fmt(FmtOptions const& options) {
    int status = exit_ok;
    for (auto const& path : collect_flow_files(options.paths)) {
        dsl::SourceFile source(path.string(), read_file(path));
        dsl::Diagnostics diags;
        auto file = dsl::parse(source, diags);
        if (diags.has_errors()) {
            diags.sort();
            std::cerr << dsl::render_human(source, diags.all());
            std::cerr << path.string() << ": not formatted: fix the syntax errors first\n";
            status = exit_findings;
            continue;
        }
        std::string formatted = dsl::format(source, file);
        if (path == "-") {
            if (!options.check)
                std::cout << formatted;
            else if (formatted != source.text())
                status = exit_findings;
        } else if (formatted != source.text()) {
            if (options.check) {
                std::cout << path.string() << "\n";
                status = exit_findings;
            } else {
                write_file_atomically(path, formatted);
                std::cerr << "formatted " << path.string() << "\n";
            }
        }
    }
    return status;
}

}  // namespace signflow::app
