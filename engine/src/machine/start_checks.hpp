#pragma once
// What a start checks in the trigger's data before it makes an envelope
// (Machine::start): each role's email address and phone number, and each
// value the data gives a template's field. A value that cannot work (a
// message that can never be sent, a number field given `12,5O0`) refuses the
// start with StartError, for a single event (422) and a bulk row (rejected at
// its line) alike, instead of an envelope that stalls later.
#include "signflow/engine/definition.hpp"
#include "signflow/engine/evaluate.hpp"

#include <string>

namespace signflow::engine::detail {

// Role `role`'s resolved value (an object: email, phone, name, …).
void check_role_address(std::string const& role, json const& value);

// The fields of the templates this start's data fills (trigger `trigger`),
// as far as the start's scope gives them values: the template's declared
// fields and the values of `fill T with {…}`. A fill that reads an awaited
// event's data (one after `wait for`), a value that cannot be evaluated now
// or that is null is left to the fill.
void check_template_values(Definition const& d, int trigger, Scope const& scope);

}  // namespace signflow::engine::detail
