#include "shard.hpp"

#include "signflow/engine/trace.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <map>

namespace signflow::engine::detail {
namespace asio = boost::asio;
using nlohmann::json;

namespace {

// How many due timers one turn of the strand fires before it lets other
// work in (a restart after a long outage may find very many due at once).
constexpr std::size_t timers_per_turn = 512;

bool is_message(std::string const& kind) {
    return kind == "request_signature" || kind == "remind" || kind == "send_code" || kind == "warn_expiry";
}

std::string progress_of(Instance const& inst) {
    return json{{"trigger", inst.trigger},
                {"entered_by", inst.definition->event_name(inst.entered_by)},
                {"signed", inst.signed_mask},
                {"seq", inst.seq}}
        .dump();
}

}  // namespace

Shard::Shard(asio::io_context& io, Context& ctx, unsigned index)
    : ctx_(ctx), index_(index), strand_(asio::make_strand(io)), wake_(strand_) {}

InstanceRecord Shard::to_record(Instance const& inst) const {
    InstanceRecord r;
    r.id = inst.id;
    r.workflow = inst.definition->name();
    r.version = inst.definition->version();
    r.state = inst.definition->state_name(inst.state);
    r.status = std::string(status_name(inst.status));
    r.data = inst.data;
    r.progress = progress_of(inst);
    r.created_ms = inst.created_ms;
    r.updated_ms = inst.updated_ms;
    return r;
}

json Shard::summary(Instance const& inst) const {
    return {{"id", inst.id},
            {"workflow", inst.definition->name()},
            {"version", inst.definition->version()},
            {"state", inst.definition->state_name(inst.state)},
            {"status", status_name(inst.status)}};
}

void Shard::adopt(Instance inst) {
    ++ctx_.metrics.running;
    awaiting(inst, inst.definition->start());
    instances_.emplace(inst.id, std::move(inst));
}

void Shard::adopt_timer(TimerRecord const& t) {
    auto it = instances_.find(t.instance);
    if (it == instances_.end()) return;  // the envelope ended; the row is stale
    auto timer = it->second.definition->find_timer(t.timer);
    if (!timer) {
        ctx_.log(LogLevel::warn, "envelope " + std::to_string(t.instance) + ": unknown timer `" + t.timer +
                                     "` in the store; ignored");
        return;
    }
    arm(t.instance, *timer, t.due_ms, t.fired);
}

void Shard::resume() {
    asio::post(strand_, [this] {
        // Timers that came due while the daemon was down (for the metrics:
        // signflow_timers_overdue, until they have fired).
        auto now = to_millis(now_instant());
        for (auto it = queue_.begin(); it != queue_.end() && std::get<0>(*it) <= now; ++it) ++overdue_;
        ctx_.metrics.timers_overdue += overdue_;
        schedule();
    });
}

void Shard::stop() {
    asio::post(strand_, [this] {
        stopped_ = true;
        wake_.cancel();
    });
}

// ---- timers

void Shard::arm(std::int64_t instance, TimerId timer, std::int64_t due_ms, std::int64_t fired) {
    disarm(instance, timer);
    timers_[instance].push_back({timer, {due_ms, fired}});
    queue_.emplace(due_ms, instance, timer);
    ++ctx_.metrics.timers_pending;
}

void Shard::disarm(std::int64_t instance, TimerId timer) {
    auto it = timers_.find(instance);
    if (it == timers_.end()) return;
    auto& list = it->second;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (list[i].first != timer) continue;
        queue_.erase({list[i].second.due_ms, instance, timer});
        list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
        --ctx_.metrics.timers_pending;
        break;
    }
    if (list.empty()) timers_.erase(it);
}

void Shard::schedule() {
    if (stopped_) return;
    if (queue_.empty()) {
        if (wake_at_) wake_.cancel(), wake_at_ = 0;
        return;
    }
    std::int64_t due = std::get<0>(*queue_.begin());
    if (wake_at_ == due) return;
    wake_at_ = due;
    wake_.expires_at(std::chrono::system_clock::time_point(std::chrono::milliseconds(due)));
    wake_.async_wait(asio::bind_executor(strand_, [this, due](boost::system::error_code ec) {
        if (ec || stopped_ || wake_at_ != due) return;
        wake_at_ = 0;
        fire_due();
    }));
}

void Shard::fire_due() {
    Instant now = now_instant();
    Entry entry;
    std::size_t fired = 0;
    while (!queue_.empty() && fired < timers_per_turn) {
        auto [due, id, timer] = *queue_.begin();
        if (due > to_millis(now)) break;
        std::int64_t count = 0;
        if (auto t = timers_.find(id); t != timers_.end())
            for (auto const& [tid, p] : t->second)
                if (tid == timer) count = p.fired;
        disarm(id, timer);
        ++fired;
        auto it = instances_.find(id);
        if (it == instances_.end()) continue;
        ++ctx_.metrics.timers_fired;
        if (to_millis(now) - due > 60'000) ++ctx_.metrics.timers_late;
        std::string name = "timer(" + it->second.definition->timer(timer).id + ")";
        Event e{name, nullptr, from_millis(due), count};
        apply(it->second, e, now, entry.change, nullptr);
    }
    if (fired) ctx_.committer.submit(std::move(entry));
    // The backlog counted by resume() shrinks as it is worked through.
    bool more = !queue_.empty() && std::get<0>(*queue_.begin()) <= to_millis(now);
    std::int64_t overdue = more ? std::max<std::int64_t>(0, overdue_ - static_cast<std::int64_t>(fired)) : 0;
    ctx_.metrics.timers_overdue += overdue - overdue_;
    overdue_ = overdue;
    if (more) {
        asio::post(strand_, [this] { fire_due(); });
        return;
    }
    schedule();
}

// ---- applying events

bool Shard::apply(Instance& inst, Event const& e, Instant now, Change& change, std::string* refusal) {
    TraceRecorder trace;
    Step step;
    StateId from = inst.state;
    ++ctx_.metrics.events;
    ctx_.machine.apply(inst, e, now, trace, step);
    if (!step.applied) {
        ++ctx_.metrics.events_ignored;
        if (refusal) *refusal = step.refusal;
        // A timer that fired into a state that no longer wants it still
        // leaves the store.
        timers(inst, step, change);
        return false;
    }
    ++ctx_.metrics.events_applied;
    record(inst, step, std::move(trace.lines), now, change, std::string(e.name));
    if (inst.state != from) awaiting(inst, from);
    if (inst.status != Status::running) forget(inst);
    return true;
}

void Shard::timers(Instance const& inst, Step const& step, Change& change) {
    // The last operation on each timer wins (a step may cancel and re-arm).
    std::map<TimerId, TimerOp const*> last;
    for (auto const& op : step.timers) last[op.timer] = &op;
    for (auto const& [timer, op] : last) {
        std::string const& id = inst.definition->timer(timer).id;
        if (op->arm) {
            arm(inst.id, timer, to_millis(op->due), op->fired);
            change.timers_armed.push_back({inst.id, id, to_millis(op->due), op->zone, op->fired});
        } else {
            disarm(inst.id, timer);
            change.timers_cancelled.emplace_back(inst.id, id);
        }
    }
}

void Shard::record(Instance& inst, Step const& step, std::vector<std::string>&& trace, Instant now, Change& change,
                   std::string const& event) {
    ++ctx_.metrics.transitions;
    change.instances.push_back(to_record(inst));
    change.journal.push_back({inst.id, to_millis(now), "event", json{{"event", event}, {"trace", trace}}.dump()});
    timers(inst, step, change);

    std::optional<json> data;  // parsed only when a message needs its recipient
    Definition const& d = *inst.definition;
    for (auto const& e : step.effects) {
        ir::Action const& a = *e.action;
        OutboxRecord o;
        o.key = e.key;
        o.instance = inst.id;
        o.kind = a.kind;
        o.target = a.target;
        json payload = json::object();
        payload["workflow"] = d.name();
        if (!a.operation.empty()) payload["operation"] = a.operation;
        if (!a.method.empty()) payload["method"] = a.method, payload["attempts"] = a.attempts;
        if (!e.data.is_null()) payload["data"] = e.data;
        bool to_role = is_message(a.kind) || (a.kind == "notify" && d.find_role(a.target));
        if (to_role || a.kind == "warn_expiry") {
            if (!data) data = json::parse(inst.data);
            json const& roles = (*data)["roles"];
            if (a.kind == "warn_expiry") {
                // The pending signers of the current routing group.
                json to = json::array();
                for (auto r : d.state(inst.state).signers)
                    if (!(inst.signed_mask & (std::uint64_t{1} << r))) {
                        json who = roles.value(d.ir().roles[r].name, json::object());
                        who["role"] = d.ir().roles[r].name;
                        to.push_back(std::move(who));
                    }
                payload["to"] = std::move(to);
            } else {
                json who = roles.value(a.target, json::object());
                who["role"] = a.target;
                payload["to"] = std::move(who);
            }
        }
        o.payload = payload.dump();
        o.status = e.error.empty() ? "pending" : "dead";
        o.last_error = e.error;
        o.next_attempt_ms = to_millis(now);
        o.created_ms = to_millis(now);
        if (!e.error.empty()) ++ctx_.metrics.dead;
        change.outbox_added.push_back(std::move(o));
    }
}

void Shard::awaiting(Instance const& inst, StateId from) {
    Definition const& d = *inst.definition;
    auto each = [&](StateId s, auto&& f) {
        if (d.state(s).kind != StateKind::awaiting_event) return;
        for (auto const& edge : d.state(s).edges) {
            std::string const& name = d.event_name(edge.event);
            if (!name.starts_with("timer(")) f(name);
        }
    };
    if (from != inst.state)
        each(from, [&](std::string const& ev) {
            auto it = awaiting_.find(ev);
            if (it == awaiting_.end()) return;
            it->second.erase(inst.id);
            if (it->second.empty()) awaiting_.erase(it);
        });
    if (inst.status == Status::running) each(inst.state, [&](std::string const& ev) { awaiting_[ev].insert(inst.id); });
}

void Shard::forget(Instance const& inst) {
    std::int64_t id = inst.id;
    --ctx_.metrics.running;
    ++ctx_.metrics.finished;
    StateId state = inst.state;
    Definition const& d = *inst.definition;
    if (d.state(state).kind == StateKind::awaiting_event)
        for (auto& [ev, ids] : awaiting_) ids.erase(id);
    if (auto t = timers_.find(id); t != timers_.end()) {
        for (auto const& [timer, p] : t->second) queue_.erase({p.due_ms, id, timer}), --ctx_.metrics.timers_pending;
        timers_.erase(t);
    }
    instances_.erase(id);
}

void Shard::start(DefinitionPtr def, int trigger, std::shared_ptr<json const> data, std::int64_t id,
                  std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    std::vector<QuotaIncrement> taken;
    if (auto full = ctx_.quotas.take(*def, *data, now, ctx_.options.default_zone, taken)) {
        ++ctx_.metrics.quota_refused;
        part->refused.push_back(
            {{"workflow", def->name()}, {"status", 429}, {"reason", full->message}, {"quota", full->detail}});
        ctx_.committer.submit(std::move(entry));
        return;
    }
    Instance inst;
    inst.id = id;
    TraceRecorder trace;
    Step step;
    try {
        ctx_.machine.start(inst, def, trigger, *data, now, trace, step);
    } catch (std::exception const& e) {  // StartError, or an IR the machine cannot run
        ctx_.quotas.give_back(taken);
        ++ctx_.metrics.start_refused;
        part->refused.push_back({{"workflow", def->name()}, {"status", 422}, {"reason", e.what()}});
        ctx_.committer.submit(std::move(entry));
        return;
    }
    ++ctx_.metrics.started;
    ++ctx_.metrics.running;
    ++ctx_.metrics.events;
    ++ctx_.metrics.events_applied;
    entry.change.quotas = std::move(taken);
    record(inst, step, std::move(trace.lines), now, entry.change, def->ir().triggers[trigger].event);
    awaiting(inst, def->start());
    part->started.push_back(summary(inst));
    if (inst.status != Status::running) {
        forget(inst);
    } else {
        instances_.emplace(id, std::move(inst));
    }
    ctx_.committer.submit(std::move(entry));
}

void Shard::correlate(std::string const& event, std::shared_ptr<json const> data, std::shared_ptr<Ticket> ticket,
                      std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    if (auto it = awaiting_.find(event); it != awaiting_.end()) {
        std::vector<std::int64_t> ids(it->second.begin(), it->second.end());
        std::sort(ids.begin(), ids.end());
        for (auto id : ids) {
            auto inst = instances_.find(id);
            if (inst == instances_.end()) continue;
            if (apply(inst->second, Event{event, data.get()}, now, entry.change, nullptr)) {
                // (apply may have forgotten a finished envelope: read what was recorded)
                auto const& rec = entry.change.instances.back();
                part->correlated.push_back({{"id", rec.id},
                                            {"workflow", rec.workflow},
                                            {"version", rec.version},
                                            {"state", rec.state},
                                            {"status", rec.status}});
            }
        }
    }
    ctx_.committer.submit(std::move(entry));
}

// The answer about an envelope this shard does not run: it has ended (409),
// or there is no such envelope (404).
void Shard::not_running(std::int64_t id, Part& part) {
    auto rec = ctx_.store.find_instance(id);
    part.status = rec ? 409 : 404;
    part.body = rec ? json{{"error", "the envelope has ended"}, {"id", id}, {"state", rec->state}, {"status", rec->status}}
                    : json{{"error", "no envelope with this id"}, {"id", id}};
}

void Shard::signer(std::int64_t id, std::string const& event, std::shared_ptr<json const> data,
                   std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    auto it = instances_.find(id);
    if (it == instances_.end()) {
        not_running(id, *part);
    } else {
        std::string refusal;
        if (apply(it->second, Event{event, data.get()}, now, entry.change, &refusal)) {
            auto const& rec = entry.change.instances.back();
            part->status = 202;
            part->body = {{"id", rec.id}, {"workflow", rec.workflow}, {"state", rec.state}, {"status", rec.status}};
        } else {
            part->status = 409;
            part->body = {{"error", refusal}, {"id", id}, {"event", event}};
        }
    }
    ctx_.committer.submit(std::move(entry));
}

void Shard::cancel(std::int64_t id, std::string const& reason, std::shared_ptr<Ticket> ticket,
                   std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    auto it = instances_.find(id);
    if (it == instances_.end()) {
        not_running(id, *part);
    } else {
        Instance& inst = it->second;
        inst.status = Status::cancelled;
        inst.updated_ms = to_millis(now);
        ++inst.seq;
        if (auto t = timers_.find(id); t != timers_.end())
            for (auto const& [timer, p] : t->second)
                entry.change.timers_cancelled.emplace_back(id, inst.definition->timer(timer).id);
        entry.change.instances.push_back(to_record(inst));
        entry.change.journal.push_back({id, to_millis(now), "cancelled", json{{"reason", reason}}.dump()});
        part->status = 202;
        part->body = summary(inst);
        forget(inst);
    }
    ctx_.committer.submit(std::move(entry));
}

void Shard::internal(std::int64_t id, std::string const& event, OutboxUpdate delivered) {
    // The row and the event it answers commit together: after a crash either
    // both happened or the row is still pending and is answered again.
    Entry entry;
    entry.change.outbox_updated.push_back(std::move(delivered));
    if (auto it = instances_.find(id); it != instances_.end())
        apply(it->second, Event{event}, now_instant(), entry.change, nullptr);
    ctx_.committer.submit(std::move(entry));
}

}  // namespace signflow::engine::detail
