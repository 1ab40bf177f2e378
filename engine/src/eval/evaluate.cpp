// The evaluator's tree walk: literals, paths, lists, objects and the
// operators. Functions are in functions.cpp. The rules are in evaluate.hpp
// and docs/language.md ("Evaluation at run time").
//
// Numbers: JSON integers stay exact through `+`, `-`, `*` and an exact `/`
// while they fit in 64 bits; anything else is computed in double. A result
// that is not finite (1e308 * 10) raises rather than becoming JSON's null.
#include "evaluator.hpp"

#include "signflow/dsl/ir_io.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace signflow::engine {
namespace eval {

namespace {

// ---------------------------------------------------------------- numbers

// A JSON number as the arithmetic sees it: an exact 64-bit integer when it
// is one, else a double.
struct Num {
    bool is_int = false;
    std::int64_t i = 0;
    double d = 0;
    double as_double() const { return is_int ? static_cast<double>(i) : d; }
};

Num to_num(json const& j) {
    switch (j.type()) {
    case json::value_t::number_integer: return {true, j.get<std::int64_t>(), 0};
    case json::value_t::number_unsigned: {
        auto const u = j.get<std::uint64_t>();
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return {true, static_cast<std::int64_t>(u), 0};
        return {false, 0, static_cast<double>(u)};
    }
    default: return {false, 0, j.get<double>()};
    }
}

bool is_number(Value const& v) {
    auto const t = v.type();
    return t == json::value_t::number_integer || t == json::value_t::number_unsigned ||
           t == json::value_t::number_float;
}

json finite(ir::Expr const& at, double d) {
    if (!std::isfinite(d)) fail(at, "`" + at.text + "`: the result is too large for a number");
    return number(d);
}

// ---------------------------------------------------------------- operators

enum class Op { or_, and_, eq, ne, lt, le, gt, ge, in, not_in, add, sub, mul, div, unknown };

Op binary_op(std::string const& t) {
    if (t.size() == 1) {
        switch (t[0]) {
        case '<': return Op::lt;
        case '>': return Op::gt;
        case '+': return Op::add;
        case '-': return Op::sub;
        case '*': return Op::mul;
        case '/': return Op::div;
        default: return Op::unknown;
        }
    }
    if (is(t, "==")) return Op::eq;
    if (is(t, "!=")) return Op::ne;
    if (is(t, "<=")) return Op::le;
    if (is(t, ">=")) return Op::ge;
    if (is(t, "and")) return Op::and_;
    if (is(t, "or")) return Op::or_;
    if (is(t, "in")) return Op::in;
    if (is(t, "not in")) return Op::not_in;
    return Op::unknown;
}

[[noreturn]] void wrong_types(ir::Expr const& at, char const* wanted, Value const& a, Value const& b) {
    fail(at, "`" + at.text + "` needs " + wanted + ", got " + type_name(a) + " and " + type_name(b));
}

bool boolean_operand(ir::Expr const& at, Value const& v, char const* side) {
    if (v.type() != json::value_t::boolean)
        fail(at, "`" + at.text + "` needs booleans, got " + type_name(v) + " on the " + side);
    return v.get().get<bool>();
}

// `<` `<=` `>` `>=`: the sign of a - b for two numbers or two strings.
int order(ir::Expr const& at, Value const& a, Value const& b) {
    if (a.is_string() && b.is_string()) {
        // std::string compares bytes as unsigned char: UTF-8 in code point order.
        int const c = a.string().compare(b.string());
        return (c > 0) - (c < 0);
    }
    if (!is_number(a) || !is_number(b)) wrong_types(at, "two numbers or two strings", a, b);
    Num const x = to_num(a.get()), y = to_num(b.get());
    if (x.is_int && y.is_int) return (x.i > y.i) - (x.i < y.i);
    double const dx = x.as_double(), dy = y.as_double();
    return (dx > dy) - (dx < dy);
}

json arithmetic(ir::Expr const& at, Op op, Value const& a, Value const& b) {
    if (op == Op::add && a.is_string() && b.is_string()) return a.string() + b.string();
    if (!is_number(a) || !is_number(b))
        wrong_types(at, op == Op::add ? "two numbers or two strings" : "two numbers", a, b);
    Num const x = to_num(a.get()), y = to_num(b.get());
    if (op == Op::div) {
        if (y.as_double() == 0) fail(at, "`/`: division by zero");
        // Exact integer division stays an integer; INT64_MIN / -1 overflows.
        if (x.is_int && y.is_int && !(y.i == -1 && x.i == std::numeric_limits<std::int64_t>::min()) &&
            x.i % y.i == 0)
            return x.i / y.i;
        return finite(at, x.as_double() / y.as_double());
    }
    if (x.is_int && y.is_int) {
        std::int64_t r = 0;
        bool const overflow = op == Op::add   ? __builtin_add_overflow(x.i, y.i, &r)
                              : op == Op::sub ? __builtin_sub_overflow(x.i, y.i, &r)
                                              : __builtin_mul_overflow(x.i, y.i, &r);
        if (!overflow) return r;
    }
    double const dx = x.as_double(), dy = y.as_double();
    return finite(at, op == Op::add ? dx + dy : op == Op::sub ? dx - dy : dx * dy);
}

Value binary(ir::Expr const& e, Scope const& scope) {
    if (e.args.size() != 2) fail(e, "malformed expression: `" + e.text + "` needs two operands");
    Op const op = binary_op(e.text);
    if (op == Op::unknown) fail(e, "malformed expression: unknown operator `" + e.text + "`");

    Value const a = eval(e.args[0], scope);
    if (op == Op::and_ || op == Op::or_) {
        // Short-circuit: the right operand is not evaluated (and cannot
        // raise) when the left one decides.
        bool const l = boolean_operand(e, a, "left");
        if (l == (op == Op::or_)) return json(l);
        return json(boolean_operand(e, eval(e.args[1], scope), "right"));
    }
    if ((op == Op::in || op == Op::not_in) && is(e.args[1].kind, "list"))
        return json(in_list_literal(e.args[1], a, scope) == (op == Op::in));
    Value const b = eval(e.args[1], scope);
    switch (op) {
    case Op::eq: return json(equal(a, b));
    case Op::ne: return json(!equal(a, b));
    case Op::lt: return json(order(e, a, b) < 0);
    case Op::le: return json(order(e, a, b) <= 0);
    case Op::gt: return json(order(e, a, b) > 0);
    case Op::ge: return json(order(e, a, b) >= 0);
    case Op::in: return json(contains(b, a, e, "`in`"));
    case Op::not_in: return json(!contains(b, a, e, "`not in`"));
    default: return arithmetic(e, op, a, b);
    }
}

Value unary(ir::Expr const& e, Scope const& scope) {
    if (e.args.size() != 1) fail(e, "malformed expression: `" + e.text + "` needs one operand");
    Value const a = eval(e.args[0], scope);
    if (is(e.text, "not")) {
        if (a.type() != json::value_t::boolean) fail(e, std::string("`not` needs a boolean, got ") + type_name(a));
        return json(!a.get().get<bool>());
    }
    if (is(e.text, "-")) {
        if (!is_number(a)) fail(e, std::string("`-` needs a number, got ") + type_name(a));
        Num const x = to_num(a.get());
        if (x.is_int && x.i != std::numeric_limits<std::int64_t>::min()) return json(-x.i);
        return number(-x.as_double());
    }
    fail(e, "malformed expression: unknown operator `" + e.text + "`");
}

// ---------------------------------------------------------------- the rest

Value literal(ir::Expr const& e) {
    if (is(e.type, "string")) return Value::literal(e.text);
    if (is(e.type, "number") || is(e.type, "duration") || is(e.type, "time_of_day")) {
        if (!std::isfinite(e.number)) fail(e, "malformed expression: a number that is not finite");
        return number(e.number);
    }
    if (is(e.type, "boolean")) return json(e.number != 0);
    if (is(e.type, "null")) return {};
    fail(e, "malformed expression: unknown literal type `" + e.type + "`");
}

Value member_path(json const* root, std::vector<std::string> const& path, std::size_t from) {
    if (!root) return {};
    json const* cur = root;
    for (std::size_t i = from; i < path.size(); ++i) {
        if (!cur->is_object()) return {};
        auto const it = cur->find(path[i]);
        if (it == cur->end()) return {};
        cur = &*it;
    }
    return Value::ref(*cur);
}

// A role is the resolved object in scope.roles; one that resolved to a bare
// email address reads as { email: "…" }.
Value role_path(Scope const& scope, std::vector<std::string> const& path, std::size_t name_at) {
    if (!scope.roles || !scope.roles->is_object() || name_at >= path.size()) return {};
    auto const it = scope.roles->find(path[name_at]);
    if (it == scope.roles->end()) return {};
    if (it->is_string()) {
        if (path.size() == name_at + 1 || (path.size() == name_at + 2 && is(path[name_at + 1], "email")))
            return Value::ref(*it);
        return {};
    }
    return member_path(&*it, path, name_at + 1);
}

Value path(ir::Expr const& e, Scope const& scope) {
    if (e.path.empty()) fail(e, "malformed expression: an empty path");
    std::string const& root = e.path[0];
    if (is(root, "event")) return member_path(scope.event, e.path, 1);
    if (is(root, "envelope")) return member_path(scope.envelope, e.path, 1);
    // The compiler writes role paths as `role.NAME.…`; a path that starts
    // with the role's own name (hand-written IR) reads the same role.
    if (is(root, "role")) return role_path(scope, e.path, 1);
    return role_path(scope, e.path, 0);
}

Value list(ir::Expr const& e, Scope const& scope) {
    json out = json::array();
    out.get_ref<json::array_t&>().reserve(e.args.size());
    for (auto const& a : e.args) out.push_back(eval(a, scope).take());
    return out;
}

Value object(ir::Expr const& e, Scope const& scope) {
    if (e.keys.size() != e.args.size()) fail(e, "malformed expression: an object with more keys than values or fewer");
    json out = json::object();
    for (std::size_t i = 0; i < e.args.size(); ++i) out[e.keys[i]] = eval(e.args[i], scope).take();
    return out;
}

}  // namespace

// ---------------------------------------------------------------- shared

void fail(ir::Expr const& at, std::string const& message) {
    throw EvalError("`" + ir::to_text(at) + "`: " + message);
}

char const* type_name(json::value_t t) {
    switch (t) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "list";
    case json::value_t::object: return "object";
    default: return "binary data";  // never in parsed JSON
    }
}

bool equal(Value const& a, Value const& b) {
    bool const sa = a.is_string(), sb = b.is_string();
    if (sa || sb) return sa && sb && a.string() == b.string();
    // nlohmann's == compares integers and doubles numerically, and arrays
    // and objects element by element with the same rule.
    return a.get() == b.get();
}

bool contains(Value const& haystack, Value const& needle, ir::Expr const& at, std::string_view what) {
    if (haystack.is_string()) {
        if (!needle.is_string())
            fail(at, std::string(what) + " with a string to search needs a string to find, got " + type_name(needle));
        return haystack.string().find(needle.string()) != std::string::npos;
    }
    if (haystack.type() != json::value_t::array)
        fail(at, std::string(what) + " needs a list or a string to search, got " + type_name(haystack));
    for (auto const& item : haystack.get()) {
        if (equal(needle, Value::ref(item))) return true;
    }
    return false;
}

bool in_list_literal(ir::Expr const& list, Value const& needle, Scope const& scope) {
    for (auto const& item : list.args) {
        if (equal(needle, eval(item, scope))) return true;
    }
    return false;
}

json number(double d) {
    constexpr double max_exact_integer = 9007199254740992.0;  // 2^53
    if (d == std::trunc(d) && std::fabs(d) <= max_exact_integer) return static_cast<std::int64_t>(d);
    return d;
}

std::string number_text(json const& n) {
    if (n.is_number_integer()) return n.dump();  // also unsigned
    char buf[64];
    auto const r = std::to_chars(buf, buf + sizeof buf, n.get<double>());
    return std::string(buf, r.ptr);  // shortest round-trip form: "2.5", "1e+21"
}

Value eval(ir::Expr const& e, Scope const& scope) {
    std::string const& k = e.kind;
    if (is(k, "path")) return path(e, scope);
    if (is(k, "literal")) return literal(e);
    if (is(k, "binary")) return binary(e, scope);
    if (is(k, "call")) return call(e, scope);
    if (is(k, "unary")) return unary(e, scope);
    if (is(k, "list")) return list(e, scope);
    if (is(k, "object")) return object(e, scope);
    fail(e, "malformed expression: unknown kind `" + k + "`");
}

}  // namespace eval

json evaluate(ir::Expr const& e, Scope const& scope) { return eval::eval(e, scope).take(); }

bool holds(ir::Expr const& e, Scope const& scope) {
    eval::Value const v = eval::eval(e, scope);
    if (v.type() != json::value_t::boolean)
        eval::fail(e, std::string("a condition must be a boolean, got ") + eval::type_name(v));
    return v.get().get<bool>();
}

}  // namespace signflow::engine
