#pragma once
// What the runtime's parts share: the machine, the store, the rules, the
// committer, the quota book, the metrics. Owned by Runtime::Impl; the parts
// hold a reference for their whole life.
#include "committer.hpp"
#include "quota.hpp"
#include "signflow/engine/machine.hpp"
#include "signflow/engine/rules.hpp"
#include "signflow/engine/runtime.hpp"

#include <atomic>
#include <chrono>

namespace signflow::engine::detail {

struct Metrics {
    std::atomic<std::uint64_t> events{0}, events_applied{0}, events_ignored{0}, transitions{0};
    std::atomic<std::uint64_t> started{0}, finished{0}, start_refused{0}, quota_refused{0};
    std::atomic<std::uint64_t> timers_fired{0}, timers_late{0};
    std::atomic<std::int64_t> timers_pending{0}, timers_overdue{0}, running{0};
    std::atomic<std::uint64_t> reloads{0}, reload_failures{0};
    std::atomic<std::uint64_t> delivered{0}, delivery_failures{0}, dead{0};
};

struct Context {
    Store& store;
    Rules& rules;
    Machine const& machine;
    Committer& committer;
    QuotaBook& quotas;
    RuntimeOptions const& options;
    LogFn const& log;
    Metrics& metrics;
};

inline Instant now_instant() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace signflow::engine::detail
