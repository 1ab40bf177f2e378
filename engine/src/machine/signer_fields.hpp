#pragma once
// The fields a signer fills on the signing page (`field title from client:
// text …` in a template): which ones a signer is asked for now, and the check
// of what they gave. One check serves the page (the errors it shows beside
// each input) and the engine (which takes no signature whose values do not
// pass it, whoever posts them: the page or the API).
#include "signflow/dsl/ir.hpp"
#include "signflow/engine/evaluate.hpp"
#include "signflow/engine/machine.hpp"

#include <map>
#include <string>
#include <vector>

namespace signflow::engine::detail {

// The fields of template `document` that `role` fills (date_signed ones
// included), in the template's order.
std::vector<ir::SignerField const*> fields_of(ir::Workflow const& w, std::string const& document,
                                              std::string const& role);

// The fields `role` fills in any of `documents` (signed under one signature),
// each name once (documents that ask for the same field get the same value).
std::vector<ir::SignerField const*> fields_of(ir::Workflow const& w, std::vector<std::string> const& documents,
                                              std::string const& role);

// Whether `field`'s `when` reads a field `role` fills on the same page (one
// of `page`, ROLE.fields.NAME): known only when the signer sends the form.
bool reads_own_fields(ir::SignerField const& field, std::string const& role,
                      std::vector<ir::SignerField const*> const& page);

// The scope a field's `when` reads: the envelope's data (event, envelope,
// roles), as it is now. Points into `data`.
Scope scope_of(nlohmann::json const& data, Instant now);

// Whether `field` is asked with this data (its `when` holds; a condition
// that cannot be evaluated yet, such as one on a value not given, does not).
bool asked(ir::SignerField const& field, Scope const& scope);

struct FieldProblem {
    std::string code;     // required, too_short, too_long, pattern, not_a_number, below_min, above_max,
                          // not_a_date, not_an_option, not_text, not_asked
    std::string message;  // in English, naming the rule: "at most 80 characters"
    std::string bound;    // the rule's value, for other languages' words: "80", "1", "basic, pro" ("" none)
};

struct CheckedFields {
    // Each asked field's value as the envelope keeps it: text, date, choice,
    // radio and initials as strings, numbers as numbers, check boxes as booleans.
    nlohmann::json values = nlohmann::json::object();
    std::map<std::string, FieldProblem> problems;  // by field name; empty: the values pass
};

// Checks `given` (an object of field name -> value: strings from a form, or
// JSON values from the API) against `fields`. `data` is the envelope's data;
// conditions read it with the given values in place under
// ROLE.fields, so a field can depend on one given beside it. `date_signed`
// fields are not given: their value is `date_signed` (the signer's local date).
CheckedFields check_fields(std::vector<ir::SignerField const*> const& fields, std::string const& role,
                           nlohmann::json const& given, nlohmann::json const& data, Instant now,
                           std::string const& date_signed);

// `data` with `values` merged into ROLE.fields (a role that resolved to a
// bare address becomes {email, fields}).
void put_fields(nlohmann::json& data, std::string const& role, nlohmann::json const& values);

// A signature's fields, the one step the daemon's shard and the simulator
// share: the fields `role` fills in the documents the envelope signs now
// (envelope_documents.hpp) are checked against event_data.fields; when they pass,
// they go into the envelope's data (ROLE.fields) and event_data carries
// them as drawn (`fields`: the signed entry's detail, the sign action's
// drawing) with `document` (or `documents`, when several), and `blank_fields`: the fields asked of the
// signer left without a value (locked blank under the signature). Anything the caller put under `fields` or
// `document` is taken out first: what the trail records comes from here.
// A signer whose turn it is not is left to the machine (which refuses).
// Returns the problems (none: go on); `kept` receives the data as it was
// when it changed (to put back if the machine refuses the signature).
std::map<std::string, FieldProblem> take_fields(Instance& inst, std::string const& role, nlohmann::json& event_data,
                                                Instant now, std::string const& zone, std::string& kept);

// The value as drawn in the PDF field: check boxes stay booleans, numbers
// are written as given (1500, 12.5), the rest are their text.
nlohmann::json drawn(nlohmann::json const& value);

}  // namespace signflow::engine::detail
