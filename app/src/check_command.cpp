// `signflow check`: compiles every file named (folders: their `.flow` files)
// and reports all diagnostics, for people or (`--format json`) for tools.
#include "commands.hpp"
#include "documents/pdf_catalog.hpp"
#include "files.hpp"

#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/render.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace signflow::app {

// The catalog reads PDF templates too (documents/pdf_catalog.hpp), so every
// command that compiles checks a workflow's own PDF's fields and sections.
std::unique_ptr<stdlib::StandardCatalog> make_catalog(std::string const& config) {
    if (config.empty()) return std::make_unique<PdfTemplateCatalog>();
    return std::make_unique<PdfTemplateCatalog>(configured_connectors(config));
}

int run_check(CheckOptions const& options) {
    auto catalog = make_catalog(options.config);
    auto files = collect_flow_files(options.paths);
    std::size_t errors = 0, warnings = 0;
    nlohmann::json report = nlohmann::json::array();
    for (auto const& path : files) {
        dsl::SourceFile source(path.string(), read_file(path));
        auto result = dsl::compile(source, *catalog);
        errors += result.diagnostics.error_count();
        warnings += result.diagnostics.warning_count();
        if (options.format == "json") {
            nlohmann::json diags = nlohmann::json::array();
            for (auto const& d : result.diagnostics.all()) diags.push_back(dsl::render_json(source, d));
            report.push_back({{"file", path.string()}, {"diagnostics", diags}});
        } else {
            std::cout << dsl::render_human(source, result.diagnostics.all());
        }
    }
    if (options.format == "json") {
        nlohmann::json out = {{"files", report}, {"errors", errors}, {"warnings", warnings}};
        // Replace rather than throw on bytes that are not UTF-8 (a file name, say).
        std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        std::cerr << "checked " << files.size() << " file" << (files.size() == 1 ? "" : "s") << ": " << errors
                  << " error" << (errors == 1 ? "" : "s") << ", " << warnings << " warning"
                  << (warnings == 1 ? "" : "s") << "\n";
    }
    if (errors > 0 || (options.deny_warnings && warnings > 0)) return exit_findings;
    return exit_ok;
}

}  // namespace signflow::app
