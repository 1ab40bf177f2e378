// `signflow`: the command line. Each subcommand is a function in
// *_command.cpp; this file only declares options and maps exceptions to
// exit code 2: problems with the command's inputs (InputError), and any
// other exception, which is a bug and is reported as "internal error".
#include "commands.hpp"
#include "files.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

// PoDoFo 0.9.8 leaks on some broken PDFs (tests/fuzz/podofo-crashes/leaks/).
// Under LeakSanitizer (the ASan test build) those are known; ours are not.
extern "C" char const* __lsan_default_suppressions() { return "leak:libpodofo.so\nleak:libz.so\n"; }

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

    SimulateOptions simulate;
    auto* simulate_cmd = app.add_subcommand(
        "simulate", "Run one workflow against scenarios on a virtual clock and check their expectations");
    simulate_cmd->add_option("file", simulate.path, "A .flow file")->required();
    simulate_cmd->add_option("-s,--scenario", simulate.scenarios,
                             "A scenario file; repeatable (default: NAME.scenario and NAME.*.scenario beside the "
                             "workflow)");
    simulate_cmd->add_option("--config", simulate.config, "A signflow.toml")->check(CLI::ExistingFile);
    simulate_cmd->add_flag("--trace", simulate.trace, "Also print the machine's raw trace lines");
    simulate_cmd->add_flag("-q,--quiet", simulate.quiet, "No timeline: only failures and the summary");

    ServeOptions serve;
    auto* serve_cmd = app.add_subcommand("serve", "Run the daemon: serve the rules folder's workflows over HTTP");
    serve_cmd->add_option("--rules", serve.rules, "The rules folder (default: ./rules, else ./examples)");
    serve_cmd->add_option("--db", serve.db,
                         "An SQLite file (created if missing) or a PostgreSQL URI, postgresql://USER@HOST:PORT/DBNAME "
                         "(password from PGPASSWORD or ~/.pgpass)")
        ->capture_default_str();
    serve_cmd->add_option("--lead-seconds", serve.lead_seconds,
                          "PostgreSQL: the leading daemon's lease; another daemon on the database stands by and "
                          "takes over this long after the leader stops renewing it")
        ->capture_default_str()
        ->check(CLI::Range(2, 300));
    serve_cmd->add_option("--advertise", serve.advertise,
                          "PostgreSQL: HOST:PORT where the other daemons of the database reach this one (a standby "
                          "forwards requests to the leader there); default: the --listen address, or this "
                          "machine's name when listening on every address");
    serve_cmd->add_option("--data-dir", serve.data_dir,
                          "The folder for the daemon's files: its keys, the connector log, spooled uploads, the "
                          "messages folder (default: the SQLite file's folder; with PostgreSQL, the current folder)");
    serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on")->capture_default_str();
    serve_cmd->add_option("--config", serve.config, "A signflow.toml (default: RULES/signflow.toml if present)")
        ->check(CLI::ExistingFile);
    serve_cmd->add_option("--timezone", serve.timezone, "Default time zone for signers without one")->capture_default_str();
    serve_cmd->add_option("--log-format", serve.log_format, "text or json (one JSON object per line)")->capture_default_str()
        ->check(CLI::IsMember({"text", "json"}));
    serve_cmd->add_option("--log-level", serve.log_level, "debug, info, warn or error")->capture_default_str()
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
    serve_cmd->add_option("--connector-log", serve.connector_log,
                          "Where the log connector records calls (default: beside the database)");
    serve_cmd->add_option("--threads", serve.threads, "Worker threads (default: one per core, at least 2)");
    serve_cmd->add_option("--max-body", serve.max_body, "Largest request body in bytes")->capture_default_str();
    serve_cmd->add_option("--max-connections", serve.max_connections, "Connections served at once")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
    serve_cmd->add_option("--trusted-proxy", serve.trusted_proxies,
                          "A reverse proxy (address or CIDR) whose X-Forwarded-For or Forwarded names the client; "
                          "repeatable");
    serve_cmd->add_option("--max-connections-per-client", serve.max_connections_per_client,
                          "Connections served at once for one IPv4 address or IPv6 /64 (0: no cap)")
        ->capture_default_str();
    serve_cmd->add_option("--sign-link-days", serve.sign_link_days,
                          "Days a signing link works after it was sent (each reminder sends a new one)")
        ->capture_default_str()
        ->check(CLI::Range(1, 3650));
    serve_cmd->add_option("--download-link-days", serve.download_link_days,
                          "Days the signed copy's download link works after it was sent")
        ->capture_default_str()
        ->check(CLI::Range(1, 3650));
    serve_cmd->add_option("--frame-ancestor", serve.frame_ancestors,
                          "An origin (https://portal.example) whose pages may frame the signing page opened "
                          "through an embed link; repeatable");
    serve_cmd->add_flag("--no-watch", serve.no_watch, "Do not watch the rules folder (reload with SIGHUP)");
    serve_cmd->add_flag("--open", serve.open, "INSECURE: serve the API without API keys (development only)");

    Runner run;
    add_form_commands(app, run);
    add_sign_commands(app, run);
    add_audit_commands(app, run);
    add_send_commands(app, run);
    add_deliveries_commands(app, run);
    add_envelope_commands(app, run);
    add_api_key_commands(app, run);
    add_db_commands(app, run);

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
        if (*simulate_cmd) return run_simulate(simulate);
        if (*serve_cmd) return run_serve(serve);
        if (run) return run();
    } catch (InputError const& e) {
        std::cerr << "signflow: " << e.what() << "\n";
        return exit_usage;
    } catch (std::exception const& e) {
        std::cerr << "signflow: internal error: " << e.what() << "\n";
        return exit_usage;
    }
    return exit_usage;
}
