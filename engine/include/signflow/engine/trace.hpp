#pragma once
// The machine's trace as lines of text: what tests assert, what `simulate`
// prints, what the log shows at debug level. One line per observer call:
//
//   event signed(client)
//   guard [event.amount > 0] holds
//   transition awaiting(client) -> awaiting(manager) on signed(client)
//   action invoke billing {"amount":10}
//   state awaiting(client) -> awaiting(manager)
//   timer armed remind#1(manager) 2026-03-04T14:00:00Z (2026-03-04 09:00 EST)
//   timer cancelled remind#1(client)
//   timer fired remind#1(client) due 2026-03-04T14:00:00Z [late]
//   ignored signed(manager): the envelope is in …
//   finished completed
#include "signflow/engine/machine.hpp"
#include "signflow/engine/observer.hpp"

#include <string>
#include <vector>

namespace signflow::engine {

std::string describe(Effect const& e);  // "invoke billing.create {…}", "remind client"

class TraceRecorder : public Observer {
public:
    std::vector<std::string> lines;

    void event(Instance const&, std::string_view event, Instant) override;
    void guard(Instance const&, ir::Transition const&, bool holds, std::string_view error) override;
    void transition(Instance const&, ir::Transition const&) override;
    void action(Instance const&, Effect const&) override;
    void state_changed(Instance const&, std::string_view from, std::string_view to) override;
    void timer_armed(Instance const&, ir::Timer const&, Instant due, std::string_view zone) override;
    void timer_cancelled(Instance const&, ir::Timer const&) override;
    void timer_fired(Instance const&, ir::Timer const&, Instant due, bool late) override;
    void ignored(Instance const&, std::string_view event, std::string_view why) override;
    void finished(Instance const&, std::string_view final_state) override;
};

}  // namespace signflow::engine
