#pragma once
// The workflow grammar (the X3 layout's grammar_def.hpp). Included only by
// parser.cpp.
//
// How nodes are built: every rule whose right-hand side has a semantic
// action receives no attribute from X3 (X3's rule: actions switch automatic
// propagation off) and builds its node in `_val` through the small action
// helpers below; rules without actions propagate their one attribute. Spans
// come from `with_span` (rules with actions) or the rule ids' `on_success`
// (rules without; grammar.hpp).
//
// Where the grammar commits: after a keyword that can only start one thing,
// the rest is an expectation (`>`), so an error says what was expected right
// there instead of backtracking to the start of the declaration.
#include "signflow/base/utf8.hpp"
#include "syntax/grammar.hpp"
#include "syntax/prescan.hpp"

#include "signflow/dsl/parse.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace signflow::dsl::syntax {

// A keyword: the word, not followed by a name character (so `fill` does not
// match the start of `filler`). `what` prints it in backquotes.
struct keyword_parser : x3::parser<keyword_parser> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;
    char const* word;
    constexpr explicit keyword_parser(char const* w) : word(w) {}

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& ctx, RContext&, Attribute&) const {
        x3::skip_over(first, last, ctx);
        Iterator it = first;
        for (char const* p = word; *p; ++p, ++it)
            if (it == last || *it != *p) return false;
        if (it != last && is_ident_char(*it)) return false;
        first = it;
        return true;
    }
};

// Punctuation. `=` and `-` are guarded so they never match the start of `==`
// or `->`.
struct token_parser : x3::parser<token_parser> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;
    char const* text;
    char not_followed_by;
    constexpr explicit token_parser(char const* t, char nf = 0) : text(t), not_followed_by(nf) {}

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& ctx, RContext&, Attribute&) const {
        x3::skip_over(first, last, ctx);
        Iterator it = first;
        for (char const* p = text; *p; ++p, ++it)
            if (it == last || *it != *p) return false;
        if (not_followed_by && it != last && *it == not_followed_by) return false;
        first = it;
        return true;
    }
};

}  // namespace signflow::dsl::syntax

namespace boost::spirit::x3 {
template <>
struct get_info<signflow::dsl::syntax::keyword_parser> {
    using result_type = std::string;
    std::string operator()(signflow::dsl::syntax::keyword_parser const& p) const {
        return "`" + std::string(p.word) + "`";
    }
};
template <>
struct get_info<signflow::dsl::syntax::token_parser> {
    using result_type = std::string;
    std::string operator()(signflow::dsl::syntax::token_parser const& p) const {
        return "`" + std::string(p.text) + "`";
    }
};
// An action reads as what it acts on ("expected a duration", not a type name).
template <class Subject, class Action>
struct get_info<action<Subject, Action>> {
    using result_type = std::string;
    std::string operator()(action<Subject, Action> const& p) const { return what(p.subject); }
};
}  // namespace boost::spirit::x3

namespace signflow::dsl::syntax::grammar {

using x3::_attr;
using x3::_val;
using x3::char_;
using x3::lexeme;
using x3::lit;
using x3::raw;

inline std::uint32_t keyword_length(ast::StepKind kind) {
    switch (kind) {
    case ast::StepKind::fill: return 4;
    case ast::StepKind::sign: return 4;
    case ast::StepKind::verify: return 6;
    case ast::StepKind::notify: return 6;
    case ast::StepKind::invoke: return 6;
    case ast::StepKind::wait: return 4;
    case ast::StepKind::wait_for: return 4;
    case ast::StepKind::branch: return 4;
    case ast::StepKind::archive: return 7;
    }
    return 0;
}

// ---- tokens ---------------------------------------------------------------

inline keyword_parser const kw_workflow{"workflow"}, kw_timezone{"timezone"}, kw_role{"role"},
    kw_template{"template"}, kw_quota{"quota"}, kw_envelopes{"envelopes"}, kw_per{"per"}, kw_on{"on"},
    kw_where{"where"}, kw_by{"by"}, kw_fill{"fill"}, kw_with{"with"}, kw_sign{"sign"},
    kw_sequentially{"sequentially"}, kw_in{"in"}, kw_parallel{"parallel"}, kw_then{"then"},
    kw_remind{"remind"}, kw_every{"every"}, kw_at{"at"}, kw_local{"local"}, kw_most{"most"}, kw_times{"times"},
    kw_expire{"expire"}, kw_delegable{"delegable"}, kw_cc{"cc"}, kw_after{"after"}, kw_warn{"warn"}, kw_before{"before"}, kw_verify{"verify"},
    kw_attempts{"attempts"}, kw_notify{"notify"}, kw_invoke{"invoke"}, kw_wait{"wait"}, kw_for{"for"},
    kw_timeout{"timeout"}, kw_when{"when"}, kw_otherwise{"otherwise"}, kw_archive{"archive"}, kw_to{"to"},
    kw_show{"show"}, kw_attach{"attach"}, kw_field{"field"}, kw_min{"min"}, kw_max{"max"},
    kw_matching{"matching"}, kw_label{"label"}, kw_page{"page"}, kw_from{"from"}, kw_required{"required"}, kw_or{"or"},
    kw_and{"and"}, kw_not{"not"}, kw_true{"true"}, kw_false{"false"}, kw_null{"null"};

inline token_parser const tok_arrow{"->"}, tok_assign{"=", '='}, tok_eq{"=="}, tok_ne{"!="}, tok_le{"<="},
    tok_ge{">="}, tok_lt{"<"}, tok_gt{">"}, tok_plus{"+"}, tok_minus{"-", '>'}, tok_star{"*"}, tok_slash{"/"},
    tok_lparen{"("}, tok_rparen{")"}, tok_lbracket{"["}, tok_rbracket{"]"}, tok_lbrace{"{"}, tok_rbrace{"}"},
    tok_comma{","}, tok_dot{"."}, tok_colon{":"};

// Words that may not start a name in an expression: they start or continue
// declarations and steps, so `role x =` followed by a line `on …` reports a
// missing value instead of reading `on` as one.
auto const reserved = kw_workflow | kw_timezone | kw_role | kw_template | kw_quota | kw_on | kw_where | kw_when |
                      kw_then | kw_otherwise | kw_with | kw_by | kw_to | kw_from | kw_for | kw_timeout | kw_and |
                      kw_or | kw_not | kw_in | kw_true | kw_false | kw_null | kw_fill | kw_sign | kw_verify |
                      kw_notify | kw_invoke | kw_wait | kw_archive | kw_remind | kw_expire | kw_show | kw_attach;

auto const name_start = char_("a-zA-Z_");
auto const name_char = char_("a-zA-Z0-9_");
auto const digit = char_("0-9");

// Blanks, line breaks and comments between tokens.
auto const skipper = char_(" \t\r\n") | (lit('#') >> *(char_ - char_("\r\n")));

// ---- action helpers ---------------------------------------------------------

template <class Context>
std::uint32_t offset_of(Context const& ctx, char const* p) {
    return static_cast<std::uint32_t>(p - state_of(ctx).base);
}

// _val.*member = _attr
template <class Member>
auto set(Member member) {
    return [member](auto& ctx) { _val(ctx).*member = std::move(_attr(ctx)); };
}
// _val.*member.push_back(_attr)
template <class Member>
auto push(Member member) {
    return [member](auto& ctx) { (_val(ctx).*member).push_back(std::move(_attr(ctx))); };
}
auto const assign = [](auto& ctx) { _val(ctx) = std::move(_attr(ctx)); };
auto const push_self = [](auto& ctx) { _val(ctx).push_back(std::move(_attr(ctx))); };

template <class T>
auto set_kind(T kind) {
    return [kind](auto& ctx) { _val(ctx).kind = kind; };
}

inline std::uint16_t deeper(ast::Expr const& e) { return static_cast<std::uint16_t>(e.depth + 1); }

// Builds `lhs op rhs` into _val. Past the depth cap the operator is dropped
// (after one error per expression) so no tree ever gets deeper than the cap.
inline auto fold(ast::Op op) {
    return [op](auto& ctx) {
        ast::Expr& lhs = _val(ctx);
        ast::Expr& rhs = _attr(ctx);
        std::uint16_t depth = std::max(lhs.depth, rhs.depth) + 1;
        if (depth > max_expression_depth) {
            auto& st = state_of(ctx);
            if (st.depth_reported) return;
            st.depth_reported = true;
            st.diags->report(Code::nesting_too_deep, Span{lhs.span.begin, rhs.span.end},
                             "expression is nested more than " + std::to_string(max_expression_depth) + " deep",
                             "too deep");
            return;
        }
        ast::Expr node;
        node.kind = ast::ExprKind::binary;
        node.op = op;
        node.span = Span{lhs.span.begin, rhs.span.end};
        node.depth = depth;
        node.operands.push_back(std::move(lhs));
        node.operands.push_back(std::move(rhs));
        _val(ctx) = std::move(node);
    };
}

// Turns `not not x` (collected in a loop) into nested unary nodes, inside out.
inline auto fold_prefix(ast::Op op) {
    return [op](auto& ctx) {
        Prefixed& p = _attr(ctx);
        ast::Expr e = std::move(p.operand);
        if (p.ops.empty()) {
            _val(ctx) = std::move(e);
            return;
        }
        if (static_cast<int>(p.ops.size()) + e.depth > max_expression_depth) {
            if (!state_of(ctx).depth_reported)
                state_of(ctx).diags->report(Code::nesting_too_deep, Span{p.ops.front(), e.span.end},
                                        "too many prefix operators in a row", "too deep");
            state_of(ctx).depth_reported = true;
            p.ops.resize(p.ops.size() % 2);  // keep the meaning of `not`/`-` parity
        }
        for (auto it = p.ops.rbegin(); it != p.ops.rend(); ++it) {
            ast::Expr node;
            node.kind = ast::ExprKind::unary;
            node.op = op;
            node.span = Span{*it, e.span.end};
            node.depth = deeper(e);
            node.operands.push_back(std::move(e));
            e = std::move(node);
        }
        _val(ctx) = std::move(e);
    };
}

auto const push_prefix = [](auto& ctx) {
    auto const& range = _attr(ctx);
    _val(ctx).ops.push_back(offset_of(ctx, range.begin()));
};

// Rules with semantic actions get their span here: `raw` captures the
// matched range (after leading blanks) and the action stores it on _val.
auto const record_span = [](auto& ctx) {
    auto const& r = _attr(ctx);
    _val(ctx).span = Span{offset_of(ctx, r.begin()), offset_of(ctx, r.end())};
};
auto const record_step_span = [](auto& ctx) {
    record_span(ctx);
    auto& s = _val(ctx);
    s.keyword_span = Span{s.span.begin, s.span.begin + keyword_length(s.kind)};
};
template <class Parser>
auto with_span(Parser const& p) {
    return raw[p][record_span];
}
template <class Parser>
auto with_step_span(Parser const& p) {
    return raw[p][record_step_span];
}

auto const set_operand = [](auto& ctx) { _val(ctx).operand = std::move(_attr(ctx)); };

// Recomputes a container expression's depth from its operands (a list, an
// object, a call). Past the cap its operands are dropped, after one error, so
// no tree gets deeper than the cap this way either.
template <class Context>
void settle_depth(Context const& ctx, ast::Expr& e) {
    std::uint16_t d = 0;
    for (auto const& o : e.operands) d = std::max(d, o.depth);
    if (d + 1 > max_expression_depth) {
        auto& st = state_of(ctx);
        if (!st.depth_reported)
            st.diags->report(Code::nesting_too_deep, e.operands.front().span,
                             "expression is nested more than " + std::to_string(max_expression_depth) + " deep",
                             "too deep");
        st.depth_reported = true;
        e.operands.clear();
        e.keys.clear();
        d = 0;
    }
    e.depth = static_cast<std::uint16_t>(d + 1);
}

// ---- names ------------------------------------------------------------------

auto const ident_def = with_span(lexeme[raw[name_start >> *name_char]][([](auto& ctx) {
    auto const& r = _attr(ctx);
    _val(ctx).name.assign(r.begin(), r.end());
})]);
auto const role_name_def = ident;
auto const template_name_def = ident;
auto const event_name_def = ident;
auto const connector_name_def = ident;
auto const recipient_name_def = ident;
auto const operation_name_def = ident;
auto const outcome_name_def = ident;
auto const method_name_def = ident;
auto const period_name_def = ident;
auto const workflow_name_def = ident;
auto const field_name_def = ident;
auto const section_name_def = ident;
auto const attachment_name_def = ident;
auto const field_type_def = ident;

// ---- literals -----------------------------------------------------------------

auto const integer_def = with_span(lexeme[raw[+digit] >> !name_char][([](auto& ctx) {
    auto const& r = _attr(ctx);
    auto& v = _val(ctx);
    auto [p, ec] = std::from_chars(r.begin(), r.end(), v.value);
    if (ec != std::errc() || p != r.end() || v.value > 1000000000) {
        state_of(ctx).diags->report(Code::number_out_of_range,
                                    Span{offset_of(ctx, r.begin()), offset_of(ctx, r.end())},
                                    "number out of range", "at most 1000000000");
        v.value = 1;
    }
})]);

inline std::int64_t unit_minutes(char unit) {
    switch (unit) {
    case 'm': return 1;
    case 'h': return 60;
    case 'd': return 1440;
    default: return 10080;  // w
    }
}

// The longest duration a workflow may name: ten years (timers further out
// than that are a typo, and the cap keeps minute arithmetic far from overflow).
inline constexpr std::int64_t max_duration_minutes = 10LL * 366 * 1440;

auto const duration_def = with_span(lexeme[raw[+digit >> char_("mhdw")] >> !name_char][([](auto& ctx) {
    auto const& r = _attr(ctx);
    auto& d = _val(ctx);
    d.unit = *(r.end() - 1);
    auto [p, ec] = std::from_chars(r.begin(), r.end() - 1, d.amount);
    Span where{offset_of(ctx, r.begin()), offset_of(ctx, r.end())};
    if (ec != std::errc() || p != r.end() - 1 || d.amount > max_duration_minutes ||
        d.amount * unit_minutes(d.unit) > max_duration_minutes) {
        state_of(ctx).diags->report(Code::invalid_duration, where, "duration is too long", "longer than ten years");
        d.amount = 1;
    } else if (d.amount == 0) {
        state_of(ctx).diags->report(Code::invalid_duration, where, "a duration of zero", "must be at least 1");
        d.amount = 1;
    }
})]);

auto const time_of_day_def =
    with_span(lexeme[raw[digit >> -digit >> lit(':') >> digit >> digit] >> !name_char][([](auto& ctx) {
        auto const& r = _attr(ctx);
        char const* colon = std::find(r.begin(), r.end(), ':');
        int hours = 0, minutes = 0;
        std::from_chars(r.begin(), colon, hours);
        std::from_chars(colon + 1, r.end(), minutes);
        if (hours > 23 || minutes > 59) {
            auto& d = state_of(ctx).diags->report(Code::invalid_time_of_day,
                                                  Span{offset_of(ctx, r.begin()), offset_of(ctx, r.end())},
                                                  "invalid time of day", "not a time on a 24-hour clock");
            d.help.push_back("write times as HH:MM from 00:00 to 23:59");
            hours = minutes = 0;
        }
        _val(ctx).minute_of_day = hours * 60 + minutes;
    })]);

// Strings: the prescan guarantees they close on their line; escapes are
// decoded here and a bad one is reported where it is.
auto const string_lit_def =
    with_span(lexeme[lit('"') >> raw[*((lit('\\') >> char_) | (char_ - char_("\"\\")))] >> lit('"')][([](auto& ctx) {
        auto const& r = _attr(ctx);
        std::string& out = _val(ctx).value;
        for (char const* p = r.begin(); p != r.end(); ++p) {
            if (*p != '\\') {
                out += *p;
                continue;
            }
            ++p;
            switch (*p) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            default: {
                // Keep a multi-byte character whole, so the string stays UTF-8.
                char const* q = p + 1;
                while (q != r.end() && base::utf8_continuation(static_cast<unsigned char>(*q))) ++q;
                auto& d = state_of(ctx).diags->report(Code::invalid_escape,
                                                      Span{offset_of(ctx, p - 1), offset_of(ctx, q)},
                                                      "unknown escape in a string", "not an escape");
                d.help.push_back("the escapes are \\\" \\\\ \\n \\t");
                out.append(p, q);
                p = q - 1;
            }
            }
        }
    })]);

// ---- expressions ------------------------------------------------------------------

auto const expr_def = or_expr;
auto const or_expr_def = and_expr[assign] >> *((kw_or > and_expr)[fold(ast::Op::or_)]);
auto const and_expr_def = not_expr[assign] >> *((kw_and > not_expr)[fold(ast::Op::and_)]);
auto const not_chain_def = *(raw[kw_not][push_prefix]) >> cmp_expr[set_operand];
auto const not_expr_def = not_chain[fold_prefix(ast::Op::not_)];
// Comparisons do not chain: `a < b < c` is a syntax error, not a surprise.
auto const cmp_expr_def = add_expr[assign] >> -((tok_eq > add_expr)[fold(ast::Op::eq)] |
                                               (tok_ne > add_expr)[fold(ast::Op::ne)] |
                                               (tok_le > add_expr)[fold(ast::Op::le)] |
                                               (tok_ge > add_expr)[fold(ast::Op::ge)] |
                                               (tok_lt > add_expr)[fold(ast::Op::lt)] |
                                               (tok_gt > add_expr)[fold(ast::Op::gt)] |
                                               (kw_not >> kw_in > add_expr)[fold(ast::Op::not_in)] |
                                               (kw_in > add_expr)[fold(ast::Op::in)]);
auto const add_expr_def = mul_expr[assign] >> *((tok_plus > mul_expr)[fold(ast::Op::add)] |
                                                (tok_minus > mul_expr)[fold(ast::Op::sub)]);
auto const mul_expr_def = unary_expr[assign] >> *((tok_star > unary_expr)[fold(ast::Op::mul)] |
                                                  (tok_slash > unary_expr)[fold(ast::Op::div)]);
auto const neg_chain_def = *(raw[tok_minus][push_prefix]) >> primary[set_operand];
auto const unary_expr_def = neg_chain[fold_prefix(ast::Op::neg)];

// Order matters: a time (`09:00`) and a duration (`2d`) start like a number.
auto const primary_def =
    time_expr | duration_expr | number_expr | string_expr | keyword_expr | name_expr | list_expr | object_expr |
    paren_expr;

auto const duration_expr_def = with_span(duration[([](auto& ctx) {
    auto& e = _val(ctx);
    e.kind = ast::ExprKind::duration;
    e.duration = std::move(_attr(ctx));
})]);
auto const time_expr_def = with_span(time_of_day[([](auto& ctx) {
    _val(ctx).kind = ast::ExprKind::time_of_day;
    _val(ctx).minute_of_day = _attr(ctx).minute_of_day;
})]);
auto const number_expr_def =
    with_span(lexeme[raw[+digit >> -(lit('.') >> +digit)] >> !name_char][([](auto& ctx) {
        auto const& r = _attr(ctx);
        auto& e = _val(ctx);
        e.kind = ast::ExprKind::number;
        e.raw.assign(r.begin(), r.end());
        auto [p, ec] = std::from_chars(r.begin(), r.end(), e.number);
        if (ec != std::errc() || p != r.end()) {
            state_of(ctx).diags->report(Code::number_out_of_range,
                                        Span{offset_of(ctx, r.begin()), offset_of(ctx, r.end())},
                                        "number out of range", "too large");
            e.number = 0;
            e.raw = "0";
        }
    })]);
auto const string_expr_def = with_span(string_lit[([](auto& ctx) {
    _val(ctx).kind = ast::ExprKind::string;
    _val(ctx).text = std::move(_attr(ctx).value);
})]);
auto const keyword_expr_def = with_span(kw_true[([](auto& ctx) {
                                  _val(ctx).kind = ast::ExprKind::boolean;
                                  _val(ctx).number = 1;
                              })] |
                              kw_false[set_kind(ast::ExprKind::boolean)] | kw_null[set_kind(ast::ExprKind::null)]);

auto const start_path = [](auto& ctx) {
    _val(ctx).kind = ast::ExprKind::path;
    _val(ctx).path.push_back(std::move(_attr(ctx)));
};
auto const push_segment = [](auto& ctx) { _val(ctx).path.push_back(std::move(_attr(ctx))); };
auto const push_operand = [](auto& ctx) { _val(ctx).operands.push_back(std::move(_attr(ctx))); };
auto const push_key_ident = [](auto& ctx) { _val(ctx).keys.push_back(std::move(_attr(ctx))); };
auto const push_key_string = [](auto& ctx) {
    _val(ctx).keys.push_back(ast::Ident{std::move(_attr(ctx).value), _attr(ctx).span});
};
auto const make_call = [](auto& ctx) {
    auto& e = _val(ctx);
    e.kind = ast::ExprKind::call;
    e.text = e.path.front().name;
    e.name_span = e.path.front().span;
    e.path.clear();
    settle_depth(ctx, e);
};
auto const finish_container = [](auto& ctx) { settle_depth(ctx, _val(ctx)); };

// `name(args)` is a call; `a.b.c` a path. Path segments after a dot may be
// keywords (`event.for` is a field like any other).
auto const name_expr_def =
    with_span(!reserved >> ident[start_path] >>
    ((tok_lparen > -(expr[push_operand] % tok_comma) > tok_rparen)[make_call] | *(tok_dot > ident[push_segment])));
auto const list_expr_def = with_span(tok_lbracket[set_kind(ast::ExprKind::list)] > -(expr[push_operand] % tok_comma) >
                           tok_rbracket[finish_container]);
auto const object_key = ident[push_key_ident] | string_lit[push_key_string];
auto const object_expr_def = with_span(tok_lbrace[set_kind(ast::ExprKind::object)] >
                             -((object_key > tok_colon > expr[push_operand]) % tok_comma) > -tok_comma >
                             tok_rbrace[finish_container]);
auto const paren_expr_def = tok_lparen > expr[assign] > tok_rparen;

// ---- steps ------------------------------------------------------------------

auto const step_def =
    fill_step | sign_step | verify_step | notify_step | invoke_step | wait_step | branch_step | archive_step;

// `fill T [with EXPR] [when COND]` or `fill [T1 [with …] [when …], T2, …]`:
// a part of the list is a fill step of its own, its span from its name.
auto const fill_options = -(kw_with > expr[set(&ast::Step::data)]) > -(kw_when > expr[set(&ast::Step::condition)]);
auto const fill_tail = template_name[set(&ast::Step::target)] > fill_options;
auto const record_fill_part = [](auto& ctx) {
    record_span(ctx);
    auto& s = _val(ctx);
    s.kind = ast::StepKind::fill;
    s.keyword_span = s.target.span;
};
auto const fill_part_def = raw[fill_tail][record_fill_part];
auto const fill_step_def =
    with_step_span(kw_fill[set_kind(ast::StepKind::fill)] >
                   ((tok_lbracket > (fill_part[push(&ast::Step::parts)] % tok_comma) > tok_rbracket) |
                    (x3::eps > template_name[set(&ast::Step::target)] > fill_options)));

auto const sign_step_def = with_step_span(kw_sign[set_kind(ast::StepKind::sign)] > routing[([](auto& ctx) {
                               auto& s = _val(ctx);
                               s.style = _attr(ctx).style;
                               s.groups = std::move(_attr(ctx).groups);
                               s.groups_span = _attr(ctx).span;
                           })] >
                           *(remind_option[push(&ast::Step::reminders)] | expire_option[push(&ast::Step::expiries)] |
                             delegable_option[push(&ast::Step::delegable)]));

auto const routing_def =
    with_span((kw_sequentially > signer_list[([](auto& ctx) {
         _val(ctx).style = ast::SignStyle::sequentially;
         for (auto& who : _attr(ctx)) _val(ctx).groups.push_back({std::move(who)});
     })]) |
    (kw_in > kw_parallel > signer_list[([](auto& ctx) {
         _val(ctx).style = ast::SignStyle::in_parallel;
         _val(ctx).groups.push_back(std::move(_attr(ctx)));
     })]) |
    (signer_list[push(&Routing::groups)] >> *(kw_then > signer_list[push(&Routing::groups)])));

auto const signer_list_def = tok_lbracket > -(role_name[push_self] % tok_comma) > tok_rbracket;

auto const remind_option_def =
    with_span(kw_remind > kw_every > duration[set(&ast::Remind::every)] >
    -(kw_at > time_of_day[([](auto& ctx) {
          _val(ctx).at_minute_of_day = _attr(ctx).minute_of_day;
          _val(ctx).at_span = _attr(ctx).span;
      })] > -kw_local) >
    -(tok_comma >> kw_at >> kw_most > integer[([](auto& ctx) {
          _val(ctx).at_most = _attr(ctx).value;
          _val(ctx).at_most_span = _attr(ctx).span;
      })] > kw_times));

auto const expire_option_def = with_span(kw_expire > kw_after > duration[set(&ast::Expire::after)] >
                               -(tok_comma >> kw_warn > duration[set(&ast::Expire::warn)] > kw_before));

auto const delegable_option_def =
    with_span(kw_delegable > -(tok_lbracket > (role_name[push(&ast::Delegable::roles)] % tok_comma) > tok_rbracket));

auto const verify_step_def = with_step_span(kw_verify[set_kind(ast::StepKind::verify)] > role_name[set(&ast::Step::target)] >
                             kw_by > method_name[set(&ast::Step::method)] >
                             -(tok_comma >> kw_at >> kw_most > integer[([](auto& ctx) {
                                   _val(ctx).attempts = _attr(ctx).value;
                                   _val(ctx).attempts_span = _attr(ctx).span;
                               })] > kw_attempts));

auto const notify_step_def = with_step_span(kw_notify[set_kind(ast::StepKind::notify)] >
                             recipient_name[set(&ast::Step::target)] > -(kw_with > expr[set(&ast::Step::data)]));

auto const invoke_step_def = with_step_span(kw_invoke[set_kind(ast::StepKind::invoke)] >
                             connector_name[set(&ast::Step::target)] >
                             -(tok_dot > operation_name[set(&ast::Step::operation)]) >
                             -(kw_with > expr[set(&ast::Step::data)]));

auto const wait_step_def = kw_wait > wait_tail;
auto const wait_tail_def =
    (kw_for[set_kind(ast::StepKind::wait_for)] > event_name[set(&ast::Step::target)] >
     -(kw_where > expr[set(&ast::Step::where)]) > -(kw_timeout > duration[set(&ast::Step::timeout)])) |
    duration[([](auto& ctx) {
        _val(ctx).kind = ast::StepKind::wait;
        _val(ctx).delay = std::move(_attr(ctx));
    })];

auto const branch_step_def = with_step_span(kw_when[set_kind(ast::StepKind::branch)] > arm[push(&ast::Step::arms)] >
                             *(kw_otherwise >> kw_when > arm[push(&ast::Step::arms)]) >
                             -(kw_otherwise > else_arm[push(&ast::Step::arms)]));
auto const arm_def = with_span(expr[set(&ast::Arm::condition)] > block[set(&ast::Arm::steps)]);
auto const else_arm_def = with_span(block[set(&ast::Arm::steps)]);
auto const block_def = tok_lbrace > step[push_self] > *(tok_arrow > step[push_self]) > tok_rbrace;

auto const archive_step_def =
    with_step_span(kw_archive[set_kind(ast::StepKind::archive)] > -(kw_to > connector_name[set(&ast::Step::target)]));

// ---- triggers ------------------------------------------------------------------

// Steps after a handler belong to it: `-> on completed invoke a -> archive`
// runs both on completion.
auto const add_link = [](auto& ctx) {
    ast::Trigger& t = _val(ctx);
    Link& l = _attr(ctx);
    if (l.head) t.handlers.push_back(std::move(*l.head));
    if (l.copy) {
        t.copy_positions.emplace_back(t.steps.size(), t.handlers.size());
        t.copies.push_back(std::move(*l.copy));
    }
    if (l.step) {
        if (t.handlers.empty())
            t.steps.push_back(std::move(*l.step));
        else
            t.handlers.back().actions.push_back(std::move(*l.step));
    }
};
auto const trigger_def = with_span(kw_on > event_name[set(&ast::Trigger::event)] >
                         -(kw_where > expr[set(&ast::Trigger::where)]) > *(tok_arrow > link[add_link]));
auto const link_def =
    (handler_head[set(&Link::head)] >> -step[set(&Link::step)]) | copy_link[set(&Link::copy)] | step[set(&Link::step)];
auto const copy_link_def = with_span(kw_cc > signer_list[([](auto& ctx) {
                               _val(ctx).to = std::move(_attr(ctx));
                           })] > kw_on > copy_moment[set(&ast::Copy::moment)]);
auto const copy_moment_def = ident;
auto const handler_head_def =
    with_span(kw_on > outcome_name[set(&ast::Handler::outcome)] > -(kw_by > role_name[set(&ast::Handler::by)]));

// ---- declarations ------------------------------------------------------------------

auto const workflow_decl_def = with_span(kw_workflow > workflow_name[set(&ast::WorkflowDecl::name)]);
auto const timezone_decl_def = with_span(kw_timezone > string_lit[([](auto& ctx) {
                                   _val(ctx).zone = std::move(_attr(ctx).value);
                                   _val(ctx).zone_span = _attr(ctx).span;
                               })]);
auto const role_decl_def =
    with_span(kw_role > role_name[set(&ast::RoleDecl::name)] > tok_assign > expr[set(&ast::RoleDecl::value)]);

auto const template_decl_def =
    with_span(kw_template > template_name[set(&ast::TemplateDecl::name)] > tok_assign > template_source[([](auto& ctx) {
        auto& t = _val(ctx);
        t.stock = std::move(_attr(ctx).stock);
        t.file = std::move(_attr(ctx).file);
        t.base_span = _attr(ctx).span;
    })] >
    -(tok_lbrace > *(field_assign[([](auto& ctx) {
                         _val(ctx).fields.push_back(std::move(_attr(ctx)));
                         _val(ctx).item_order += 'f';
                     })] |
                     show_item[([](auto& ctx) {
                         _val(ctx).sections.push_back(std::move(_attr(ctx)));
                         _val(ctx).item_order += 's';
                     })] |
                     attach_item[([](auto& ctx) {
                         _val(ctx).attachments.push_back(std::move(_attr(ctx)));
                         _val(ctx).item_order += 'a';
                     })] |
                     signer_field[([](auto& ctx) {
                         _val(ctx).signer_fields.push_back(std::move(_attr(ctx)));
                         _val(ctx).item_order += 'q';
                     })]) > template_close));
auto const template_source_def =
    with_span(string_lit[([](auto& ctx) { _val(ctx).file = std::move(_attr(ctx).value); })] |
    (ident[push(&TemplateSource::stock)] >> *(tok_dot > ident[push(&TemplateSource::stock)])));
auto const template_close_def = tok_rbrace;
// `name = value`; tried before `show`/`attach` so a field may be called `show`.
auto const field_assign_def =
    with_span(field_name[set(&ast::FieldAssign::field)] >> tok_assign > expr[set(&ast::FieldAssign::value)]);
auto const show_item_def = with_span(kw_show > section_name[set(&ast::ShowSection::section)] > kw_when >
                           expr[set(&ast::ShowSection::condition)]);
auto const attach_item_def = with_span(kw_attach > attachment_name[set(&ast::AttachRequest::name)] > kw_from >
                             role_name[set(&ast::AttachRequest::from)] >
                             -kw_required[([](auto& ctx) { _val(ctx).required = true; })]);

// `field NAME from ROLE: TYPE [options] [min N] [max N] [matching "re"] [label "…"]
//  [at page N (X, Y, W, H)] [required] [when …]`
auto const place = [](auto& ctx) { _val(ctx).place.push_back(_attr(ctx).value); };
auto const option_string = string_lit[([](auto& ctx) {
    auto& f = _val(ctx);
    if (f.options.empty()) f.options_span = _attr(ctx).span;
    f.options_span.end = _attr(ctx).span.end;
    f.options.push_back(std::move(_attr(ctx).value));
})];
auto const signer_field_def = with_span(
    kw_field > field_name[set(&ast::SignerField::name)] > kw_from > role_name[set(&ast::SignerField::from)] >
    tok_colon > field_type[set(&ast::SignerField::type)] >
    *((tok_lbracket > (option_string % tok_comma) > tok_rbracket) |
      (kw_min >> integer[([](auto& ctx) {
           _val(ctx).min = _attr(ctx).value;
           _val(ctx).min_span = _attr(ctx).span;
       })]) |
      (kw_max >> integer[([](auto& ctx) {
           _val(ctx).max = _attr(ctx).value;
           _val(ctx).max_span = _attr(ctx).span;
       })]) |
      (kw_matching >> string_lit[([](auto& ctx) {
           _val(ctx).pattern = std::move(_attr(ctx).value);
           _val(ctx).pattern_span = _attr(ctx).span;
       })]) |
      (kw_label >> string_lit[([](auto& ctx) { _val(ctx).label = std::move(_attr(ctx).value); })]) |
      (kw_at >> raw[kw_page > integer[place] > tok_lparen > integer[place] > tok_comma > integer[place] > tok_comma >
                    integer[place] > tok_comma > integer[place] > tok_rparen][([](auto& ctx) {
           auto const& r = _attr(ctx);
           _val(ctx).place_span = Span{offset_of(ctx, r.begin()), offset_of(ctx, r.end())};
       })]) |
      (kw_required >> !tok_assign)[([](auto& ctx) { _val(ctx).required = true; })]) >
    -(kw_when > expr[([](auto& ctx) { _val(ctx).condition = std::move(_attr(ctx)); })]));

auto const quota_decl_def = with_span(kw_quota > integer[([](auto& ctx) {
                                _val(ctx).limit = _attr(ctx).value;
                                _val(ctx).limit_span = _attr(ctx).span;
                            })] > kw_envelopes > kw_per > period_name[set(&ast::QuotaDecl::period)] >
                            -(kw_per > expr[set(&ast::QuotaDecl::key)]));

auto const item_def = workflow_decl[assign] | timezone_decl[assign] | role_decl[assign] | template_decl[assign] |
                      quota_decl[assign] | trigger[assign];

BOOST_SPIRIT_DEFINE(ident, role_name, template_name, event_name, connector_name, recipient_name, operation_name,
                    outcome_name, method_name, period_name, workflow_name, field_name, section_name,
                    attachment_name, field_type)
BOOST_SPIRIT_DEFINE(integer, duration, time_of_day, string_lit)
BOOST_SPIRIT_DEFINE(expr, or_expr, and_expr, not_chain, not_expr, cmp_expr, add_expr, mul_expr, neg_chain,
                    unary_expr, primary, duration_expr, time_expr, number_expr, string_expr, keyword_expr,
                    name_expr, list_expr, object_expr, paren_expr)
BOOST_SPIRIT_DEFINE(step, fill_step, fill_part, sign_step, routing, signer_list, remind_option, expire_option, delegable_option, verify_step,
                    notify_step, invoke_step, wait_step, wait_tail, branch_step, arm, else_arm, block,
                    archive_step)
BOOST_SPIRIT_DEFINE(trigger, link, handler_head, copy_link, copy_moment)
BOOST_SPIRIT_DEFINE(workflow_decl, timezone_decl, role_decl, template_decl, template_source, template_close,
                    field_assign, show_item, attach_item, signer_field, quota_decl, item)

}  // namespace signflow::dsl::syntax::grammar
