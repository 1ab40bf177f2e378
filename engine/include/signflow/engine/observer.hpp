#pragma once
// Everything the machine does, as it does it (the Boost.SML idea of a logging
// policy): the event received, each guard and its result, the transition,
// each action requested, the state change, timers armed, cancelled and fired.
// The trace printer and `simulate` hang on this interface (the daemon's
// journal, audit trail and metrics are written by the runtime's shards, not
// through it), and tests assert exact traces instead of poking at
// internals. Every method has an empty default, so an observer implements only
// what it needs; the machine calls them synchronously, in order.
#include "signflow/engine/instance.hpp"
#include "signflow/engine/time.hpp"

#include <string_view>

namespace signflow::engine {

struct Effect;

class Observer {
public:
    virtual ~Observer() = default;
    virtual void event(Instance const&, std::string_view /*event*/, Instant) {}
    // `error`: why the guard could not be evaluated (then it does not hold).
    virtual void guard(Instance const&, ir::Transition const&, bool /*holds*/, std::string_view /*error*/) {}
    virtual void transition(Instance const&, ir::Transition const&) {}
    virtual void action(Instance const&, Effect const&) {}
    virtual void state_changed(Instance const&, std::string_view /*from*/, std::string_view /*to*/) {}
    virtual void timer_armed(Instance const&, ir::Timer const&, Instant /*due*/, std::string_view /*zone*/) {}
    virtual void timer_cancelled(Instance const&, ir::Timer const&) {}
    // `late`: the timer came due while the daemon was down (or behind) and
    // fires once now, at `now`, instead of at `due`.
    virtual void timer_fired(Instance const&, ir::Timer const&, Instant /*due*/, bool /*late*/) {}
    // The event matched no transition of the current state (`why` says so).
    virtual void ignored(Instance const&, std::string_view /*event*/, std::string_view /*why*/) {}
    virtual void finished(Instance const&, std::string_view /*final_state*/) {}
};

// Forwards every call to two observers (e.g. the journal and the metrics).
class Tee final : public Observer {
public:
    Tee(Observer& a, Observer& b) : a_(a), b_(b) {}
    void event(Instance const& i, std::string_view e, Instant t) override { a_.event(i, e, t), b_.event(i, e, t); }
    void guard(Instance const& i, ir::Transition const& t, bool h, std::string_view e) override {
        a_.guard(i, t, h, e), b_.guard(i, t, h, e);
    }
    void transition(Instance const& i, ir::Transition const& t) override { a_.transition(i, t), b_.transition(i, t); }
    void action(Instance const& i, Effect const& e) override { a_.action(i, e), b_.action(i, e); }
    void state_changed(Instance const& i, std::string_view f, std::string_view t) override {
        a_.state_changed(i, f, t), b_.state_changed(i, f, t);
    }
    void timer_armed(Instance const& i, ir::Timer const& t, Instant d, std::string_view z) override {
        a_.timer_armed(i, t, d, z), b_.timer_armed(i, t, d, z);
    }
    void timer_cancelled(Instance const& i, ir::Timer const& t) override {
        a_.timer_cancelled(i, t), b_.timer_cancelled(i, t);
    }
    void timer_fired(Instance const& i, ir::Timer const& t, Instant d, bool l) override {
        a_.timer_fired(i, t, d, l), b_.timer_fired(i, t, d, l);
    }
    void ignored(Instance const& i, std::string_view e, std::string_view w) override {
        a_.ignored(i, e, w), b_.ignored(i, e, w);
    }
    void finished(Instance const& i, std::string_view s) override { a_.finished(i, s), b_.finished(i, s); }

private:
    Observer& a_;
    Observer& b_;
};

}  // namespace signflow::engine
