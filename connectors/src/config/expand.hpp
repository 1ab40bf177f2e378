#pragma once
// Turns a parsed TOML value into JSON, replacing every "${NAME}" in its
// strings (in nested tables and arrays too) with the environment variable's
// value. The paths of the strings that held a reference are recorded, so
// that the values can be kept out of logs (ConnectorSpec::redacted).
#include "signflow/connectors/config.hpp"

#include <toml++/toml.h>

namespace signflow::connectors::config_detail {

Where where_of(std::string const& file, toml::source_region const& region);

// A table's entries in the order the file writes them (toml++ keeps them
// sorted by key): connectors in the order an operator reads them, and the
// first mistake in the file reported first.
std::vector<std::pair<std::string, toml::node const*>> in_file_order(toml::table const& table);

struct Expansion {
    std::string const& file;
    Environment const& env;
    std::vector<std::string> secrets;  // dotted paths of the strings that held ${…}
};

// `path` is the dotted path of `node` inside its table ("" at the top).
// Throws ConfigError at the string that names an undefined variable or holds
// a malformed reference.
nlohmann::json to_json(toml::node const& node, std::string const& path, Expansion& x);

// Expands one string: "${NAME}" is the variable, "$${" a literal "${".
// Returns whether it held a reference.
bool expand(std::string& text, Where const& where, Environment const& env);

}  // namespace signflow::connectors::config_detail
