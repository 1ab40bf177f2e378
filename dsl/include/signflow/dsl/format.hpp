#pragma once
// `signflow fmt`: prints a syntax tree back in the canonical layout. Comments
// are kept, each before the construct that followed it (or at the end of the
// line it trailed). Formatting never changes meaning: the IR hash of the
// output equals the input's, and formatting twice changes nothing.
#include "signflow/dsl/ast.hpp"
#include "signflow/dsl/source.hpp"

#include <string>

namespace signflow::dsl {

std::string format(SourceFile const& source, ast::File const& file);

}  // namespace signflow::dsl
