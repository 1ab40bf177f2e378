#pragma once
// The pending timers of one shard's envelopes: an ordered set by due time
// (arm and cancel in O(log n)) and, per envelope, its armed timers. Nothing
// here scans the pending timers, knows a clock, Asio or the store: the shard
// sets its one Asio timer to next_due() and takes what is due.
#include "signflow/engine/definition.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace signflow::engine::detail {

class TimerQueue {
public:
    struct Due {
        std::int64_t due_ms = 0;
        std::int64_t instance = 0;
        TimerId timer{};
        std::int64_t fired = 0;  // how often it fired before (reminders count)
    };

    // Arms `timer` of `instance`, replacing the one armed before, if any.
    // Returns how the number pending changed (+1, or 0 for a replacement).
    int arm(std::int64_t instance, TimerId timer, std::int64_t due_ms, std::int64_t fired);
    // Cancels it; false when it was not armed.
    bool disarm(std::int64_t instance, TimerId timer);
    // Cancels every timer of `instance`; returns the ones it cancelled.
    std::vector<TimerId> disarm_all(std::int64_t instance);
    // The timers `instance` has armed (in the order they were armed).
    std::vector<TimerId> armed(std::int64_t instance) const;

    // The earliest due time; nullopt when nothing is pending.
    std::optional<std::int64_t> next_due() const;
    // Removes and returns the earliest timer due at or before `now_ms`.
    std::optional<Due> pop_due(std::int64_t now_ms);
    // How many are due at or before `now_ms`.
    std::size_t count_due(std::int64_t now_ms) const;
    std::size_t size() const { return queue_.size(); }

private:
    struct Pending {
        TimerId timer;
        std::int64_t due_ms;
        std::int64_t fired;
    };
    using Key = std::tuple<std::int64_t, std::int64_t, TimerId>;  // due, instance, timer
    std::set<Key> queue_;
    std::unordered_map<std::int64_t, std::vector<Pending>> by_instance_;
};

}  // namespace signflow::engine::detail
