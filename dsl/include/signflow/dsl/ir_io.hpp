#pragma once
// The IR as JSON (lossless both ways), as text a person reads, and its content
// hash: SHA-256 over the canonical JSON (sorted keys, no whitespace). The hash
// is the version id an envelope is pinned to: equal IR, equal hash.
#include "signflow/dsl/ir.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace signflow::ir {

nlohmann::json to_json(Workflow const& w);
// Throws std::invalid_argument naming the offending member on malformed input.
Workflow from_json(nlohmann::json const& j);

std::string content_hash(Workflow const& w);  // 64 lowercase hex digits
std::string to_text(Workflow const& w);
std::string to_text(Expr const& e);           // an expression in the language's own syntax

}  // namespace signflow::ir
