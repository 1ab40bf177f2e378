// The simulation: the Machine driven by a scenario on a virtual clock.
//
// The clock only moves forward, and only by the scenario's steps: before a
// step at time T, every pending timer due at or before T fires, in due order
// (timers due at the same instant in the order the workflow declares them),
// each at its own due time, so a timer is never late here. A `fill` is
// answered at the instant it is requested (`done`, or `error` after `fill
// fails`), before the next step. Effects are recorded where the runtime
// would put them in its outbox. The simulation is the Observer of its own
// machine: each call becomes a timeline line (and a raw trace line, shown
// with --trace), and what expectations ask about (reminders, connector calls,
// the expiry, ignored events) is kept as a list of happenings.
#include "../machine/envelope_documents.hpp"
#include "../machine/signer_fields.hpp"
#include "signflow/base/utf8.hpp"
#include "signflow/engine/data_keys.hpp"
#include "signflow/engine/machine.hpp"
#include "signflow/engine/simulation.hpp"
#include "signflow/engine/trace.hpp"

#include "signflow/dsl/ir_io.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace signflow::engine {

namespace {

using std::chrono::minutes;

// `nobody signs` lets the clock run at most this long: a reminder without
// `at most N times` in a step without `expire` would otherwise never stop.
constexpr auto run_out_limit = std::chrono::days{366};
constexpr std::size_t max_data_shown = 240;
constexpr std::size_t max_event_data_shown = 100;  // the full data is in the scenario file

// "2026-03-04 14:00Z": the timeline's clock, to the minute.
std::string clock_text(Instant t) {
    std::string s = utc_text(t);  // 2026-03-04T14:00:00Z
    return s.substr(0, 10) + " " + s.substr(11, 5) + "Z";
}

std::string shown(json const& data, std::size_t max = max_data_shown) {
    std::string s = data.dump(-1, ' ', false, json::error_handler_t::replace);
    if (s.size() > max) {
        s = std::string(base::utf8_clip(s, max)) + "…";  // not inside a UTF-8 character
    }
    return s;
}

// The data must hold at least what the expectation names: objects member by
// member (recursively), anything else equal.
bool contains(json const& actual, json const& wanted) {
    if (!wanted.is_object()) return actual == wanted;
    if (!actual.is_object()) return false;
    for (auto const& [key, value] : wanted.items()) {
        auto it = actual.find(key);
        if (it == actual.end() || !contains(*it, value)) return false;
    }
    return true;
}

// Something an expectation can ask about.
struct Happening {
    Instant at{};
    std::string what;  // an action kind, `expiry` or `ignored`
    std::string target;
    std::string operation;
    json data;
    std::string local;  // the person's local time, when it concerns one
};

std::string happening_text(std::string const& what, std::string const& target, std::string const& operation) {
    if (what == "remind") return "reminder to " + target;
    if (what == "request_signature") return "signature request to " + target;
    if (what == "send_code") return "code to " + target;
    if (what == "warn_expiry") return "expiry warning";
    if (what == "expiry") return "expiry";
    if (what == "archive") return target.empty() ? "archive" : "archive to " + target;
    if (what == "invoke") return "invoke " + target + (operation.empty() ? "" : "." + operation);
    return what + " " + target;  // fill T, notify T, ignored E
}

struct Stop {};

class Simulation final : public Observer {
public:
    Simulation(DefinitionPtr definition, Scenario const& scenario)
        : def_ptr_(std::move(definition)), def_(*def_ptr_), sc_(scenario),
          machine_(MachineOptions{scenario.default_zone}), now_(scenario.start) {}

    SimulationResult run() {
        for (auto const& step : sc_.steps) {
            line_ = step.line;
            try {
                perform(step);
            } catch (Stop const&) {
                break;
            }
        }
        out_.started = inst_.has_value();
        if (inst_) {
            out_.state = def_.state_name(inst_->state);
            out_.status = inst_->status;
        }
        out_.end = now_;
        return std::move(out_);
    }

private:
    // ------------------------------------------------------------ steps

    void perform(ScenarioStep const& s) {
        using K = ScenarioStep::Kind;
        switch (s.kind) {
        case K::event:
            advance(when(s));
            external(s);
            break;
        case K::signs:
        case K::declines:
        case K::verifies:
        case K::fails_verification:
            advance(when(s));
            signer(s);
            break;
        case K::wait: advance(when(s)); break;
        case K::nobody_signs: run_out(); break;
        case K::fill_fails: fail_next_fill_ = true; break;
        case K::expect: expect(s); break;
        }
    }

    Instant when(ScenarioStep const& s) {
        switch (s.timing.kind) {
        case Timing::Kind::now: return now_;
        case Timing::Kind::after: return now_ + minutes{s.timing.minutes};
        case Timing::Kind::at:
            if (s.timing.at < now_)
                stop("the clock is already at " + clock_text(now_) + ", later than " + clock_text(s.timing.at) +
                     " (" + local_text(s.timing.at, s.timing.zone) + "): the clock only moves forward");
            return s.timing.at;
        }
        return now_;
    }

    // A step that cannot be carried out ends the run: what follows would
    // simulate something other than what the author wrote.
    [[noreturn]] void stop(std::string why) {
        add(TimelineEntry::Kind::note, "scenario stopped: " + why, {}, line_);
        out_.failures.push_back({line_, {}, std::move(why), true});
        throw Stop{};
    }

    void external(ScenarioStep const& s) {
        std::string text = "event " + s.name;
        if (!s.data.empty()) text += " " + shown(s.data, max_event_data_shown);
        add(TimelineEntry::Kind::step, text, {}, s.line);
        auto const& events = def_.external_events();
        auto it = events.find(s.name);
        bool awaited = it != events.end() && !it->second.awaited_in.empty();
        if (inst_) {
            if (!awaited)
                stop("`" + s.name + "` would start a second envelope; a scenario runs one envelope (write "
                     "another scenario file for another one)");
            deliver(Event{s.name, &s.data, {}, 0});
            return;
        }
        auto trigger = machine_.match_trigger(def_, s.name, s.data, now_);
        if (!trigger) {
            if (awaited && (it == events.end() || !it->second.starts))
                stop("no envelope is running: `" + s.name + "` only moves an envelope that waits for it");
            consequence("no envelope: no trigger's condition holds for this event");
            return;
        }
        std::size_t starts = out_.timeline.size();
        consequence("envelope 1 starts (trigger " + std::to_string(*trigger) + ": " + s.name + ")");
        Instance inst;
        inst.id = 1;
        Step step;
        try {
            machine_.start(inst, def_ptr_, *trigger, s.data, now_, *this, step);
        } catch (StartError const& e) {
            out_.timeline.erase(out_.timeline.begin() + static_cast<std::ptrdiff_t>(starts));
            stop(std::string("the envelope could not start: ") + e.what());
        }
        inst_ = std::move(inst);
        settle(step);
    }

    void signer(ScenarioStep const& s) {
        using K = ScenarioStep::Kind;
        std::string verb = s.kind == K::signs      ? "signs"
                           : s.kind == K::declines ? "declines"
                           : s.kind == K::verifies ? "verifies"
                                                   : "fails verification";
        std::string text = s.name + " " + verb;
        if (s.data.contains("reason")) text += " " + s.data["reason"].dump();
        if (s.data.contains("fields")) text += " " + s.data["fields"].dump();
        if (!inst_) {
            add(TimelineEntry::Kind::step, text, {}, s.line);
            stop("no envelope is running (no trigger event started one), so " + s.name + " cannot act");
        }
        add(TimelineEntry::Kind::step, text, role_local(*inst_, s.name, now_), s.line);
        std::string event = s.kind == K::signs      ? "signed("
                            : s.kind == K::declines ? "declined("
                            : s.kind == K::verifies ? "verified("
                                                    : "verification_failed(";
        event += s.name + ")";
        StateId before = inst_->state;
        // A signature with fields (`client signs {"plan": "pro"}`) is checked
        // as the daemon checks it: a value that does not pass refuses it.
        json data = s.data;
        std::string kept;
        if (s.kind == K::signs && (def_.has_signer_fields() || data.contains("fields"))) {
            ir::Timer probe;
            probe.zone_of = s.name;
            auto problems = detail::take_fields(*inst_, s.name, data, now_, machine_.zone_for(*inst_, probe), kept);
            if (!problems.empty()) {
                std::string why;
                for (auto const& [name, p] : problems) why += (why.empty() ? "" : "; ") + ("`" + name + "`: " + p.message);
                consequence("refused: " + why);
                return;
            }
        }
        Step step = deliver(Event{event, data.empty() ? nullptr : &data, {}, 0});
        if (!step.applied && !kept.empty()) inst_->data = std::move(kept);
        // A signature that leaves the group waiting for others: say for whom.
        StateInfo const& st = def_.state(inst_->state);
        if (step.applied && s.kind == K::signs && inst_->state == before && st.kind == StateKind::signing &&
            inst_->status == Status::running) {
            std::string waiting;
            for (auto role : st.signers)
                if (!(inst_->signed_mask & (std::uint64_t{1} << role)))
                    waiting += (waiting.empty() ? "" : ", ") + def_.ir().roles[role].name;
            if (!waiting.empty()) consequence("waiting for " + waiting + " to sign");
        }
    }

    // ------------------------------------------------------------ the clock

    bool running() const { return inst_ && inst_->status == Status::running; }

    // The pending timer due first (ties: in the workflow's order).
    std::map<TimerId, TimerOp>::iterator earliest() {
        return std::min_element(pending_.begin(), pending_.end(), [](auto const& a, auto const& b) {
            return a.second.due != b.second.due ? a.second.due < b.second.due : a.first < b.first;
        });
    }

    void advance(Instant to) {
        while (running() && !pending_.empty()) {
            auto next = earliest();
            if (next->second.due > to) break;
            fire(next);
        }
        now_ = std::max(now_, to);
    }

    void run_out() {
        add(TimelineEntry::Kind::step, "nobody signs: the clock runs until the envelope ends", {}, line_);
        Instant limit = now_ + run_out_limit;
        while (running() && !pending_.empty()) {
            auto next = earliest();
            if (next->second.due > limit) {
                now_ = limit;
                add(TimelineEntry::Kind::note, "the clock stops after 366 days; timers are still pending", {}, 0);
                return;
            }
            fire(next);
        }
        if (running())
            add(TimelineEntry::Kind::note,
                "nothing is pending: the envelope stays in " + def_.state_name(inst_->state), {}, 0);
    }

    void fire(std::map<TimerId, TimerOp>::iterator it) {
        TimerOp op = it->second;
        pending_.erase(it);
        now_ = op.due;
        ir::Timer const& t = def_.timer(op.timer);
        std::string text = "timer " + t.id + " fires";
        if (t.kind == "reminder") {
            text += " (reminder " + std::to_string(op.fired + 1);
            if (t.max_count > 0) text += " of " + std::to_string(t.max_count);
            text += ")";
        } else if (t.kind == "expiry") {
            text += " (the step's time is up)";
        } else if (t.kind == "warning") {
            text += " (expiry warning)";
        } else if (t.kind == "delay") {
            text += " (the wait is over)";
        } else if (t.kind == "timeout") {
            text += " (the wait for the event timed out)";
        }
        add(TimelineEntry::Kind::timer, text, op.zone.empty() ? "" : local_text(op.due, op.zone), 0);
        std::string name = "timer(" + t.id + ")";
        deliver(Event{name, nullptr, op.due, op.fired});
    }

    Step deliver(Event const& e) {
        Step step;
        cancels_shown_.clear();
        machine_.apply(*inst_, e, now_, *this, step);
        if (step.applied && e.name.starts_with("signed(")) {
            json data = json::parse(inst_->data);
            detail::document_signed(data);
            inst_->data = data.dump();
        }
        settle(step);
        return step;
    }

    // Applies what a step asks of the runtime: timers, and the answers to
    // documents (given at once, after the step's own effects).
    void settle(Step const& step) {
        for (auto const& op : step.timers) {
            if (op.arm)
                pending_[op.timer] = op;
            else
                pending_.erase(op.timer);
        }
        for (auto const& e : step.effects)
            if (e.action->kind == ir::ActionKind::fill) {
                answers_.push_back({e.action->target, fail_next_fill_ ? "error" : "done"});
                fail_next_fill_ = false;
            }
        if (answering_) return;
        answering_ = true;
        while (!answers_.empty()) {
            auto [document, answer] = answers_.front();
            answers_.pop_front();
            // As the daemon does: the document joins those the next signature
            // signs (revisions are the daemon's: none here).
            if (answer == "done") {
                json data = json::parse(inst_->data);
                detail::document_filled(data, document, 0);
                inst_->data = data.dump();
            }
            add(TimelineEntry::Kind::answer,
                "document " + document + (answer == "done" ? " is ready: done" : " could not be prepared: error"),
                {}, 0);
            deliver(Event{answer, nullptr, {}, 0});
        }
        answering_ = false;
    }

    // ------------------------------------------------------------ expectations

    void expect(ScenarioStep const& s) {
        Expectation const& e = s.expect;
        ++out_.expectations;
        std::string expected, actual;
        bool ok = false;
        // The step as written, on one line (its JSON may span several).
        std::string written;
        for (char c : sc_.source.text().substr(s.span.begin, s.span.end - s.span.begin)) {
            bool blank = c == ' ' || c == '\n' || c == '\t' || c == '\r';
            if (!blank)
                written += c;
            else if (!written.empty() && written.back() != ' ')
                written += ' ';
        }
        switch (e.kind) {
        case Expectation::Kind::state: {
            expected = "state " + e.state;
            if (!inst_) {
                actual = "no envelope was started";
            } else {
                std::string now = def_.state_name(inst_->state);
                ok = now == e.state;
                actual = "state " + now + (inst_->status == Status::running ? " (running)" : " (ended)");
            }
            break;
        }
        case Expectation::Kind::no_envelope:
            expected = "no envelope";
            ok = !inst_;
            if (inst_) actual = "envelope 1 was started; it is in state " + def_.state_name(inst_->state);
            break;
        case Expectation::Kind::happening: check_happening(e, ok, expected, actual); break;
        }
        add(TimelineEntry::Kind::expectation, written + (ok ? ": ok" : ": FAILED"), {}, s.line);
        if (!ok) out_.failures.push_back({s.line, std::move(expected), std::move(actual), false});
    }

    void check_happening(Expectation const& e, bool& ok, std::string& expected, std::string& actual) {
        std::string what = happening_text(e.what, e.target, e.operation);
        auto same_kind = [&](Happening const& h) {
            return h.what == e.what && (e.target.empty() || h.target == e.target) &&
                   (e.operation.empty() || h.operation == e.operation);
        };
        std::int64_t n = 0;
        std::vector<Happening const*> related;
        for (auto const& h : happenings_) {
            if (!same_kind(h)) continue;
            related.push_back(&h);
            if (e.at && h.at != *e.at) continue;
            if (e.with && !contains(h.data, *e.with)) continue;
            ++n;
        }
        switch (e.count) {
        case Expectation::Count::at_least_one: ok = n >= 1; break;
        case Expectation::Count::none:
            ok = n == 0;
            expected = "no ";
            break;
        case Expectation::Count::exactly:
            ok = n == e.n;
            expected = std::to_string(e.n) + " × ";
            break;
        }
        expected += what;
        if (e.at) expected += " at " + clock_text(*e.at) + " (" + local_text(*e.at, e.at_zone) + ")";
        if (e.with) expected += " with " + shown(*e.with);
        if (related.empty()) {
            actual = "no " + what + " at all";
            return;
        }
        actual = std::to_string(related.size()) + " × " + what + ":";
        for (auto const* h : related) {
            actual += "\n" + clock_text(h->at);
            if (!h->local.empty()) actual += " (" + h->local + ")";
            if (e.with) actual += " with " + shown(h->data);
        }
    }

    // ------------------------------------------------------------ the observer

    void event(Instance const& i, std::string_view e, Instant t) override {
        tracer_.event(i, e, t);
        trace();
    }
    void guard(Instance const& i, ir::Transition const& t, bool holds, std::string_view error) override {
        tracer_.guard(i, t, holds, error);
        trace();
        std::string text = "guard [" + ir::to_text(*t.guard) + "] " + (holds ? "holds" : "does not hold");
        if (!error.empty()) text += " (" + std::string(error) + ")";
        consequence(text);
    }
    void transition(Instance const& i, ir::Transition const& t) override {
        tracer_.transition(i, t);
        trace();
    }
    void action(Instance const& i, Effect const& e) override {
        tracer_.action(i, e);
        trace();
        ir::Action const& a = *e.action;
        std::string kind(ir::action_kind_name(a.kind));
        Happening h{now_, kind, a.target, a.operation, e.data, {}};
        std::string text = happening_text(kind, a.target, a.operation);
        bool message = ir::route_of(a, def_.ir()).lane == ir::Lane::messages;
        if (message && a.kind != ir::ActionKind::warn_expiry) {
            h.local = role_local(i, a.target, now_);
        } else if (a.kind == ir::ActionKind::warn_expiry) {
            // The warning names no one: it is for the signers still to sign.
            StateInfo const& st = def_.state(i.state);
            std::vector<std::string> waiting;
            for (auto role : st.signers)
                if (!(i.signed_mask & (std::uint64_t{1} << role))) waiting.push_back(def_.ir().roles[role].name);
            std::string names;
            for (auto const& w : waiting) names += (names.empty() ? "" : ", ") + w;
            if (!names.empty()) text += " (waiting for " + names + ")";
            if (waiting.size() == 1) h.local = role_local(i, waiting.front(), now_);
        }
        if (a.kind == ir::ActionKind::send_code)
            text += " by " + a.method + " (" + std::to_string(a.attempts) + " attempts)";
        if (!e.error.empty()) {
            text += " (failed: " + e.error + ")";
        } else if (!e.data.is_null()) {
            text += " " + shown(e.data);
        }
        add(e.error.empty() ? TimelineEntry::Kind::consequence : TimelineEntry::Kind::effect_error, text, h.local, 0);
        out_.effects.push_back({now_, std::move(kind), a.target, a.operation, a.method, e.data, e.error});
        happenings_.push_back(std::move(h));
    }
    void state_changed(Instance const& i, std::string_view from, std::string_view to) override {
        tracer_.state_changed(i, from, to);
        trace();
        consequence("state " + std::string(from) + " -> " + std::string(to));
    }
    void timer_armed(Instance const& i, ir::Timer const& t, Instant due, std::string_view zone) override {
        tracer_.timer_armed(i, t, due, zone);
        trace();
        add(TimelineEntry::Kind::consequence, "timer " + t.id + " armed for " + clock_text(due),
            zone.empty() ? "" : local_text(due, zone), 0);
    }
    void timer_cancelled(Instance const& i, ir::Timer const& t) override {
        tracer_.timer_cancelled(i, t);
        trace();
        // Only timers still pending: the one firing now has gone already.
        auto id = def_.find_timer(t.id);
        if (id && pending_.count(*id) && cancels_shown_.insert(*id).second) consequence("timer " + t.id + " cancelled");
    }
    void timer_fired(Instance const& i, ir::Timer const& t, Instant due, bool late) override {
        tracer_.timer_fired(i, t, due, late);
        trace();
    }
    void ignored(Instance const& i, std::string_view e, std::string_view why) override {
        tracer_.ignored(i, e, why);
        trace();
        consequence("ignored: " + std::string(why));
        happenings_.push_back({now_, "ignored", std::string(e), {}, {}, {}});
    }
    void finished(Instance const& i, std::string_view final_state) override {
        tracer_.finished(i, final_state);
        trace();
        consequence("envelope ended: " + std::string(final_state));
        if (final_state == "expired") happenings_.push_back({now_, "expiry", {}, {}, {}, {}});
    }

    // ------------------------------------------------------------ helpers

    std::string role_local(Instance const& i, std::string const& role, Instant t) const {
        ir::Timer probe;
        probe.zone_of = role;
        return local_text(t, machine_.zone_for(i, probe));
    }

    void add(TimelineEntry::Kind kind, std::string text, std::string local, std::uint32_t line) {
        out_.timeline.push_back({kind, now_, std::move(text), std::move(local), line});
    }
    void consequence(std::string text) { add(TimelineEntry::Kind::consequence, std::move(text), {}, 0); }
    void trace() { add(TimelineEntry::Kind::trace, tracer_.lines.back(), {}, 0); }

    DefinitionPtr def_ptr_;
    Definition const& def_;
    Scenario const& sc_;
    Machine machine_;
    Instant now_;
    std::uint32_t line_ = 0;
    std::optional<Instance> inst_;
    std::map<TimerId, TimerOp> pending_;
    std::deque<std::pair<std::string, std::string>> answers_;  // (document, answer)
    bool answering_ = false;
    bool fail_next_fill_ = false;
    std::set<TimerId> cancels_shown_;
    std::vector<Happening> happenings_;
    TraceRecorder tracer_;
    SimulationResult out_;
};

}  // namespace

SimulationResult simulate(DefinitionPtr definition, Scenario const& scenario) {
    return Simulation(std::move(definition), scenario).run();
}

std::string render_timeline(SimulationResult const& result, bool trace) {
    constexpr std::size_t line_column = 64;  // where "# line N" goes
    std::string out;
    for (auto const& e : result.timeline) {
        using K = TimelineEntry::Kind;
        if (e.kind == K::trace && !trace) continue;
        std::string s = clock_text(e.at) + "  ";
        switch (e.kind) {
        case K::consequence: s += "  "; break;
        case K::effect_error: s += "! "; break;
        case K::trace: s += "  | "; break;
        default: break;
        }
        s += e.text;
        if (!e.local.empty()) s += "  (" + e.local + ")";
        if (e.line > 0) {
            if (s.size() < line_column) s += std::string(line_column - s.size(), ' ');
            s += "  # line " + std::to_string(e.line);
        }
        out += s + "\n";
    }
    return out;
}

std::string render_failures(Scenario const& scenario, SimulationResult const& result) {
    auto const& source = scenario.source;
    std::string out;
    for (auto const& f : result.failures) {
        std::string number = std::to_string(f.line);
        std::string pad(number.size() + 2, ' ');
        out += std::string(f.stopped ? "STOPPED " : "FAILED ") + source.path() + ":" + number + "\n";
        out += " " + number + " | " + std::string(source.line_text(f.line)) + "\n";
        auto block = [&](std::string const& head, std::string const& text) {
            std::string indent = pad + std::string(head.size(), ' ');
            out += pad + head;
            std::size_t start = 0;
            while (true) {
                auto nl = text.find('\n', start);
                out += text.substr(start, nl == std::string::npos ? std::string::npos : nl - start) + "\n";
                if (nl == std::string::npos) break;
                start = nl + 1;
                out += indent + "  ";
            }
        };
        if (f.stopped) {
            block("! ", f.actual);
        } else {
            block("- expected: ", f.expected);
            block("+ actual:   ", f.actual);
        }
        out += "\n";
    }
    std::size_t failed = 0;
    bool stopped = false;
    for (auto const& f : result.failures) {
        if (f.stopped)
            stopped = true;
        else
            ++failed;
    }
    out += source.path() + ": ";
    if (result.expectations == 0)
        out += "no expectations";
    else
        out += std::to_string(result.expectations) + " expectation" + (result.expectations == 1 ? "" : "s") + ", " +
               (failed == 0 ? std::string("all held") : std::to_string(failed) + " failed");
    if (stopped) out += "; the scenario stopped early";
    if (result.started)
        out += result.status == Status::running ? "; the envelope is in " + result.state
                                                : "; the envelope ended " + result.state;
    out += "\n";
    return out;
}

}  // namespace signflow::engine
