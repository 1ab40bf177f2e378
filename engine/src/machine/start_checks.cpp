#include "start_checks.hpp"

#include "signflow/base/address.hpp"
#include "signflow/engine/machine.hpp"

#include <algorithm>

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

// Why `value` does not fit field `f` of template `t`, or "".
std::string misfit(dsl::TemplateSpec const& t, dsl::FieldSpec const& f, json const& value) {
    std::string const field = "field `" + f.name + "` of template `" + t.name + "`";
    switch (f.type) {
    case dsl::Type::number:
        if (!value.is_number() && !(value.is_string() && numeric_text(value.get<std::string>())))
            return field + " is a number; " + shown(value) + " is not";
        break;
    case dsl::Type::boolean:
        if (!value.is_boolean()) return field + " is true or false; " + shown(value) + " is neither";
        break;
    case dsl::Type::string: {
        if (!value.is_string() && !value.is_number()) return field + " is text; " + shown(value) + " is not";
        if (f.options.empty()) break;
        std::string text = value.is_string() ? value.get<std::string>() : value.dump();
        if (std::find(f.options.begin(), f.options.end(), text) == f.options.end())
            return field + " is one of " + listed(f.options) + "; " + shown(value) + " is not";
        break;
    }
    default: break;
    }
    return {};
}

void check(dsl::TemplateSpec const& t, std::string const& name, json const& value) {
    if (value.is_null()) return;
    auto f = std::find_if(t.fields.begin(), t.fields.end(), [&](dsl::FieldSpec const& f) { return f.name == name; });
    if (f == t.fields.end()) return;  // the checker refused unknown fields; a file template may have changed
    if (auto why = misfit(t, *f, value); !why.empty()) throw StartError(why);
}

void check_actions(Definition const& d, std::vector<ir::Action> const& actions, Scope const& scope) {
    auto const& templates = d.ir().templates;
    for (auto const& a : actions) {
        if (a.kind != ir::ActionKind::fill || !a.data) continue;
        auto t = std::find_if(templates.begin(), templates.end(), [&](ir::Template const& t) { return t.name == a.target; });
        if (t == templates.end()) continue;
        auto const* spec = d.template_spec(static_cast<std::size_t>(t - templates.begin()));
        if (!spec) continue;
        json values;
        try {
            values = evaluate(*a.data, scope);
        } catch (EvalError const&) {
            continue;
        }
        if (!values.is_object()) continue;
        for (auto const& [name, value] : values.items()) check(*spec, name, value);
    }
}

}  // namespace

void check_role_address(std::string const& role, json const& value) {
    if (!value.is_object()) return;
    for (char const* key : {"email", "phone"}) {
        auto it = value.find(key);
        if (it == value.end() || it->is_null()) continue;
        bool email = key[0] == 'e';
        char const* what = email ? "an email address" : "a phone number";
        if (!it->is_string()) throw StartError("role `" + role + "`: " + key + " is " + it->dump() + ", not " + what);
        std::string const text = it->get<std::string>();
        std::string why = email ? base::email_problem(text) : base::phone_problem(text);
        if (!why.empty()) throw StartError("role `" + role + "`: " + shown(*it) + " is not " + what + " (" + why + ")");
    }
}

void check_template_values(Definition const& d, Scope const& scope) {
    auto const& templates = d.ir().templates;
    bool any = false;
    for (std::size_t i = 0; i < templates.size(); ++i) {
        auto const* spec = d.template_spec(i);
        if (!spec) continue;
        any = true;
        for (auto const& f : templates[i].fields) {
            json value;
            try {
                value = evaluate(f.value, scope);
            } catch (EvalError const&) {
                continue;
            }
            check(*spec, f.name, value);
        }
    }
    if (!any) return;
    for (auto const& s : d.ir().states) check_actions(d, s.entry, scope);
    for (auto const& t : d.ir().transitions) check_actions(d, t.actions, scope);
}

}  // namespace signflow::engine::detail
