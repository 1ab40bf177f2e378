// The interpreter. One Run is one call of start() or apply(): it carries the
// instance, the clock, the observer and the step being filled, and parses the
// envelope's data at most once, only when an expression or a local time needs
// it (most signatures need neither: that keeps a transition well under a
// microsecond).
#include "signflow/engine/machine.hpp"

#include "start_checks.hpp"

#include "signflow/dsl/ir_io.hpp"
#include "signflow/engine/data_keys.hpp"

#include <algorithm>
#include <set>

namespace signflow::engine {

std::string_view status_name(Status s) {
    switch (s) {
    case Status::running: return "running";
    case Status::finished: return "finished";
    case Status::cancelled: return "cancelled";
    }
    return "running";
}

namespace {

json const* member(json const* object, char const* key) {
    if (!object || !object->is_object()) return nullptr;
    auto it = object->find(key);
    return it == object->end() ? nullptr : &*it;
}

// Choice states chain into each other only through lowering's joins; a cycle
// would be a compiler bug, and this bound turns it into an error, not a hang.
constexpr int max_chain = 64;

class Run {
public:
    Run(Machine const& machine, Instance& instance, Instant now, Observer& observer, Step& step,
        json const* external)
        : machine_(machine), inst_(instance), def_(*instance.definition), now_(now), obs_(observer),
          step_(step), external_(external) {}

    json const& data() {
        if (!parsed_) parsed_ = json::parse(inst_.data);
        return *parsed_;
    }

    Scope scope() {
        json const& d = data();
        Scope s;
        s.event = external_ ? external_ : member(&d, data_key::event);
        s.envelope = member(&d, data_key::envelope);
        s.roles = member(&d, data_key::roles);
        s.now = now_;
        return s;
    }

    // Tries the current state's transitions on `event`; returns whether one fired.
    bool dispatch(EventId event, int depth = 0) {
        if (depth > max_chain) throw std::logic_error("choice states loop in " + def_.name());
        StateInfo const& st = def_.state(inst_.state);
        for (Edge const& edge : st.edges) {
            if (edge.event != event) continue;
            ir::Transition const& t = def_.ir().transitions[edge.transition];
            if (t.guard && !guard(t)) continue;
            cancel_on(event);
            fire(edge.transition, event, depth);
            return true;
        }
        return false;
    }

    void enter_from_start(std::uint32_t transition, EventId event) {
        fire(transition, event, 0);
    }

    void finish_timer(TimerId timer, Event const& e) {
        ir::Timer const& t = def_.timer(timer);
        bool again = t.kind == "reminder" && t.every_minutes > 0 && (t.max_count == 0 || e.fired + 1 < t.max_count) &&
                     inst_.status == Status::running && lists(inst_.state, timer) && !cancelled_.count(timer);
        if (again) {
            // As when first armed: a zone only for a time of day ("" otherwise, as the store expects).
            std::string zone = t.at_minute_of_day ? machine_.zone_for(inst_, t) : std::string();
            if (auto next = next_due(t, e.due, now_, zone.empty() ? "UTC" : zone)) {
                arm(timer, *next, zone, e.fired + 1);
                return;
            }
        }
        // The fired timer's row goes; a re-armed one is replaced instead.
        step_.timers.push_back({false, timer, {}, {}, 0});
    }

private:
    bool guard(ir::Transition const& t) {
        try {
            bool holds = engine::holds(*t.guard, scope());
            obs_.guard(inst_, t, holds, {});
            return holds;
        } catch (EvalError const& e) {
            obs_.guard(inst_, t, false, e.what());
            return false;
        }
    }

    // A message to a role that may have been left without a value at start
    // (one needed only on some paths). Required roles are never null, and
    // checking only the optional ones keeps the common path free of parsing.
    bool addressed_to_role(ir::Action const& a) {
        using K = ir::ActionKind;
        bool message = a.kind == K::request_signature || a.kind == K::remind || a.kind == K::send_code ||
                       a.kind == K::notify;
        if (!message) return false;
        auto r = def_.find_role(a.target);
        return r && inst_.trigger >= 0 && !(def_.required_roles(inst_.trigger) & (std::uint64_t{1} << *r));
    }

    bool lists(StateId s, TimerId t) const {
        auto const& ts = def_.state(s).timers;
        return std::binary_search(ts.begin(), ts.end(), t);
    }

    // Timers that stop early on this event (a signer's reminder when they sign).
    void cancel_on(EventId event) {
        for (TimerId t : def_.state(inst_.state).timers) {
            if (def_.timer_cancel_on(t) != event || cancelled_.count(t)) continue;
            cancelled_.insert(t);
            step_.timers.push_back({false, t, {}, {}, 0});
            obs_.timer_cancelled(inst_, def_.timer(t));
        }
    }

    void fire(std::uint32_t index, EventId event, int depth) {
        ir::Transition const& t = def_.ir().transitions[index];
        obs_.transition(inst_, t);
        run(t.actions, event);
        for (auto r : def_.reactions(event)) run(def_.ir().reactions[r].actions, event);
        StateId to = def_.target(index);
        if (to == inst_.state) {
            internal(event, depth);
            return;
        }
        enter(to, event, depth);
    }

    // A signature inside a routing group of several: recorded; the last one
    // completes the group.
    void internal(EventId event, int depth) {
        StateInfo const& st = def_.state(inst_.state);
        if (st.kind != StateKind::signing || st.signers.size() < 2) return;
        for (auto role : st.signers) {
            if (def_.signed_event(role) != event) continue;
            inst_.signed_mask |= std::uint64_t{1} << role;
        }
        for (auto role : st.signers)
            if (!(inst_.signed_mask & (std::uint64_t{1} << role))) return;
        dispatch(def_.all_signed(), depth + 1);
    }

    void enter(StateId to, EventId event, int depth) {
        StateId from = inst_.state;
        inst_.state = to;
        inst_.entered_by = event;
        inst_.signed_mask = 0;
        obs_.state_changed(inst_, def_.state_name(from), def_.state_name(to));

        auto const& before = def_.state(from).timers;
        auto const& after = def_.state(to).timers;
        // cancel_on() may have cancelled one already in this step (a signer's
        // reminder when they sign): it is cancelled, and traced, once.
        for (TimerId t : before)
            if (!std::binary_search(after.begin(), after.end(), t) && !cancelled_.count(t)) {
                step_.timers.push_back({false, t, {}, {}, 0});
                obs_.timer_cancelled(inst_, def_.timer(t));
            }
        for (TimerId t : after)
            if (!std::binary_search(before.begin(), before.end(), t)) {
                ir::Timer const& timer = def_.timer(t);
                std::string zone = timer.at_minute_of_day ? machine_.zone_for(inst_, timer) : std::string();
                arm(t, first_due(timer, now_, zone.empty() ? "UTC" : zone), zone, 0);
            }

        StateInfo const& st = def_.state(to);
        run(def_.ir().states[to].entry, event);
        if (st.kind == StateKind::final) {
            inst_.status = Status::finished;
            obs_.finished(inst_, def_.state_name(to));
        } else if (st.kind == StateKind::choice) {
            if (!dispatch(def_.always(), depth + 1))
                throw std::logic_error("choice state " + def_.state_name(to) + " has no way out");
        }
    }

    void arm(TimerId t, Instant due, std::string zone, std::int64_t fired) {
        obs_.timer_armed(inst_, def_.timer(t), due, zone);
        step_.timers.push_back({true, t, due, std::move(zone), fired});
    }

    void run(std::vector<ir::Action> const& actions, EventId event) {
        for (ir::Action const& a : actions) {
            if (!a.only_on_event.empty() && a.only_on_event != def_.event_name(event)) continue;
            if (a.only_for_trigger >= 0 && a.only_for_trigger != inst_.trigger) continue;
            Effect e;
            e.action = &a;
            e.key = std::to_string(inst_.id) + "." + std::to_string(inst_.seq) + "." +
                    std::to_string(step_.effects.size() + 1);
            if (a.data) {
                try {
                    e.data = evaluate(*a.data, scope());
                } catch (EvalError const& x) {
                    e.error = x.what();
                }
            }
            if (e.error.empty() && a.kind == ir::ActionKind::fill) fill_data(a, e);
            if (e.error.empty() && addressed_to_role(a)) {
                json const* who = member(member(&data(), data_key::roles), a.target.c_str());
                if (!who || who->is_null())
                    e.error = "role `" + a.target + "` has no value in this envelope (the event that started it "
                              "did not give one)";
            }
            obs_.action(inst_, e);
            step_.effects.push_back(std::move(e));
        }
    }

    // A fill carries what the document needs: the template's source, its
    // fields' values and which conditional sections show, evaluated now (the
    // documents connector knows no expressions). A field whose path is
    // missing, or that cannot be evaluated, is null (left blank); the second
    // kind is listed in `problems`.
    void fill_data(ir::Action const& a, Effect& e) {
        auto const& templates = def_.ir().templates;
        auto t = std::find_if(templates.begin(), templates.end(), [&](ir::Template const& t) { return t.name == a.target; });
        if (t == templates.end()) return;
        json values = json::object(), sections = json::object(), attachments = json::array();
        Scope s = scope();
        json problems = json::array();
        for (auto const& f : t->fields) {
            try {
                values[f.name] = evaluate(f.value, s);
            } catch (EvalError const& x) {
                // Left blank rather than failing the whole document; the
                // reason travels with the fill (and into the audit trail).
                values[f.name] = nullptr;
                problems.push_back("field `" + f.name + "`: " + x.what());
            }
        }
        // A section shows only when its condition holds; one that cannot be
        // evaluated (a missing number) does not hold, as a guard would not.
        for (auto const& sec : t->sections) {
            try {
                sections[sec.name] = holds(sec.when, s);
            } catch (EvalError const&) {
                sections[sec.name] = false;
            }
        }
        for (auto const& at : t->attachments)
            attachments.push_back({{"name", at.name}, {"from", at.from}, {"required", at.required}});
        json with = e.data.is_object() ? e.data : json::object();
        for (auto& [k, v] : with.items()) values[k] = v;  // `fill T with {…}` overrides the declaration
        e.data = {{"template", t->name}, {"source", t->source}, {"values", std::move(values)},
                  {"sections", std::move(sections)}, {"attachments", std::move(attachments)}};
        if (!problems.empty()) e.data["problems"] = std::move(problems);
        // Signer fields the PDF lacks, placed by the template: made at fill
        // time, empty, for the signer's value to be drawn into at signing.
        json placed = json::array();
        for (auto const& f : t->signer_fields)
            if (f.at.size() == 5)
                placed.push_back({{"name", f.name}, {"page", f.at[0]}, {"x", f.at[1]}, {"y", f.at[2]},
                                  {"width", f.at[3]}, {"height", f.at[4]}});
        if (!placed.empty()) e.data["placed"] = std::move(placed);
    }

    Machine const& machine_;
    Instance& inst_;
    Definition const& def_;
    Instant now_;
    Observer& obs_;
    Step& step_;
    json const* external_;
    std::optional<json> parsed_;
    std::set<TimerId> cancelled_;
};

std::string describe_role(json const& v) {
    switch (v.type()) {
    case json::value_t::null: return "nothing (null or missing)";
    case json::value_t::string: return "a string";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "a list";
    case json::value_t::boolean: return "a boolean";
    default: return "a number";
    }
}

}  // namespace

std::optional<int> Machine::match_trigger(Definition const& d, std::string_view event, json const& data,
                                          Instant now) const {
    auto const& triggers = d.ir().triggers;
    for (std::size_t k = 0; k < triggers.size(); ++k) {
        if (triggers[k].event != event) continue;
        if (!triggers[k].guard) return static_cast<int>(k);
        Scope s;
        s.event = &data;
        s.now = now;
        try {
            if (holds(*triggers[k].guard, s)) return static_cast<int>(k);
        } catch (EvalError const&) {
            // A guard that cannot be evaluated does not hold.
        }
    }
    return std::nullopt;
}

void Machine::start(Instance& inst, DefinitionPtr definition, int trigger, json const& data, Instant now,
                    Observer& observer, Step& step) const {
    Definition const& d = *definition;
    json envelope = data.is_object() ? data : json::object();
    envelope["id"] = inst.id;
    envelope["workflow"] = d.name();
    envelope["created_at"] = utc_text(now);

    json roles = json::object();
    Scope s;
    s.event = &data;
    s.envelope = &envelope;
    s.roles = &roles;
    s.now = now;
    std::uint64_t required = d.required_roles(trigger);
    for (std::size_t r = 0; r < d.ir().roles.size(); ++r) {
        auto const& role = d.ir().roles[r];
        json v;
        try {
            v = evaluate(role.source, s);
        } catch (EvalError const& e) {
            throw StartError("role `" + role.name + "` (" + ir::to_text(role.source) + "): " + e.what());
        }
        if (v.is_string()) v = json{{"email", v}};
        if (v.is_null() && !(required & (std::uint64_t{1} << r))) {
            // Needed only on some paths: checked when a message goes to it.
            roles[role.name] = nullptr;
            continue;
        }
        if (!v.is_object())
            throw StartError("role `" + role.name + "` is `" + ir::to_text(role.source) + "`, which is " +
                             describe_role(v) + " in this event; it must be an email string or an object");
        if (auto const* tz = member(&v, "timezone"); tz && !tz->is_null()) {
            if (!tz->is_string() || !is_known_zone(tz->get<std::string>()))
                throw StartError("role `" + role.name + "`: unknown time zone " + tz->dump() +
                                 " (an IANA name such as \"Europe/Berlin\")");
        }
        detail::check_role_address(role.name, v);
        // ROLE.fields are what the signer gave on the signing page, and
        // nothing else: the event cannot give them in the signer's place;
        // nor can it say a signer signs for someone (only a hand-over does).
        v.erase("fields");
        v.erase("on_behalf_of");
        roles[role.name] = std::move(v);
    }
    detail::check_template_values(d, trigger, s);

    inst.definition = std::move(definition);
    inst.trigger = static_cast<std::int16_t>(trigger);
    inst.state = d.start();
    inst.status = Status::running;
    inst.signed_mask = 0;
    inst.seq = 1;
    inst.created_ms = inst.updated_ms = to_millis(now);
    inst.data =
        json{{data_key::event, data}, {data_key::envelope, std::move(envelope)}, {data_key::roles, std::move(roles)}}
            .dump();

    std::uint32_t t = d.trigger_transition(trigger);
    auto event = d.find_event(d.ir().transitions[t].event);
    observer.event(inst, d.ir().transitions[t].event, now);
    Run run(*this, inst, now, observer, step, &data);
    run.enter_from_start(t, *event);
    step.applied = true;
}

void Machine::apply(Instance& inst, Event const& e, Instant now, Observer& observer, Step& step) const {
    Definition const& d = *inst.definition;
    observer.event(inst, e.name, now);
    if (inst.status != Status::running) {
        step.refusal = "the envelope has ended (" + d.state_name(inst.state) + ")";
        observer.ignored(inst, e.name, step.refusal);
        return;
    }
    auto event = d.find_event(e.name);
    std::optional<TimerId> timer;
    if (e.name.starts_with("timer(") && e.name.ends_with(")")) {
        timer = d.find_timer(e.name.substr(6, e.name.size() - 7));
        if (timer) observer.timer_fired(inst, d.timer(*timer), e.due, now - e.due > std::chrono::minutes(1));
    }
    // A signer who already signed in this routing group signs only once.
    StateInfo const& st = d.state(inst.state);
    if (event && st.kind == StateKind::signing) {
        for (auto role : st.signers)
            if (d.signed_event(role) == *event && (inst.signed_mask & (std::uint64_t{1} << role))) {
                step.refusal = d.ir().roles[role].name + " has already signed";
                observer.ignored(inst, e.name, step.refusal);
                return;
            }
    }
    ++inst.seq;
    // `event` is the applied event's data only for external events; the
    // machine's own (a signature and its metadata, a decline's reason, a
    // timer, a fill's answer) leave it the trigger's, as the header says.
    // External event names are plain names; the others have a `(` or are
    // the fill's answers.
    bool external = e.name.find('(') == std::string_view::npos && e.name != "done" && e.name != "error";
    Run run(*this, inst, now, observer, step, external ? e.data : nullptr);
    if (!event || !run.dispatch(*event)) {
        --inst.seq;
        step.refusal = "the envelope is in `" + d.state_name(inst.state) + "`, where `" + std::string(e.name) +
                       "` changes nothing";
        if (st.kind == StateKind::signing) {
            std::string waiting;
            for (auto role : st.signers)
                if (!(inst.signed_mask & (std::uint64_t{1} << role)))
                    waiting += (waiting.empty() ? "" : ", ") + d.ir().roles[role].name;
            step.refusal += " (waiting for " + waiting + " to sign)";
        }
        observer.ignored(inst, e.name, step.refusal);
        if (timer) step.timers.push_back({false, *timer, {}, {}, 0});
        return;
    }
    if (timer) run.finish_timer(*timer, e);
    inst.updated_ms = to_millis(now);
    step.applied = true;
}

std::string Machine::zone_for(Instance const& inst, ir::Timer const& timer) const {
    Definition const& d = *inst.definition;
    if (!timer.zone_of.empty()) {
        // Only this path parses the data: a reminder at a local time of day.
        json data = json::parse(inst.data, nullptr, false);
        json const* role = member(member(&data, data_key::roles), timer.zone_of.c_str());
        if (json const* tz = member(role, "timezone"); tz && tz->is_string()) return tz->get<std::string>();
    }
    if (!d.ir().timezone.empty()) return d.ir().timezone;
    return options_.default_zone;
}

}  // namespace signflow::engine
