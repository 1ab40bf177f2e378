#include "signer_view.hpp"

#include "signflow/evidence/audit.hpp"

#include <set>

namespace signflow::engine::detail {
using nlohmann::json;

namespace {

// The role as the page may show it: a name, never another signer's address.
json who(json const& roles, std::string const& role) {
    json r = roles.is_object() ? roles.value(role, json()) : json();
    json out = {{"role", role}};
    if (r.is_object() && r.value("name", json()).is_string()) out["name"] = r["name"];
    return out;
}

// The signing states an envelope goes through from `from`, following
// all-signed and signed(...) edges to other signing states, in order, until
// one holds `role` (sequential routing: the groups that sign before it).
std::vector<StateId> groups_before(Definition const& d, StateId from, std::uint8_t role) {
    std::vector<StateId> path;
    std::set<StateId> seen;
    StateId s = from;
    while (seen.insert(s).second) {
        StateInfo const& info = d.state(s);
        if (info.kind == StateKind::signing) {
            for (auto r : info.signers)
                if (r == role) return path;
            path.push_back(s);
        }
        // The edge that moves on when this group is done.
        std::optional<StateId> next;
        for (std::size_t t = 0; t < d.ir().transitions.size(); ++t) {
            auto const& tr = d.ir().transitions[t];
            if (tr.from != d.state_name(s)) continue;
            if (tr.event == "all_signed" || tr.event == "done" || tr.event == "always" ||
                tr.event.starts_with("verified(") ||
                (tr.event.starts_with("signed(") && info.kind == StateKind::signing)) {
                auto to = d.find_state(tr.to);
                if (to && *to != s && d.state(*to).kind != StateKind::final) {
                    next = to;
                    break;
                }
            }
        }
        if (!next) break;
        s = *next;
    }
    return path;
}

}  // namespace

json signer_view(Definition const& d, InstanceRecord const& r, std::vector<AuditRecord> const& trail,
                 std::string const& role) {
    json data = json::parse(r.data, nullptr, false);
    json progress = json::parse(r.progress, nullptr, false);
    json const roles = data.is_object() ? data.value("roles", json::object()) : json::object();
    std::uint64_t signed_mask = progress.is_object() ? progress.value("signed", std::uint64_t{0}) : 0;

    json view = {{"envelope", r.id},
                 {"workflow", r.workflow},
                 {"status", r.status},
                 {"state", r.state},
                 {"role", role},
                 {"documents", progress.is_object() ? progress.value("documents", 0) : 0}};
    json self = roles.is_object() ? roles.value(role, json()) : json();
    if (self.is_string()) self = json{{"email", self}};
    view["signer"] = self.is_object() ? self : json::object();

    // What this signer has done, from the trail.
    bool consented = false, viewed = false, signed_ = false, declined = false, verified = false;
    std::set<std::string> uploaded;
    for (auto const& a : trail) {
        json e = json::parse(a.entry, nullptr, false);
        if (!e.is_object() || evidence::subject_of(e) != role) continue;
        if (a.kind == "consent_given") consented = true;
        else if (a.kind == "viewed") viewed = true;
        else if (a.kind == "signed") signed_ = true;
        else if (a.kind == "declined") declined = true;
        else if (a.kind == "code_verified" || a.kind == "identity_verified") verified = true;
        else if (a.kind == "attachment_uploaded") {
            json const& detail = e.value("detail", json::object());
            if (detail.is_object() && detail.value("name", json()).is_string())
                uploaded.insert(detail["name"].get<std::string>());
        }
    }
    view["consented"] = consented;
    view["viewed"] = viewed;
    view["signed"] = signed_;
    view["declined"] = declined;
    view["verified"] = verified;

    json attachments = json::array();
    for (auto const& t : d.ir().templates)
        for (auto const& at : t.attachments)
            if (at.from == role)
                attachments.push_back(
                    {{"name", at.name}, {"required", at.required}, {"uploaded", uploaded.count(at.name) > 0}});
    view["attachments"] = std::move(attachments);

    auto role_id = d.find_role(role);
    auto state = d.find_state(r.state);
    json waiting = json::array();
    std::string step;
    if (!role_id) {
        step = "unknown";
    } else if (r.status != "running") {
        step = "ended";
    } else if (signed_ || (signed_mask & (std::uint64_t{1} << *role_id))) {
        step = "signed";
    } else if (declined) {
        step = "declined";
    } else if (state && d.state(*state).kind == StateKind::verifying) {
        bool mine = false;
        for (auto const& a : d.ir().states[*state].entry)
            if (a.kind == ir::ActionKind::send_code && a.target == role) mine = true, view["method"] = a.method;
        if (mine) {
            step = "verify";
        } else {
            step = "wait";
            for (auto const& a : d.ir().states[*state].entry)
                if (a.kind == ir::ActionKind::send_code) waiting.push_back(who(roles, a.target));
            for (auto g : groups_before(d, *state, *role_id))
                for (auto s : d.state(g).signers)
                    if (!(signed_mask & (std::uint64_t{1} << s))) waiting.push_back(who(roles, d.ir().roles[s].name));
        }
    } else if (state && d.state(*state).kind == StateKind::signing) {
        bool mine = false;
        for (auto s : d.state(*state).signers)
            if (s == *role_id) mine = true;
        if (mine) {
            step = "sign";
        } else {
            step = "wait";
            // Everyone who must sign first: this group's pending signers,
            // then the groups between it and this signer's.
            for (auto g : groups_before(d, *state, *role_id))
                for (auto s : d.state(g).signers)
                    if (!(signed_mask & (std::uint64_t{1} << s))) waiting.push_back(who(roles, d.ir().roles[s].name));
        }
    } else {
        step = "wait";  // the document is being prepared, or the envelope waits for something else
    }
    view["step"] = step;
    // Each signer once (a signer verified before signing is in both lists).
    json unique = json::array();
    std::set<std::string> listed;
    for (auto& w : waiting)
        if (listed.insert(w.value("role", "")).second) unique.push_back(std::move(w));
    view["waiting_for"] = std::move(unique);
    return view;
}

}  // namespace signflow::engine::detail
