// `signflow compile` and `signflow graph`: one workflow's IR, as text, JSON,
// its content hash, or a diagram. Diagnostics go to standard error; the IR is
// produced only when there are no errors.
#include "commands.hpp"
#include "files.hpp"

#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/graph.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/render.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <iostream>
#include <memory>

namespace signflow::app {

namespace {

std::optional<ir::Workflow> compile_one(std::string const& path, std::string const& config) {
    auto catalog = make_catalog(config);
    dsl::SourceFile source(path, read_file(path));
    auto result = dsl::compile(source, *catalog);
    std::cerr << dsl::render_human(source, result.diagnostics.all());
    return std::move(result.workflow);
}

void emit(std::string const& output, std::string const& text) {
    if (output.empty() || output == "-")
        std::cout << text;
    else
        write_file_atomically(output, text);
}

}  // namespace

int run_compile(CompileOptions const& options) {
    auto workflow = compile_one(options.path, options.config);
    if (!workflow) return exit_findings;
    if (options.emit == "json")
        emit(options.output, ir::to_json(*workflow).dump(2) + "\n");
    else if (options.emit == "hash")
        emit(options.output, ir::content_hash(*workflow) + "\n");
    else
        emit(options.output, "# version " + ir::content_hash(*workflow) + "\n" + ir::to_text(*workflow));
    return exit_ok;
}

int run_graph(GraphOptions const& options) {
    auto workflow = compile_one(options.path, options.config);
    if (!workflow) return exit_findings;
    emit(options.output, options.format == "mermaid" ? ir::to_mermaid(*workflow) : ir::to_dot(*workflow));
    return exit_ok;
}

}  // namespace signflow::app
