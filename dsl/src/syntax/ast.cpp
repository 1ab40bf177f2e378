// Small helpers of the syntax tree.
#include "signflow/dsl/ast.hpp"

namespace signflow::dsl::ast {

std::int64_t Duration::minutes() const {
    switch (unit) {
    case 'm': return amount;
    case 'h': return amount * 60;
    case 'd': return amount * 1440;
    default: return amount * 10080;
    }
}

void collect_signers(std::vector<Step> const& steps, std::set<std::string>& into) {
    for (auto const& s : steps) {
        for (auto const& g : s.groups)
            for (auto const& who : g) into.insert(who.name);
        for (auto const& arm : s.arms) collect_signers(arm.steps, into);
    }
}

std::string_view op_text(Op op) {
    switch (op) {
    case Op::or_: return "or";
    case Op::and_: return "and";
    case Op::not_: return "not";
    case Op::neg: return "-";
    case Op::eq: return "==";
    case Op::ne: return "!=";
    case Op::lt: return "<";
    case Op::le: return "<=";
    case Op::gt: return ">";
    case Op::ge: return ">=";
    case Op::add: return "+";
    case Op::sub: return "-";
    case Op::mul: return "*";
    case Op::div: return "/";
    case Op::in: return "in";
    case Op::not_in: return "not in";
    case Op::none: break;
    }
    return "?";
}

}  // namespace signflow::dsl::ast
