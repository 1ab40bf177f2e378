// The IR as JSON and its content hash. The JSON is what `compile --emit`
// writes and what the engine loads; its canonical text (nlohmann's sorted
// keys, no whitespace) is what the hash, the version id an envelope is pinned
// to, is computed from.
//
// Conventions:
//  - Lossless: from_json(to_json(w)) == w. Members that hold their default
//    value are omitted (smaller files, and adding a defaulted member later
//    does not change the hash of IR that does not use it); from_json restores
//    the defaults. Members that from_json requires (format, name, a state's
//    name and kind, a transition's from/event/to, a timer's id and kind, an
//    expression's kind) are always written, even when empty, or an empty one
//    would not survive the round trip.
//  - Numbers in expressions are doubles, but an integral value within ±2^53
//    is written as a JSON integer, so that the canonical text says `3`, not
//    `3.0`, whoever produced the double. JSON has no NaN or infinities; they
//    are written as the strings "NaN", "Infinity" and "-Infinity" (the
//    compiler never produces them, but every Workflow must survive).
//  - Reading is strict: wrong types, missing required members and unknown
//    members are errors naming the member path ("ir: transitions[3].to:
//    expected a string, got number"). An unknown member is most likely a typo
//    or IR from a newer build, and silently dropping it would load something
//    other than what the file (and its hash) says.
#include "signflow/base/digest.hpp"
#include "signflow/dsl/ir_io.hpp"

#include <openssl/evp.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace signflow::ir {

namespace {

using nlohmann::json;

// ---------------------------------------------------------------- writing

// 2^53: beyond it not every integer is a double, so the integer spelling
// would no longer be the exact value.
constexpr double max_exact_integer = 9007199254740992.0;

json number_json(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d == std::trunc(d) && std::fabs(d) <= max_exact_integer) {
        // -0.0 becomes 0; they compare equal, so the round trip still holds.
        return static_cast<std::int64_t>(d);
    }
    return d;
}

void put(json& j, char const* key, std::string const& s) {
    if (!s.empty()) j[key] = s;
}

void put(json& j, char const* key, std::vector<std::string> const& v) {
    if (!v.empty()) j[key] = v;
}

void put(json& j, char const* key, std::int64_t v, std::int64_t dflt = 0) {
    if (v != dflt) j[key] = v;
}

json expr_json(Expr const& e);

void put(json& j, char const* key, Box<Expr> const& e) {
    if (e) j[key] = expr_json(*e);
}

template <class T, class F>
void put_list(json& j, char const* key, std::vector<T> const& v, F const& convert) {
    if (v.empty()) return;
    json a = json::array();
    for (auto const& x : v) a.push_back(convert(x));
    j[key] = std::move(a);
}

json expr_json(Expr const& e) {
    json j = json::object();
    j["kind"] = e.kind;
    put(j, "type", e.type);
    put(j, "text", e.text);
    if (e.number != 0) j["number"] = number_json(e.number);  // NaN != 0: NaN is written too
    put(j, "path", e.path);
    put(j, "keys", e.keys);
    put_list(j, "args", e.args, expr_json);
    return j;
}

json action_json(Action const& a) {
    json j = json::object();
    j["kind"] = std::string(action_kind_name(a.kind));
    put(j, "target", a.target);
    put(j, "operation", a.operation);
    put(j, "method", a.method);
    put(j, "attempts", a.attempts);
    put(j, "data", a.data);
    put(j, "only_on_event", a.only_on_event);
    put(j, "only_for_trigger", a.only_for_trigger, -1);
    return j;
}

json role_json(Role const& r) {
    json j = json::object();
    put(j, "name", r.name);
    if (r.source != Expr{}) j["source"] = expr_json(r.source);
    return j;
}

json template_json(Template const& t) {
    json j = json::object();
    put(j, "name", t.name);
    put(j, "source", t.source);
    put_list(j, "fields", t.fields, [](TemplateField const& f) {
        json o = json::object();
        put(o, "name", f.name);
        if (f.value != Expr{}) o["value"] = expr_json(f.value);
        return o;
    });
    put_list(j, "sections", t.sections, [](Section const& s) {
        json o = json::object();
        put(o, "name", s.name);
        if (s.when != Expr{}) o["when"] = expr_json(s.when);
        return o;
    });
    put_list(j, "attachments", t.attachments, [](Attachment const& a) {
        json o = json::object();
        put(o, "name", a.name);
        put(o, "from", a.from);
        if (a.required) o["required"] = true;
        return o;
    });
    put_list(j, "signer_fields", t.signer_fields, [](SignerField const& f) {
        json o = json::object();
        put(o, "name", f.name);
        put(o, "from", f.from);
        put(o, "type", f.type);
        if (!f.options.empty()) o["options"] = f.options;
        if (f.min) o["min"] = *f.min;
        if (f.max) o["max"] = *f.max;
        put(o, "pattern", f.pattern);
        put(o, "label", f.label);
        if (f.required) o["required"] = true;
        put(o, "when", f.when);
        if (!f.at.empty()) o["at"] = f.at;
        return o;
    });
    return j;
}

json quota_json(Quota const& q) {
    json j = json::object();
    put(j, "limit", q.limit);
    put(j, "period", q.period);
    put(j, "key", q.key);
    return j;
}

json trigger_json(Trigger const& t) {
    json j = json::object();
    put(j, "event", t.event);
    put(j, "guard", t.guard);
    return j;
}

json state_json(State const& s) {
    json j = json::object();
    j["name"] = s.name;
    j["kind"] = s.kind;
    put(j, "signers", s.signers);
    put(j, "delegable", s.delegable);
    put_list(j, "entry", s.entry, action_json);
    put(j, "timers", s.timers);
    return j;
}

json transition_json(Transition const& t) {
    json j = json::object();
    j["from"] = t.from;
    j["event"] = t.event;
    put(j, "guard", t.guard);
    put_list(j, "actions", t.actions, action_json);
    j["to"] = t.to;
    return j;
}

json reaction_json(Reaction const& r) {
    json j = json::object();
    j["event"] = r.event;
    put_list(j, "actions", r.actions, action_json);
    return j;
}

json timer_json(Timer const& t) {
    json j = json::object();
    j["id"] = t.id;
    j["kind"] = t.kind;
    put(j, "after_minutes", t.after_minutes);
    put(j, "every_minutes", t.every_minutes);
    if (t.at_minute_of_day) j["at_minute_of_day"] = *t.at_minute_of_day;
    put(j, "zone_of", t.zone_of);
    put(j, "max_count", t.max_count);
    put(j, "role", t.role);
    put(j, "cancel_on", t.cancel_on);
    return j;
}

// ---------------------------------------------------------------- reading

[[noreturn]] void fail(std::string const& where, std::string const& what) {
    if (where.empty()) throw std::invalid_argument("ir: " + what);
    throw std::invalid_argument("ir: " + where + ": " + what);
}

[[noreturn]] void wrong_type(std::string const& where, char const* expected, json const& j) {
    fail(where, std::string("expected ") + expected + ", got " + j.type_name());
}

std::string member_path(std::string const& where, std::string_view key) {
    return where.empty() ? std::string(key) : where + "." + std::string(key);
}

std::string element_path(std::string const& where, std::size_t i) {
    return where + "[" + std::to_string(i) + "]";
}

std::string read_string(json const& j, std::string const& where) {
    if (!j.is_string()) wrong_type(where, "a string", j);
    return j.get<std::string>();
}

std::int64_t read_int64(json const& j, std::string const& where) {
    // Integers only: a float in an integer member means the file was not
    // written by to_json, and rounding it silently could change its meaning.
    if (!j.is_number_integer()) wrong_type(where, "an integer", j);
    if (j.is_number_unsigned() &&
        j.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail(where, "integer out of range");
    }
    return j.get<std::int64_t>();
}

int read_int(json const& j, std::string const& where) {
    std::int64_t const v = read_int64(j, where);
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
        fail(where, "integer out of range");
    }
    return static_cast<int>(v);
}

double read_number(json const& j, std::string const& where) {
    if (j.is_number()) return j.get<double>();
    if (j.is_string()) {
        auto const& s = j.get_ref<std::string const&>();
        if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
        if (s == "Infinity") return std::numeric_limits<double>::infinity();
        if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    }
    wrong_type(where, "a number", j);
}

// One JSON object being read: checks that it is an object and that it holds
// only the members its type knows; each getter leaves the default in place
// when the member is absent.
class Obj {
public:
    Obj(json const& j, std::string where, std::initializer_list<std::string_view> known)
        : j_(j), where_(std::move(where)) {
        if (!j.is_object()) wrong_type(where_, "an object", j);
        for (auto const& item : j.items()) {
            bool found = false;
            for (auto k : known) found = found || k == item.key();
            if (!found) fail(member_path(where_, item.key()), "unknown member");
        }
    }

    std::string at(std::string_view key) const { return member_path(where_, key); }

    json const* find(char const* key) const {
        auto it = j_.find(key);
        return it == j_.end() ? nullptr : &*it;
    }

    json const& need(char const* key) const {
        json const* v = find(key);
        if (!v) fail(at(key), "required member is missing");
        return *v;
    }

    void get(char const* key, std::string& out) const {
        if (json const* v = find(key)) out = read_string(*v, at(key));
    }
    void get_required(char const* key, std::string& out) const { out = read_string(need(key), at(key)); }

    void get(char const* key, std::int64_t& out) const {
        if (json const* v = find(key)) out = read_int64(*v, at(key));
    }
    void get(char const* key, int& out) const {
        if (json const* v = find(key)) out = read_int(*v, at(key));
    }
    void get(char const* key, std::optional<int>& out) const {
        if (json const* v = find(key)) out = read_int(*v, at(key));
    }
    void get(char const* key, std::optional<std::int64_t>& out) const {
        if (json const* v = find(key)) out = read_int64(*v, at(key));
    }
    void get(char const* key, bool& out) const {
        if (json const* v = find(key)) {
            if (!v->is_boolean()) wrong_type(at(key), "a boolean", *v);
            out = v->get<bool>();
        }
    }
    void get(char const* key, std::vector<std::string>& out) const {
        get_list(key, out, [](json const& e, std::string const& w) { return read_string(e, w); });
    }
    void get(char const* key, Expr& out) const;
    void get(char const* key, Box<Expr>& out) const;

    template <class T, class F>
    void get_list(char const* key, std::vector<T>& out, F const& convert) const {
        json const* v = find(key);
        if (!v) return;
        std::string const w = at(key);
        if (!v->is_array()) wrong_type(w, "an array", *v);
        out.clear();
        out.reserve(v->size());
        for (std::size_t i = 0; i < v->size(); ++i) out.push_back(convert((*v)[i], element_path(w, i)));
    }

private:
    json const& j_;
    std::string where_;
};

Expr read_expr(json const& j, std::string const& where) {
    Obj const o(j, where, {"kind", "type", "text", "number", "path", "keys", "args"});
    Expr e;
    o.get_required("kind", e.kind);
    o.get("type", e.type);
    o.get("text", e.text);
    if (json const* n = o.find("number")) e.number = read_number(*n, o.at("number"));
    o.get("path", e.path);
    o.get("keys", e.keys);
    o.get_list("args", e.args, read_expr);
    return e;
}

void Obj::get(char const* key, Expr& out) const {
    if (json const* v = find(key)) out = read_expr(*v, at(key));
}

void Obj::get(char const* key, Box<Expr>& out) const {
    if (json const* v = find(key)) out = read_expr(*v, at(key));
}

Action read_action(json const& j, std::string const& where) {
    Obj const o(j, where,
                {"kind", "target", "operation", "method", "attempts", "data", "only_on_event", "only_for_trigger"});
    Action a;
    std::string kind;
    o.get_required("kind", kind);
    if (auto k = action_kind_from(kind)) a.kind = *k;
    else fail(o.at("kind"), "unknown action kind `" + kind + "`");
    o.get("target", a.target);
    o.get("operation", a.operation);
    o.get("method", a.method);
    o.get("attempts", a.attempts);
    o.get("data", a.data);
    o.get("only_on_event", a.only_on_event);
    o.get("only_for_trigger", a.only_for_trigger);
    return a;
}

Role read_role(json const& j, std::string const& where) {
    Obj const o(j, where, {"name", "source"});
    Role r;
    o.get("name", r.name);
    o.get("source", r.source);
    return r;
}

Template read_template(json const& j, std::string const& where) {
    Obj const o(j, where, {"name", "source", "fields", "sections", "attachments", "signer_fields"});
    Template t;
    o.get("name", t.name);
    o.get("source", t.source);
    o.get_list("fields", t.fields, [](json const& e, std::string const& w) {
        Obj const f(e, w, {"name", "value"});
        TemplateField out;
        f.get("name", out.name);
        f.get("value", out.value);
        return out;
    });
    o.get_list("sections", t.sections, [](json const& e, std::string const& w) {
        Obj const s(e, w, {"name", "when"});
        Section out;
        s.get("name", out.name);
        s.get("when", out.when);
        return out;
    });
    o.get_list("attachments", t.attachments, [](json const& e, std::string const& w) {
        Obj const a(e, w, {"name", "from", "required"});
        Attachment out;
        a.get("name", out.name);
        a.get("from", out.from);
        a.get("required", out.required);
        return out;
    });
    o.get_list("signer_fields", t.signer_fields, [](json const& e, std::string const& w) {
        Obj const f(e, w, {"name", "from", "type", "options", "min", "max", "pattern", "label", "required", "when", "at"});
        SignerField out;
        f.get("name", out.name);
        f.get("from", out.from);
        f.get("type", out.type);
        f.get("options", out.options);
        f.get("min", out.min);
        f.get("max", out.max);
        f.get("pattern", out.pattern);
        f.get("label", out.label);
        f.get("required", out.required);
        f.get("when", out.when);
        f.get_list("at", out.at, [](json const& x, std::string const& where) { return read_int64(x, where); });
        return out;
    });
    return t;
}

Quota read_quota(json const& j, std::string const& where) {
    Obj const o(j, where, {"limit", "period", "key"});
    Quota q;
    o.get("limit", q.limit);
    o.get("period", q.period);
    o.get("key", q.key);
    return q;
}

Trigger read_trigger(json const& j, std::string const& where) {
    Obj const o(j, where, {"event", "guard"});
    Trigger t;
    o.get("event", t.event);
    o.get("guard", t.guard);
    return t;
}

State read_state(json const& j, std::string const& where) {
    Obj const o(j, where, {"name", "kind", "signers", "delegable", "entry", "timers"});
    State s;
    o.get_required("name", s.name);
    o.get_required("kind", s.kind);
    o.get("signers", s.signers);
    o.get("delegable", s.delegable);
    o.get_list("entry", s.entry, read_action);
    o.get("timers", s.timers);
    return s;
}

Transition read_transition(json const& j, std::string const& where) {
    Obj const o(j, where, {"from", "event", "guard", "actions", "to"});
    Transition t;
    o.get_required("from", t.from);
    o.get_required("event", t.event);
    o.get("guard", t.guard);
    o.get_list("actions", t.actions, read_action);
    o.get_required("to", t.to);
    return t;
}

Reaction read_reaction(json const& j, std::string const& where) {
    Obj const o(j, where, {"event", "actions"});
    Reaction r;
    o.get_required("event", r.event);
    o.get_list("actions", r.actions, read_action);
    return r;
}

Timer read_timer(json const& j, std::string const& where) {
    Obj const o(j, where,
                {"id", "kind", "after_minutes", "every_minutes", "at_minute_of_day", "zone_of", "max_count", "role",
                 "cancel_on"});
    Timer t;
    o.get_required("id", t.id);
    o.get_required("kind", t.kind);
    o.get("after_minutes", t.after_minutes);
    o.get("every_minutes", t.every_minutes);
    o.get("at_minute_of_day", t.at_minute_of_day);
    o.get("zone_of", t.zone_of);
    o.get("max_count", t.max_count);
    o.get("role", t.role);
    o.get("cancel_on", t.cancel_on);
    return t;
}

}  // namespace

json to_json(Workflow const& w) {
    json j = json::object();
    j["format"] = w.format;
    j["name"] = w.name;
    put(j, "timezone", w.timezone);
    put_list(j, "roles", w.roles, role_json);
    put_list(j, "templates", w.templates, template_json);
    put_list(j, "quotas", w.quotas, quota_json);
    put_list(j, "triggers", w.triggers, trigger_json);
    // Always present, even when empty: a reader sees at a glance that this is
    // a state machine, and the shape of the canonical text does not vary.
    j["states"] = json::array();
    for (auto const& s : w.states) j["states"].push_back(state_json(s));
    j["transitions"] = json::array();
    for (auto const& t : w.transitions) j["transitions"].push_back(transition_json(t));
    put_list(j, "reactions", w.reactions, reaction_json);
    put_list(j, "timers", w.timers, timer_json);
    return j;
}

Workflow from_json(json const& j) {
    if (!j.is_object()) fail("", std::string("expected a JSON object at the top level, got ") + j.type_name());
    // The format first: a file from another version is reported as that,
    // not as whatever member it happens to have that this build does not know.
    auto const f = j.find("format");
    if (f == j.end()) fail("format", "required member is missing");
    int const format = read_int(*f, "format");
    if (format != format_version) {
        fail("format", "unsupported IR format " + std::to_string(format) + " (this build reads format " +
                           std::to_string(format_version) + "; recompile the workflow)");
    }
    Obj const o(j, "",
                {"format", "name", "timezone", "roles", "templates", "quotas", "triggers", "states", "transitions",
                 "reactions", "timers"});
    Workflow w;
    w.format = format;
    o.get_required("name", w.name);
    o.get("timezone", w.timezone);
    o.get_list("roles", w.roles, read_role);
    o.get_list("templates", w.templates, read_template);
    o.get_list("quotas", w.quotas, read_quota);
    o.get_list("triggers", w.triggers, read_trigger);
    o.get_list("states", w.states, read_state);
    o.get_list("transitions", w.transitions, read_transition);
    o.get_list("reactions", w.reactions, read_reaction);
    o.get_list("timers", w.timers, read_timer);
    return w;
}

std::string content_hash(Workflow const& w) {
    // dump() with no indent: no whitespace, keys sorted (std::map objects),
    // shortest round-trip doubles, so equal IR gives equal bytes. It throws
    // on invalid UTF-8, which the parser never lets through (and lowering
    // keeps out of names taken from file names); hashing a lossy
    // replacement instead could give two different workflows one version id.
    return base::sha256_hex(to_json(w).dump());
}

}  // namespace signflow::ir
