// The shard's audit chain (each fact chained to its envelope's trail in the
// same change) and the lifecycle webhooks a fact stands for.
#include "shard.hpp"

#include <algorithm>

namespace signflow::engine::detail {
using nlohmann::json;

void Shard::adopt_audit_head(std::int64_t id, std::int64_t seq, std::string hash) {
    if (auto it = instances_.find(id); it != instances_.end()) {
        it->second.audit_seq = static_cast<std::uint32_t>(seq);
        it->second.audit_head = std::move(hash);
    }
}

namespace {
bool listed(std::vector<std::string> const& list, std::string const& x);
}  // namespace

void Shard::audit(std::int64_t id, Instance* inst, AuditFact fact, Instant now, Change& change) {
    if (inst) {
        AuditHead head{inst->audit_seq, inst->audit_head};
        std::string zone = zone_of(*inst->definition, *inst, fact.actor, ctx_.options.default_zone);
        if (!ctx_.options.subscriptions.empty()) announce(*inst, fact, head.seq + 1, now, change);
        append_audit(head, id, std::move(fact), now, zone, change);
        inst->audit_seq = static_cast<std::uint32_t>(head.seq);
        inst->audit_head = std::move(head.hash);
        return;
    }
    auto it = ended_.find(id);
    if (it == ended_.end()) {
        Ended e;
        e.zone = ctx_.options.default_zone;
        if (auto rec = ctx_.store.audit_head(id)) {
            e.head.seq = rec->seq;
            e.head.hash = rec->hash;
            json entry = json::parse(rec->entry, nullptr, false);
            if (entry.is_object() && entry.value("zone", json()).is_string()) e.zone = entry["zone"];
        }
        it = ended_.emplace(id, std::move(e)).first;
        ended_order_.push_back(id);
    }
    // A document sealed after its envelope ended (always: the seals follow
    // completion): its webhook, from the envelope's stored record.
    bool const wanted = std::any_of(ctx_.options.subscriptions.begin(), ctx_.options.subscriptions.end(),
                                    [](auto const& sub) { return listed(sub.events, "document.sealed"); });
    if (fact.kind == "sealed" && wanted) {
        try {
            if (auto rec = ctx_.store.find_instance(id))
                announce_to({id, rec->workflow, rec->version, rec->state, rec->status},
                            std::vector<std::string>{"document.sealed"}, fact, it->second.head.seq + 1, now, change);
        } catch (std::exception const& e) {
            // The seal is recorded all the same; only its webhook is lost.
            ctx_.log(LogLevel::warn, "envelope " + std::to_string(id) + ": no document.sealed webhook: " + e.what());
        }
    }
    append_audit(it->second.head, id, std::move(fact), now, it->second.zone, change);
}

namespace {

// The lifecycle events (webhooks out) an audit fact stands for.
std::vector<std::string> lifecycle_events(Instance const& inst, AuditFact const& fact) {
    std::string const& k = fact.kind;
    bool ended = inst.status != Status::running;
    if (k == "created") return {"envelope.created"};
    if (k == "sent") return inst.sent ? std::vector<std::string>{"recipient.sent"}
                                      : std::vector<std::string>{"envelope.sent", "recipient.sent"};
    if (k == "viewed") return {"recipient.viewed"};
    if (k == "copied") return {"recipient.copied"};
    if (k == "signer_delegated") return {"recipient.delegated"};
    if (k == "signed") return {"recipient.signed"};
    if (k == "declined") return ended ? std::vector<std::string>{"recipient.declined", "envelope.declined"}
                                      : std::vector<std::string>{"recipient.declined"};
    if (k == "verification_failed") return {"recipient.authentication_failed"};
    if (k == "completed") return {"envelope.completed"};
    if (k == "expired") return {"envelope.expired"};
    if (k == "cancelled") return {"envelope.cancelled"};
    if (k == "document_failed") return {"envelope.failed"};
    if (k == "sealed") return {"document.sealed"};
    return {};
}

bool listed(std::vector<std::string> const& list, std::string const& x) {
    return list.empty() || std::find(list.begin(), list.end(), x) != list.end();
}

}  // namespace

void Shard::announce(Instance& inst, AuditFact const& fact, std::int64_t seq, Instant now, Change& change) {
    auto events = lifecycle_events(inst, fact);
    if (fact.kind == "sent") inst.sent = true;
    if (events.empty()) return;
    Definition const& d = *inst.definition;
    Announced e;
    e.id = inst.id;
    e.workflow = d.name();
    e.version = d.version();
    e.state = std::string(d.state_name(inst.state));
    e.status = std::string(status_name(inst.status));
    announce_to(e, events, fact, seq, now, change);
}

void Shard::announce_to(Announced const& e, std::vector<std::string> const& events, AuditFact const& fact,
                        std::int64_t seq, Instant now, Change& change) {
    for (auto const& sub : ctx_.options.subscriptions) {
        if (!listed(sub.workflows, e.workflow)) continue;
        for (auto const& event : events) {
            if (!listed(sub.events, event)) continue;
            json payload = {{"event", event},
                            {"envelope", e.id},
                            {"workflow", e.workflow},
                            {"version", e.version},
                            {"state", e.state},
                            {"status", e.status},
                            {"occurred_at", utc_text(now)},
                            {"detail", fact.detail}};
            // An operator's API key that acted in the signer's name.
            if (auto const& k = fact.origin.acting)
                payload["acted_by"] = {{"api_key", {{"id", k->key_id}, {"name", k->key_name}}},
                                       {"operator_reason", k->reason}};
            if (event.starts_with("recipient.")) {
                std::string role = fact.actor;
                if (fact.detail.is_object() && fact.detail.value("role", json()).is_string()) role = fact.detail["role"];
                payload["role"] = role;
            }
            // A sealed document: where to fetch it (GET, with a key that may read).
            if (event == "document.sealed" && fact.detail.value("revision", 0) > 0)
                payload["detail"]["download"] = "/v1/instances/" + std::to_string(e.id) +
                                                "/document?revision=" + std::to_string(fact.detail.value("revision", 0));
            // Event data may hold text a signer typed: invalid UTF-8 is
            // replaced, never thrown on (a throw here ends the process).
            change.outbox_added.push_back(
                outbox_row(std::to_string(e.id) + ".hook." + std::to_string(seq) + "." + event + "." + sub.connector,
                           e.id, "webhook", sub.connector, sub.connector,
                           payload.dump(-1, ' ', false, json::error_handler_t::replace), now));
        }
    }
}

}  // namespace signflow::engine::detail
