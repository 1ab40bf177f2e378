#include "signer_fields.hpp"

#include "envelope_documents.hpp"

#include "signflow/base/utf8.hpp"
#include "signflow/engine/data_keys.hpp"
#include "signflow/engine/time.hpp"

#include <charconv>
#include <cmath>
#include <boost/regex.hpp>

namespace signflow::engine::detail {
using nlohmann::json;

namespace {

// A text field without `max` still has one: a page or an API call cannot make
// the envelope keep a novel.
constexpr std::int64_t default_max_length = 1000;
constexpr std::int64_t max_initials_length = 8;

std::string trimmed(std::string s) {
    auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!s.empty() && blank(s.back())) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && blank(s[i])) ++i;
    return s.substr(i);
}

bool one_line(std::string const& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

std::string text_of(json const& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
    if (v.is_number()) return v.dump();
    return {};
}

bool is_date(std::string const& s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
        if (s[i] < '0' || s[i] > '9') return false;
    int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
    if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
    static int const days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

// "1500", "-3", "12.5": digits with an optional sign and decimal point.
std::optional<double> number_of(json const& v) {
    if (v.is_number()) {
        // As a typed number may be: 15 digits before the point.
        double d = v.get<double>();
        return std::isfinite(d) && std::fabs(d) < 1e15 ? std::optional<double>(d) : std::nullopt;
    }
    if (!v.is_string()) return std::nullopt;
    std::string s = trimmed(v.get<std::string>());
    static boost::regex const shape("-?[0-9]{1,15}(\\.[0-9]{1,6})?");
    if (!boost::regex_match(s, shape)) return std::nullopt;
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return d;
}

json number_json(double d) {
    if (std::floor(d) == d && std::fabs(d) < 1e15) return static_cast<std::int64_t>(d);
    return d;
}

std::string plural(std::int64_t n, char const* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// A value given for `f`: its kept form, or a problem. Empty (missing) values
// come back as null without a problem: `required` is checked by the caller.
json convert(ir::SignerField const& f, json const& given, FieldProblem& problem) {
    std::string const& type = f.type;
    if (type == "checkbox") {
        if (given.is_boolean()) return given;
        if (!given.is_null() && !given.is_string()) {
            problem = {"not_an_option", "tick it or leave it blank", {}};
            return nullptr;
        }
        std::string s = given.is_string() ? trimmed(given.get<std::string>()) : std::string();
        if (given.is_null() || s.empty() || s == "no" || s == "off" || s == "false") return false;
        if (s == "yes" || s == "on" || s == "true") return true;
        problem = {"not_an_option", "tick it or leave it blank", {}};
        return nullptr;
    }
    if (given.is_null()) return nullptr;
    if (!given.is_string() && !given.is_number()) {
        problem = {"not_text", "a value in words or figures", {}};
        return nullptr;
    }
    std::string s = trimmed(text_of(given));
    if (s.empty()) return nullptr;
    if (!base::utf8_valid(s) || !one_line(s)) {
        problem = {"not_text", "one line of text", {}};
        return nullptr;
    }
    auto length = static_cast<std::int64_t>(base::utf8_count(s));
    if (type == "number") {
        auto n = number_of(given);
        if (!n) {
            problem = {"not_a_number", "a number, such as 1500 or 12.5", {}};
            return nullptr;
        }
        if (f.min && *n < static_cast<double>(*f.min)) {
            problem = {"below_min", "at least " + std::to_string(*f.min), std::to_string(*f.min)};
            return nullptr;
        }
        if (f.max && *n > static_cast<double>(*f.max)) {
            problem = {"above_max", "at most " + std::to_string(*f.max), std::to_string(*f.max)};
            return nullptr;
        }
        return number_json(*n);
    }
    if (type == "date") {
        if (!is_date(s)) {
            problem = {"not_a_date", "a date, written YYYY-MM-DD", {}};
            return nullptr;
        }
        return s;
    }
    if (type == "choice" || type == "radio") {
        if (std::find(f.options.begin(), f.options.end(), s) == f.options.end()) {
            std::string all;
            for (auto const& o : f.options) all += (all.empty() ? "" : ", ") + o;
            problem = {"not_an_option", "one of " + all, all};
            return nullptr;
        }
        return s;
    }
    if (type == "initials") {
        std::int64_t max = f.max ? std::min(*f.max, max_initials_length) : max_initials_length;
        if (length > max) {
            problem = {"too_long", "at most " + plural(max, "character"), std::to_string(max)};
            return nullptr;
        }
        return s;
    }
    // text
    std::int64_t max = f.max ? *f.max : default_max_length;
    if (f.min && length < *f.min) {
        problem = {"too_short", "at least " + plural(*f.min, "character"), std::to_string(*f.min)};
        return nullptr;
    }
    if (length > max) {
        problem = {"too_long", "at most " + plural(max, "character"), std::to_string(max)};
        return nullptr;
    }
    if (!f.pattern.empty()) {
        // Boost's matcher does not recurse, and throws when a pattern would
        // take too long on this value (catastrophic backtracking): refused
        // then, as a value that does not match.
        bool matches = false;
        try {
            matches = boost::regex_match(s, boost::regex(f.pattern, boost::regex::ECMAScript));
        } catch (std::exception const&) {
            matches = false;  // too complex, or a pattern the checker refuses (a hand-written IR)
        }
        if (!matches) {
            problem = {"pattern", "not in the expected form", {}};
            return nullptr;
        }
    }
    return s;
}

}  // namespace

std::vector<ir::SignerField const*> fields_of(ir::Workflow const& w, std::string const& document,
                                              std::string const& role) {
    std::vector<ir::SignerField const*> out;
    for (auto const& t : w.templates)
        if (t.name == document)
            for (auto const& f : t.signer_fields)
                if (f.from == role) out.push_back(&f);
    return out;
}

std::vector<ir::SignerField const*> fields_of(ir::Workflow const& w, std::vector<std::string> const& documents,
                                              std::string const& role) {
    std::vector<ir::SignerField const*> out;
    for (auto const& document : documents)
        for (auto const* f : fields_of(w, document, role))
            if (std::none_of(out.begin(), out.end(), [&](auto const* g) { return g->name == f->name; })) out.push_back(f);
    return out;
}

namespace {
// Whether `e` reads ROLE.fields.NAME for a NAME in `names`.
bool reads_fields_of(ir::Expr const& e, std::string const& role, std::vector<ir::SignerField const*> const& names) {
    auto const& p = e.path;
    std::size_t at = p.size() >= 3 && p[0] == "role" && p[1] == role && p[2] == "fields" ? 3
                     : p.size() >= 2 && p[0] == role && p[1] == "fields"                 ? 2
                                                                                         : 0;
    if (e.kind == "path" && at && p.size() > at)
        for (auto const* f : names)
            if (f->name == p[at]) return true;
    for (auto const& a : e.args)
        if (reads_fields_of(a, role, names)) return true;
    return false;
}
}  // namespace

bool reads_own_fields(ir::SignerField const& field, std::string const& role,
                      std::vector<ir::SignerField const*> const& page) {
    return field.when && reads_fields_of(*field.when, role, page);
}

Scope scope_of(json const& data, Instant now) {
    auto member = [&](char const* key) -> json const* {
        if (!data.is_object()) return nullptr;
        auto it = data.find(key);
        return it == data.end() ? nullptr : &*it;
    };
    Scope scope;
    scope.event = member(data_key::event);
    scope.envelope = member(data_key::envelope);
    scope.roles = member(data_key::roles);
    scope.now = now;
    return scope;
}

bool asked(ir::SignerField const& field, Scope const& scope) {
    if (!field.when) return true;
    try {
        return holds(*field.when, scope);
    } catch (EvalError const&) {
        return false;
    }
}

void put_fields(json& data, std::string const& role, json const& values) {
    if (!data.is_object()) return;
    json& roles = data[data_key::roles];
    if (!roles.is_object()) roles = json::object();
    json& who = roles[role];
    if (who.is_string()) who = json{{"email", who}};
    if (!who.is_object()) who = json::object();
    json& fields = who["fields"];
    if (!fields.is_object()) fields = json::object();
    for (auto const& [k, v] : values.items()) fields[k] = v;
}

json drawn(json const& value) {
    if (value.is_boolean() || value.is_string()) return value;
    return text_of(value);
}

CheckedFields check_fields(std::vector<ir::SignerField const*> const& fields, std::string const& role,
                           json const& given, json const& data, Instant now, std::string const& date_signed) {
    CheckedFields out;
    json const empty = json::object();
    json const& in = given.is_object() ? given : empty;
    for (auto const& [name, value] : in.items()) {
        bool known = false;
        for (auto const* f : fields) known = known || (f->name == name && f->type != "date_signed");
        if (!known) out.problems[name] = {"not_asked", "no field named `" + name + "` is asked of you here", {}};
    }
    // Each value in its kept form first, so that a condition can read a
    // value given beside it.
    json converted = json::object();
    std::map<std::string, FieldProblem> conversion;
    for (auto const* f : fields) {
        if (f->type == "date_signed") {
            converted[f->name] = date_signed;
            continue;
        }
        auto it = in.find(f->name);
        FieldProblem problem;
        json v = convert(*f, it == in.end() ? json() : *it, problem);
        if (!problem.code.empty()) conversion[f->name] = problem;
        else if (!v.is_null()) converted[f->name] = v;
    }
    json scoped = data;
    put_fields(scoped, role, converted);
    Scope const scope = scope_of(scoped, now);
    for (auto const* f : fields) {
        if (!asked(*f, scope)) continue;  // not asked: a value given for it is not kept
        if (auto p = conversion.find(f->name); p != conversion.end()) {
            out.problems[f->name] = p->second;
            continue;
        }
        auto v = converted.find(f->name);
        bool missing = v == converted.end() || (f->type == "checkbox" && *v == false);
        if (f->required && missing) {
            out.problems[f->name] = {"required", f->type == "checkbox" ? "tick it to sign" : "required", {}};
            continue;
        }
        if (v != converted.end()) out.values[f->name] = *v;
    }
    return out;
}

std::map<std::string, FieldProblem> take_fields(Instance& inst, std::string const& role, json& event_data,
                                                Instant now, std::string const& zone, std::string& kept) {
    Definition const& d = *inst.definition;
    json given = event_data.is_object() ? event_data.value("fields", json::object()) : json::object();
    if (!event_data.is_object()) event_data = json::object();
    event_data.erase("fields");
    event_data.erase("document");
    event_data.erase("documents");
    event_data.erase("blank_fields");
    auto r = d.find_role(role);
    StateInfo const& state = d.state(inst.state);
    bool turn = r && inst.status == Status::running && state.kind == StateKind::signing &&
                !(inst.signed_mask & (std::uint64_t{1} << *r)) &&
                std::find(state.signers.begin(), state.signers.end(), *r) != state.signers.end();
    if (!turn) return {};
    json data = json::parse(inst.data);
    std::vector<std::string> const documents = documents_of(data).signing;
    auto fields = fields_of(d.ir(), documents, role);
    if (fields.empty() && given.is_object() && given.empty()) return {};
    if (!given.is_object()) return {{"fields", {"not_text", "an object of field name -> value", {}}}};
    auto checked = check_fields(fields, role, given, data, now, local_text(now, zone).substr(0, 10));
    if (!checked.problems.empty()) return checked.problems;
    if (checked.values.empty()) return {};
    kept = inst.data;
    put_fields(data, role, checked.values);
    inst.data = data.dump();
    json shown = json::object();
    for (auto const& [name, v] : checked.values.items()) shown[name] = drawn(v);
    // The fields asked of this signer left without a value: drawn blank and
    // locked too, so that nothing can be added under the signature.
    json blank = json::array();
    for (auto const* f : fields)
        if (!checked.values.contains(f->name)) blank.push_back(f->name);
    event_data["fields"] = std::move(shown);
    if (documents.size() > 1)
        event_data["documents"] = documents;
    else
        event_data["document"] = documents.empty() ? std::string() : documents.front();
    if (!blank.empty()) event_data["blank_fields"] = std::move(blank);
    return {};
}

}  // namespace signflow::engine::detail
