// An operator's corrections to an envelope in flight: a signer's contact
// details (a mistyped email, a new phone) and the signing request sent
// again. Both leave the machine where it is: timers, reminders and expiry
// run on; what changes is the signer's data, their links and the outbox.
#include "shard.hpp"

#include "signflow/base/address.hpp"
#include "signflow/engine/data_keys.hpp"
#include "signflow/engine/time.hpp"

#include <algorithm>

namespace signflow::engine::detail {
using nlohmann::json;

namespace {

// What a correction may change, and whether the new value is one.
std::string correction_problem(std::string const& key, json const& value) {
    static constexpr char const* keys[] = {"email", "phone", "name", "timezone", "language"};
    if (std::find_if(std::begin(keys), std::end(keys), [&](char const* k) { return key == k; }) == std::end(keys))
        return "`" + key + "` cannot be corrected (email, phone, name, timezone or language)";
    if (!value.is_string()) return "`" + key + "` must be a string";
    std::string const& v = value.get_ref<std::string const&>();
    if (v.size() > 254) return "`" + key + "` is longer than 254 bytes";
    if (std::any_of(v.begin(), v.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
        return "`" + key + "` holds control characters";
    if (key == "email") {
        if (auto p = base::email_problem(v); !p.empty()) return "`email`: " + p;
    } else if (key == "phone") {
        if (auto p = base::phone_problem(v); !p.empty()) return "`phone`: " + p;
    } else if (key == "timezone") {
        if (!is_known_zone(v)) return "`timezone`: `" + v + "` is not a time zone (e.g. Europe/Paris)";
    } else if (key == "language") {
        if (v.size() > 35) return "`language`: a language tag (en, zh-CN) is at most 35 bytes";
    } else if (key == "name" && v.empty()) {
        return "`name` is empty";
    }
    return {};
}

}  // namespace

bool turn_of(Instance const& inst, std::string const& role) {
    Definition const& d = *inst.definition;
    auto r = d.find_role(role);
    StateInfo const& state = d.state(inst.state);
    return r && inst.status == Status::running && state.kind == StateKind::signing &&
           !(inst.signed_mask & (std::uint64_t{1} << *r)) &&
           std::find(state.signers.begin(), state.signers.end(), *r) != state.signers.end();
}

namespace {

// Whether `role` has a signature ahead: in this step (not given yet) or in
// a signing step the envelope can still reach. A signer of two documents in
// turn may be corrected between them; one with nothing left to sign may not.
bool signs_ahead(Instance const& inst, std::uint8_t role) {
    Definition const& d = *inst.definition;
    std::vector<bool> seen(d.state_count());
    std::vector<StateId> frontier{inst.state};
    seen[inst.state] = true;
    while (!frontier.empty()) {
        StateId s = frontier.back();
        frontier.pop_back();
        StateInfo const& st = d.state(s);
        bool here = std::find(st.signers.begin(), st.signers.end(), role) != st.signers.end();
        if (st.kind == StateKind::signing && here && (s != inst.state || !(inst.signed_mask & (std::uint64_t{1} << role))))
            return true;
        for (auto const& e : st.edges)
            if (auto to = d.find_state(d.ir().transitions[e.transition].to); to && !seen[*to]) {
                seen[*to] = true;
                frontier.push_back(*to);
            }
    }
    return false;
}

}  // namespace

AuditFact operator_fact(std::string kind, json detail, Origin origin) {
    std::string actor = "operator";
    if (auto const& k = origin.acting) {
        detail["api_key"] = {{"id", k->key_id}, {"name", k->key_name}};
        if (k->key_id) actor = "api_key:" + std::to_string(k->key_id);
    }
    origin.acting.reset();
    return {std::move(kind), std::move(actor), std::move(detail), std::move(origin)};
}

void Shard::answer(Entry entry, Part& part, Outcome outcome, json body) {
    part.outcome = outcome;
    part.body = std::move(body);
    ctx_.committer.submit(std::move(entry));
}

bool Shard::request_again(Instance& inst, std::string const& role, Instant now, Change& change) {
    Definition const& d = *inst.definition;
    // Being verified: a new code (with its link) to the corrected address;
    // in their signing turn: the request, with a new link.
    bool const verifying = d.state(inst.state).kind == StateKind::verifying;
    if (!verifying && !turn_of(inst, role)) return false;
    auto const wanted = verifying ? ir::ActionKind::send_code : ir::ActionKind::request_signature;
    for (auto const& a : d.ir().states[inst.state].entry) {
        if (a.kind != wanted || a.target != role) continue;
        json const data = json::parse(inst.data);
        json const roles = data.value(data_key::roles, json::object());
        json who = roles.is_object() ? roles.value(role, json::object()) : json::object();
        if (who.is_string()) who = json{{"email", who}};
        who["role"] = role;
        json payload = {{"workflow", d.name()}, {"to", std::move(who)}};
        if (verifying)
            payload.update({{"method", a.method}, {"attempts", a.attempts}});
        else
            payload["again"] = true;  // a link even for a verified signer (messages connector)
        // Named by the audit entry that asks for it (one per correction or
        // resend): a new row each time, the same row for a retried commit.
        change.outbox_added.push_back(outbox_row(std::to_string(inst.id) + ".request." +
                                                     std::to_string(inst.audit_seq + 1),
                                                 inst.id, ir::action_kind_name(a.kind), role,
                                                 ir::route_of(a, d.ir()).connector, payload.dump(), now));
        return true;
    }
    return false;
}

void Shard::correct_signer(std::int64_t id, std::string const& role, json const& changes, Origin const& origin,
                           std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    Instance* found = running(id, *part);
    if (!found) return ctx_.committer.submit(std::move(entry));
    Instance& inst = *found;
    Definition const& d = *inst.definition;
    auto r = d.find_role(role);
    if (!r)
        return answer(std::move(entry), *part, Outcome::not_found,
                      {{"error", "workflow `" + d.name() + "` has no role `" + role + "`"}, {"id", id}});
    if (!signs_ahead(inst, *r))
        return answer(std::move(entry), *part, Outcome::conflict,
                      {{"error", "`" + role + "` has signed, or has nothing to sign: only a signer who has yet to sign can be "
                                 "corrected"},
                       {"id", id}});
    if (!changes.is_object() || changes.empty())
        return answer(std::move(entry), *part, Outcome::invalid,
                      {{"error", "give what to correct: an object of email, phone, name, timezone or language"}});
    for (auto const& [key, value] : changes.items())
        if (auto problem = correction_problem(key, value); !problem.empty())
            return answer(std::move(entry), *part, Outcome::invalid, {{"error", problem}, {"id", id}, {"role", role}});
    json data = json::parse(inst.data);
    json& roles = data[data_key::roles];
    if (!roles.is_object()) roles = json::object();
    json& who = roles[role];
    if (who.is_string()) who = json{{"email", who}};  // a role that resolved to a bare address
    if (!who.is_object()) who = json::object();
    json old_values = json::object(), new_values = json::object();
    for (auto const& [key, value] : changes.items()) {
        json before = who.value(key, json());
        if (before == value) continue;
        old_values[key] = before;
        new_values[key] = value;
        who[key] = value;
    }
    if (new_values.empty()) {
        part->outcome = Outcome::ok;
        part->body = {{"id", id}, {"role", role}, {"changed", json::array()}, {"request_sent", false}};
        return ctx_.committer.submit(std::move(entry));
    }
    // The links made before now are replaced: a mistyped address may have
    // reached someone else.
    data[data_key::corrected][role] = to_millis(now);
    inst.data = data.dump();
    inst.updated_ms = to_millis(now);
    bool const sent = request_again(inst, role, now, entry.change);  // (named by the entry that follows)
    index_people(inst, entry.change);
    audit(id, &inst, operator_fact("signer_corrected", {{"role", role}, {"old", old_values}, {"new", new_values}}, origin),
          now, entry.change);
    entry.change.instances.push_back(to_record(inst));
    json changed = json::array();
    for (auto const& [key, value] : new_values.items()) changed.push_back(key);
    part->outcome = Outcome::accepted;
    part->body = {{"id", id}, {"role", role}, {"changed", std::move(changed)}, {"request_sent", sent}};
    ctx_.committer.submit(std::move(entry));
}

void Shard::resend_request(std::int64_t id, std::string const& role, Origin const& origin,
                           std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    Instance* found = running(id, *part);
    if (!found) return ctx_.committer.submit(std::move(entry));
    Instance& inst = *found;
    bool const verifying = inst.definition->state(inst.state).kind == StateKind::verifying;
    if (!turn_of(inst, role) && !verifying)
        return answer(std::move(entry), *part, Outcome::conflict,
                      {{"error", "it is not `" + role + "`'s turn to sign"}, {"id", id},
                       {"state", inst.definition->state_name(inst.state)}});
    if (!request_again(inst, role, now, entry.change))
        return answer(std::move(entry), *part, Outcome::conflict,
                      {{"error", "no signing request for `" + role + "` in this step"}, {"id", id}});
    audit(id, &inst, operator_fact("request_resent", {{"role", role}}, origin), now, entry.change);
    entry.change.instances.push_back(to_record(inst));
    part->outcome = Outcome::accepted;
    part->body = {{"id", id}, {"role", role}, {"request_sent", true}};
    ctx_.committer.submit(std::move(entry));
}

}  // namespace signflow::engine::detail
