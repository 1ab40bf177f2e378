#include "signflow/engine/trace.hpp"

#include "signflow/dsl/ir_io.hpp"

namespace signflow::engine {

std::string describe(Effect const& e) {
    ir::Action const& a = *e.action;
    std::string s(ir::action_kind_name(a.kind));
    if (!a.target.empty()) s += " " + a.target;
    if (!a.operation.empty()) s += "." + a.operation;
    if (!a.method.empty()) s += " by " + a.method;
    if (!e.error.empty()) return s + " (failed: " + e.error + ")";
    // A fill's data is the whole template's values (the journal would hold
    // every field twice); the trace names the template, the outbox has them.
    if (!e.data.is_null() && a.kind != ir::ActionKind::fill) s += " " + e.data.dump();
    return s;
}

void TraceRecorder::event(Instance const&, std::string_view event, Instant) {
    lines.push_back("event " + std::string(event));
}

void TraceRecorder::guard(Instance const&, ir::Transition const& t, bool holds, std::string_view error) {
    std::string s = "guard [" + ir::to_text(*t.guard) + "] " + (holds ? "holds" : "does not hold");
    if (!error.empty()) s += " (" + std::string(error) + ")";
    lines.push_back(std::move(s));
}

void TraceRecorder::transition(Instance const&, ir::Transition const& t) {
    lines.push_back("transition " + t.from + " -> " + t.to + " on " + t.event);
}

void TraceRecorder::action(Instance const&, Effect const& e) { lines.push_back("action " + describe(e)); }

void TraceRecorder::state_changed(Instance const&, std::string_view from, std::string_view to) {
    lines.push_back("state " + std::string(from) + " -> " + std::string(to));
}

void TraceRecorder::timer_armed(Instance const&, ir::Timer const& t, Instant due, std::string_view zone) {
    std::string s = "timer armed " + t.id + " " + utc_text(due);
    if (!zone.empty()) s += " (" + local_text(due, zone) + ")";
    lines.push_back(std::move(s));
}

void TraceRecorder::timer_cancelled(Instance const&, ir::Timer const& t) {
    lines.push_back("timer cancelled " + t.id);
}

void TraceRecorder::timer_fired(Instance const&, ir::Timer const& t, Instant due, bool late) {
    lines.push_back("timer fired " + t.id + " due " + utc_text(due) + (late ? " [late]" : ""));
}

void TraceRecorder::ignored(Instance const&, std::string_view event, std::string_view why) {
    lines.push_back("ignored " + std::string(event) + ": " + std::string(why));
}

void TraceRecorder::finished(Instance const&, std::string_view final_state) {
    lines.push_back("finished " + std::string(final_state));
}

}  // namespace signflow::engine
