// A scenario against the workflow it runs on (check_scenario): every role,
// state, event, template and effect target it names must be the workflow's,
// so that a typo is an error with a suggestion before anything runs, instead
// of an expectation that fails for a reason the author cannot see. And the
// rendering of scenario errors, in the compiler's layout.
#include "signflow/engine/simulation.hpp"

#include "signflow/dsl/diagnostic.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace signflow::engine {

namespace {

std::vector<std::string> help_similar(std::string_view name, std::vector<std::string> const& candidates,
                                      std::string_view what) {
    dsl::Diagnostic d;
    dsl::suggest(d, name, candidates, what);
    return d.help;
}

// The names a workflow gives a scenario to use.
struct Names {
    std::vector<std::string> roles, states, templates, events, triggers, verified;
    // Effect targets by action kind; invoke also as "connector.operation".
    std::map<std::string, std::set<std::string>> targets;

    explicit Names(Definition const& d) {
        auto const& w = d.ir();
        for (auto const& r : w.roles) roles.push_back(r.name);
        for (auto const& s : w.states) states.push_back(s.name);
        for (auto const& t : w.templates) templates.push_back(t.name);
        for (auto const& [name, e] : d.external_events()) {
            events.push_back(name);
            if (e.starts) triggers.push_back(name);
        }
        std::sort(events.begin(), events.end());
        std::sort(triggers.begin(), triggers.end());
        auto add = [&](std::vector<ir::Action> const& actions) {
            for (auto const& a : actions) {
                auto& of_kind = targets[std::string(ir::action_kind_name(a.kind))];
                of_kind.insert(a.target);
                if (!a.operation.empty()) of_kind.insert(a.target + "." + a.operation);
            }
        };
        for (auto const& s : w.states) add(s.entry);
        for (auto const& t : w.transitions) {
            add(t.actions);
            if (t.event.starts_with("verified(")) verified.push_back(t.event.substr(9, t.event.size() - 10));
        }
        for (auto const& r : w.reactions) add(r.actions);
    }
};

std::string list(std::vector<std::string> const& names) {
    std::string s;
    for (auto const& n : names) s += (s.empty() ? "`" : ", `") + n + "`";
    return s.empty() ? "none" : s;
}

}  // namespace

std::vector<ScenarioError> check_scenario(Scenario const& sc, Definition const& d) {
    std::vector<ScenarioError> errors;
    Names names(d);
    auto unknown = [&](dsl::Span span, std::string message, std::string label, std::string_view name,
                       std::vector<std::string> const& candidates, std::string_view what) {
        auto help = help_similar(name, candidates, what);
        help.push_back("the workflow's " + std::string(what) + "s: " + list(candidates));
        errors.push_back({span, std::move(message), std::move(label), std::move(help)});
    };
    auto has = [](std::vector<std::string> const& v, std::string const& x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    };
    std::string const& wf = d.name();
    bool first_event = true;
    for (auto const& s : sc.steps) {
        switch (s.kind) {
        case ScenarioStep::Kind::event:
            if (!has(names.events, s.name)) {
                unknown(s.name_span, "workflow `" + wf + "` neither starts on nor waits for `" + s.name + "`",
                        "not an event of this workflow", s.name, names.events, "event");
            } else if (first_event && !has(names.triggers, s.name)) {
                errors.push_back({s.name_span, "the first event must start the envelope",
                                  "`" + s.name + "` is not a trigger",
                                  {"the workflow's triggers: " + list(names.triggers)}});
            }
            first_event = false;
            break;
        case ScenarioStep::Kind::signs:
        case ScenarioStep::Kind::declines:
        case ScenarioStep::Kind::verifies:
        case ScenarioStep::Kind::fails_verification:
            if (!has(names.roles, s.name)) {
                unknown(s.name_span, "workflow `" + wf + "` has no role `" + s.name + "`", "no role of this name",
                        s.name, names.roles, "role");
            } else if ((s.kind == ScenarioStep::Kind::verifies || s.kind == ScenarioStep::Kind::fails_verification) &&
                       !has(names.verified, s.name)) {
                errors.push_back({s.name_span, "workflow `" + wf + "` does not verify `" + s.name + "`",
                                  "no `verify " + s.name + "` step",
                                  {"roles verified in this workflow: " + list(names.verified)}});
            }
            break;
        case ScenarioStep::Kind::expect: {
            Expectation const& e = s.expect;
            if (e.kind == Expectation::Kind::state) {
                if (!has(names.states, e.state))
                    unknown(s.name_span, "workflow `" + wf + "` has no state `" + e.state + "`",
                            "no state of this name", e.state, names.states, "state");
                break;
            }
            if (e.kind != Expectation::Kind::happening) break;
            if (e.what == "remind" || e.what == "request_signature" || e.what == "send_code") {
                if (!has(names.roles, e.target))
                    unknown(s.name_span, "workflow `" + wf + "` has no role `" + e.target + "`",
                            "no role of this name", e.target, names.roles, "role");
            } else if (e.what == "fill" || e.what == "notify" || e.what == "invoke" ||
                       (e.what == "archive" && !e.target.empty())) {
                auto const& set = names.targets[e.what];
                std::string full = e.operation.empty() ? e.target : e.target + "." + e.operation;
                if (!set.count(full)) {
                    std::vector<std::string> candidates(set.begin(), set.end());
                    std::string verb = e.what == "fill" ? "fills" : e.what == "notify" ? "notifies"
                                     : e.what == "invoke" ? "invokes" : "archives to";
                    unknown(s.name_span, "workflow `" + wf + "` never " + verb + " `" + full + "`",
                            "no such action in the workflow", full, candidates,
                            e.what == "fill" ? "template" : "target");
                }
            }
            break;
        }
        default: break;
        }
    }
    if (first_event)
        errors.push_back({{0, 0}, "the scenario sends no event", "nothing starts an envelope",
                          {"start it with the trigger, e.g. `event " +
                           (names.triggers.empty() ? std::string("NAME") : names.triggers.front()) + " {…}`"}});
    return errors;
}

std::string render_errors(dsl::SourceFile const& source, std::vector<ScenarioError> const& errors) {
    std::string out;
    for (auto const& e : errors) {
        auto where = source.locate(e.span.begin);
        std::string number = std::to_string(where.line);
        std::string pad(number.size() + 2, ' ');
        out += "error: " + e.message + "\n";
        out += std::string(number.size() + 1, ' ') + "--> " + source.path() + ":" + number + ":" +
               std::to_string(where.column) + "\n";
        out += pad + "|\n";
        std::string_view line = where.line <= source.line_count() ? source.line_text(where.line) : "";
        out += " " + number + " |" + (line.empty() ? "" : " " + std::string(line)) + "\n";
        std::uint32_t width = 1;
        auto end = source.locate(std::max(e.span.begin, e.span.end));
        if (end.line == where.line && end.column > where.column) width = end.column - where.column;
        out += pad + "| " + std::string(where.column - 1, ' ') + std::string(width, '^');
        if (!e.label.empty()) out += " " + e.label;
        out += "\n";
        if (!e.help.empty()) {
            out += pad + "|\n";
            for (auto const& h : e.help) out += pad + "= help: " + h + "\n";
        }
        out += "\n";
    }
    return out;
}

}  // namespace signflow::engine
