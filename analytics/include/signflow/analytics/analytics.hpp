#pragma once
// What happened to the envelopes started in a period, per workflow and per
// workflow version (so an operator sees whether a rule change helped):
//   - outcomes: started, completed, declined, expired, cancelled, failed, running;
//   - completion rate: completed / started;
//   - time to complete (created → completed) and, per signer, time to sign
//     (request sent → signed): median and 90th percentile, in seconds;
//   - drop-off: where envelopes that did not complete are (or ended): their
//     state, and per signer how many were sent, viewed, signed, declined,
//     viewed but not signed;
//   - reminders sent, and per completed envelope.
//
// Computed from the store's records (an envelope and its audit trail) in one
// pass; the store streams them (Store::scan_envelopes). docs/http-api.md
// describes the answer.
#include "signflow/engine/store.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace signflow::analytics {

// Figures for one group of envelopes (a workflow, or one of its versions).
struct Figures {
    struct Signer {
        std::int64_t sent = 0, viewed = 0, signed_ = 0, declined = 0, viewed_not_signed = 0;
        std::int64_t delegated = 0;  // envelopes in which this role handed over (`delegable`)
        std::vector<double> seconds_to_sign;
    };
    std::int64_t started = 0, completed = 0, declined = 0, expired = 0, cancelled = 0, failed = 0, running = 0;
    std::int64_t reminders = 0;
    std::int64_t delegations = 0;  // signatures handed over to a delegate
    std::vector<double> seconds_to_complete;
    std::map<std::string, Signer> signers;          // by role
    std::map<std::string, std::int64_t> stopped_at; // not completed: state → envelopes

    void add(engine::InstanceRecord const& envelope, std::vector<engine::AuditRecord> const& trail);
    nlohmann::json to_json() const;
};

class Report {
public:
    void add(engine::InstanceRecord const& envelope, std::vector<engine::AuditRecord> const& trail);
    // {"workflows": {name: {"all": figures, "versions": {hash: figures}}}}
    nlohmann::json to_json() const;
    // The same as Prometheus text: gauges labelled by workflow (and outcome,
    // role, quantile).
    std::string to_prometheus() const;

private:
    struct Workflow {
        Figures all;
        std::map<std::string, Figures> versions;
    };
    std::map<std::string, Workflow> workflows_;
};

// Nearest-rank percentile (0 < p ≤ 100) of unsorted values; 0 when empty.
double percentile(std::vector<double> values, double p);

}  // namespace signflow::analytics
