// The IR as text a person reads (`compile --emit text`, snapshot tests) and
// expressions in the workflow language's own syntax (guards in listings and
// diagrams, values in messages). Nothing parses this text back: it favours
// readability, but expressions are printed so that the language would read
// them back with the same meaning (minimal, but sufficient, parentheses).
#include "signflow/dsl/ir_io.hpp"

#include "syntax/lexical.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::ir {

namespace {

// ---------------------------------------------------------------- expressions

// Binding strength, lowest first. Comparisons (and `in`) do not associate:
// `a == b == c` is not an expression, so an operand at that level is always
// parenthesised.
enum Prec : int {
    p_or = 1,
    p_and = 2,
    p_not = 3,
    p_compare = 4,
    p_add = 5,
    p_mul = 6,
    p_neg = 7,
    p_primary = 8,
};

int binary_precedence(std::string_view op) {
    if (op == "or") return p_or;
    if (op == "and") return p_and;
    if (op == "+" || op == "-") return p_add;
    if (op == "*" || op == "/") return p_mul;
    // ==, !=, <, <=, >, >=, in, not in; an unknown operator is printed like a
    // comparison, which parenthesises its operands the most.
    return p_compare;
}

std::string number_text(double d) {
    // Shortest representation that reads back as the same double; integral
    // values come out without ".0" ("3", "1e+21").
    char buf[64];
    auto const r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
}

bool is_negative_literal(Expr const& e) {
    return e.kind == "literal" && (e.type == "number" || e.type == "duration") && std::signbit(e.number) &&
           !std::isnan(e.number);
}

int precedence(Expr const& e) {
    if (e.kind == "binary") return binary_precedence(e.text);
    if (e.kind == "unary") return e.text == "not" ? p_not : p_neg;
    // `-3` and `-2d` print with a leading minus, so they bind like one.
    if (is_negative_literal(e)) return p_neg;
    return p_primary;
}

using dsl::lexical::append_quoted;
using dsl::lexical::duration_text;
using dsl::lexical::is_identifier;

std::string duration_text(double minutes) {
    // Doubles beyond 2^53 (or fractional) have no exact integer form; they
    // are printed as plain minutes rather than rounded.
    if (minutes == std::trunc(minutes) && std::fabs(minutes) <= 9007199254740992.0) {
        return duration_text(static_cast<std::int64_t>(minutes));
    }
    return number_text(minutes) + 'm';
}

using dsl::lexical::time_text;

std::string time_text(double minute_of_day) {
    // Only whole, non-negative minutes have a clock spelling; anything else
    // (never produced by the compiler) is shown as the raw number.
    if (minute_of_day == std::trunc(minute_of_day) && minute_of_day >= 0 && minute_of_day < 1e9) {
        return time_text(static_cast<std::int64_t>(minute_of_day));
    }
    return number_text(minute_of_day);
}

void append_expr(std::string& out, Expr const& e);

void append_operand(std::string& out, Expr const* e, bool parenthesise) {
    if (!e) {
        out += "<missing>";  // malformed IR: an operator without its operand
        return;
    }
    if (parenthesise) out += '(';
    append_expr(out, *e);
    if (parenthesise) out += ')';
}

void append_list(std::string& out, std::vector<Expr> const& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (i) out += ", ";
        append_expr(out, args[i]);
    }
}

void append_literal(std::string& out, Expr const& e) {
    if (e.type == "null") out += "null";
    else if (e.type == "boolean") out += e.number != 0 ? "true" : "false";
    else if (e.type == "number") out += number_text(e.number);
    else if (e.type == "string") append_quoted(out, e.text);
    else if (e.type == "duration") out += duration_text(e.number);
    else if (e.type == "time_of_day") out += time_text(e.number);
    else out += "<literal " + e.type + ">";
}

void append_expr(std::string& out, Expr const& e) {
    auto const arg = [&](std::size_t i) { return i < e.args.size() ? &e.args[i] : nullptr; };
    if (e.kind == "literal") {
        append_literal(out, e);
    } else if (e.kind == "path") {
        for (std::size_t i = 0; i < e.path.size(); ++i) {
            if (i) out += '.';
            out += e.path[i];
        }
    } else if (e.kind == "list") {
        out += '[';
        append_list(out, e.args);
        out += ']';
    } else if (e.kind == "object") {
        if (e.args.empty() && e.keys.empty()) {
            out += "{}";
            return;
        }
        out += "{ ";
        std::size_t const n = std::max(e.keys.size(), e.args.size());
        for (std::size_t i = 0; i < n; ++i) {
            if (i) out += ", ";
            std::string_view const key = i < e.keys.size() ? std::string_view(e.keys[i]) : std::string_view("<missing>");
            if (is_identifier(key)) out += key;
            else append_quoted(out, key);
            out += ": ";
            append_operand(out, arg(i), false);
        }
        out += " }";
    } else if (e.kind == "call") {
        out += e.text;
        out += '(';
        append_list(out, e.args);
        out += ')';
    } else if (e.kind == "unary") {
        Expr const* x = arg(0);
        int const px = x ? precedence(*x) : p_primary;
        if (e.text == "not") {
            out += "not ";
            append_operand(out, x, px < p_not);
        } else if (e.text == "-") {
            // `-(-x)`, not `--x`: the operand of a minus is parenthesised
            // unless it is a primary.
            out += '-';
            append_operand(out, x, px <= p_neg);
        } else {
            out += e.text;  // an operator the language does not have: malformed IR
            append_operand(out, x, true);
        }
    } else if (e.kind == "binary") {
        int const p = binary_precedence(e.text);
        Expr const* l = arg(0);
        Expr const* r = arg(1);
        int const pl = l ? precedence(*l) : p_primary;
        int const pr = r ? precedence(*r) : p_primary;
        // Left-associative: an equal-precedence operand needs parentheses
        // only on the right (`a - (b - c)`), except for the non-associative
        // comparisons, which need them on both sides.
        append_operand(out, l, pl < p || (p == p_compare && pl == p));
        out += ' ';
        out += e.text;
        out += ' ';
        append_operand(out, r, pr <= p);
    } else {
        out += "<" + e.kind + ">";
    }
}

// ---------------------------------------------------------------- workflow

using dsl::lexical::join;

// kind target[.operation] [by method] [attempts N] [with EXPR] [only on EVENT] [only for trigger N]
std::string action_text(Action const& a) {
    std::string out(action_kind_name(a.kind));
    if (!a.target.empty() || !a.operation.empty()) {
        out += ' ';
        out += a.target;
        if (!a.operation.empty()) out += "." + a.operation;
    }
    if (!a.method.empty()) out += " by " + a.method;
    if (a.attempts != 0) out += " attempts " + std::to_string(a.attempts);
    if (a.data) out += " with " + to_text(*a.data);
    if (!a.only_on_event.empty()) out += " only on " + a.only_on_event;
    if (a.only_for_trigger != -1) out += " only for trigger " + std::to_string(a.only_for_trigger);
    return out;
}

// on EVENT [GUARD] -> TO / action; action
std::string transition_text(Transition const& t) {
    std::string out = "on " + t.event;
    if (t.guard) out += " [" + to_text(*t.guard) + "]";
    out += " -> " + t.to;
    for (std::size_t i = 0; i < t.actions.size(); ++i) {
        out += i ? "; " : " / ";
        out += action_text(t.actions[i]);
    }
    return out;
}

// ID: KIND [for ROLE] after D [every D] [at HH:MM] [local to ROLE][, at most N times][, cancel on EVENT]
std::string timer_text(Timer const& t) {
    std::string out = t.id + ": " + t.kind;
    if (!t.role.empty()) out += " for " + t.role;
    out += " after " + duration_text(t.after_minutes);
    if (t.every_minutes != 0) out += " every " + duration_text(t.every_minutes);
    if (t.at_minute_of_day) out += " at " + time_text(static_cast<std::int64_t>(*t.at_minute_of_day));
    if (!t.zone_of.empty()) out += " local to " + t.zone_of;
    if (t.max_count != 0) {
        out += ", at most " + std::to_string(t.max_count) + (t.max_count == 1 ? " time" : " times");
    }
    if (!t.cancel_on.empty()) out += ", cancel on " + t.cancel_on;
    return out;
}

std::string state_header(State const& s) {
    std::string out = s.name + " [" + s.kind;
    if (!s.signers.empty()) out += ": " + join(s.signers, ", ");
    if (!s.delegable.empty()) out += "; delegable: " + join(s.delegable, ", ");
    out += ']';
    if (!s.timers.empty()) out += " timers: " + join(s.timers, ", ");
    return out;
}

}  // namespace

std::string to_text(Expr const& e) {
    std::string out;
    append_expr(out, e);
    return out;
}

std::string to_text(Workflow const& w) {
    std::string out;
    auto const line = [&out](int indent, std::string const& text) {
        out.append(static_cast<std::size_t>(indent) * 2, ' ');
        out += text;
        out += '\n';
    };

    line(0, "workflow " + w.name + "  (ir format " + std::to_string(w.format) + ")");
    if (!w.timezone.empty()) line(0, "timezone " + w.timezone);

    if (!w.roles.empty()) {
        line(0, "roles:");
        for (auto const& r : w.roles) line(1, r.name + " = " + to_text(r.source));
    }

    if (!w.templates.empty()) {
        line(0, "templates:");
        for (auto const& t : w.templates) {
            line(1, t.name + " = " + t.source);
            for (auto const& f : t.fields) line(2, "field " + f.name + " = " + to_text(f.value));
            for (auto const& s : t.sections) line(2, "section " + s.name + " when " + to_text(s.when));
            for (auto const& a : t.attachments) {
                line(2, "attach " + a.name + " from " + a.from + (a.required ? " (required)" : ""));
            }
            for (auto const& f : t.signer_fields) {
                std::string text = "field " + f.name + " from " + f.from + ": " + f.type;
                for (std::size_t i = 0; i < f.options.size(); ++i)
                    text += (i ? ", \"" : " [\"") + f.options[i] + (i + 1 == f.options.size() ? "\"]" : "\"");
                if (f.min) text += " min " + std::to_string(*f.min);
                if (f.max) text += " max " + std::to_string(*f.max);
                if (!f.pattern.empty()) text += " matching \"" + f.pattern + "\"";
                if (!f.label.empty()) text += " label \"" + f.label + "\"";
                if (f.required) text += " (required)";
                if (f.when) text += " when " + to_text(*f.when);
                if (f.at.size() == 5)
                    text += " at page " + std::to_string(f.at[0]) + " (" + std::to_string(f.at[1]) + ", " +
                            std::to_string(f.at[2]) + ", " + std::to_string(f.at[3]) + ", " + std::to_string(f.at[4]) + ")";
                line(2, text);
            }
        }
    }

    if (!w.quotas.empty()) {
        line(0, "quotas:");
        for (auto const& q : w.quotas) {
            std::string text = std::to_string(q.limit) + " envelopes";
            if (!q.period.empty()) text += " per " + q.period;
            if (q.key) text += " per " + to_text(*q.key);
            line(1, text);
        }
    }

    if (!w.triggers.empty()) {
        line(0, "triggers:");
        // Actions refer to triggers by index ("only for trigger 1"); with
        // several triggers the index is shown so that the reference can be
        // followed.
        bool const numbered = w.triggers.size() > 1;
        for (std::size_t i = 0; i < w.triggers.size(); ++i) {
            auto const& t = w.triggers[i];
            std::string text = numbered ? std::to_string(i) + ": " : std::string();
            text += t.event;
            if (t.guard) text += " where " + to_text(*t.guard);
            line(1, text);
        }
    }

    if (!w.timers.empty()) {
        line(0, "timers:");
        for (auto const& t : w.timers) line(1, timer_text(t));
    }

    // Transitions are listed under their source state, in the order of
    // Workflow::transitions (which is the order a choice state tries them).
    std::vector<bool> listed(w.transitions.size(), false);
    if (!w.states.empty()) {
        line(0, "states:");
        for (auto const& s : w.states) {
            line(1, state_header(s));
            for (auto const& a : s.entry) line(2, "entry: " + action_text(a));
            for (std::size_t i = 0; i < w.transitions.size(); ++i) {
                if (listed[i] || w.transitions[i].from != s.name) continue;
                listed[i] = true;
                line(2, transition_text(w.transitions[i]));
            }
        }
    }

    if (!w.reactions.empty()) {
        line(0, "reactions:");
        for (auto const& r : w.reactions) {
            std::string text = "on " + r.event;
            for (std::size_t i = 0; i < r.actions.size(); ++i) text += (i ? "; " : " / ") + action_text(r.actions[i]);
            line(1, text);
        }
    }

    // Malformed IR (a transition out of a state that does not exist) is
    // still shown: this listing is what one reads to find such a mistake.
    bool header = false;
    for (std::size_t i = 0; i < w.transitions.size(); ++i) {
        if (listed[i]) continue;
        if (!header) line(0, "transitions from unknown states:");
        header = true;
        line(1, "from " + w.transitions[i].from + " " + transition_text(w.transitions[i]));
    }
    return out;
}

}  // namespace signflow::ir
