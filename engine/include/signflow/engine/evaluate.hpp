#pragma once
// Evaluating the IR's expressions at run time, against JSON data.
//
// The checker has already refused what is certainly wrong; what remains
// depends on data the workflow does not declare. The rules (documented in
// docs/language.md, "Evaluation at run time"):
// - a path that does not exist (a missing member, a member of a non-object)
//   is null;
// - `==`/`!=` compare any two values (different types are unequal);
// - ordering, arithmetic, `and`/`or`/`not` and functions given a value of the
//   wrong type, and division by zero, raise EvalError with a message naming
//   the operator and the values' types; a guard (`where`, `when`) that raises
//   does not hold, and the trace records why;
// - `null` in ordering or arithmetic raises EvalError.
#include "signflow/dsl/ir.hpp"
#include "signflow/engine/time.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace signflow::engine {

using json = nlohmann::json;

struct EvalError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What the names in an expression refer to. Pointers may be null (then every
// path under that name is null).
struct Scope {
    json const* event = nullptr;     // `event.…`
    json const* envelope = nullptr;  // `envelope.…`
    json const* roles = nullptr;     // `ROLE.…`: an object of role name -> resolved role
    Instant now{};                   // `now()`, `days_until`: the engine's clock (virtual in simulate)
};

// Durations evaluate to a number of minutes, times of day to minutes after
// midnight (as in the IR); lists and objects to JSON arrays and objects.
json evaluate(ir::Expr const& e, Scope const& scope);

// A condition: true only when the expression evaluates to boolean true.
// Throws EvalError as evaluate() does; a non-boolean result is an EvalError too.
bool holds(ir::Expr const& e, Scope const& scope);

}  // namespace signflow::engine
