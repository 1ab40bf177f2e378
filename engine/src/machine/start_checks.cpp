#include "start_checks.hpp"

#include "signflow/base/address.hpp"
#include "signflow/engine/machine.hpp"

#include <algorithm>
#include <set>

namespace signflow::engine::detail {

namespace {

std::string shown(json const& v) {
    if (v.is_string()) return "`" + v.get<std::string>() + "`";
    return v.dump();
}

std::string listed(std::vector<std::string> const& options) {
    std::string out;
    for (auto const& o : options) out += (out.empty() ? "" : ", ") + o;
    return out;
}

// A number written as text ("12500", "-3", "1250.50"), as a form posts it.
bool numeric_text(std::string const& s) {
    std::size_t i = s.starts_with('-') ? 1 : 0, digits = 0, dots = 0;
    for (; i < s.size(); ++i) {
        if (s[i] >= '0' && s[i] <= '9') ++digits;
        else if (s[i] == '.' && digits > 0 && dots++ == 0) continue;
        else return false;
    }
    return digits > 0 && s.back() != '.';
}

// Why `value` does not fit field `f` of template `t`, or "". As strict as
// the form filler (documents/src/form/fill.cpp), no stricter: a check box
// also takes the name of one of its states ("Yes", "Off"), and a choice is
// checked against its options only for a stock template (a PDF's choice
// also takes its display texts, and an editable one any text).
std::string misfit(dsl::TemplateSpec const& t, bool stock, dsl::FieldSpec const& f, json const& value) {
    std::string const field = "field `" + f.name + "` of template `" + t.name + "`";
    switch (f.type) {
    case dsl::Type::number:
        if (!value.is_number() && !(value.is_string() && numeric_text(value.get<std::string>())))
            return field + " is a number; " + shown(value) + " is not";
        break;
    case dsl::Type::boolean:
        if (!value.is_boolean() && !value.is_string())
            return field + " is true or false; " + shown(value) + " is neither";
        break;
    case dsl::Type::string:
        if (!value.is_string() && !value.is_number()) return field + " is text; " + shown(value) + " is not";
        if (stock && !f.options.empty() && value.is_string() &&
            std::find(f.options.begin(), f.options.end(), value.get<std::string>()) == f.options.end())
            return field + " is one of " + listed(f.options) + "; " + shown(value) + " is not";
        break;
    default: break;
    }
    return {};
}

struct Fields {
    dsl::TemplateSpec const* spec = nullptr;
    bool stock = false;
    std::size_t index = 0;
};

Fields fields_of(Definition const& d, std::string const& name) {
    auto const& templates = d.ir().templates;
    for (std::size_t i = 0; i < templates.size(); ++i)
        if (templates[i].name == name)
            return {d.template_spec(i), templates[i].source.starts_with("stdlib:"), i};
    return {};
}

void check(Fields const& t, std::string const& name, json const& value) {
    if (value.is_null()) return;
    auto const& fields = t.spec->fields;
    auto f = std::find_if(fields.begin(), fields.end(), [&](dsl::FieldSpec const& f) { return f.name == name; });
    if (f == fields.end()) return;  // the checker refused unknown fields; a file template may have changed
    if (auto why = misfit(*t.spec, t.stock, *f, value); !why.empty()) throw StartError(why);
}

}  // namespace

void check_role_address(std::string const& role, json const& value) {
    struct Address {
        char const* key;
        char const* what;
        std::string (*problem)(std::string_view);
    };
    static constexpr Address addresses[] = {{"email", "an email address", base::email_problem},
                                            {"phone", "a phone number", base::phone_problem}};
    if (!value.is_object()) return;
    for (auto const& a : addresses) {
        auto it = value.find(a.key);
        // Missing, null or empty: no such address (the messages say so if
        // one is needed). A phone may come as a number (a bulk file's cell).
        if (it == value.end() || it->is_null() || (it->is_string() && it->get_ref<std::string const&>().empty()))
            continue;
        std::string text;
        if (it->is_string()) text = it->get<std::string>();
        else if (a.key[0] == 'p' && it->is_number_integer() && it->get<std::int64_t>() > 0) text = it->dump();
        else throw StartError("role `" + role + "`: " + a.key + " is " + it->dump() + ", not " + a.what);
        if (auto why = a.problem(text); !why.empty())
            throw StartError("role `" + role + "`: " + shown(*it) + " is not " + a.what + " (" + why + ")");
    }
}

void check_template_values(Definition const& d, int trigger, Scope const& scope) {
    if (!d.has_template_specs()) return;
    auto const& ir = d.ir();

    // The fills this start's data decides: in a state (or on a transition)
    // the envelope reaches without an awaited event's data in between, for
    // this trigger. Each template's declared fields once, each fill's `with`.
    std::set<std::size_t> declared;
    std::string const& trigger_event = ir.triggers[static_cast<std::size_t>(trigger)].event;
    auto fills = [&](std::vector<ir::Action> const& actions) {
        for (auto const& a : actions) {
            if (a.kind != ir::ActionKind::fill) continue;
            if (a.only_for_trigger >= 0 && a.only_for_trigger != trigger) continue;
            if (!a.only_on_event.empty() && a.only_on_event != trigger_event) continue;
            Fields t = fields_of(d, a.target);
            if (!t.spec) continue;
            if (declared.insert(t.index).second)
                for (auto const& f : ir.templates[t.index].fields) {
                    try {
                        check(t, f.name, evaluate(f.value, scope));
                    } catch (EvalError const&) {
                        // depends on what the start does not give: left to the fill
                    }
                }
            if (!a.data) continue;
            json values;
            try {
                values = evaluate(*a.data, scope);
            } catch (EvalError const&) {
                continue;
            }
            if (values.is_object())
                for (auto const& [name, value] : values.items()) check(t, name, value);
        }
    };
    for (std::size_t s = 0; s < ir.states.size(); ++s)
        if (!d.entered_by_awaited_event(static_cast<StateId>(s))) fills(ir.states[s].entry);
    for (auto const& t : ir.transitions) {
        if (t.from == "start" && t.event != trigger_event) continue;  // another trigger's
        auto from = d.find_state(t.from);
        bool awaited = (Definition::is_external_event(t.event) && t.from != "start") ||
                       (t.event == "always" && from && d.entered_by_awaited_event(*from));
        if (!awaited) fills(t.actions);
    }
}

}  // namespace signflow::engine::detail
