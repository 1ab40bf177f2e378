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

}  // namespace signflow::dsl::ast
