#pragma once
// Renders diagnostics for people (rustc's layout: header, `-->` location,
// gutter, the source line, `^^^` under the primary span, `---` under
// secondary spans, `= help:` lines) and for tools (JSON, one object per
// diagnostic with 1-based lines and columns).
#include "signflow/dsl/diagnostic.hpp"
#include "signflow/dsl/source.hpp"

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace signflow::dsl {

std::string render_human(SourceFile const& file, std::vector<Diagnostic> const& diags);
nlohmann::json render_json(SourceFile const& file, Diagnostic const& diag);

}  // namespace signflow::dsl
