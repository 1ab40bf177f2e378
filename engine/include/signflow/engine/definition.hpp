#pragma once
// A loaded workflow version: the IR plus the indexes the machine needs to run
// it fast (state and event numbers, each state's transitions by event, timers
// by number). Immutable once built and shared by every instance pinned to
// this version, so an envelope keeps running the rules it started with while
// a newer version of the file serves new envelopes.
#include "signflow/dsl/catalog.hpp"
#include "signflow/dsl/ir.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace signflow::engine {

using StateId = std::uint16_t;
using EventId = std::uint32_t;
using TimerId = std::uint16_t;

enum class StateKind : std::uint8_t { start, fill, signing, verifying, waiting, awaiting_event, choice, final };

struct Edge {
    EventId event;
    std::uint32_t transition;  // index into ir.transitions
};

struct StateInfo {
    StateKind kind = StateKind::start;
    std::vector<Edge> edges;          // in IR order: the first whose guard holds fires
    std::vector<TimerId> timers;      // sorted, for the armed/cancelled difference on entry
    std::vector<std::uint8_t> signers;  // signing: role numbers of the routing group
};

// What an external event can do to this workflow: start an envelope (it is a
// trigger) and/or move envelopes waiting for it (`wait for`).
struct ExternalEvent {
    bool starts = false;
    std::vector<StateId> awaited_in;
};

class Definition {
public:
    // Throws std::invalid_argument when the IR is not runnable (too many
    // states, a transition to an unknown state, an unknown timer…): the IR
    // came from our compiler, but it may also come from a file.
    //
    // `templates` are the fields of the IR's templates as the catalog that
    // compiled it knows them (template_specs() below), by the index of
    // ir().templates; a start checks the values the trigger's data gives
    // them against their types (machine.cpp). Without them nothing is
    // checked at the start, and a value that does not fit fails at the fill.
    Definition(ir::Workflow workflow, std::string version, std::vector<dsl::TemplateSpec> templates = {});

    ir::Workflow const& ir() const { return ir_; }
    std::string const& version() const { return version_; }
    std::string const& name() const { return ir_.name; }

    StateId start() const { return start_; }
    StateInfo const& state(StateId s) const { return states_[s]; }
    std::string const& state_name(StateId s) const { return ir_.states[s].name; }
    std::optional<StateId> find_state(std::string_view name) const;
    std::size_t state_count() const { return states_.size(); }

    std::optional<EventId> find_event(std::string_view name) const;
    std::string const& event_name(EventId e) const { return events_[e]; }
    // Pre-interned events the machine raises itself.
    EventId all_signed() const { return all_signed_; }
    EventId always() const { return always_; }
    std::optional<EventId> signed_event(std::uint8_t role) const { return signed_[role]; }

    std::optional<TimerId> find_timer(std::string_view id) const;
    ir::Timer const& timer(TimerId t) const { return ir_.timers[t]; }
    std::optional<EventId> timer_event(TimerId t) const { return timer_events_[t]; }
    std::optional<EventId> timer_cancel_on(TimerId t) const { return cancel_on_[t]; }

    std::optional<std::uint8_t> find_role(std::string_view name) const;
    // The fields of template `t` (an index of ir().templates); null when the
    // catalog did not say.
    dsl::TemplateSpec const* template_spec(std::size_t t) const {
        return t < templates_.size() && !templates_[t].name.empty() ? &templates_[t] : nullptr;
    }
    // Whether the catalog told any template's fields (then a start checks
    // the values its data gives them).
    bool has_template_specs() const { return !awaited_.empty(); }
    // Whether a template asks a signer for fields (`field NAME from ROLE: TYPE`):
    // then the envelope remembers which template it filled last.
    bool has_signer_fields() const { return signer_fields_; }
    // Whether state `s`'s entry actions may run in a step started by an
    // awaited event (`wait for X`: entered by it, or through `always` edges
    // from such a state), where `event` is that event's data, not the
    // trigger's. Known only with template specs (false without).
    bool entered_by_awaited_event(StateId s) const { return s < awaited_.size() && awaited_[s]; }
    // Whether `event` is one the machine does not raise itself: a trigger or
    // an awaited event (no `(`, not done/error/all_signed/always).
    static bool is_external_event(std::string_view event);
    // Reactions (`on signed by R …`) by event; empty when none.
    std::vector<std::uint32_t> const& reactions(EventId e) const;

    std::unordered_map<std::string, ExternalEvent> const& external_events() const { return external_; }

    // The state a transition leads to, and the transition out of `start`
    // that trigger `k` takes.
    StateId target(std::uint32_t transition) const { return targets_[transition]; }
    // The roles an envelope started by trigger `k` surely needs (bit per role
    // number): the signers and code recipients of the states its path
    // reaches before any `when`. An event that lacks one of them cannot
    // start an envelope; roles needed only in some branches are checked when
    // the envelope gets there (their messages fail with the reason).
    std::uint64_t required_roles(int k) const { return required_roles_[static_cast<std::size_t>(k)]; }
    std::uint32_t trigger_transition(int k) const { return trigger_transitions_[static_cast<std::size_t>(k)]; }

private:
    EventId intern(std::string const& name);

    ir::Workflow ir_;
    std::string version_;
    StateId start_ = 0;
    std::vector<StateInfo> states_;
    std::unordered_map<std::string_view, StateId> state_ids_;
    std::vector<std::string> events_;
    std::unordered_map<std::string, EventId> event_ids_;
    EventId all_signed_ = 0, always_ = 0;
    std::vector<std::optional<EventId>> signed_;       // by role
    std::vector<std::optional<EventId>> timer_events_;  // by timer
    std::vector<std::optional<EventId>> cancel_on_;     // by timer
    std::vector<std::vector<std::uint32_t>> reactions_;  // by event
    std::unordered_map<std::string, ExternalEvent> external_;
    std::vector<StateId> targets_;                     // by transition
    std::vector<std::uint32_t> trigger_transitions_;  // by trigger
    std::vector<std::uint64_t> required_roles_;        // by trigger
    std::vector<dsl::TemplateSpec> templates_;          // by template; unnamed: not known
    std::vector<bool> awaited_;                         // by state (empty without template specs)
    bool signer_fields_ = false;
};

// The fields of each of `workflow`'s templates, as `catalog` knows them: a
// stock template's from the standard library, a PDF's from the file (when
// the catalog reads PDFs; its path is relative to the rules folder the
// catalog was given). A template it cannot tell gets an unnamed spec.
std::vector<dsl::TemplateSpec> template_specs(ir::Workflow const& workflow, dsl::Catalog const& catalog);

using DefinitionPtr = std::shared_ptr<Definition const>;

}  // namespace signflow::engine
