#pragma once
// The subcommands of `signflow`. Each returns the process exit code
// (files.hpp); main.cpp wires them to CLI11.
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace signflow::stdlib {
class StandardCatalog;
}

namespace signflow::app {

// The standard catalog, with the connectors of a configuration file when
// one is named (check_command.cpp).
std::unique_ptr<stdlib::StandardCatalog> make_catalog(std::string const& config);

struct CheckOptions {
    std::vector<std::string> paths;
    std::string format = "human";  // human | json
    std::string config;            // a signflow.toml: connectors are checked against it
    bool deny_warnings = false;
};
int run_check(CheckOptions const& options);

struct CompileOptions {
    std::string path;
    std::string emit = "ir";  // ir | json | hash
    std::string output;       // empty: standard output
    std::string config;
};
int run_compile(CompileOptions const& options);

struct GraphOptions {
    std::string path;
    std::string format = "dot";  // dot | mermaid
    std::string output;
    std::string config;
};
int run_graph(GraphOptions const& options);

struct FmtOptions {
    std::vector<std::string> paths;
    bool check = false;
};
int run_fmt(FmtOptions const& options);

}  // namespace signflow::app
