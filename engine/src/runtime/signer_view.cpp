#include "signer_view.hpp"

#include "../machine/envelope_documents.hpp"
#include "../machine/signer_fields.hpp"
#include "signflow/engine/data_keys.hpp"
#include "signflow/engine/progress.hpp"
#include "signflow/evidence/audit.hpp"

#include <algorithm>
#include <set>

namespace signflow::engine {

std::string_view step_name(SignerStep step) {
    switch (step) {
        case SignerStep::unknown: return "unknown";
        case SignerStep::ended: return "ended";
        case SignerStep::signed_: return "signed";
        case SignerStep::declined: return "declined";
        case SignerStep::verify: return "verify";
        case SignerStep::sign: return "sign";
        case SignerStep::wait: return "wait";
    }
    return "unknown";
}

std::string SignerView::name() const {
    return signer.is_object() && signer.value("name", nlohmann::json()).is_string() ? signer["name"].get<std::string>()
                                                                                   : std::string();
}

}  // namespace signflow::engine

namespace signflow::engine::detail {
using nlohmann::json;

namespace {

// The role as the page may show it: a name, never another signer's address.
OtherSigner who(json const& roles, std::string const& role) {
    json r = roles.is_object() ? roles.value(role, json()) : json();
    OtherSigner out{role, std::nullopt};
    if (r.is_object() && r.value("name", json()).is_string()) out.name = r["name"].get<std::string>();
    return out;
}

// The signing states an envelope goes through from `from`, following
// all-signed and signed(...) edges to other signing states, in order, until
// one holds `role` (sequential routing: the groups that sign before it).
// `reached` says whether one does: a signer who signed an earlier document
// may have another to sign further on.
struct GroupsBefore {
    std::vector<StateId> path;
    bool reached = false;
};

GroupsBefore groups_before(Definition const& d, StateId from, std::uint8_t role) {
    GroupsBefore out;
    std::vector<StateId>& path = out.path;
    std::set<StateId> seen;
    StateId s = from;
    while (seen.insert(s).second) {
        StateInfo const& info = d.state(s);
        if (info.kind == StateKind::signing) {
            for (auto r : info.signers)
                if (r == role) return out.reached = true, out;
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
    return out;
}

}  // namespace

SignerView signer_view(Definition const& d, InstanceRecord const& r, std::vector<AuditRecord> const& trail,
                       std::string const& role, Instant now) {
    json data = json::parse(r.data, nullptr, false);
    Progress progress = Progress::parse(r.progress);
    json const roles = data.is_object() ? data.value(data_key::roles, json::object()) : json::object();

    SignerView view;
    view.envelope = r.id;
    view.workflow = r.workflow;
    view.status = r.status;
    view.state = r.state;
    view.role = role;
    view.documents = progress.documents;
    json self = roles.is_object() ? roles.value(role, json()) : json();
    if (self.is_string()) self = json{{"email", self}};
    if (self.is_object()) view.signer = std::move(self);

    // What this signer has done, from the trail.
    std::set<std::string> uploaded;
    for (auto const& a : trail) {
        json e = json::parse(a.entry, nullptr, false);
        if (!e.is_object()) continue;
        // Corrected by an operator: what was done through the links before
        // (perhaps by whoever the mistyped address reached) does not count
        // for the signer; they consent, verify and upload again.
        // Handed over to a delegate: the same, for the delegate's own start.
        if ((a.kind == "signer_corrected" || a.kind == "signer_delegated") &&
            e.value("detail", json::object()).value("role", json()) == role) {
            view.consented = view.viewed = view.verified = false;
            uploaded.clear();
            continue;
        }
        if (evidence::subject_of(e) != role) continue;
        if (a.kind == "consent_given") view.consented = true;
        else if (a.kind == "viewed") view.viewed = true;
        // A verification is for the signature that follows it: an envelope
        // with a second document asks again (and sends a link again).
        else if (a.kind == "signed") view.signed_ = true, view.verified = false;
        else if (a.kind == "declined") view.declined = true;
        else if (a.kind == "code_verified" || a.kind == "identity_verified") view.verified = true;
        else if (a.kind == "attachment_uploaded") {
            json const& detail = e.value("detail", json::object());
            if (detail.is_object() && detail.value("name", json()).is_string())
                uploaded.insert(detail["name"].get<std::string>());
        }
    }
    for (auto const& t : d.ir().templates)
        for (auto const& at : t.attachments)
            if (at.from == role) view.attachments.push_back({at.name, at.required, uploaded.count(at.name) > 0});

    auto role_id = d.find_role(role);
    auto state = d.find_state(r.state);
    std::uint64_t const signed_mask = progress.signed_mask;
    std::vector<OtherSigner> waiting;
    auto pending_before = [&](StateId from) {
        for (auto g : groups_before(d, from, *role_id).path)
            for (auto s : d.state(g).signers)
                if (!(signed_mask & (std::uint64_t{1} << s))) waiting.push_back(who(roles, d.ir().roles[s].name));
    };
    // Where the envelope is now, for this signer: their code being asked
    // for, or their signature (in a group of one or several).
    ir::Action const* my_code = nullptr;
    bool my_group = false;
    if (state && role_id) {
        if (d.state(*state).kind == StateKind::verifying)
            for (auto const& a : d.ir().states[*state].entry)
                if (a.kind == ir::ActionKind::send_code && a.target == role) my_code = &a;
        if (d.state(*state).kind == StateKind::signing)
            for (auto s : d.state(*state).signers) my_group = my_group || s == *role_id;
    }
    // The step follows where the envelope is now, not only what the trail
    // says this signer did: a signer who signed the first document of an
    // envelope signs its second one when the envelope reaches them again.
    if (!role_id) {
        view.step = SignerStep::unknown;
    } else if (r.status != "running") {
        view.step = SignerStep::ended;
    } else if (view.declined) {
        view.step = SignerStep::declined;
    } else if (my_code) {
        view.step = SignerStep::verify;
        view.method = my_code->method;
    } else if (my_group) {
        // In a routing group of several, a signature is a bit in the mask
        // until the last one moves the envelope on.
        view.step = signed_mask & (std::uint64_t{1} << *role_id) ? SignerStep::signed_ : SignerStep::sign;
    } else if (view.signed_ && !(state && groups_before(d, *state, *role_id).reached)) {
        view.step = SignerStep::signed_;
    } else if (state && d.state(*state).kind == StateKind::verifying) {
        view.step = SignerStep::wait;
        for (auto const& a : d.ir().states[*state].entry)
            if (a.kind == ir::ActionKind::send_code) waiting.push_back(who(roles, a.target));
        pending_before(*state);
    } else if (state && d.state(*state).kind == StateKind::signing) {
        // Everyone who must sign first: this group's pending signers, then
        // the groups between it and this signer's.
        view.step = SignerStep::wait;
        pending_before(*state);
    } else {
        view.step = SignerStep::wait;  // the document is being prepared, or the envelope waits for something else
    }
    if (view.step == SignerStep::sign) view.signing = documents_of(data).signing;
    if (view.signer.is_object() && view.signer.contains("on_behalf_of")) view.on_behalf_of = view.signer["on_behalf_of"];
    if (view.step == SignerStep::sign && state && view.on_behalf_of.is_null()) {
        auto const& may = d.ir().states[*state].delegable;
        view.may_delegate = std::find(may.begin(), may.end(), role) != may.end();
    }
    if (data.is_object())
        if (auto c = data.find(data_key::corrected); c != data.end() && c->is_object())
            if (auto at = c->find(role); at != c->end() && at->is_number_integer()) view.links_from_ms = *at;
    // The fields this signer fills in the documents they sign now.
    if (view.step == SignerStep::sign && d.has_signer_fields() && data.is_object()) {
        auto const& documents = view.signing;
        view.document = documents.empty() ? std::string() : documents.front();
        Scope const scope = scope_of(data, now);
        auto const page = fields_of(d.ir(), documents, role);
        for (auto const* f : page) {
            if (f->type == "date_signed") continue;
            // A field asked depending on another on the same page shows:
            // its condition is known only when the form is sent (the
            // daemon applies it then, and ignores a value it does not ask for).
            view.fields.push_back({f->name, f->type, f->label, f->options, f->min, f->max, f->required,
                                   !f->pattern.empty(), asked(*f, scope) || reads_own_fields(*f, role, page),
                                   reads_own_fields(*f, role, page)});
        }
    }
    // Each signer once (a signer verified before signing is in both lists).
    std::set<std::string> listed;
    for (auto& w : waiting)
        if (listed.insert(w.role).second) view.waiting_for.push_back(std::move(w));
    return view;
}

}  // namespace signflow::engine::detail
