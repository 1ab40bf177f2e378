// `signflow simulate`: runs a workflow against scenario files on a virtual
// clock (engine/simulation.hpp) and prints the timeline and every failed
// expectation. Exit 0 when every expectation held, 1 when one failed (or the
// workflow does not compile), 2 for a scenario that cannot be read or parsed.
#include "commands.hpp"
#include "documents/pdf_catalog.hpp"
#include "files.hpp"

#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/render.hpp"
#include "signflow/engine/definition.hpp"
#include "signflow/engine/simulation.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <algorithm>
#include <iostream>
#include <memory>

namespace signflow::app {

namespace fs = std::filesystem;

namespace {

// NAME.scenario and NAME.CASE.scenario beside NAME.flow, sorted.
std::vector<std::string> scenarios_beside(fs::path const& flow) {
    fs::path dir = flow.parent_path().empty() ? fs::path(".") : flow.parent_path();
    std::string stem = flow.stem().string();
    std::vector<std::string> out;
    std::error_code ec;
    for (auto const& e : fs::directory_iterator(dir, ec)) {
        std::string name = e.path().filename().string();
        if (e.path().extension() != ".scenario") continue;
        std::string base = name.substr(0, name.size() - 9);  // without ".scenario"
        if (base == stem || base.starts_with(stem + ".")) out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

int run_simulate(SimulateOptions const& options) {
    auto catalog = make_catalog(options.config);
    dsl::SourceFile source(options.path, read_file(options.path));
    auto compiled = dsl::compile(source, *catalog);
    std::cerr << dsl::render_human(source, compiled.diagnostics.all());
    if (!compiled.workflow) return exit_findings;

    std::vector<std::string> scenarios = options.scenarios;
    if (scenarios.empty()) scenarios = scenarios_beside(options.path);
    if (scenarios.empty())
        throw InputError(options.path + ": no scenario: name one with --scenario FILE, or put " +
                         fs::path(options.path).stem().string() + ".scenario beside the workflow");

    std::string version = ir::content_hash(*compiled.workflow);
    // The templates' fields, for the start's checks: a PDF template's path
    // is relative to the workflow's folder, as the daemon's to its rules.
    if (auto* pdf = dynamic_cast<PdfTemplateCatalog*>(catalog.get()))
        pdf->set_base(fs::path(options.path).parent_path());
    auto templates = engine::template_specs(*compiled.workflow, *catalog);
    auto definition =
        std::make_shared<engine::Definition const>(std::move(*compiled.workflow), version, std::move(templates));

    int code = exit_ok;
    for (auto const& path : scenarios) {
        std::string text = read_file(path);
        auto parsed = engine::parse_scenario(path, text);
        if (!parsed.scenario) {
            std::cerr << engine::render_errors(dsl::SourceFile(path, std::move(text)), parsed.errors);
            code = exit_usage;
            continue;
        }
        engine::Scenario const& scenario = *parsed.scenario;
        if (auto errors = engine::check_scenario(scenario, *definition); !errors.empty()) {
            std::cerr << engine::render_errors(scenario.source, errors);
            code = exit_usage;
            continue;
        }
        auto result = engine::simulate(definition, scenario);
        if (!options.quiet) {
            std::cout << "# " << definition->name() << " (version " << version.substr(0, 12) << ") against "
                      << path << "\n";
            std::cout << engine::render_timeline(result, options.trace) << "\n";
        }
        std::cout << engine::render_failures(scenario, result);
        if (scenarios.size() > 1 && !options.quiet) std::cout << "\n";
        if (!result.ok() && code == exit_ok) code = exit_findings;
    }
    return code;
}

}  // namespace signflow::app
