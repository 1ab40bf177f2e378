// `signflow fmt`: prints a syntax tree back in the canonical layout, keeping
// every comment. The output must be a fixed point (format(parse(format(x)))
// == format(x)), so every rule below depends only on the tree and on the
// comments' positions, never on how the input happened to be laid out.
//
// Layout:
// - Items are separated by one blank line, except that consecutive `role`
//   items stay together. The file ends with exactly one newline; an empty
//   file formats to nothing.
// - A template's body items (in source order) are indented 2 inside braces;
//   a template without body items prints no braces at all.
// - A trigger prints its head (`on EVENT where …`) alone on the first line,
//   then each step and handler on its own `  -> ` line. A handler's first
//   action stays on the handler's line (`-> on completed notify sales`); its
//   further actions get their own `-> ` lines at the same indentation (the
//   parser attaches them to the handler again).
// - A step's options (`remind`, `expire`) go on their own lines, in source
//   order, two columns right of the step's keyword.
// - A `when` block opens with `{` at the end of its line; its steps are
//   indented two columns right of the `when` keyword, the first without an
//   arrow; `} otherwise when … {`, `} otherwise {` and the closing `}` line up
//   with `when`. Nested blocks nest the same way.
// - Expressions go on one line (no wrapping), with single spaces around binary
//   operators, `{ k: v }` objects, `[a, b]` lists and `f(x, y)` calls.
//   Parentheses appear only where the tree needs them: the parser does not
//   record them, so they are decided from precedence alone. Object keys are
//   quoted only when they are not identifiers (or are words the expression
//   grammar reserves: true, false, null, and, or, not, in).
//
// Comments: each output line is tagged with the source offset where its
// construct starts (closing braces, whose offset the tree does not keep, with
// the end of the construct they close: `} otherwise` the previous arm's end,
// assuming Arm::span runs through its `}`). A standalone comment goes on its own
// line just before the first line tagged after it, indented like that line (a
// closing brace's comments like the lines inside the braces); a trailing
// comment goes at the end of the last line tagged at or before it, after two
// spaces. Since a standalone comment is emitted right before the line that
// followed it and a trailing one right after the code that preceded it, the
// parser of the output finds each comment between the same constructs again,
// which is what makes the placement idempotent. Details:
// - The blank line that separates items stays before a comment block that
//   precedes an item, never between the block and its item.
// - One blank line between two standalone comments is kept when the source
//   has one (license headers, commented-out sections).
// - A line takes at most one trailing comment (a second one would merge with
//   the first when parsed again): a further one, or one that would end up
//   after a standalone comment (reordering them), becomes standalone.
// - Comments after all code go at the end, after a blank line, in column 0.
#include "signflow/dsl/format.hpp"

#include "syntax/lexical.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace signflow::dsl {
namespace {

// ---------------------------------------------------------------------------
// Expressions

// Binding strength, lowest first; leaves (literals, paths, calls, lists,
// objects) bind tightest.
enum Prec : int { p_or = 1, p_and, p_not, p_compare, p_add, p_mul, p_neg, p_leaf };

int precedence(ast::Expr const& e) {
    using ast::Op;
    if (e.kind == ast::ExprKind::unary) return e.op == Op::neg ? p_neg : p_not;
    if (e.kind != ast::ExprKind::binary) return p_leaf;
    switch (e.op) {
    case Op::or_: return p_or;
    case Op::and_: return p_and;
    case Op::add:
    case Op::sub: return p_add;
    case Op::mul:
    case Op::div: return p_mul;
    default: return p_compare;  // == != < <= > >= in, not in
    }
}


using lexical::quoted;

// A key that can be written bare.
bool is_identifier(std::string_view s) {
    if (!lexical::is_identifier(s)) return false;
    // Keys are plain names, so even `true` or `in` reads back bare; quoting
    // the words the expression grammar reserves keeps the text unambiguous
    // to a reader, and quoting is always accepted.
    for (std::string_view kw : {"true", "false", "null", "and", "or", "not", "in"})
        if (s == kw) return false;
    return true;
}

std::string duration(ast::Duration const& d) { return std::to_string(d.amount) + d.unit; }

std::string time_of_day(int minute) { return lexical::time_text(minute); }

// As written (`raw`); a tree built without it (by a tool, not the parser)
// gets the shortest text that reads back as the same double.
std::string number(ast::Expr const& e) {
    if (!e.raw.empty()) return e.raw;
    char buf[64];
    auto const r = std::to_chars(buf, buf + sizeof buf, e.number);
    return std::string(buf, r.ptr);
}

void print(std::string& out, ast::Expr const& e);

void print_operand(std::string& out, ast::Expr const& e, bool parens) {
    if (parens) out += '(';
    print(out, e);
    if (parens) out += ')';
}

void print_list(std::string& out, std::vector<ast::Expr> const& items) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        print(out, items[i]);
    }
}

void print(std::string& out, ast::Expr const& e) {
    using ast::ExprKind;
    switch (e.kind) {
    case ExprKind::string: out += quoted(e.text); return;
    case ExprKind::number: out += number(e); return;
    case ExprKind::boolean: out += e.number != 0 ? "true" : "false"; return;
    case ExprKind::null: out += "null"; return;
    case ExprKind::duration: out += duration(e.duration); return;
    case ExprKind::time_of_day: out += time_of_day(e.minute_of_day); return;
    case ExprKind::path:
        for (std::size_t i = 0; i < e.path.size(); ++i) {
            if (i) out += '.';
            out += e.path[i].name;
        }
        return;
    case ExprKind::list:
        out += '[';
        print_list(out, e.operands);
        out += ']';
        return;
    case ExprKind::object:
        if (e.operands.empty()) {
            out += "{}";
            return;
        }
        out += "{ ";
        for (std::size_t i = 0; i < e.operands.size(); ++i) {
            if (i) out += ", ";
            std::string_view const key = i < e.keys.size() ? std::string_view(e.keys[i].name) : "";
            out += is_identifier(key) ? std::string(key) : quoted(key);
            out += ": ";
            print(out, e.operands[i]);
        }
        out += " }";
        return;
    case ExprKind::call:
        out += e.text;
        out += '(';
        print_list(out, e.operands);
        out += ')';
        return;
    case ExprKind::unary: {
        if (e.operands.empty()) return;
        ast::Expr const& x = e.operands[0];
        int const p = precedence(e);
        out += ast::op_text(e.op);
        std::string operand;
        // `not` binds looser than comparisons, so `not a == b` needs nothing;
        // only `and`/`or` under it need parentheses.
        print_operand(operand, x, precedence(x) < p);
        // `not` needs a space; `-` gets one only before another minus, so
        // that `- -x` does not read as one token.
        if (e.op != ast::Op::neg || (!operand.empty() && operand.front() == '-')) out += ' ';
        out += operand;
        return;
    }
    case ExprKind::binary: {
        if (e.operands.size() < 2) {
            print_list(out, e.operands);
            return;
        }
        int const p = precedence(e);
        ast::Expr const& l = e.operands[0];
        ast::Expr const& r = e.operands[1];
        // Left-associative operators need parentheses on the right at equal
        // precedence (a - (b - c)); comparisons do not chain at all, so a
        // comparison under a comparison needs them on either side.
        bool const chain = p == p_compare;
        print_operand(out, l, chain ? precedence(l) <= p : precedence(l) < p);
        out += ' ';
        out += ast::op_text(e.op);
        out += ' ';
        print_operand(out, r, precedence(r) <= p);
        return;
    }
    }
}

std::string expr(ast::Expr const& e) {
    std::string out;
    print(out, e);
    return out;
}

// ---------------------------------------------------------------------------
// Lines

struct Line {
    int indent = 0;
    std::string text;
    std::uint32_t tag = 0;     // source offset of the construct the line starts
    int comment_indent = 0;    // for standalone comments placed before it
    bool blank = false;        // an item separator
};

class Layout {
public:
    std::vector<Line> lines;

    void item(ast::Item const& item) {
        std::visit([this](auto const& x) { decl(x); }, item);
    }

private:
    void add(int indent, std::string text, std::uint32_t tag, int comment_indent = -1) {
        lines.push_back({indent, std::move(text), tag, comment_indent < 0 ? indent : comment_indent, false});
    }

    void decl(ast::WorkflowDecl const& w) { add(0, "workflow " + w.name.name, w.span.begin); }

    void decl(ast::TimezoneDecl const& t) { add(0, "timezone " + quoted(t.zone), t.span.begin); }

    void decl(ast::RoleDecl const& r) { add(0, "role " + r.name.name + " = " + expr(r.value), r.span.begin); }

    void decl(ast::QuotaDecl const& q) {
        std::string text = "quota " + std::to_string(q.limit) + " envelopes per " + q.period.name;
        if (q.key) text += " per " + expr(*q.key);
        add(0, std::move(text), q.span.begin);
    }

    void decl(ast::TemplateDecl const& t) {
        std::string head = "template " + t.name.name + " = ";
        if (!t.stock.empty()) {
            for (std::size_t i = 0; i < t.stock.size(); ++i) {
                if (i) head += '.';
                head += t.stock[i].name;
            }
        } else {
            head += quoted(t.file.value_or(""));
        }

        // The body in source order as `item_order` records it; anything it
        // does not account for (a tree built by a tool) follows, so nothing is
        // ever dropped.
        struct Entry {
            std::uint32_t tag;
            std::string text;
        };
        std::vector<Entry> body;
        std::size_t f = 0, s = 0, a = 0, q = 0;
        auto field = [&](ast::FieldAssign const& x) {
            body.push_back({x.span.begin, x.field.name + " = " + expr(x.value)});
        };
        auto show = [&](ast::ShowSection const& x) {
            body.push_back({x.span.begin, "show " + x.section.name + " when " + expr(x.condition)});
        };
        auto attach = [&](ast::AttachRequest const& x) {
            body.push_back({x.span.begin,
                            "attach " + x.name.name + " from " + x.from.name + (x.required ? " required" : "")});
        };
        auto ask = [&](ast::SignerField const& x) {
            std::string text = "field " + x.name.name + " from " + x.from.name + ": " + x.type.name;
            for (std::size_t i = 0; i < x.options.size(); ++i)
                text += (i ? ", " : " [") + quoted(x.options[i]) + (i + 1 == x.options.size() ? "]" : "");
            if (x.min) text += " min " + std::to_string(*x.min);
            if (x.max) text += " max " + std::to_string(*x.max);
            if (x.pattern) text += " matching " + quoted(*x.pattern);
            if (x.label) text += " label " + quoted(*x.label);
            if (x.place.size() >= 5)
                text += " at page " + std::to_string(x.place[0]) + " (" + std::to_string(x.place[1]) + ", " +
                        std::to_string(x.place[2]) + ", " + std::to_string(x.place[3]) + ", " +
                        std::to_string(x.place[4]) + ")";
            if (x.required) text += " required";
            if (x.condition) text += " when " + expr(*x.condition);
            body.push_back({x.span.begin, std::move(text)});
        };
        for (char c : t.item_order) {
            if (c == 'f' && f < t.fields.size()) field(t.fields[f++]);
            else if (c == 's' && s < t.sections.size()) show(t.sections[s++]);
            else if (c == 'a' && a < t.attachments.size()) attach(t.attachments[a++]);
            else if (c == 'q' && q < t.signer_fields.size()) ask(t.signer_fields[q++]);
        }
        for (; f < t.fields.size(); ++f) field(t.fields[f]);
        for (; s < t.sections.size(); ++s) show(t.sections[s]);
        for (; a < t.attachments.size(); ++a) attach(t.attachments[a]);
        for (; q < t.signer_fields.size(); ++q) ask(t.signer_fields[q]);

        if (body.empty()) {
            add(0, std::move(head), t.span.begin);
            return;
        }
        add(0, head + " {", t.span.begin);
        for (auto& e : body) add(2, std::move(e.text), e.tag);
        add(0, "}", t.span.end, 2);
    }

    void decl(ast::Trigger const& t) {
        std::string head = "on " + t.event.name;
        if (t.where) head += " where " + expr(*t.where);
        add(0, std::move(head), t.span.begin);
        // Copies where they were written: after this many steps and handlers.
        std::size_t next_copy = 0;
        auto copies_at = [&](std::size_t steps, std::size_t handlers) {
            for (; next_copy < t.copies.size(); ++next_copy) {
                auto const at = next_copy < t.copy_positions.size() ? t.copy_positions[next_copy]
                                                                     : std::pair{t.steps.size(), t.handlers.size()};
                if (at.first > steps || at.second > handlers) break;
                auto const& c = t.copies[next_copy];
                add(2, "-> cc " + roles(c.to) + " on " + c.moment.name, c.span.begin);
            }
        };
        for (std::size_t i = 0; i < t.steps.size(); ++i) {
            copies_at(i, 0);
            step(t.steps[i], 2, "-> ", t.steps[i].span.begin);
        }
        for (std::size_t hi = 0; hi < t.handlers.size(); ++hi) {
            copies_at(t.steps.size(), hi);
            auto const& h = t.handlers[hi];
            std::string lead = "-> on " + h.outcome.name;
            if (h.by) lead += " by " + h.by->name;
            if (h.actions.empty()) {
                add(2, std::move(lead), h.span.begin);
                continue;
            }
            step(h.actions.front(), 2, lead + ' ', h.span.begin);
            for (std::size_t i = 1; i < h.actions.size(); ++i) step(h.actions[i], 2, "-> ", h.actions[i].span.begin);
        }
        copies_at(t.steps.size(), t.handlers.size());
    }

    // One step whose first line is `indent` spaces, then `lead` (an arrow, a
    // handler head, or nothing), then the step; its keyword's column is what
    // options and blocks align to. `tag` is the first line's tag: a handler's
    // line starts with the handler, not with its action.
    void step(ast::Step const& s, int indent, std::string const& lead, std::uint32_t tag) {
        int const col = indent + static_cast<int>(lead.size());
        if (s.kind == ast::StepKind::branch) {
            branch(s, indent, lead, tag, col);
            return;
        }
        add(indent, lead + step_text(s), tag);
        if (s.kind == ast::StepKind::sign) options(s, col + 2);
    }

    void block(std::vector<ast::Step> const& steps, int indent) {
        for (std::size_t i = 0; i < steps.size(); ++i) step(steps[i], indent, i == 0 ? "" : "-> ", steps[i].span.begin);
    }

    // The tag of `} otherwise … {`: its brace closes the previous arm, so the
    // line takes that arm's end (a comment trailing the `}` stays on it; one
    // between `}` and `otherwise` moves into the next arm, which it usually
    // describes). A tree without arm spans falls back to the nearest offset
    // inside the next arm.
    static std::uint32_t otherwise_tag(ast::Arm const& prev, ast::Arm const& arm) {
        if (prev.span != Span{}) return prev.span.end;
        if (arm.condition) return arm.condition->span.begin;
        return arm.steps.empty() ? 0 : arm.steps.front().span.begin;
    }

    void branch(ast::Step const& s, int indent, std::string const& lead, std::uint32_t tag, int col) {
        auto cond = [](ast::Arm const& arm) { return arm.condition ? "when " + expr(*arm.condition) + " " : std::string(); };
        if (s.arms.empty()) {
            add(indent, lead + "when {", tag);
        } else {
            add(indent, lead + cond(s.arms.front()) + "{", tag);
            block(s.arms.front().steps, col + 2);
        }
        for (std::size_t i = 1; i < s.arms.size(); ++i) {
            add(col, "} otherwise " + cond(s.arms[i]) + "{", otherwise_tag(s.arms[i - 1], s.arms[i]), col + 2);
            block(s.arms[i].steps, col + 2);
        }
        add(col, "}", s.span.end, col + 2);
    }

    static std::string roles(std::vector<ast::Ident> const& group) {
        std::string out = "[";
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (i) out += ", ";
            out += group[i].name;
        }
        return out + "]";
    }

    static std::string sign_text(ast::Step const& s) {
        auto const& g = s.groups;
        bool const singles = std::all_of(g.begin(), g.end(), [](auto const& x) { return x.size() == 1; });
        // A style the groups do not fit (a tree built by a tool) falls back to
        // the explicit `then` form, which says exactly what the groups are.
        if (s.style == ast::SignStyle::sequentially && singles) {
            std::vector<ast::Ident> all;
            for (auto const& x : g) all.push_back(x.front());
            return "sign sequentially " + roles(all);
        }
        if (s.style == ast::SignStyle::in_parallel && g.size() == 1) return "sign in parallel " + roles(g.front());
        if (g.empty()) return "sign []";
        std::string out = "sign ";
        for (std::size_t i = 0; i < g.size(); ++i) {
            if (i) out += " then ";
            out += roles(g[i]);
        }
        return out;
    }

    static std::string with(std::optional<ast::Expr> const& data) {
        return data ? " with " + expr(*data) : std::string();
    }

    static std::string step_text(ast::Step const& s) {
        using ast::StepKind;
        switch (s.kind) {
        case StepKind::fill: {
            auto one = [](ast::Step const& f) {
                return f.target.name + with(f.data) + (f.condition ? " when " + expr(*f.condition) : std::string());
            };
            if (s.parts.empty()) return "fill " + one(s);
            std::string out = "fill [";
            for (std::size_t i = 0; i < s.parts.size(); ++i) out += (i ? ", " : "") + one(s.parts[i]);
            return out + "]";
        }
        case StepKind::sign: return sign_text(s);
        case StepKind::verify: {
            std::string out = "verify " + s.target.name + " by " + s.method.name;
            if (s.attempts) out += ", at most " + std::to_string(*s.attempts) + " attempts";
            return out;
        }
        case StepKind::notify: return "notify " + s.target.name + with(s.data);
        case StepKind::invoke: {
            std::string out = "invoke " + s.target.name;
            if (s.operation) out += "." + s.operation->name;
            return out + with(s.data);
        }
        case StepKind::wait: return "wait " + duration(s.delay);
        case StepKind::wait_for: {
            std::string out = "wait for " + s.target.name;
            if (s.where) out += " where " + expr(*s.where);
            if (s.timeout) out += " timeout " + duration(*s.timeout);
            return out;
        }
        case StepKind::archive: return s.target.name.empty() ? "archive" : "archive to " + s.target.name;
        case StepKind::branch: break;  // laid out by branch()
        }
        return "";
    }

    // `remind` and `expire` lines in source order, so that a comment between
    // two options stays between them.
    void options(ast::Step const& s, int indent) {
        // In the order written: each option's line keeps its comments.
        std::vector<std::pair<std::uint32_t, std::string>> lines;
        for (auto const& o : s.reminders) {
            std::string text = "remind every " + duration(o.every);
            if (o.at_minute_of_day) text += " at " + time_of_day(*o.at_minute_of_day) + " local";
            if (o.at_most) text += ", at most " + std::to_string(*o.at_most) + " times";
            lines.emplace_back(o.span.begin, std::move(text));
        }
        for (auto const& o : s.expiries) {
            std::string text = "expire after " + duration(o.after);
            if (o.warn) text += ", warn " + duration(*o.warn) + " before";
            lines.emplace_back(o.span.begin, std::move(text));
        }
        for (auto const& o : s.delegable)
            lines.emplace_back(o.span.begin, o.roles.empty() ? std::string("delegable") : "delegable " + roles(o.roles));
        std::stable_sort(lines.begin(), lines.end(), [](auto const& a, auto const& b) { return a.first < b.first; });
        for (auto& [tag, text] : lines) add(indent, std::move(text), tag);
    }
};

// ---------------------------------------------------------------------------
// Comments

// The comment as written, without the line break or trailing blanks. A span
// that does not point at a comment (a tree built by a tool) still yields one.
std::string comment_text(std::string const& text, Span s) {
    std::size_t const b = std::min<std::size_t>(s.begin, text.size());
    std::size_t const e = std::clamp<std::size_t>(s.end, b, text.size());
    std::string_view c(text.data() + b, e - b);
    c = c.substr(0, c.find('\n'));
    while (!c.empty() && (c.back() == ' ' || c.back() == '\t' || c.back() == '\r' || c.back() == '\f' || c.back() == '\v'))
        c.remove_suffix(1);
    if (c.empty() || c.front() != '#') return "# " + std::string(c);
    return std::string(c);
}

// True when only blanks separate two comments and one of the lines between
// them is empty.
bool blank_between(std::string const& text, Span a, Span b) {
    if (a.end > b.begin || b.begin > text.size()) return false;
    int newlines = 0;
    for (std::size_t i = a.end; i < b.begin; ++i) {
        char const c = text[i];
        if (c == '\n') ++newlines;
        else if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return false;
    }
    return newlines >= 2;
}

class Merger {
public:
    explicit Merger(std::string const& source) : source_(source) {}

    std::string run(std::vector<Line> const& lines, std::vector<ast::Comment> comments) {
        std::stable_sort(comments.begin(), comments.end(),
                         [](auto const& a, auto const& b) { return a.span.begin < b.span.begin; });
        std::size_t next = 0;
        for (auto const& line : lines) {
            if (line.blank) {
                out_.push_back({Kind::blank, {}, {}, false});
                continue;
            }
            for (; next < comments.size() && comments[next].span.begin < line.tag; ++next)
                place(comments[next], line.comment_indent, false);
            out_.push_back({Kind::code, std::string(line.indent, ' ') + line.text, {}, false});
        }
        for (; next < comments.size(); ++next) place(comments[next], 0, true);

        std::string result;
        for (auto const& o : out_) {
            result += o.text;
            result += '\n';
        }
        return result;
    }

private:
    enum class Kind { code, comment, blank };
    struct Out {
        Kind kind;
        std::string text;
        Span span;  // comments: where the comment was
        bool trailed;    // code: already carries a trailing comment
    };

    void place(ast::Comment const& c, int indent, bool at_end) {
        std::string const text = comment_text(source_, c.span);
        if (c.trailing) {
            auto last = std::find_if(out_.rbegin(), out_.rend(), [](Out const& o) { return o.kind != Kind::blank; });
            if (last != out_.rend() && last->kind == Kind::code && !last->trailed) {
                last->text += "  " + text;
                last->trailed = true;
                return;
            }
        }
        if (!out_.empty()) {
            Out const& prev = out_.back();
            if (prev.kind == Kind::comment ? blank_between(source_, prev.span, c.span)
                                           : at_end && prev.kind == Kind::code)
                out_.push_back({Kind::blank, {}, {}, false});
        }
        out_.push_back({Kind::comment, std::string(indent, ' ') + text, c.span, false});
    }

    std::string const& source_;
    std::vector<Out> out_;
};

}  // namespace

std::string format(SourceFile const& source, ast::File const& file) {
    Layout layout;
    for (std::size_t i = 0; i < file.items.size(); ++i) {
        bool const roles = i > 0 && std::holds_alternative<ast::RoleDecl>(file.items[i - 1]) &&
                           std::holds_alternative<ast::RoleDecl>(file.items[i]);
        if (i > 0 && !roles) layout.lines.push_back({0, {}, 0, 0, true});
        layout.item(file.items[i]);
    }
    return Merger(source.text()).run(layout.lines, file.comments);
}

}  // namespace signflow::dsl
