#include "quota.hpp"

#include "signflow/dsl/ir_io.hpp"

#include <date/tz.h>

#include <algorithm>

namespace signflow::engine::detail {

std::pair<Instant, Instant> quota_period(std::string const& period, Instant now, std::string const& zone) {
    using namespace std::chrono;
    auto const* tz = date::locate_zone(zone);
    auto local = tz->to_local(floor<seconds>(now));
    date::local_days day = floor<date::days>(local);
    date::year_month_day ymd{day};
    date::local_days begin, end;
    if (period == "day") {
        begin = day;
        end = day + date::days{1};
    } else if (period == "week") {  // weeks start on Monday
        date::weekday wd{day};
        begin = day - (wd - date::Monday);
        end = begin + date::days{7};
    } else if (period == "year") {
        begin = date::local_days{ymd.year() / date::January / 1};
        end = date::local_days{(ymd.year() + date::years{1}) / date::January / 1};
    } else {  // month
        begin = date::local_days{ymd.year() / ymd.month() / 1};
        end = date::local_days{(date::year_month{ymd.year(), ymd.month()} + date::months{1}) / 1};
    }
    auto at = [&](date::local_days d) {
        date::year_month_day x{d};
        return local_to_instant(int(x.year()), unsigned(x.month()), unsigned(x.day()), 0, zone);
    };
    return {at(begin), at(end)};
}

std::optional<QuotaRefusal> QuotaBook::take(Definition const& d, json const& event, Instant now,
                                            std::string const& default_zone,
                                            std::vector<QuotaIncrement>& increments) {
    auto const& quotas = d.ir().quotas;
    if (quotas.empty()) return std::nullopt;
    std::string zone = d.ir().timezone.empty() ? default_zone : d.ir().timezone;
    std::vector<QuotaIncrement> mine;
    std::lock_guard lock(mutex_);
    for (std::size_t k = 0; k < quotas.size(); ++k) {
        auto const& q = quotas[k];
        std::string key_text;
        if (q.key) {
            Scope s;
            s.event = &event;
            s.now = now;
            json v;
            try {
                v = evaluate(*q.key, s);
            } catch (EvalError const& e) {
                v = nullptr;
            }
            key_text = v.is_string() ? v.get<std::string>() : v.dump();
        }
        auto [begin, end] = quota_period(q.period, now, zone);
        std::string name = d.name() + "#" + std::to_string(k) + "|" + key_text;
        auto slot = std::make_pair(name, to_millis(begin));
        auto it = counts_.find(slot);
        if (it == counts_.end()) {
            std::int64_t stored = 0;
            try {
                stored = store_.quota_count(name, to_millis(begin));
            } catch (...) {
                // (the database away: nothing taken, the earlier quotas' counts given back)
                for (auto const& m : mine) counts_[{m.quota, m.period_start_ms}] -= m.delta;
                throw;
            }
            it = counts_.emplace(slot, stored).first;
        }
        if (it->second >= q.limit) {
            for (auto const& m : mine) counts_[{m.quota, m.period_start_ms}] -= m.delta;
            std::string what = "quota `" + std::to_string(q.limit) + " envelopes per " + q.period +
                               (q.key ? " per " + ir::to_text(*q.key) : std::string()) + "` of workflow `" +
                               d.name() + "`";
            QuotaRefusal r;
            r.message = what + " is used up" + (q.key ? " for " + json(key_text).dump() : std::string()) + ": " +
                        std::to_string(it->second) + " of " + std::to_string(q.limit) + " this " + q.period +
                        "; it resets at " + utc_text(end);
            r.detail = {{"workflow", d.name()}, {"limit", q.limit},       {"period", q.period},
                        {"key", key_text},      {"used", it->second},    {"resets_at", utc_text(end)}};
            return r;
        }
        ++it->second;
        mine.push_back({name, to_millis(begin), 1});
    }
    increments.insert(increments.end(), mine.begin(), mine.end());
    return std::nullopt;
}

std::optional<std::pair<std::int64_t, std::string>> QuotaBook::room(Definition const& d, Instant now,
                                                                    std::string const& default_zone) {
    auto const& quotas = d.ir().quotas;
    std::string zone = d.ir().timezone.empty() ? default_zone : d.ir().timezone;
    std::optional<std::pair<std::int64_t, std::string>> tightest;
    std::lock_guard lock(mutex_);
    for (std::size_t k = 0; k < quotas.size(); ++k) {
        auto const& q = quotas[k];
        if (q.key) continue;
        auto [begin, end] = quota_period(q.period, now, zone);
        std::string name = d.name() + "#" + std::to_string(k) + "|";
        auto slot = std::make_pair(name, to_millis(begin));
        auto it = counts_.find(slot);
        if (it == counts_.end()) it = counts_.emplace(slot, store_.quota_count(name, to_millis(begin))).first;
        std::int64_t left = std::max<std::int64_t>(0, q.limit - it->second);
        if (tightest && tightest->first <= left) continue;
        tightest.emplace(left, "quota `" + std::to_string(q.limit) + " envelopes per " + q.period +
                                   "` of workflow `" + d.name() + "`: " + std::to_string(it->second) + " of " +
                                   std::to_string(q.limit) + " used this " + q.period + "; it resets at " +
                                   utc_text(end));
    }
    return tightest;
}

std::vector<QuotaUsage> QuotaBook::usage(Definition const& d, Instant now, std::string const& default_zone) {
    auto const& quotas = d.ir().quotas;
    std::string zone = d.ir().timezone.empty() ? default_zone : d.ir().timezone;
    std::vector<QuotaUsage> out;
    std::lock_guard lock(mutex_);
    for (std::size_t k = 0; k < quotas.size(); ++k) {
        auto const& q = quotas[k];
        auto [begin, end] = quota_period(q.period, now, zone);
        std::string prefix = d.name() + "#" + std::to_string(k) + "|";
        QuotaUsage u;
        u.workflow = d.name();
        u.limit = q.limit;
        u.period = q.period;
        u.period_start_ms = to_millis(begin);
        u.resets_ms = to_millis(end);
        if (!q.key) {
            auto slot = std::make_pair(prefix, to_millis(begin));
            auto it = counts_.find(slot);
            if (it == counts_.end()) it = counts_.emplace(slot, store_.quota_count(prefix, to_millis(begin))).first;
            u.used = it->second;
        } else {
            // Only the keys this daemon has counted: the store keeps no list
            // of a period's keys, and their counts, once loaded, are exact.
            u.key = ir::to_text(*q.key);
            for (auto it = counts_.lower_bound({prefix, std::int64_t{0}});
                 it != counts_.end() && it->first.first.compare(0, prefix.size(), prefix) == 0; ++it)
                if (it->first.second == to_millis(begin) && it->second > 0)
                    u.keys.emplace_back(it->first.first.substr(prefix.size()), it->second);
            std::sort(u.keys.begin(), u.keys.end(), [](auto const& x, auto const& y) {
                return x.second != y.second ? x.second > y.second : x.first < y.first;
            });
        }
        out.push_back(std::move(u));
    }
    return out;
}

void QuotaBook::give_back(std::vector<QuotaIncrement> const& increments) {
    std::lock_guard lock(mutex_);
    for (auto const& m : increments) counts_[{m.quota, m.period_start_ms}] -= m.delta;
}

}  // namespace signflow::engine::detail
