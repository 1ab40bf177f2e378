#pragma once
// Helpers the tests share: the source tree's paths, file reading, and a
// one-call compile with the standard catalog.
#include "signflow/dsl/compile.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace signflow::test {

std::filesystem::path source_dir();
std::string read(std::filesystem::path const& p);
void write(std::filesystem::path const& p, std::string const& text);
// Every file with this extension under `dir`, sorted.
std::vector<std::filesystem::path> files_under(std::filesystem::path const& dir, std::string const& extension);

dsl::CompileResult compile_text(std::string const& text, std::string const& path = "test.flow",
                                std::vector<std::string> const* connectors = nullptr);
// The diagnostics' ids in order, e.g. {"E0202", "W1002"}.
std::vector<std::string> codes(dsl::Diagnostics const& diags);

}  // namespace signflow::test
