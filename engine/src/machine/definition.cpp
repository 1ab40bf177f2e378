// Indexes over the IR, built once per loaded version.
#include "signflow/engine/definition.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace signflow::engine {
namespace {

StateKind kind_of(std::string const& k) {
    if (k == "start") return StateKind::start;
    if (k == "fill") return StateKind::fill;
    if (k == "signing") return StateKind::signing;
    if (k == "verifying") return StateKind::verifying;
    if (k == "waiting") return StateKind::waiting;
    if (k == "awaiting_event") return StateKind::awaiting_event;
    if (k == "choice") return StateKind::choice;
    if (k == "final") return StateKind::final;
    throw std::invalid_argument("unknown state kind `" + k + "`");
}

std::vector<std::uint32_t> const no_reactions;

}  // namespace

Definition::Definition(ir::Workflow workflow, std::string version, std::vector<dsl::TemplateSpec> templates)
    : ir_(std::move(workflow)), version_(std::move(version)), templates_(std::move(templates)) {
    if (ir_.states.size() >= std::numeric_limits<StateId>::max())
        throw std::invalid_argument("too many states");
    if (ir_.timers.size() >= std::numeric_limits<TimerId>::max()) throw std::invalid_argument("too many timers");
    if (ir_.roles.size() > 64) throw std::invalid_argument("more than 64 roles");

    all_signed_ = intern("all_signed");
    always_ = intern("always");

    states_.resize(ir_.states.size());
    for (std::size_t i = 0; i < ir_.states.size(); ++i) {
        state_ids_.emplace(ir_.states[i].name, static_cast<StateId>(i));
        states_[i].kind = kind_of(ir_.states[i].kind);
    }
    auto start = find_state("start");
    if (!start) throw std::invalid_argument("the workflow has no `start` state");
    start_ = *start;

    signed_.resize(ir_.roles.size());
    for (std::size_t r = 0; r < ir_.roles.size(); ++r) signed_[r] = intern("signed(" + ir_.roles[r].name + ")");

    for (std::size_t i = 0; i < ir_.states.size(); ++i) {
        auto& info = states_[i];
        for (auto const& id : ir_.states[i].timers) {
            auto t = find_timer(id);
            if (!t) throw std::invalid_argument("state `" + ir_.states[i].name + "` lists unknown timer `" + id + "`");
            info.timers.push_back(*t);
        }
        std::sort(info.timers.begin(), info.timers.end());
        for (auto const& s : ir_.states[i].signers) {
            auto r = find_role(s);
            if (!r) throw std::invalid_argument("state `" + ir_.states[i].name + "` has unknown signer `" + s + "`");
            info.signers.push_back(*r);
        }
    }

    targets_.reserve(ir_.transitions.size());
    for (std::size_t i = 0; i < ir_.transitions.size(); ++i) {
        auto const& t = ir_.transitions[i];
        auto from = find_state(t.from);
        auto to = find_state(t.to);
        if (!from || !to)
            throw std::invalid_argument("transition " + t.from + " -> " + t.to + " names an unknown state");
        targets_.push_back(*to);
        states_[*from].edges.push_back({intern(t.event), static_cast<std::uint32_t>(i)});
        if (states_[*from].kind == StateKind::start) trigger_transitions_.push_back(static_cast<std::uint32_t>(i));
        if (states_[*from].kind == StateKind::awaiting_event && t.event.find('(') == std::string::npos) {
            auto& awaited = external_[t.event].awaited_in;
            if (std::find(awaited.begin(), awaited.end(), *from) == awaited.end()) awaited.push_back(*from);
        }
    }
    if (trigger_transitions_.size() != ir_.triggers.size())
        throw std::invalid_argument("the triggers do not match the transitions out of `start`");
    for (std::size_t k = 0; k < ir_.triggers.size(); ++k) {
        if (ir_.transitions[trigger_transitions_[k]].event != ir_.triggers[k].event)
            throw std::invalid_argument("trigger " + std::to_string(k) + " does not match its transition");
        external_[ir_.triggers[k].event].starts = true;
    }

    // Roles each trigger's path surely needs: a state's own signers and code
    // recipients, plus those of everything after it; after a choice state,
    // only those every branch needs.
    std::vector<std::optional<std::uint64_t>> memo(states_.size());
    std::vector<bool> visiting(states_.size(), false);
    auto needs = [&](auto&& self, StateId s) -> std::uint64_t {
        if (memo[s]) return *memo[s];
        if (visiting[s]) return 0;  // a loop adds nothing new
        visiting[s] = true;
        std::uint64_t own = 0;
        for (auto r : states_[s].signers) own |= std::uint64_t{1} << r;
        for (auto const& a : ir_.states[s].entry)
            if (a.kind == ir::ActionKind::send_code || a.kind == ir::ActionKind::request_signature)
                if (auto r = find_role(a.target)) own |= std::uint64_t{1} << *r;
        bool choice = states_[s].kind == StateKind::choice;
        std::uint64_t after = choice ? ~std::uint64_t{0} : 0;
        bool any = false;
        for (auto const& edge : states_[s].edges) {
            StateId t = targets_[edge.transition];
            if (t == s) continue;
            std::uint64_t n = self(self, t);
            after = choice ? (after & n) : (after | n);
            any = true;
        }
        if (!any) after = 0;
        visiting[s] = false;
        memo[s] = own | after;
        return *memo[s];
    };
    for (std::size_t k = 0; k < ir_.triggers.size(); ++k)
        required_roles_.push_back(needs(needs, targets_[trigger_transitions_[k]]));

    timer_events_.resize(ir_.timers.size());
    cancel_on_.resize(ir_.timers.size());
    for (std::size_t t = 0; t < ir_.timers.size(); ++t) {
        timer_events_[t] = intern("timer(" + ir_.timers[t].id + ")");
        if (!ir_.timers[t].cancel_on.empty()) cancel_on_[t] = intern(ir_.timers[t].cancel_on);
    }
    for (std::size_t r = 0; r < ir_.reactions.size(); ++r) {
        EventId e = intern(ir_.reactions[r].event);
        if (reactions_.size() <= e) reactions_.resize(e + 1);
        reactions_[e].push_back(static_cast<std::uint32_t>(r));
    }

    signer_fields_ = std::any_of(ir_.templates.begin(), ir_.templates.end(),
                                 [](auto const& t) { return !t.signer_fields.empty(); });

    // For a start's checks (start_checks.cpp), computed once here rather
    // than at every start; only when there is something to check.
    bool specs = std::any_of(templates_.begin(), templates_.end(), [](auto const& t) { return !t.name.empty(); });
    if (!specs) return;
    awaited_.assign(states_.size(), false);
    std::vector<StateId> pending;
    auto mark = [&](StateId s) {
        if (!awaited_[s]) awaited_[s] = true, pending.push_back(s);
    };
    for (std::size_t t = 0; t < ir_.transitions.size(); ++t)
        if (is_external_event(ir_.transitions[t].event) && ir_.transitions[t].from != "start") mark(targets_[t]);
    while (!pending.empty()) {
        StateId s = pending.back();
        pending.pop_back();
        for (auto const& edge : states_[s].edges)
            if (ir_.transitions[edge.transition].event == "always") mark(targets_[edge.transition]);
    }
}

bool Definition::is_external_event(std::string_view event) {
    return event.find('(') == std::string_view::npos && event != "done" && event != "error" &&
           event != "all_signed" && event != "always";
}

EventId Definition::intern(std::string const& name) {
    auto [it, added] = event_ids_.emplace(name, static_cast<EventId>(events_.size()));
    if (added) events_.push_back(name);
    return it->second;
}

std::optional<StateId> Definition::find_state(std::string_view name) const {
    auto it = state_ids_.find(name);
    if (it == state_ids_.end()) return std::nullopt;
    return it->second;
}

std::optional<EventId> Definition::find_event(std::string_view name) const {
    // Heterogeneous lookup is C++20 for unordered containers but needs a
    // transparent hash; event names are short, so a copy is cheap enough here.
    auto it = event_ids_.find(std::string(name));
    if (it == event_ids_.end()) return std::nullopt;
    return it->second;
}

std::optional<TimerId> Definition::find_timer(std::string_view id) const {
    for (std::size_t t = 0; t < ir_.timers.size(); ++t)
        if (ir_.timers[t].id == id) return static_cast<TimerId>(t);
    return std::nullopt;
}

std::optional<std::uint8_t> Definition::find_role(std::string_view name) const {
    for (std::size_t r = 0; r < ir_.roles.size(); ++r)
        if (ir_.roles[r].name == name) return static_cast<std::uint8_t>(r);
    return std::nullopt;
}

std::vector<std::uint32_t> const& Definition::reactions(EventId e) const {
    return e < reactions_.size() ? reactions_[e] : no_reactions;
}

std::vector<dsl::TemplateSpec> template_specs(ir::Workflow const& workflow, dsl::Catalog const& catalog) {
    std::vector<dsl::TemplateSpec> out(workflow.templates.size());
    for (std::size_t i = 0; i < workflow.templates.size(); ++i) {
        auto const& t = workflow.templates[i];
        dsl::TemplateSpec const* spec = nullptr;
        if (t.source.starts_with("stdlib:")) {
            spec = catalog.find_template(std::string_view(t.source).substr(7));
        } else {
            std::string error;
            spec = catalog.load_template(t.source, error);
        }
        if (!spec) continue;
        out[i] = *spec;
        out[i].name = t.name;  // messages name the template as the workflow does
    }
    return out;
}

}  // namespace signflow::engine
