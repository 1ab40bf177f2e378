#pragma once
// Text to syntax tree. The only door into the Spirit X3 grammar: one
// translation unit (src/syntax/parser.cpp) compiles X3, everyone else calls
// this. The parser checks the bytes first (size, UTF-8, nesting depth) so
// hostile input is refused in linear time before any recursion starts, then
// parses declaration by declaration: after a syntax error it skips to the next
// line that starts a declaration and goes on, so one run reports every
// independent error in the file.
#include "signflow/dsl/ast.hpp"
#include "signflow/dsl/diagnostic.hpp"
#include "signflow/dsl/source.hpp"

namespace signflow::dsl {

// Limits that keep the compiler's time and memory bounded on any input.
inline constexpr std::size_t max_file_bytes = 8u << 20;     // a workflow is a few KB; 8 MiB is generous
inline constexpr int max_nesting = 64;                      // brackets, braces, parentheses
inline constexpr std::size_t max_identifier_bytes = 128;
inline constexpr int max_expression_depth = 200;               // operators nested in one expression

ast::File parse(SourceFile const& source, Diagnostics& diags);

}  // namespace signflow::dsl
