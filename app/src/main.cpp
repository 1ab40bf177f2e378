// `signflow`: the command line. Each subcommand is a function in
// *_command.cpp; this file only declares options and maps exceptions to
// exit code 2: problems with the command's inputs (InputError), and any
// other exception, which is a bug and is reported as "internal error".
#include "commands.hpp"
#include "files.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
    using namespace signflow::app;
    CLI::App app{"signflow: e-signature workflows as code. Write .flow files, check them, compile them to "
                 "state machines, draw them."};
    app.set_version_flag("--version", std::string("signflow 0.1.0"));
    app.require_subcommand(1);

    CheckOptions check;
    auto* check_cmd = app.add_subcommand("check", "Check workflow files and report every problem");
    check_cmd->add_option("paths", check.paths, "Files or folders (folders: every .flow file inside)")->required();
    check_cmd->add_option("--format", check.format, "human (default) or json")
        ->check(CLI::IsMember({"human", "json"}));
    check_cmd->add_option("--config", check.config, "A signflow.toml: warn about connectors it does not define")
        ->check(CLI::ExistingFile);
    check_cmd->add_flag("--deny-warnings", check.deny_warnings, "Exit 1 on warnings too");

    CompileOptions compile;
    auto* compile_cmd = app.add_subcommand("compile", "Compile one workflow to its state machine (IR)");
    compile_cmd->add_option("file", compile.path, "A .flow file")->required();
    compile_cmd->add_option("--emit", compile.emit, "ir (readable text, default), json, or hash (the version id)")
        ->check(CLI::IsMember({"ir", "json", "hash"}));
    compile_cmd->add_option("-o,--output", compile.output, "Write here instead of standard output");
    compile_cmd->add_option("--config", compile.config, "A signflow.toml")->check(CLI::ExistingFile);

    GraphOptions graph;
    auto* graph_cmd = app.add_subcommand("graph", "Draw one workflow's state machine");
    graph_cmd->add_option("file", graph.path, "A .flow file")->required();
    graph_cmd->add_option("--format", graph.format, "dot (Graphviz, default) or mermaid")
        ->check(CLI::IsMember({"dot", "mermaid"}));
    graph_cmd->add_option("-o,--output", graph.output, "Write here instead of standard output");
    graph_cmd->add_option("--config", graph.config, "A signflow.toml")->check(CLI::ExistingFile);

    FmtOptions fmt;
    auto* fmt_cmd = app.add_subcommand("fmt", "Rewrite workflow files in the canonical layout");
    fmt_cmd->add_option("paths", fmt.paths, "Files or folders; - formats standard input to standard output")
        ->required();
    fmt_cmd->add_flag("--check", fmt.check, "Change nothing; list unformatted files and exit 1 if there are any");

    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : exit_usage;
    }
    try {
        if (*check_cmd) return run_check(check);
        if (*compile_cmd) return run_compile(compile);
        if (*graph_cmd) return run_graph(graph);
        if (*fmt_cmd) return run_fmt(fmt);
    } catch (InputError const& e) {
        std::cerr << "signflow: " << e.what() << "\n";
        return exit_usage;
    } catch (std::exception const& e) {
        std::cerr << "signflow: internal error: " << e.what() << "\n";
        return exit_usage;
    }
    return exit_usage;
}
