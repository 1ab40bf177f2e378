#pragma once
// GET /v1/workflows/{name}/start-form (docs/http-api.md): what starting an
// envelope of a workflow asks for, read from its compiled rules, so that the
// dashboard can build the form: per trigger, the roles whose person comes
// from the event (their name, email, phone…) and every other value of the
// event the templates, conditions and messages read, with a type guessed
// from how they are used (a comparison with `true` makes a boolean).
#include "signflow/dsl/ir.hpp"

#include <nlohmann/json.hpp>

namespace signflow::app {

nlohmann::json start_form(ir::Workflow const& workflow);

}  // namespace signflow::app
