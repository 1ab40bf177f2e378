#pragma once
// File handling shared by the commands: reading sources, finding `.flow`
// files in folders, reading the connector names from a configuration file.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace signflow::app {

// Exit codes of every command (docs/cli.md).
inline constexpr int exit_ok = 0;
inline constexpr int exit_findings = 1;  // errors in a workflow (or changes, with `fmt --check`)
inline constexpr int exit_usage = 2;     // bad arguments, unreadable files, a broken configuration

// Thrown for problems with the command's inputs (not with a workflow).
struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string read_file(std::filesystem::path const& path);  // "-" reads standard input
void write_file_atomically(std::filesystem::path const& path, std::string const& text);

// Secret files (keys, tokens): secret_files.hpp.

// The files named, with folders replaced by the `.flow` files under them
// (recursively, sorted, so output order is stable).
std::vector<std::filesystem::path> collect_flow_files(std::vector<std::string> const& paths);

// The connector names a configuration defines (`[connectors.NAME]` tables).
std::vector<std::string> configured_connectors(std::filesystem::path const& config);

}  // namespace signflow::app
