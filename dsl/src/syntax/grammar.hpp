#pragma once
// Rule declarations of the workflow grammar (the X3 layout's grammar.hpp).
// Each rule's name is what a person reads after "expected": name rules for
// the reader, not for the grammar. Included only by parser.cpp.
#include "syntax/config.hpp"

#include "signflow/dsl/ast.hpp"

#include <optional>
#include <vector>

namespace signflow::dsl::syntax {

// Attributes of rules that are not themselves AST nodes.
struct IntLit {
    std::int64_t value = 0;
    Span span;
};
struct TimeLit {
    int minute_of_day = 0;
    Span span;
};
struct StrLit {
    std::string value;
    Span span;
};
// `not not x`, `- -x`: prefix operators are collected in a loop, not by
// recursion, so a long run of them cannot exhaust the stack.
struct Prefixed {
    std::vector<std::uint32_t> ops;  // offsets of the operators
    ast::Expr operand;
    Span span;
};
struct Routing {
    ast::SignStyle style = ast::SignStyle::groups;
    std::vector<std::vector<ast::Ident>> groups;
    Span span;
};
struct TemplateSource {
    std::vector<ast::Ident> stock;
    std::optional<std::string> file;
    Span span;
};
// One `-> …` of a trigger's chain: a handler head, a step, or both
// (`-> on completed invoke billing`).
struct Link {
    std::optional<ast::Handler> head;
    std::optional<ast::Step> step;
    std::optional<ast::Copy> copy;  // `-> cc [legal] on completed`
};

namespace grammar {

template <class Context>
ParseState& state_of(Context const& ctx) {
    return *x3::get<state_tag>(ctx);
}

// A rule id base that records the rule's source span on its attribute. X3
// calls on_success with the attribute only for rules without semantic
// actions; rules with actions get theirs from `with_span` (grammar_def.hpp).
struct spanned {
    template <class Iterator, class Context>
    void on_success(Iterator const&, Iterator const&, x3::unused_type, Context const&) const {}
    template <class Iterator, class Context>
    void on_success(Iterator const&, Iterator const&, x3::unused_type const&, Context const&) const {}
    template <class Iterator, class Node, class Context>
    void on_success(Iterator const& first, Iterator const& last, Node& node, Context const& ctx) const {
        auto const& s = state_of(ctx);
        node.span = Span{static_cast<std::uint32_t>(first - s.base), static_cast<std::uint32_t>(last - s.base)};
    }
};

std::uint32_t keyword_length(ast::StepKind kind);

// Steps also record their keyword's span, which most step errors point at.
struct step_spanned {
    template <class Iterator, class Context>
    void on_success(Iterator const&, Iterator const&, x3::unused_type const&, Context const&) const {}
    template <class Iterator, class Context>
    void on_success(Iterator const& first, Iterator const& last, ast::Step& step, Context const& ctx) const {
        spanned{}.on_success(first, last, step, ctx);
        step.keyword_span = Span{step.span.begin, step.span.begin + keyword_length(step.kind)};
    }
};

struct none {};

#define SIGNFLOW_RULE(name, attr, base, text) \
    struct name##_class : base {};              \
    x3::rule<name##_class, attr> const name = text;

// names
SIGNFLOW_RULE(ident, ast::Ident, spanned, "a name")
SIGNFLOW_RULE(role_name, ast::Ident, spanned, "a role name")
SIGNFLOW_RULE(template_name, ast::Ident, spanned, "a template name")
SIGNFLOW_RULE(event_name, ast::Ident, spanned, "an event name")
SIGNFLOW_RULE(connector_name, ast::Ident, spanned, "a connector name")
SIGNFLOW_RULE(recipient_name, ast::Ident, spanned, "a role or connector name")
SIGNFLOW_RULE(operation_name, ast::Ident, spanned, "an operation name")
SIGNFLOW_RULE(outcome_name, ast::Ident, spanned,
              "an outcome (`completed`, `declined`, `expired`, `signed by ROLE`, `failed`)")
SIGNFLOW_RULE(method_name, ast::Ident, spanned, "a verification method (`sms` or `email`)")
SIGNFLOW_RULE(period_name, ast::Ident, spanned, "a period (`day`, `week`, `month` or `year`)")
SIGNFLOW_RULE(workflow_name, ast::Ident, spanned, "a workflow name")
SIGNFLOW_RULE(field_name, ast::Ident, spanned, "a field name")
SIGNFLOW_RULE(section_name, ast::Ident, spanned, "a section name")
SIGNFLOW_RULE(attachment_name, ast::Ident, spanned, "an attachment name")
SIGNFLOW_RULE(field_type, ast::Ident, spanned,
              "a field type (`text`, `number`, `date`, `checkbox`, `choice`, `radio`, `initials`, `date_signed`)")
// literals
SIGNFLOW_RULE(integer, IntLit, spanned, "a whole number")
SIGNFLOW_RULE(duration, ast::Duration, spanned, "a duration (`30m`, `2h`, `3d`, `1w`)")
SIGNFLOW_RULE(time_of_day, TimeLit, spanned, "a time of day (`09:00`)")
SIGNFLOW_RULE(string_lit, StrLit, spanned, "a string in double quotes")
// expressions
SIGNFLOW_RULE(expr, ast::Expr, spanned, "an expression")
SIGNFLOW_RULE(or_expr, ast::Expr, spanned, "an expression")
SIGNFLOW_RULE(and_expr, ast::Expr, spanned, "an expression")
SIGNFLOW_RULE(not_chain, Prefixed, spanned, "an expression")
SIGNFLOW_RULE(not_expr, ast::Expr, spanned, "an expression")
SIGNFLOW_RULE(cmp_expr, ast::Expr, spanned, "an expression")
SIGNFLOW_RULE(add_expr, ast::Expr, spanned, "an expression")
SIGNFLOW_RULE(mul_expr, ast::Expr, spanned, "an expression")
SIGNFLOW_RULE(neg_chain, Prefixed, spanned, "an expression")
SIGNFLOW_RULE(unary_expr, ast::Expr, spanned, "an expression")
SIGNFLOW_RULE(primary, ast::Expr, spanned, "a value (a string, number, duration, name, list or object)")
SIGNFLOW_RULE(duration_expr, ast::Expr, spanned, "a duration")
SIGNFLOW_RULE(time_expr, ast::Expr, spanned, "a time of day")
SIGNFLOW_RULE(number_expr, ast::Expr, spanned, "a number")
SIGNFLOW_RULE(string_expr, ast::Expr, spanned, "a string")
SIGNFLOW_RULE(keyword_expr, ast::Expr, spanned, "`true`, `false` or `null`")
SIGNFLOW_RULE(name_expr, ast::Expr, spanned, "a name")
SIGNFLOW_RULE(list_expr, ast::Expr, spanned, "a list")
SIGNFLOW_RULE(object_expr, ast::Expr, spanned, "an object")
SIGNFLOW_RULE(paren_expr, ast::Expr, spanned, "a parenthesized expression")
// steps
SIGNFLOW_RULE(step, ast::Step, step_spanned,
              "a step (`fill`, `sign`, `verify`, `notify`, `invoke`, `wait`, `when`, `archive`)")
SIGNFLOW_RULE(fill_step, ast::Step, step_spanned, "`fill`")
SIGNFLOW_RULE(fill_part, ast::Step, none, "a template name")
SIGNFLOW_RULE(sign_step, ast::Step, step_spanned, "`sign`")
SIGNFLOW_RULE(routing, Routing, spanned,
              "`sequentially [...]`, `in parallel [...]` or signers in brackets (`[client, manager]`)")
SIGNFLOW_RULE(signer_list, std::vector<ast::Ident>, none, "a list of signers in brackets (`[client, manager]`)")
SIGNFLOW_RULE(remind_option, ast::Remind, spanned, "`remind`")
SIGNFLOW_RULE(expire_option, ast::Expire, spanned, "`expire`")
SIGNFLOW_RULE(delegable_option, ast::Delegable, spanned, "`delegable`")
SIGNFLOW_RULE(copy_link, ast::Copy, spanned, "`cc`")
SIGNFLOW_RULE(copy_moment, ast::Ident, spanned, "`sent` or `completed`")
SIGNFLOW_RULE(verify_step, ast::Step, step_spanned, "`verify`")
SIGNFLOW_RULE(notify_step, ast::Step, step_spanned, "`notify`")
SIGNFLOW_RULE(invoke_step, ast::Step, step_spanned, "`invoke`")
SIGNFLOW_RULE(wait_step, ast::Step, step_spanned, "`wait`")
SIGNFLOW_RULE(wait_tail, ast::Step, none, "`for EVENT` or a duration (`2d`)")
SIGNFLOW_RULE(branch_step, ast::Step, step_spanned, "`when`")
SIGNFLOW_RULE(arm, ast::Arm, spanned, "a condition")
SIGNFLOW_RULE(else_arm, ast::Arm, spanned, "a block of steps (`{ … }`)")
SIGNFLOW_RULE(block, std::vector<ast::Step>, none, "a block of steps (`{ … }`)")
SIGNFLOW_RULE(archive_step, ast::Step, step_spanned, "`archive`")
// triggers and handlers
SIGNFLOW_RULE(trigger, ast::Trigger, spanned, "a trigger (`on EVENT`)")
SIGNFLOW_RULE(link, Link, none, "a step or an outcome handler (`on completed …`)")
SIGNFLOW_RULE(handler_head, ast::Handler, spanned, "an outcome handler")
// declarations
SIGNFLOW_RULE(workflow_decl, ast::WorkflowDecl, spanned, "`workflow`")
SIGNFLOW_RULE(timezone_decl, ast::TimezoneDecl, spanned, "`timezone`")
SIGNFLOW_RULE(role_decl, ast::RoleDecl, spanned, "`role`")
SIGNFLOW_RULE(template_decl, ast::TemplateDecl, spanned, "`template`")
SIGNFLOW_RULE(template_source, TemplateSource, spanned,
              "a stock template (`stdlib.nda`) or a PDF file name in quotes")
SIGNFLOW_RULE(template_close, x3::unused_type, none,
              "a template item (`field = value`, `show SECTION when …`, `attach NAME from ROLE`, "
              "`field NAME from ROLE: TYPE`) or `}`")
SIGNFLOW_RULE(field_assign, ast::FieldAssign, spanned, "a field assignment")
SIGNFLOW_RULE(show_item, ast::ShowSection, spanned, "`show`")
SIGNFLOW_RULE(attach_item, ast::AttachRequest, spanned, "`attach`")
SIGNFLOW_RULE(signer_field, ast::SignerField, spanned, "`field NAME from ROLE: TYPE`")
SIGNFLOW_RULE(quota_decl, ast::QuotaDecl, spanned, "`quota`")
SIGNFLOW_RULE(item, ast::Item, none,
              "a declaration (`workflow`, `timezone`, `role`, `template`, `quota`) or a trigger (`on EVENT`)")

#undef SIGNFLOW_RULE

}  // namespace grammar
}  // namespace signflow::dsl::syntax
