#pragma once
// The first, linear pass over a file's bytes, before any grammar runs. It
// refuses what the recursive-descent parser must never see -- oversized files,
// invalid UTF-8, control bytes, unterminated strings, absurdly long names,
// bracket nesting deep enough to exhaust the stack -- each with its own error
// code, in time linear in the file and with constant extra memory. It also
// collects the comments, which the grammar skips but `fmt` keeps.
#include "signflow/dsl/ast.hpp"
#include "signflow/dsl/diagnostic.hpp"
#include "signflow/dsl/source.hpp"

#include <vector>

namespace signflow::dsl::syntax {

// Returns false when the file cannot be parsed safely; the reason is in `diags`.
bool prescan(SourceFile const& source, Diagnostics& diags, std::vector<ast::Comment>& comments);

inline bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
inline bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

}  // namespace signflow::dsl::syntax
