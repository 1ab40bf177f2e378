#pragma once
// Quota counters (`quota N envelopes per month per event.customer`): checked
// and counted when an envelope would start, under one lock, so that two
// shards cannot both take the last envelope of a month. Counts are loaded
// from the store on first use and kept in memory; each start's increment is
// committed with the envelope it counts.
#include "signflow/engine/definition.hpp"
#include "signflow/engine/evaluate.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/engine/store.hpp"
#include "signflow/engine/time.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace signflow::engine::detail {

struct QuotaRefusal {
    std::string message;
    nlohmann::json detail;
};

class QuotaBook {
public:
    explicit QuotaBook(Store& store) : store_(store) {}

    // Takes one envelope of every quota the workflow declares, or none and
    // says which quota is full. `increments` gets what to commit.
    std::optional<QuotaRefusal> take(Definition const& d, json const& event, Instant now,
                                     std::string const& default_zone, std::vector<QuotaIncrement>& increments);
    // Gives back what take() counted (the envelope was not created after all).
    void give_back(std::vector<QuotaIncrement> const& increments);
    // How many envelopes the workflow's quotas without a key still allow now
    // (the tightest one), and a sentence saying which quota that is; nullopt
    // when no such quota exists. Keyed quotas depend on each start's data.
    std::optional<std::pair<std::int64_t, std::string>> room(Definition const& d, Instant now,
                                                             std::string const& default_zone);
    // The workflow's quotas this period (Runtime::quotas).
    std::vector<QuotaUsage> usage(Definition const& d, Instant now, std::string const& default_zone);

private:
    Store& store_;
    std::mutex mutex_;
    std::map<std::pair<std::string, std::int64_t>, std::int64_t> counts_;
};

// The start of the period containing `now` in `zone`, and of the next one.
std::pair<Instant, Instant> quota_period(std::string const& period, Instant now, std::string const& zone);

}  // namespace signflow::engine::detail
