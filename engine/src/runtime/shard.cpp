#include "shard.hpp"

#include "signflow/engine/store_errors.hpp"

#include "../machine/envelope_documents.hpp"
#include "../machine/signer_fields.hpp"

#include "signflow/engine/data_keys.hpp"
#include "signflow/engine/progress.hpp"
#include "signflow/engine/trace.hpp"
#include "signflow/evidence/audit.hpp"
#include "signflow/evidence/otp.hpp"

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

// How many ended envelopes' audit heads a shard keeps (see Shard::ended_).
constexpr std::size_t ended_heads = 65536;

std::string progress_of(Instance const& inst) {
    Progress p;
    p.trigger = inst.trigger;
    p.entered_by = inst.definition->event_name(inst.entered_by);
    p.signed_mask = inst.signed_mask;
    p.seq = inst.seq;
    p.documents = inst.documents;
    p.sent = inst.sent;
    return p.to_json();
}

}  // namespace

// Every outbox row a shard writes: pending and due now. `connector` is who
// delivers it (ir::route_of for an action's row).
OutboxRecord outbox_row(std::string key, std::int64_t instance, std::string_view kind, std::string target,
                        std::string connector, std::string payload, Instant now) {
    OutboxRecord o;
    o.key = std::move(key);
    o.instance = instance;
    o.kind = kind;
    o.target = std::move(target);
    o.connector = std::move(connector);
    o.payload = std::move(payload);
    o.status = "pending";
    o.next_attempt_ms = o.created_ms = to_millis(now);
    return o;
}

Shard::Shard(asio::io_context& io, Context& ctx, unsigned /*index*/)
    : ctx_(ctx), strand_(asio::make_strand(io)), wake_(strand_) {}

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
    r.batch = inst.batch;
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
        overdue_ += static_cast<std::int64_t>(pending_.count_due(to_millis(now_instant())));
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
    ctx_.metrics.timers_pending += pending_.arm(instance, timer, due_ms, fired);
}

void Shard::disarm(std::int64_t instance, TimerId timer) {
    if (pending_.disarm(instance, timer)) --ctx_.metrics.timers_pending;
}

void Shard::schedule() {
    if (stopped_) return;
    auto next = pending_.next_due();
    if (!next) {
        if (wake_at_) wake_.cancel(), wake_at_ = 0;
        return;
    }
    std::int64_t due = *next;
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
    firing_ = true;
    Instant now = now_instant();
    Entry entry;
    std::size_t fired = 0;
    while (fired < timers_per_turn) {
        auto due = pending_.pop_due(to_millis(now));
        if (!due) break;
        --ctx_.metrics.timers_pending;
        ++fired;
        auto it = instances_.find(due->instance);
        if (it == instances_.end()) continue;
        ++ctx_.metrics.timers_fired;
        if (to_millis(now) - due->due_ms > 60'000) ++ctx_.metrics.timers_late;
        std::string name = "timer(" + it->second.definition->timer(due->timer).id + ")";
        Event e{name, nullptr, from_millis(due->due_ms), due->fired};
        apply(it->second, e, now, entry.change, nullptr);
    }
    if (fired) ctx_.committer.submit(std::move(entry));
    // The backlog counted by resume() shrinks as it is worked through.
    auto next = pending_.next_due();
    bool more = next && *next <= to_millis(now);
    std::int64_t overdue = more ? std::max<std::int64_t>(0, overdue_ - static_cast<std::int64_t>(fired)) : 0;
    ctx_.metrics.timers_overdue += overdue - overdue_;
    overdue_ = overdue;
    firing_ = false;
    if (more) {
        asio::post(strand_, [this] { fire_due(); });
        return;
    }
    schedule();
}

// ---- applying events

bool Shard::apply(Instance& inst, Event const& e, Instant now, Change& change, std::string* refusal,
                  Origin const& origin) {
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
    record(inst, step, std::move(trace.lines), now, change, std::string(e.name), e.data, origin, false);
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
    // A timer armed now may be due before the one the shard sleeps for (or
    // the shard may sleep for none): wake up for the earliest. Without this
    // a timer armed while the daemon runs fired only at the next restart.
    // (fire_due schedules once it is done.)
    auto next = pending_.next_due();
    if (!firing_ && !last.empty() && next && (wake_at_ == 0 || *next < wake_at_)) schedule();
}

void Shard::record(Instance& inst, Step const& step, std::vector<std::string>&& trace, Instant now, Change& change,
                   std::string const& event, json const* event_data, Origin const& origin, bool start) {
    ++ctx_.metrics.transitions;
    for (auto& fact : facts_of(*inst.definition, inst, event, event_data, step, origin, start))
        audit(inst.id, &inst, std::move(fact), now, change);
    document_work(inst, event, event_data, origin, now, change);
    change.instances.push_back(to_record(inst));
    change.journal.push_back({inst.id, to_millis(now), "event", json{{"event", event}, {"trace", trace}}.dump()});
    timers(inst, step, change);

    std::optional<json> data;  // parsed only when a message needs its recipient
    Definition const& d = *inst.definition;
    for (auto const& e : step.effects) {
        ir::Action const& a = *e.action;
        ir::Route route = ir::route_of(a, d.ir());
        json payload = json::object();
        payload["workflow"] = d.name();
        if (!a.operation.empty()) payload["operation"] = a.operation;
        if (!a.method.empty()) payload["method"] = a.method, payload["attempts"] = a.attempts;
        if (!e.data.is_null()) payload["data"] = e.data;
        // A document is a revision of its own, after the revisions there
        // are: a second `fill` follows the first document's signatures
        // (document_work numbered those above), never on top of them. The
        // count moves when the fill is answered with its revision (without
        // a documents connector it is answered without one, and the
        // envelope has no document to sign).
        if (a.kind == ir::ActionKind::fill) payload["revision"] = inst.documents + 1;
        if (route.lane == ir::Lane::messages) {
            if (!data) data = json::parse(inst.data);
            json const& roles = (*data)[data_key::roles];
            if (a.kind == ir::ActionKind::warn_expiry) {
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
                if (who.is_string()) who = json{{"email", who}};
                who["role"] = a.target;
                payload["to"] = std::move(who);
                // A copy (`cc`): a link to read the envelope as it is sent,
                // or the signed copy once it is completed.
                if (a.kind == ir::ActionKind::copy)
                    payload["on"] = inst.status == Status::finished && d.state_name(inst.state) == "completed"
                                        ? "completed" : "sent";
            }
        }
        OutboxRecord o = outbox_row(e.key, inst.id, ir::action_kind_name(a.kind), a.target,
                                    std::move(route.connector), payload.dump(), now);
        if (!e.error.empty()) {
            o.status = "dead";
            o.last_error = e.error;
            ++ctx_.metrics.dead;
        }
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
    if (inst.audit_seq) {
        std::string zone = inst.definition->ir().timezone.empty() ? ctx_.options.default_zone
                                                                  : inst.definition->ir().timezone;
        ended_[id] = {{inst.audit_seq, inst.audit_head}, std::move(zone)};
        ended_order_.push_back(id);
        while (ended_order_.size() > ended_heads) {
            ended_.erase(ended_order_.front());
            ended_order_.pop_front();
        }
    }
    --ctx_.metrics.running;
    ++ctx_.metrics.finished;
    StateId state = inst.state;
    Definition const& d = *inst.definition;
    if (d.state(state).kind == StateKind::awaiting_event)
        for (auto& [ev, ids] : awaiting_) ids.erase(id);
    ctx_.metrics.timers_pending -= static_cast<std::int64_t>(pending_.disarm_all(id).size());
    instances_.erase(id);
}

void Shard::start(DefinitionPtr def, int trigger, std::shared_ptr<json const> data, std::int64_t id,
                  std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part, std::int64_t batch) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    std::vector<QuotaIncrement> taken;
    std::optional<QuotaRefusal> full;
    try {
        full = ctx_.quotas.take(*def, *data, now, ctx_.options.default_zone, taken);
    } catch (StoreUnavailable const&) {
        // A count not yet read, and the database away: refused, nothing
        // changed (the sender retries).
        part->refused.push_back({{"workflow", def->name()},
                                 {"outcome", outcome_name(Outcome::unavailable)},
                                 {"reason", "the database cannot be reached; nothing was changed: retry shortly"}});
        ctx_.committer.submit(std::move(entry));
        return;
    }
    if (full) {
        ++ctx_.metrics.quota_refused;
        part->refused.push_back({{"workflow", def->name()},
                                 {"outcome", outcome_name(Outcome::over_limit)},
                                 {"reason", full->message},
                                 {"quota", full->detail}});
        ctx_.committer.submit(std::move(entry));
        return;
    }
    Instance inst;
    inst.id = id;
    inst.batch = batch;
    TraceRecorder trace;
    Step step;
    try {
        ctx_.machine.start(inst, def, trigger, *data, now, trace, step);
    } catch (std::exception const& e) {  // StartError, or an IR the machine cannot run
        ctx_.quotas.give_back(taken);
        ++ctx_.metrics.start_refused;
        part->refused.push_back(
            {{"workflow", def->name()}, {"outcome", outcome_name(Outcome::invalid)}, {"reason", e.what()}});
        ctx_.committer.submit(std::move(entry));
        return;
    }
    ++ctx_.metrics.started;
    ++ctx_.metrics.running;
    ++ctx_.metrics.events;
    ++ctx_.metrics.events_applied;
    entry.change.quotas = std::move(taken);
    record(inst, step, std::move(trace.lines), now, entry.change, def->ir().triggers[trigger].event, data.get(), {},
           true);
    index_people(inst, entry.change);
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

// The answer about an envelope this shard does not run: it has ended, or
// there is no such envelope.
void Shard::not_running(std::int64_t id, Part& part) {
    std::optional<InstanceRecord> rec;
    try {
        rec = ctx_.store.find_instance(id);
    } catch (StoreUnavailable const&) {
        part.outcome = Outcome::unavailable;
        part.body = json{{"error", "the database cannot be reached; nothing was changed: retry shortly"}};
        return;
    }
    part.outcome = rec ? Outcome::ended : Outcome::not_found;
    part.body = rec ? json{{"error", "the envelope has ended"}, {"id", id}, {"state", rec->state}, {"status", rec->status}}
                    : json{{"error", "no envelope with this id"}, {"id", id}};
}

Instance* Shard::running(std::int64_t id, Part& part) {
    auto it = instances_.find(id);
    if (it != instances_.end()) return &it->second;
    not_running(id, part);
    return nullptr;
}

void Shard::apply_signer_event(std::int64_t id, std::string const& event, std::shared_ptr<json const> data,
                               Origin const& origin, std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    if (Instance* inst = running(id, *part)) {
        std::string refusal;
        // A signature with the fields its signer filled (`field … from ROLE`).
        std::optional<json> with_fields;
        std::string kept;
        bool caller_fields = data && data->is_object() && (data->contains("fields") || data->contains("document") || data->contains("documents") || data->contains("blank_fields"));
        if ((inst->definition->has_signer_fields() || caller_fields) && event.starts_with("signed(") &&
            event.ends_with(")")) {
            with_fields = data && data->is_object() ? *data : json::object();
            if (!signer_fields(*inst, event.substr(7, event.size() - 8), *with_fields, now, *part, kept)) {
                if (entry.ticket) entry.ticket->keep_answer = false;
                return ctx_.committer.submit(std::move(entry));
            }
        }
        json const* event_data = with_fields ? &*with_fields : data.get();
        // A delegate's signature names the signer who handed over, from the
        // envelope's own record (never from the caller: a key cannot claim it).
        std::optional<json> delegated;
        if (event.starts_with("signed(") && event.ends_with(")")) {
            json const* given = event_data;
            json behalf = on_behalf_of(*inst, event.substr(7, event.size() - 8));
            bool const claimed = given && given->is_object() && given->contains("delegated_by");
            if (!behalf.is_null() || claimed) {
                delegated = given && given->is_object() ? *given : json::object();
                delegated->erase("delegated_by");
                if (!behalf.is_null()) (*delegated)["delegated_by"] = std::move(behalf);
                event_data = &*delegated;
            }
        }
        if (apply(*inst, Event{event, event_data}, now, entry.change, &refusal, origin)) {
            auto const& rec = entry.change.instances.back();
            part->outcome = Outcome::accepted;
            part->body = {{"id", rec.id}, {"workflow", rec.workflow}, {"state", rec.state}, {"status", rec.status}};
        } else {
            if (!kept.empty()) inst->data = std::move(kept);
            part->outcome = Outcome::conflict;
            part->body = {{"error", refusal}, {"id", id}, {"event", event}};
        }
    }
    ctx_.committer.submit(std::move(entry));
}

void Shard::cancel(std::int64_t id, std::string const& reason, Origin const& origin, std::shared_ptr<Ticket> ticket,
                   std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    if (Instance* found = running(id, *part)) {
        Instance& inst = *found;
        inst.status = Status::cancelled;
        inst.updated_ms = to_millis(now);
        ++inst.seq;
        for (auto timer : pending_.armed(id))
            entry.change.timers_cancelled.emplace_back(id, inst.definition->timer(timer).id);
        entry.change.instances.push_back(to_record(inst));
        entry.change.journal.push_back({id, to_millis(now), "cancelled", json{{"reason", reason}}.dump()});
        audit(id, &inst, operator_fact("cancelled", {{"reason", reason}}, origin), now, entry.change);
        part->outcome = Outcome::accepted;
        part->body = summary(inst);
        forget(inst);
    }
    ctx_.committer.submit(std::move(entry));
}

// ---- documents

void Shard::document_work(Instance& inst, std::string_view event, json const* event_data, Origin const& origin,
                          Instant now, Change& change) {
    if (!inst.documents) {
        // No document made (no documents connector): the next fill still
        // starts a new set of documents for the signers' fields.
        if (event.starts_with("signed(")) {
            json data = json::parse(inst.data);
            document_signed(data);
            inst.data = data.dump();
        }
        return;
    }
    Definition const& d = *inst.definition;
    json data = json::parse(inst.data, nullptr, false);
    // Each document's revisions (an envelope from before they were kept
    // signs and seals its latest revision, as then).
    EnvelopeDocuments docs = documents_of(data);
    bool const named = !docs.revisions.empty();
    auto add = [&](char const* kind, json payload, std::string const& document, std::size_t n) {
        payload["workflow"] = d.name();
        if (!document.empty()) {
            payload["document"] = document;
            payload["signs"] = docs.latest(document);
        }
        payload["revision"] = ++inst.documents;
        if (!document.empty()) docs.set_latest(document, inst.documents);
        std::string key = std::to_string(inst.id) + "." + std::to_string(inst.seq) + "." + kind;
        if (n) key += "." + std::to_string(n);
        change.outbox_added.push_back(outbox_row(key, inst.id, kind, "documents", "documents", payload.dump(), now));
    };
    if (event.starts_with("signed(") && event.ends_with(")")) {
        std::string role(event.substr(7, event.size() - 8));
        std::string zone = zone_of(d, inst, role, ctx_.options.default_zone);
        json payload = {{"role", role}, {"zone", zone}, {"signed_at", to_millis(now)},
                        {"date_text", local_text(now, zone)}, {"ip", origin.ip}, {"user_agent", origin.user_agent}};
        std::string name;
        if (event_data && event_data->is_object() && event_data->value("name", json()).is_string())
            name = (*event_data)["name"];
        json const* who = nullptr;
        if (auto roles = data.is_object() ? data.find(data_key::roles) : data.end();
            roles != data.end() && roles->is_object())
            if (auto it = roles->find(role); it != roles->end() && it->is_object()) who = &*it;
        if (name.empty() && who) name = who->value("name", who->value("email", role));
        payload["name"] = name.empty() ? role : name;
        // A delegate signs on behalf of the signer who handed over: the
        // visible signature says so.
        if (who && who->contains("on_behalf_of") && (*who)["on_behalf_of"].is_object()) {
            json const& b = (*who)["on_behalf_of"];
            std::string behalf = b.value("name", json()).is_string() ? b["name"].get<std::string>() : "";
            if (behalf.empty() && b.value("email", json()).is_string()) behalf = b["email"];
            if (!behalf.empty()) payload["on_behalf_of"] = behalf;
        }
        if (event_data && event_data->is_object() && event_data->value("image", json()).is_string())
            payload["image"] = (*event_data)["image"];
        // The signer's fields, drawn and locked before the signature
        // (documents connector): each document gets the ones it asks for.
        json const fields = event_data && event_data->is_object() ? event_data->value("fields", json()) : json();
        json const blank = event_data && event_data->is_object() ? event_data->value("blank_fields", json()) : json();
        auto with_fields = [&](json p, std::string const& document) {
            if (!fields.is_object()) return p;
            if (!named) {
                p["fields"] = fields;
                if (blank.is_array()) p["blank_fields"] = blank;
                return p;
            }
            json mine = json::object(), mine_blank = json::array();
            for (auto const* f : fields_of(d.ir(), document, role)) {
                if (auto v = fields.find(f->name); v != fields.end()) mine[f->name] = *v;
                if (blank.is_array() && std::find(blank.begin(), blank.end(), json(f->name)) != blank.end())
                    mine_blank.push_back(f->name);
            }
            if (!mine.empty() || !mine_blank.empty()) p["fields"] = std::move(mine);
            if (!mine_blank.empty()) p["blank_fields"] = std::move(mine_blank);
            return p;
        };
        if (!named) {
            add("sign", with_fields(std::move(payload), ""), "", 0);
            // (an envelope from before documents were named: its next fill
            // starts a new set all the same)
            if (!docs.signing.empty()) {
                docs.signed_since = true;
                put_documents(data, docs);
                inst.data = data.dump();
            }
        } else {
            // One signature, one revision per document it covers.
            std::size_t n = 0;
            for (auto const& document : docs.signing)
                if (docs.latest(document) > 0) add("sign", with_fields(payload, document), document, n++);
            docs.signed_since = true;
        }
    }
    if (inst.status == Status::finished && d.state_name(inst.state) == "completed") {
        if (!named) {
            add("seal", json::object(), "", 0);
        } else {
            // A seal per document, each with the certificate of completion.
            std::size_t n = 0;
            auto const all = docs.revisions;  // (add moves each one's latest revision on)
            for (auto const& r : all)
                if (r.revision > 0) add("seal", json::object(), r.name, n++);
        }
    }
    if (named) {
        put_documents(data, docs);
        inst.data = data.dump();
    }
}

void Shard::delivered(std::int64_t id, DeliveryEnd o) {
    Instant now = now_instant();
    Entry entry;
    entry.change.outbox_updated.push_back(o.update);
    auto it = instances_.find(id);
    Instance* inst = it == instances_.end() ? nullptr : &it->second;
    bool ok = o.update.status == "delivered";
    json role = o.payload.contains("to") && o.payload["to"].is_object() ? o.payload["to"].value("role", json())
                                                                         : json();
    if (!ok) {
        audit(id, inst,
              {"delivery_failed", "system",
               {{"kind", o.kind}, {"target", o.target}, {"attempts", o.update.attempts}, {"error", o.update.last_error}},
               {}},
              now, entry.change);
        // A fill that cannot be made (a missing template, a value the form
        // refuses) is the fill state's `error`: the envelope ends `failed`
        // instead of waiting for a document that will never come.
        if (o.kind == "fill" && inst) {
            json detail = {{"error", o.update.last_error}};
            apply(*inst, Event{"error", &detail}, now, entry.change, nullptr);
        }
    } else if (o.kind == "fill") {
        // The fill's answer: `done`, carrying the document's hash (its audit
        // entry is `document_filled`).
        if (inst) {
            json detail = o.detail.is_object() ? o.detail : json::object();
            // The fill's revision (its payload's, or 1 for a row written
            // before fills were numbered) is the envelope's latest.
            std::int64_t r = detail.value("revision", std::int64_t{0});
            if (r > inst->documents) inst->documents = static_cast<std::uint16_t>(r);
            // The document joins those the next signature signs (their
            // signer fields are asked on the signing page).
            json data = json::parse(inst->data);
            document_filled(data, o.target, r);
            inst->data = data.dump();
            apply(*inst, Event{"done", &detail}, now, entry.change, nullptr);
        }
    } else if (o.kind == "send_code") {
        json detail = o.detail.is_object() ? o.detail : json::object();
        if (inst && detail.contains("record")) {
            json data = json::parse(inst->data);
            data[data_key::codes][detail.value("role", "")] = detail["record"];
            inst->data = data.dump();
            entry.change.instances.push_back(to_record(*inst));
        }
        json record = detail.value("record", json::object());
        audit(id, inst,
              {"code_sent", "system",
               {{"role", detail.value("role", "")}, {"method", detail.value("method", "")},
                {"connector", o.connector}, {"expires_at", utc_text(from_millis(record.value("expires_ms", std::int64_t{0})))}},
               {}},
              now, entry.change);
    } else if (o.kind == "sign" || o.kind == "seal") {
        json detail = o.detail.is_object() ? o.detail : json::object();
        detail["revision"] = o.payload.value("revision", 0);
        if (auto doc = o.payload.value("document", json()); doc.is_string()) detail["document"] = doc;
        if (o.kind == "sign") detail["role"] = o.payload.value("role", "");
        audit(id, inst, {o.kind == "sign" ? "signature_applied" : "sealed", "system", std::move(detail), {}}, now,
              entry.change);
    } else if (!role.is_null()) {
        audit(id, inst, {"delivered", "system", {{"kind", o.kind}, {"role", role}, {"connector", o.connector}}, {}},
              now, entry.change);
    } else {
        json detail = {{"connector", o.connector.empty() ? o.target : o.connector}, {"kind", o.kind},
                       {"attempts", o.update.attempts}, {"outbox", o.update.key}};
        if (!o.operation.empty()) detail["operation"] = o.operation;
        if (o.detail.is_object()) detail["result"] = o.detail;
        audit(id, inst, {"connector_called", "system", std::move(detail), {}}, now, entry.change);
    }
    ctx_.committer.submit(std::move(entry));
}

}  // namespace signflow::engine::detail
