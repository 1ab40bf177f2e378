// Types expressions. Event data is JSON whose shape the workflow does not
// declare, so paths into `event` are `any`; an error is reported only when
// both sides of an operator have known, incompatible types, which is when the
// expression is certainly wrong whatever the data.
#include "check/checker.hpp"

#include <algorithm>

namespace signflow::dsl::check_detail {
namespace {

bool known(Type t) { return t != Type::any; }

}  // namespace

bool Checker::is_role(std::string const& name) const {
    if (roles_declared) return roles.count(name) > 0 || broken.count(name) > 0;
    return signers.count(name) > 0;
}

std::vector<std::string> Checker::role_names() const {
    std::vector<std::string> out;
    if (roles_declared)
        for (auto const& [name, decl] : roles) out.push_back(name);
    else
        out.assign(signers.begin(), signers.end());
    return out;
}

bool Checker::resolve_role(ast::Ident const& who) {
    if (!roles_declared || roles.count(who.name) || broken.count(who.name)) {
        used_roles.insert(who.name);
        return true;
    }
    // One missing declaration is one error, however often the name is used.
    if (!unknown_roles.insert(who.name).second) return false;
    auto& d = diags.report(Code::unknown_role, who.span, "unknown role `" + who.name + "`", "no role with this name");
    suggest(d, who.name, role_names(), "role");
    if (d.help.empty()) d.help.push_back("declare it: `role " + who.name + " = event." + who.name + "`");
    return false;
}

Diagnostic* Checker::repeated(std::map<std::string, Span>& seen, std::string const& key, Span span, Code code,
                              std::string message, char const* second_label, char const* first_label) {
    auto [it, fresh] = seen.emplace(key, span);
    if (fresh) return nullptr;
    auto& d = diags.report(code, span, std::move(message), second_label);
    d.secondary.push_back({it->second, first_label});
    return &d;
}

Type Checker::expr(ast::Expr const& e) {
    using K = ast::ExprKind;
    switch (e.kind) {
    case K::string: return Type::string;
    case K::number: return Type::number;
    case K::boolean: return Type::boolean;
    case K::null: return Type::null;
    case K::duration: return Type::duration;
    case K::time_of_day: return Type::time_of_day;
    case K::list:
        for (auto const& o : e.operands) expr(o);
        return Type::list;
    case K::object: {
        std::map<std::string, Span> seen;
        for (std::size_t i = 0; i < e.operands.size(); ++i) {
            if (i < e.keys.size())
                repeated(seen, e.keys[i].name, e.keys[i].span, Code::duplicate_key,
                         "key `" + e.keys[i].name + "` appears twice", "second value", "first value");
            expr(e.operands[i]);
        }
        return Type::object;
    }
    case K::path: {
        std::string const& root = e.path.front().name;
        if (root == "event" || root == "envelope") return e.path.size() == 1 ? Type::object : Type::any;
        if (is_role(root)) {
            used_roles.insert(root);
            return e.path.size() == 1 ? Type::any : Type::any;
        }
        auto& d = diags.report(Code::unknown_name, e.path.front().span, "unknown name `" + root + "`",
                               "not `event`, `envelope` or a role");
        auto candidates = role_names();
        candidates.push_back("event");
        candidates.push_back("envelope");
        suggest(d, root, candidates, "name");
        return Type::any;
    }
    case K::call: {
        std::vector<Type> args;
        for (auto const& o : e.operands) args.push_back(expr(o));
        FunctionSpec const* f = catalog.find_function(e.text);
        if (!f) {
            auto& d = diags.report(Code::unknown_function, e.name_span, "unknown function `" + e.text + "`",
                                   "no function with this name");
            suggest(d, e.text, catalog.function_names(), "function");
            return Type::any;
        }
        std::size_t max = f->variadic ? SIZE_MAX : f->params.size();
        if (args.size() < f->min_args || args.size() > max) {
            std::string want = f->variadic ? "at least " + std::to_string(f->min_args)
                               : f->min_args == f->params.size()
                                   ? std::to_string(f->min_args)
                                   : std::to_string(f->min_args) + " to " + std::to_string(f->params.size());
            diags.report(Code::wrong_argument_count, e.span,
                         "`" + e.text + "` takes " + want + " argument" + (want == "1" || want == "at least 1" ? "" : "s") + ", not " +
                             std::to_string(args.size()),
                         "called here");
            return f->result;
        }
        for (std::size_t i = 0; i < args.size(); ++i) {
            Type want = f->params.empty() ? Type::any : f->params[std::min(i, f->params.size() - 1)];
            if (!compatible(want, args[i]))
                diags.report(Code::argument_type_mismatch, e.operands[i].span,
                             "`" + e.text + "` expects " + a_type(want) + " here",
                             "this is " + a_type(args[i]));
        }
        return f->result;
    }
    case K::unary: {
        Type t = expr(e.operands[0]);
        Type want = e.op == ast::Op::not_ ? Type::boolean : Type::number;
        if (known(t) && t != want)
            diags.report(Code::type_mismatch, e.span,
                         "`" + std::string(ast::op_text(e.op)) + "` needs " + a_type(want) +
                             ", not " + a_type(t),
                         "this is " + a_type(t));
        return want;
    }
    case K::binary: break;
    }
    Type l = expr(e.operands[0]);
    Type r = expr(e.operands[1]);
    auto mismatch = [&](std::string why) {
        auto& d = diags.report(Code::type_mismatch, e.span, std::move(why), "");
        d.primary.text.clear();
        d.secondary.push_back({e.operands[0].span, "this is " + a_type(l)});
        d.secondary.push_back({e.operands[1].span, "this is " + a_type(r)});
    };
    std::string op(ast::op_text(e.op));
    switch (e.op) {
    case ast::Op::or_:
    case ast::Op::and_:
        for (int i = 0; i < 2; ++i) {
            Type t = i == 0 ? l : r;
            if (known(t) && t != Type::boolean)
                diags.report(Code::type_mismatch, e.operands[i].span,
                             "`" + op + "` needs booleans on both sides",
                             "this is " + a_type(t));
        }
        return Type::boolean;
    case ast::Op::eq:
    case ast::Op::ne:
        if (known(l) && known(r) && l != r && l != Type::null && r != Type::null)
            mismatch("comparing " + a_type(l) + " with " + a_type(r) + (e.op == ast::Op::eq
                     ? " is never equal" : " is always unequal"));
        return Type::boolean;
    case ast::Op::lt:
    case ast::Op::le:
    case ast::Op::gt:
    case ast::Op::ge: {
        auto orderable = [](Type t) {
            return t == Type::number || t == Type::string || t == Type::duration || t == Type::time_of_day ||
                   t == Type::any;
        };
        if (!orderable(l) || !orderable(r) || (known(l) && known(r) && l != r))
            mismatch("`" + op + "` cannot order " + a_type(l) + " and " + a_type(r));
        return Type::boolean;
    }
    case ast::Op::add:
        if (known(l) && known(r)) {
            if (l == r && (l == Type::number || l == Type::string || l == Type::duration)) return l;
            mismatch("cannot add " + a_type(l) + " and " + a_type(r));
            return Type::any;
        }
        return known(l) ? l : r;
    case ast::Op::sub:
        if (l == Type::duration && r == Type::duration) return Type::duration;
        [[fallthrough]];
    case ast::Op::mul:
    case ast::Op::div:
        if ((known(l) && l != Type::number) || (known(r) && r != Type::number))
        {
            mismatch("`" + op + "` needs numbers, not " + a_type(l) + " and " + a_type(r));
            return Type::any;  // no follow-on errors from the result
        }
        return Type::number;
    case ast::Op::in:
    case ast::Op::not_in:
        if (known(r) && r != Type::list && r != Type::string)
            diags.report(Code::type_mismatch, e.operands[1].span, "`" + op + "` needs a list or a string",
                         "this is " + a_type(r));
        return Type::boolean;
    default: break;
    }
    return Type::any;
}

void Checker::condition(ast::Expr const& e, char const* what) {
    Type t = expr(e);
    if (t != Type::any && t != Type::boolean) {
        auto& d = diags.report(Code::condition_not_boolean, e.span,
                               std::string(what) + " must be true or false, not " + a_type(t),
                               "this is " + a_type(t));
        if (t == Type::string || t == Type::number)
            d.help.push_back("compare it with something, e.g. `" + std::string(what == std::string("a `where` condition") ? "event.form == \"nda\"" : "event.fee > 0") + "`");
    }
}

std::optional<bool> Checker::constant(ast::Expr const& e) const {
    switch (e.kind) {
    case ast::ExprKind::boolean: return e.number != 0;
    case ast::ExprKind::unary:
        if (e.op == ast::Op::not_)
            if (auto v = constant(e.operands[0])) return !*v;
        return std::nullopt;
    case ast::ExprKind::binary: {
        if (e.op != ast::Op::and_ && e.op != ast::Op::or_) return std::nullopt;
        auto a = constant(e.operands[0]);
        auto b = constant(e.operands[1]);
        bool is_and = e.op == ast::Op::and_;
        if ((a && *a != is_and) || (b && *b != is_and)) return !is_and;  // false and _, true or _
        if (a && b) return is_and;
        return std::nullopt;
    }
    default: return std::nullopt;
    }
}

}  // namespace signflow::dsl::check_detail
