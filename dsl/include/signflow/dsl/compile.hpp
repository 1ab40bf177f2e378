#pragma once
// The whole front end in one call: parse, check, lower. The IR is produced
// only when there are no errors (warnings do not stop it).
#include "signflow/dsl/ast.hpp"
#include "signflow/dsl/catalog.hpp"
#include "signflow/dsl/diagnostic.hpp"
#include "signflow/dsl/ir.hpp"
#include "signflow/dsl/source.hpp"

#include <optional>

namespace signflow::dsl {

// Checks a parsed file against the catalog; reports into `diags`.

void check(SourceFile const& source, ast::File const& file, Catalog const& catalog, Diagnostics& diags);

// The IR of a file that checked without errors. The workflow's name is its
// `workflow` declaration, or else the file's stem.
ir::Workflow lower(SourceFile const& source, ast::File const& file, Catalog const& catalog);

struct CompileResult {
    ast::File ast;
    Diagnostics diagnostics;
    std::optional<ir::Workflow> workflow;
};

CompileResult compile(SourceFile const& source, Catalog const& catalog);

}  // namespace signflow::dsl
