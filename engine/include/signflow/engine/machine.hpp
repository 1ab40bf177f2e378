#pragma once
// The state machine interpreter: pure, single-threaded, no I/O. Given an
// instance, an event and the current time, it decides the transition, updates
// the instance, and lists what must happen because of it: the effects to put
// in the outbox and the timers to arm or cancel. The runtime commits those
// together with the new state; `simulate` applies them to a virtual clock.
//
// The execution model is docs/language.md's ("The execution model"); the
// machine adds what the IR leaves to the engine:
// - `event` in expressions is the data of the external event being applied
//   (the trigger's, or an awaited event's during the step it causes); while
//   the machine applies its own events (signatures, timers, fill answers) it
//   is the trigger's data.
// - `envelope` is the trigger's top-level fields plus `id`, `workflow` and
//   `created_at`; roles are resolved once, when the envelope starts.
// - A signature of a routing group with several signers is recorded; the
//   last one raises `all_signed`.
// - A reminder that fired is re-armed for its next time until `max_count`.
#include "signflow/engine/definition.hpp"
#include "signflow/engine/evaluate.hpp"
#include "signflow/engine/instance.hpp"
#include "signflow/engine/observer.hpp"
#include "signflow/engine/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::engine {

// A requested side effect, to be delivered at least once by the outbox.
struct Effect {
    ir::Action const* action = nullptr;
    std::string key;      // idempotency key: "<instance>.<seq>.<n>", stable across retries
    // What the action's `with` evaluated to (null without one). When the
    // expression could not be evaluated, `error` says why and the outbox
    // records the effect as failed instead of delivering it.
    json data;
    std::string error;
};

struct TimerOp {
    bool arm = true;  // false: cancel
    TimerId timer = 0;
    Instant due{};
    std::string zone;
    std::int64_t fired = 0;  // firings so far (reminders)
};

struct Step {
    bool applied = false;         // the event changed the instance
    std::string refusal;          // why not, when it did not
    std::vector<Effect> effects;
    std::vector<TimerOp> timers;
    void clear() {
        applied = false;
        refusal.clear();
        effects.clear();
        timers.clear();
    }
};

// An event for one instance. External events carry their JSON data; timer
// events say when the timer was due and how often it had fired.
struct Event {
    std::string_view name;
    json const* data = nullptr;
    Instant due{};
    std::int64_t fired = 0;
};

struct MachineOptions {
    std::string default_zone = "UTC";  // for signers with no zone in a workflow with none
};

// Thrown by start() when the trigger's data cannot make an envelope (a role
// that resolves to nothing, an unknown time zone): nothing is created.
struct StartError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Machine {
public:
    explicit Machine(MachineOptions options = {}) : options_(std::move(options)) {}

    // The trigger (index into ir.triggers) an external event starts an
    // envelope by, if any: the first whose event matches and whose guard holds.
    std::optional<int> match_trigger(Definition const& d, std::string_view event, json const& data, Instant now) const;

    // Makes a new envelope for a matched trigger: resolves the roles, copies
    // the data, and takes the trigger's transition out of `start`.
    void start(Instance& instance, DefinitionPtr definition, int trigger, json const& data, Instant now,
               Observer& observer, Step& step) const;

    // Applies one event to a running instance.
    void apply(Instance& instance, Event const& event, Instant now, Observer& observer, Step& step) const;

    // The zone a timer's local time is computed in (the role's, the workflow's
    // or the default).
    std::string zone_for(Instance const& instance, ir::Timer const& timer) const;

private:
    MachineOptions options_;
};

}  // namespace signflow::engine
