#include "audit_trail.hpp"

#include "signflow/base/digest.hpp"
#include "signflow/engine/data_keys.hpp"
#include "signflow/engine/time.hpp"
#include "signflow/evidence/audit.hpp"

namespace signflow::engine::detail {
using nlohmann::json;

void append_audit(AuditHead& head, std::int64_t envelope, AuditFact fact, Instant now, std::string const& zone,
                  Change& change) {
    evidence::AuditEntry e;
    e.envelope = envelope;
    e.seq = head.seq + 1;
    e.at = evidence::format_utc(to_millis(now));
    e.zone = zone;
    e.local = local_rfc3339(now, zone);
    e.kind = std::move(fact.kind);
    e.actor = std::move(fact.actor);
    e.ip = std::move(fact.origin.ip);
    e.user_agent = std::move(fact.origin.user_agent);
    e.detail = fact.detail.is_object() ? std::move(fact.detail) : json::object();
    // An operator's key acting for a signer: the key is the actor, the
    // signer the one it acted for (evidence::subject_of reads it back).
    if (auto const& k = fact.origin.acting) {
        e.detail["on_behalf_of"] = std::move(e.actor);
        e.detail["api_key"] = {{"id", k->key_id}, {"name", k->key_name}};
        e.detail["operator_reason"] = k->reason;
        e.actor = k->key_id ? "api_key:" + std::to_string(k->key_id) : "operator";
    }
    evidence::link(e, head.hash.empty() ? evidence::genesis_hash() : head.hash);
    head.seq = e.seq;
    head.hash = e.hash;
    change.audit.push_back({envelope, e.seq, to_millis(now), e.kind, e.hash, evidence::to_json(e).dump()});
}

namespace {

// "signed(client)" -> {"signed", "client"}; "done" -> {"done", ""}.
std::pair<std::string_view, std::string_view> split_event(std::string_view event) {
    auto open = event.find('(');
    if (open == std::string_view::npos || event.back() != ')') return {event, {}};
    return {event.substr(0, open), event.substr(open + 1, event.size() - open - 2)};
}

json field(json const* data, char const* name) {
    if (!data || !data->is_object()) return nullptr;
    auto it = data->find(name);
    return it == data->end() ? json(nullptr) : *it;
}

AuditFact event_fact(Definition const& d, std::string_view event, json const* data, Origin const& origin) {
    auto [name, arg] = split_event(event);
    std::string who(arg);
    if (name == "signed") {
        json detail = {{"method", field(data, "image").is_string() ? "drawn" : "typed"}};
        if (auto n = field(data, "name"); n.is_string()) detail["name"] = n;
        // A delegate: the signer they sign for (the shard sets it, from the
        // envelope's record).
        if (auto b = field(data, "delegated_by"); b.is_object()) detail["delegated_by"] = b;
        // The fields this signer filled, as drawn into the document, and
        // their hash (of this object's canonical JSON: sorted keys, no blanks).
        if (auto f = field(data, "fields"); f.is_object() && !f.empty()) {
            if (auto several = field(data, "documents"); several.is_array())
                detail["documents"] = std::move(several);  // one signature over several documents
            else
                detail["document"] = field(data, "document");
            detail["fields_sha256"] = base::sha256_hex(f.dump());
            detail["fields"] = std::move(f);
        }
        return {"signed", who, std::move(detail), origin};
    }
    if (name == "declined") {
        json reason = field(data, "reason");
        return {"declined", who, {{"reason", reason.is_string() ? reason : json("")}}, origin};
    }
    // Raised by a matching one-time code (its `code_verified` entry comes
    // just before), or posted through the API by the operator's systems.
    if (name == "verified") return {"identity_verified", who, json::object(), origin};
    if (name == "verification_failed") return {"verification_failed", who, json::object(), origin};
    if (name == "done") {
        json detail = json::object();
        for (char const* k : {"template", "document_sha256", "problems"})
            if (auto v = field(data, k); !v.is_null()) detail[k] = v;
        // Integers only: the chain's canonical form refuses floats.
        if (auto v = field(data, "revision"); v.is_number_integer()) detail["revision"] = v;
        return {"document_filled", "system", std::move(detail), {}};
    }
    if (name == "error") {
        json why = field(data, "error");
        return {"document_failed", "system", {{"error", why.is_string() ? why : json("")}}, {}};
    }
    if (name == "timer") {
        if (auto t = d.find_timer(who)) {
            ir::Timer const& timer = d.timer(*t);
            if (timer.kind == "reminder") return {"reminded", "system", {{"role", timer.role}}, {}};
            if (timer.kind == "expiry") return {"expired", "system", json::object(), {}};
            if (timer.kind == "warning") return {"expiry_warned", "system", {{"role", timer.role}}, {}};
        }
        return {"timer_fired", "system", {{"timer", who}}, {}};
    }
    return {"event_received", "api", {{"event", std::string(event)}}, origin};
}

}  // namespace

std::vector<AuditFact> facts_of(Definition const& d, Instance const& inst, std::string_view event,
                                json const* event_data, Step const& step, Origin const& origin, bool start) {
    std::vector<AuditFact> out;
    if (start)
        out.push_back({"created", "api", {{"workflow", d.name()}, {"version", d.version()}, {"event", std::string(event)}},
                       origin});
    else
        out.push_back(event_fact(d, event, event_data, origin));
    bool const completed = inst.status == Status::finished && d.state_name(inst.state) == "completed";
    json copied = json::array();  // `cc [...] on completed`: listed on the completion
    std::vector<AuditFact> copies;
    for (auto const& e : step.effects) {
        ir::Action const& a = *e.action;
        if (a.kind == ir::ActionKind::request_signature)
            out.push_back({"sent", "system", {{"role", a.target}, {"outbox", e.key}}, {}});
        if (a.kind == ir::ActionKind::copy) {
            copies.push_back({"copied", "system",
                              {{"role", a.target}, {"on", completed ? "completed" : "sent"}, {"outbox", e.key}}, {}});
            if (completed) copied.push_back(a.target);
        }
    }
    // The copies come before `completed`: the certificate sealed into the
    // documents reads the trail up to it, and lists them.
    for (auto& c : copies) out.push_back(std::move(c));
    if (completed) out.push_back({"completed", "system", copied.empty() ? json::object() : json{{"copies", copied}}, {}});
    return out;
}

std::string zone_of(Definition const& d, Instance const& inst, std::string const& actor, std::string const& fallback) {
    if (d.find_role(actor)) {
        json data = json::parse(inst.data, nullptr, false);
        if (data.is_object()) {
            json const* roles = data.contains(data_key::roles) ? &data[data_key::roles] : nullptr;
            if (roles && roles->is_object() && roles->contains(actor)) {
                json const& r = (*roles)[actor];
                if (r.is_object() && r.value("timezone", json()).is_string()) {
                    std::string z = r["timezone"];
                    if (is_known_zone(z)) return z;
                }
            }
        }
    }
    if (!d.ir().timezone.empty()) return d.ir().timezone;
    return fallback;
}

}  // namespace signflow::engine::detail
