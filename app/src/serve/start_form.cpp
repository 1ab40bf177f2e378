#include "start_form.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace signflow::app {
using nlohmann::json;

namespace {

std::string dotted(std::vector<std::string> const& path, std::size_t from) {
    std::string out;
    for (std::size_t i = from; i < path.size(); ++i) out += (i > from ? "." : "") + path[i];
    return out;
}

bool literal(ir::Expr const& e, char const* type) { return e.kind == "literal" && e.type == type; }

// Every `event.…` path an expression reads, with the type its use suggests.
struct Reader {
    std::map<std::string, std::string> fields;  // "company" -> text | number | boolean

    void note(std::string const& path, std::string const& type) {
        auto [it, fresh] = fields.emplace(path, type);
        if (!fresh && it->second == "text" && type != "text") it->second = type;
    }

    void read(ir::Expr const& e) {
        if (e.kind == "path" && e.path.size() >= 2 && e.path.front() == "event") note(dotted(e.path, 1), "text");
        if ((e.kind == "binary" || e.kind == "unary") && !e.args.empty()) {
            bool const arithmetic = e.text == "+" || e.text == "-" || e.text == "*" || e.text == "/" ||
                                    e.text == "<" || e.text == "<=" || e.text == ">" || e.text == ">=";
            bool const logic = e.text == "and" || e.text == "or" || e.text == "not";
            for (std::size_t i = 0; i < e.args.size(); ++i) {
                ir::Expr const& a = e.args[i];
                if (a.kind != "path" || a.path.size() < 2 || a.path.front() != "event") continue;
                ir::Expr const* other = e.args.size() == 2 ? &e.args[1 - i] : nullptr;
                std::string const path = dotted(a.path, 1);
                if (logic || (other && literal(*other, "boolean"))) note(path, "boolean");
                else if ((arithmetic && e.text != "+") || (other && literal(*other, "number"))) note(path, "number");
            }
        }
        for (auto const& a : e.args) read(a);
    }
    void read(ir::Box<ir::Expr> const& e) {
        if (e) read(*e);
    }
    void read(std::vector<ir::Action> const& actions) {
        for (auto const& a : actions) read(a.data);
    }
};

}  // namespace

json start_form(ir::Workflow const& w) {
    // The roles whose person the event gives: `role client = event.client`
    // (and the implicit `event.signers.client`).
    json roles = json::array();
    std::set<std::string> role_paths;
    for (auto const& r : w.roles) {
        if (r.source.kind != "path" || r.source.path.size() < 2 || r.source.path.front() != "event") continue;
        std::string const path = dotted(r.source.path, 1);
        role_paths.insert(path);
        roles.push_back({{"role", r.name}, {"path", path}, {"fields", {"name", "email", "phone"}}});
    }
    Reader reader;
    for (auto const& r : w.roles)
        if (r.source.kind != "path") reader.read(r.source);
    for (auto const& t : w.templates) {
        for (auto const& f : t.fields) reader.read(f.value);
        for (auto const& s : t.sections) reader.read(s.when);
        for (auto const& f : t.signer_fields) reader.read(f.when);
    }
    for (auto const& q : w.quotas) reader.read(q.key);
    for (auto const& t : w.transitions) {
        reader.read(t.guard);
        reader.read(t.actions);
    }
    for (auto const& s : w.states) reader.read(s.entry);
    for (auto const& r : w.reactions) reader.read(r.actions);
    json triggers = json::array();
    for (auto const& t : w.triggers) {
        Reader own = reader;
        own.read(t.guard);
        json fields = json::array();
        json asked = roles;  // each role: name, email, phone, and what else the rules read of it
        for (auto const& [path, type] : own.fields) {
            // A role's own values (event.client.company) are asked with the role.
            bool of_role = false;
            for (auto& r : asked) {
                std::string const rp = r["path"];
                if (path == rp) of_role = true;
                if (!path.starts_with(rp + ".")) continue;
                of_role = true;
                std::string const rest = path.substr(rp.size() + 1);
                if (std::find(r["fields"].begin(), r["fields"].end(), json(rest)) == r["fields"].end())
                    r["fields"].push_back(rest);
            }
            if (!of_role) fields.push_back({{"path", path}, {"type", type}});
        }
        triggers.push_back({{"event", t.event}, {"roles", std::move(asked)}, {"fields", std::move(fields)}});
    }
    return {{"workflow", w.name}, {"triggers", std::move(triggers)}};
}

}  // namespace signflow::app
