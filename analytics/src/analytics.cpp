#include "signflow/analytics/analytics.hpp"
#include "signflow/evidence/audit.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace signflow::analytics {
using nlohmann::json;

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

namespace {

// The role an audit entry is about: the actor for a signer's own acts (or
// the role an operator's key acted for), the detail's `role` for what the
// system did to a signer (sent, reminded).
std::string role_of(json const& entry) {
    if (auto d = entry.find("detail"); d != entry.end() && d->is_object())
        if (auto r = d->find("role"); r != d->end() && r->is_string()) return *r;
    return evidence::subject_of(entry);
}

json durations(std::vector<double> const& seconds) {
    if (seconds.empty()) return {{"count", 0}, {"median_seconds", nullptr}, {"p90_seconds", nullptr}};
    return {{"count", seconds.size()},
            {"median_seconds", percentile(seconds, 50)},
            {"p90_seconds", percentile(seconds, 90)}};
}

double rate(std::int64_t part, std::int64_t whole) {
    return whole ? std::round(1000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 1000.0 : 0.0;
}

}  // namespace

void Figures::add(engine::InstanceRecord const& envelope, std::vector<engine::AuditRecord> const& trail) {
    ++started;
    bool was_completed = false, was_declined = false, was_expired = false, was_failed = false;
    std::map<std::string, std::int64_t> sent_at;
    std::set<std::string> viewed_roles, signed_roles, sent_roles;
    for (auto const& a : trail) {
        if (a.kind == "completed") {
            was_completed = true;
            seconds_to_complete.push_back(static_cast<double>(a.at_ms - envelope.created_ms) / 1000.0);
            continue;
        }
        if (a.kind == "expired") was_expired = true;
        if (a.kind == "document_failed") was_failed = true;
        if (a.kind == "reminded") ++reminders;
        if (a.kind == "signer_delegated") {
            ++delegations;
            json entry = json::parse(a.entry, nullptr, false);
            if (entry.is_object())
                if (std::string role = role_of(entry); !role.empty()) ++signers[role].delegated;
            continue;
        }
        if (a.kind != "sent" && a.kind != "viewed" && a.kind != "signed" && a.kind != "declined") continue;
        json entry = json::parse(a.entry, nullptr, false);
        if (!entry.is_object()) continue;
        std::string role = role_of(entry);
        if (role.empty()) continue;
        Signer& s = signers[role];
        if (a.kind == "sent") {
            if (sent_roles.insert(role).second) ++s.sent;
            sent_at.emplace(role, a.at_ms);  // the first request counts
        } else if (a.kind == "viewed") {
            if (viewed_roles.insert(role).second) ++s.viewed;
        } else if (a.kind == "signed") {
            if (!signed_roles.insert(role).second) continue;
            ++s.signed_;
            if (auto it = sent_at.find(role); it != sent_at.end())
                s.seconds_to_sign.push_back(static_cast<double>(a.at_ms - it->second) / 1000.0);
        } else {
            ++s.declined;
            was_declined = true;
        }
    }
    for (auto const& role : viewed_roles)
        if (!signed_roles.count(role)) ++signers[role].viewed_not_signed;
    if (was_completed) {
        ++completed;
        return;
    }
    ++stopped_at[envelope.state];
    if (envelope.status == "running") ++running;
    else if (envelope.status == "cancelled") ++cancelled;
    else if (was_declined) ++declined;
    else if (was_expired) ++expired;
    else if (was_failed) ++failed;
}

json Figures::to_json() const {
    json roles = json::object();
    for (auto const& [role, s] : signers)
        roles[role] = {{"sent", s.sent},
                       {"viewed", s.viewed},
                       {"signed", s.signed_},
                       {"declined", s.declined},
                       {"viewed_not_signed", s.viewed_not_signed},
                       {"delegated", s.delegated},
                       {"time_to_sign", durations(s.seconds_to_sign)}};
    json stops = json::array();
    std::vector<std::pair<std::string, std::int64_t>> by_count(stopped_at.begin(), stopped_at.end());
    std::stable_sort(by_count.begin(), by_count.end(), [](auto const& a, auto const& b) { return a.second > b.second; });
    for (auto const& [state, n] : by_count) stops.push_back({{"state", state}, {"envelopes", n}});
    return {{"started", started},
            {"completed", completed},
            {"declined", declined},
            {"expired", expired},
            {"cancelled", cancelled},
            {"failed", failed},
            {"running", running},
            {"completion_rate", rate(completed, started)},
            {"time_to_complete", durations(seconds_to_complete)},
            {"signers", roles},
            {"drop_off", stops},
            {"reminders", {{"sent", reminders}, {"per_completion", completed ? rate(reminders, completed) : 0.0}}},
            {"delegations", delegations}};
}

void Report::add(engine::InstanceRecord const& envelope, std::vector<engine::AuditRecord> const& trail) {
    Workflow& w = workflows_[envelope.workflow];
    w.all.add(envelope, trail);
    w.versions[envelope.version].add(envelope, trail);
}

json Report::to_json() const {
    json out = json::object();
    for (auto const& [name, w] : workflows_) {
        json versions = json::object();
        for (auto const& [hash, f] : w.versions) versions[hash] = f.to_json();
        out[name] = {{"all", w.all.to_json()}, {"versions", versions}};
    }
    return {{"workflows", out}};
}

std::string Report::to_prometheus() const {
    std::ostringstream o;
    // Label values are workflow and role names (identifiers) and states
    // (identifiers with parentheses): nothing to escape.
    o << "# HELP signflow_envelopes Envelopes by workflow and outcome (from the store).\n"
         "# TYPE signflow_envelopes gauge\n";
    for (auto const& [name, w] : workflows_) {
        auto const& f = w.all;
        std::pair<char const*, std::int64_t> outcomes[] = {{"started", f.started},     {"completed", f.completed},
                                                           {"declined", f.declined},   {"expired", f.expired},
                                                           {"cancelled", f.cancelled}, {"failed", f.failed},
                                                           {"running", f.running}};
        for (auto [outcome, n] : outcomes)
            o << "signflow_envelopes{workflow=\"" << name << "\",outcome=\"" << outcome << "\"} " << n << "\n";
    }
    o << "# HELP signflow_completion_rate Completed envelopes per started envelope.\n"
         "# TYPE signflow_completion_rate gauge\n";
    for (auto const& [name, w] : workflows_)
        o << "signflow_completion_rate{workflow=\"" << name << "\"} " << rate(w.all.completed, w.all.started) << "\n";
    o << "# HELP signflow_time_to_complete_seconds Time from start to completion.\n"
         "# TYPE signflow_time_to_complete_seconds summary\n";
    for (auto const& [name, w] : workflows_) {
        auto const& s = w.all.seconds_to_complete;
        for (auto q : {50, 90})
            o << "signflow_time_to_complete_seconds{workflow=\"" << name << "\",quantile=\"0." << q / 10 << "\"} "
              << percentile(s, q) << "\n";
        double sum = 0;
        for (double x : s) sum += x;
        o << "signflow_time_to_complete_seconds_sum{workflow=\"" << name << "\"} " << sum << "\n";
        o << "signflow_time_to_complete_seconds_count{workflow=\"" << name << "\"} " << s.size() << "\n";
    }
    o << "# HELP signflow_signer_funnel Signers sent, viewed, signed, declined, by workflow and role.\n"
         "# TYPE signflow_signer_funnel gauge\n";
    for (auto const& [name, w] : workflows_)
        for (auto const& [role, s] : w.all.signers) {
            std::pair<char const*, std::int64_t> steps[] = {
                {"sent", s.sent}, {"viewed", s.viewed}, {"signed", s.signed_}, {"declined", s.declined}};
            for (auto [step, n] : steps)
                o << "signflow_signer_funnel{workflow=\"" << name << "\",role=\"" << role << "\",step=\"" << step
                  << "\"} " << n << "\n";
        }
    o << "# HELP signflow_reminders Reminders sent, by workflow.\n# TYPE signflow_reminders gauge\n";
    for (auto const& [name, w] : workflows_)
        o << "signflow_reminders{workflow=\"" << name << "\"} " << w.all.reminders << "\n";
    o << "# HELP signflow_delegations Signatures handed over to a delegate, by workflow.\n"
         "# TYPE signflow_delegations gauge\n";
    for (auto const& [name, w] : workflows_)
        o << "signflow_delegations{workflow=\"" << name << "\"} " << w.all.delegations << "\n";
    return o.str();
}

}  // namespace signflow::analytics
