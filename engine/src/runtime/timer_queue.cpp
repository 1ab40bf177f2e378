#include "timer_queue.hpp"

namespace signflow::engine::detail {

int TimerQueue::arm(std::int64_t instance, TimerId timer, std::int64_t due_ms, std::int64_t fired) {
    bool replaced = disarm(instance, timer);
    by_instance_[instance].push_back({timer, due_ms, fired});
    queue_.emplace(due_ms, instance, timer);
    return replaced ? 0 : 1;
}

bool TimerQueue::disarm(std::int64_t instance, TimerId timer) {
    auto it = by_instance_.find(instance);
    if (it == by_instance_.end()) return false;
    auto& list = it->second;
    bool found = false;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (list[i].timer != timer) continue;
        queue_.erase({list[i].due_ms, instance, timer});
        list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
        found = true;
        break;
    }
    if (list.empty()) by_instance_.erase(it);
    return found;
}

std::vector<TimerId> TimerQueue::disarm_all(std::int64_t instance) {
    std::vector<TimerId> out;
    auto it = by_instance_.find(instance);
    if (it == by_instance_.end()) return out;
    for (auto const& p : it->second) {
        queue_.erase({p.due_ms, instance, p.timer});
        out.push_back(p.timer);
    }
    by_instance_.erase(it);
    return out;
}

std::vector<TimerId> TimerQueue::armed(std::int64_t instance) const {
    std::vector<TimerId> out;
    if (auto it = by_instance_.find(instance); it != by_instance_.end())
        for (auto const& p : it->second) out.push_back(p.timer);
    return out;
}

std::optional<std::int64_t> TimerQueue::next_due() const {
    if (queue_.empty()) return std::nullopt;
    return std::get<0>(*queue_.begin());
}

std::optional<TimerQueue::Due> TimerQueue::pop_due(std::int64_t now_ms) {
    if (queue_.empty() || std::get<0>(*queue_.begin()) > now_ms) return std::nullopt;
    auto [due, instance, timer] = *queue_.begin();
    std::int64_t fired = 0;
    if (auto it = by_instance_.find(instance); it != by_instance_.end())
        for (auto const& p : it->second)
            if (p.timer == timer) fired = p.fired;
    disarm(instance, timer);
    return Due{due, instance, timer, fired};
}

std::size_t TimerQueue::count_due(std::int64_t now_ms) const {
    std::size_t n = 0;
    for (auto it = queue_.begin(); it != queue_.end() && std::get<0>(*it) <= now_ms; ++it) ++n;
    return n;
}

}  // namespace signflow::engine::detail
