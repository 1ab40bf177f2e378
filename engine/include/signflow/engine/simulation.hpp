#pragma once
// `signflow simulate`: one workflow run against a scenario on a virtual
// clock, with no database and no network. A scenario (docs/scenarios.md) says
// what happens and when: the trigger event, who signs, declines or verifies
// after how long, events that arrive later, and how far the clock runs; and
// it says what the author expects (`expect state completed`, `expect reminder
// to client at 2026-03-10 09:00 America/New_York`). The run drives the real
// Machine: timers fire in due order as the clock advances, a `fill` is
// answered at once, and every effect (signature requests, reminders,
// connector calls) is recorded, never performed.
//
// Three stages, so that each kind of mistake gets its own kind of message:
// - parse_scenario: the text itself (syntax, dates, zones, JSON), with
//   `path:line:col` and a caret, like the compiler's diagnostics;
// - check_scenario: the scenario against the compiled workflow (a role, a
//   state or a connector the workflow does not have), same rendering;
// - simulate: the run; what went differently from the expectations (or a
//   step that could not be carried out) is a Failure with its scenario line.
// The CLI maps the first two to exit 2 (malformed scenario) and failures to 1.
#include "signflow/dsl/source.hpp"
#include "signflow/engine/definition.hpp"
#include "signflow/engine/evaluate.hpp"
#include "signflow/engine/instance.hpp"
#include "signflow/engine/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace signflow::engine {

// ---------------------------------------------------------------- the scenario

// When a step happens: at the clock's current time, some time after it, or
// at a given instant (written as a local time; kept with the zone it was
// written in, to print it back).
struct Timing {
    enum class Kind { now, after, at };
    Kind kind = Kind::now;
    std::int64_t minutes = 0;  // after
    Instant at{};              // at
    std::string zone;          // at: the zone the time was written in
};

// What a scenario expects at the point where it stands.
struct Expectation {
    enum class Kind {
        state,        // expect state completed: the envelope is in this state now
        no_envelope,  // expect no envelope: the trigger started none
        happening,    // expect [no|N] reminder to client [at T] [with JSON]
    };
    enum class Count { at_least_one, none, exactly };

    Kind kind = Kind::state;
    std::string state;
    // happening: `what` is an action kind (request_signature, remind,
    // warn_expiry, send_code, fill, notify, invoke, archive) or `expiry` (the
    // envelope ended `expired`) or `ignored` (the envelope ignored an event).
    std::string what;
    std::string target;     // role, template, connector, notify target, ignored event
    std::string operation;  // invoke: the operation, when written (empty matches any)
    Count count = Count::at_least_one;
    std::int64_t n = 0;     // Count::exactly
    std::optional<Instant> at;
    std::string at_zone;
    std::optional<json> with;  // the effect's data must contain this (objects: member by member)
};

struct ScenarioStep {
    enum class Kind {
        event,               // [TIMING] event NAME [JSON]
        signs,               // [TIMING] ROLE signs [{FIELDS}]
        declines,            // [TIMING] ROLE declines ["REASON"]
        verifies,            // [TIMING] ROLE verifies
        fails_verification,  // [TIMING] ROLE fails verification
        wait,                // wait DURATION | wait until DATE TIME [ZONE]
        nobody_signs,        // nobody signs: run the clock until the envelope ends or nothing is pending
        fill_fails,          // fill fails: the next document is answered `error`
        expect,              // expect …
    };
    Kind kind = Kind::event;
    std::uint32_t line = 0;  // 1-based
    dsl::Span span;          // the step's text (to the end of its JSON, when it has one)
    Timing timing;
    std::string name;        // event name or role
    dsl::Span name_span;
    json data;               // event: its data ({} when none); declines: {"reason": …}; signs: {"fields": …}
    Expectation expect;
};

struct Scenario {
    dsl::SourceFile source;
    Instant start{};                 // the virtual clock's first instant
    std::string zone = "UTC";        // the `start` line's zone: times written without one are in it
    std::string default_zone = "UTC";  // `default timezone`: the daemon's (MachineOptions::default_zone)
    std::vector<ScenarioStep> steps;
};

// A mistake in the scenario's text, or a name the workflow does not have.
struct ScenarioError {
    dsl::Span span;
    std::string message;  // one line
    std::string label;    // under the caret
    std::vector<std::string> help;
};

struct ParsedScenario {
    std::optional<Scenario> scenario;  // only when there are no errors
    std::vector<ScenarioError> errors;
};

// The default start when a scenario has no `start` line: Monday 2 March
// 2026, 09:00 UTC.
Instant default_scenario_start();

ParsedScenario parse_scenario(std::string path, std::string text);

// The scenario's names against the workflow's: roles, states, events,
// templates and effect targets. Empty when everything is known.
std::vector<ScenarioError> check_scenario(Scenario const& scenario, Definition const& definition);

// rustc's layout (see dsl/render.hpp): `error: …`, `--> path:line:col`, the
// line with a caret under the span, `= help:` lines.
std::string render_errors(dsl::SourceFile const& source, std::vector<ScenarioError> const& errors);

// ---------------------------------------------------------------- the run

// One line of the timeline.
struct TimelineEntry {
    enum class Kind {
        step,        // something the scenario did (an event, a signature, `nobody signs`)
        timer,       // a timer came due and fired
        answer,      // a document was answered (`done`/`error`)
        consequence, // what the machine did about it (state change, effect, timer armed, …)
        effect_error,  // an effect whose data could not be evaluated
        expectation, // an expectation checked here (ok or FAILED)
        note,        // the simulation explains itself (the clock stopped, …)
        trace,       // a raw TraceRecorder line (printed with --trace)
    };
    Kind kind = Kind::consequence;
    Instant at{};
    std::string text;
    std::string local;       // the signer's local time, e.g. "2026-03-04 09:00 EST" (empty: none)
    std::uint32_t line = 0;  // the scenario line it belongs to (steps and expectations)
};

// An effect the machine requested: recorded, never performed.
struct RecordedEffect {
    Instant at{};
    std::string kind;  // fill, request_signature, remind, warn_expiry, send_code, notify, invoke, archive
    std::string target;
    std::string operation;
    std::string method;
    json data;
    std::string error;  // the `with` data could not be evaluated
};

// An expectation that did not hold, or a step that could not be carried out
// (then the run stopped there).
struct Failure {
    std::uint32_t line = 0;
    std::string expected;  // what the scenario said
    std::string actual;    // what happened (may hold several lines)
    bool stopped = false;  // a step that could not run: the rest was not simulated
};

struct SimulationResult {
    std::vector<TimelineEntry> timeline;
    std::vector<RecordedEffect> effects;
    std::vector<Failure> failures;
    std::size_t expectations = 0;  // checked
    bool started = false;          // an envelope was started
    std::string state;             // its state at the end
    Status status = Status::running;
    Instant end{};                 // the clock at the end
    bool ok() const { return failures.empty(); }
};

// Runs a scenario that checked cleanly against this definition.
SimulationResult simulate(DefinitionPtr definition, Scenario const& scenario);

// The timeline, one line per entry: "2026-03-04 14:00Z  reminder to client
// (2026-03-04 09:00 EST)". With `trace`, the machine's raw trace lines too.
std::string render_timeline(SimulationResult const& result, bool trace = false);
// Each failure with its scenario line, what was expected and what happened;
// then a summary line.
std::string render_failures(Scenario const& scenario, SimulationResult const& result);

}  // namespace signflow::engine
