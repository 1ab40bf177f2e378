#pragma once
// The checker's shared state: what the file declares, what the catalog knows,
// and what has been used so far. check.cpp walks declarations, triggers and
// steps; check_expr.cpp types expressions. Every "unknown …" answers `any`
// (or is skipped) so that one mistake is reported once, not at every use.
#include "signflow/dsl/ast.hpp"
#include "signflow/dsl/catalog.hpp"
#include "signflow/dsl/diagnostic.hpp"
#include "signflow/dsl/source.hpp"
#include "signflow/dsl/types.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace signflow::dsl::check_detail {

struct Checker {
    Checker(SourceFile const& s, ast::File const& f, Catalog const& c, Diagnostics& d)
        : source(s), file(f), catalog(c), diags(d) {}

    SourceFile const& source;
    ast::File const& file;
    Catalog const& catalog;
    Diagnostics& diags;
    bool syntax_errors = false;  // the parser reported errors: skip whole-file checks

    std::map<std::string, ast::RoleDecl const*> roles;
    std::map<std::string, ast::TemplateDecl const*> templates;
    std::set<std::string> broken;       // declarations that failed to parse
    std::set<std::string> signers;      // every role that signs somewhere in the file
    std::set<std::string> used_roles;
    std::set<std::string> used_templates;
    std::set<std::string> unknown_roles;  // already reported as E0200
    bool roles_declared = false;        // otherwise signers are implicit roles

    bool is_role(std::string const& name) const;
    std::vector<std::string> role_names() const;
    // Reports E0200 for a name that is not a role (when roles are declared).
    bool resolve_role(ast::Ident const& who);

    // Records `key` as seen at `span`; when it was seen before, reports `code`
    // at the second place with the first as a secondary label, and returns
    // that diagnostic (nullptr the first time).
    Diagnostic* repeated(std::map<std::string, Span>& seen, std::string const& key, Span span, Code code,
                         std::string message, char const* second_label, char const* first_label);

    // Expressions (check_expr.cpp).
    Type expr(ast::Expr const& e);
    void condition(ast::Expr const& e, char const* what);
    // The value of a condition that is the same whatever the data (`true`,
    // `not false`, `x and false`), if it is; callers report W1001/W1006.
    std::optional<bool> constant(ast::Expr const& e) const;
};

}  // namespace signflow::dsl::check_detail
