// Instants, local times and timer schedules over date/tz with the OS zone
// database (/usr/share/zoneinfo).
//
// Every local → UTC conversion goes through `to_instant`, the one place the
// gap/overlap rule of time.hpp lives. The rule falls out of date's
// `local_info` without branching: `first` is the period in force just before
// the local time (for a gap, the period before the jump; for an overlap, the
// earlier of the two), so `local - first.offset` moves a gap's local time
// forward by the gap's length and picks the earlier instant of an overlap.
// date's own `choose::earliest` does not do this for gaps: it returns the
// instant of the transition itself (02:30 in a New York gap becomes 03:00).
//
// Known limit: in its OS-database mode date reads the transitions of the
// zone files but not the rule string at their end. Debian's files list
// transitions up to 2037, so instants from 2038 on get the zone's last
// offset (New York stays on EST all year). Reminders and deadlines that far
// out are not a case we have.
#include "signflow/engine/time.hpp"

#include <cstdio>

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

namespace signflow::engine {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int minutes_per_day = 24 * 60;

// date::locate_zone searches the database's zone and link lists; the engine
// asks for the same handful of zones on every timer, from several threads.
// Zone pointers stay valid for the life of the database (never reloaded
// here). Unknown names are not remembered, so hostile input cannot grow the
// cache.
date::time_zone const* find_zone(std::string_view name) {
    static std::mutex mutex;
    static std::map<std::string, date::time_zone const*, std::less<>> cache;
    {
        std::lock_guard lock{mutex};
        if (auto it = cache.find(name); it != cache.end()) return it->second;
    }
    // Loading the database itself can fail (no /usr/share/zoneinfo); that
    // is not an unknown zone, so let its std::runtime_error through.
    // (Debian's libdate-tz exports only the free locate_zone, not the
    // tzdb member.)
    date::get_tzdb();
    date::time_zone const* zone = nullptr;
    try {
        zone = date::locate_zone(name);
    } catch (std::runtime_error const&) {
        throw std::invalid_argument("unknown time zone `" + std::string{name} + "`");
    }
    std::lock_guard lock{mutex};
    cache.emplace(std::string{name}, zone);
    return zone;
}

void check_minute_of_day(int minute_of_day) {
    if (minute_of_day < 0 || minute_of_day >= minutes_per_day)
        throw std::invalid_argument("minute of day out of range: " + std::to_string(minute_of_day));
}

// The rule of time.hpp; see the note at the top of the file.
Instant to_instant(date::time_zone const* zone, date::local_time<milliseconds> local) {
    auto const info = zone->get_info(date::floor<seconds>(local));
    return Instant{local.time_since_epoch() - info.first.offset};
}

date::local_time<milliseconds> to_local(date::time_zone const* zone, Instant t) {
    return zone->to_local(t);
}

// The local calendar day of `t` in `zone`.
date::local_days local_day(date::time_zone const* zone, Instant t) {
    return date::floor<days>(to_local(zone, t));
}

Instant at_minute(date::time_zone const* zone, date::local_days day, int minute_of_day) {
    return to_instant(zone, date::local_time<milliseconds>{day} + minutes{minute_of_day});
}

// A small cursor over the fixed-width text parse_utc accepts.
struct Cursor {
    std::string_view text;
    std::size_t pos = 0;

    bool done() const { return pos == text.size(); }
    bool peek(char c) const { return pos < text.size() && text[pos] == c; }
    bool eat(char c) {
        if (!peek(c)) return false;
        ++pos;
        return true;
    }
    // Exactly `width` digits.
    std::optional<int> digits(int width) {
        int value = 0;
        for (int i = 0; i < width; ++i) {
            if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') return std::nullopt;
            value = value * 10 + (text[pos++] - '0');
        }
        return value;
    }
};

}  // namespace

bool is_known_zone(std::string_view zone) {
    try {
        find_zone(zone);
        return true;
    } catch (std::invalid_argument const&) {
        return false;
    }
}

Instant local_to_instant(int year, unsigned month, unsigned day, int minute_of_day, std::string_view zone) {
    auto const* tz = find_zone(zone);
    date::year_month_day const ymd{date::year{year}, date::month{month}, date::day{day}};
    if (!ymd.ok()) throw std::invalid_argument("not a calendar date");
    check_minute_of_day(minute_of_day);
    return at_minute(tz, date::local_days{ymd}, minute_of_day);
}

std::string local_text(Instant t, std::string_view zone) {
    auto const* tz = find_zone(zone);
    auto const info = tz->get_info(date::floor<seconds>(t));
    auto const local = date::local_time<minutes>{date::floor<minutes>(t.time_since_epoch() + info.offset)};
    return date::format("%Y-%m-%d %H:%M ", local) + info.abbrev;
}

std::string local_rfc3339(Instant t, std::string_view zone) {
    auto const* tz = find_zone(zone);
    auto const info = tz->get_info(date::floor<seconds>(t));
    auto const local = date::local_time<milliseconds>{t.time_since_epoch() + info.offset};
    auto const offset = duration_cast<minutes>(info.offset).count();
    auto const magnitude = offset < 0 ? -offset : offset;
    char tail[8];
    std::snprintf(tail, sizeof tail, "%c%02d:%02d", offset < 0 ? '-' : '+', static_cast<int>(magnitude / 60),
                  static_cast<int>(magnitude % 60));
    return date::format("%Y-%m-%dT%H:%M:%S", local) + tail;
}

std::string utc_text(Instant t) { return date::format("%Y-%m-%dT%H:%M:%SZ", date::floor<seconds>(t)); }

std::optional<Instant> parse_utc(std::string_view text) {
    Cursor in{text};
    auto const year = in.digits(4);
    if (!year || !in.eat('-')) return std::nullopt;
    auto const month = in.digits(2);
    if (!month || !in.eat('-')) return std::nullopt;
    auto const day = in.digits(2);
    if (!day) return std::nullopt;
    if (!in.eat('T') && !in.eat('t') && !in.eat(' ')) return std::nullopt;
    auto const hour = in.digits(2);
    if (!hour || !in.eat(':')) return std::nullopt;
    auto const minute = in.digits(2);
    if (!minute) return std::nullopt;
    int second = 0;
    milliseconds fraction{0};
    if (in.eat(':')) {
        auto const s = in.digits(2);
        if (!s) return std::nullopt;
        second = *s;
        // RFC 3339 fractional seconds; kept to the millisecond, truncated.
        if (in.eat('.')) {
            int count = 0;
            int scale = 100;
            while (auto const d = in.digits(1)) {
                if (++count > 9) return std::nullopt;
                fraction += milliseconds{*d * scale};
                scale /= 10;
            }
            if (count == 0) return std::nullopt;
        }
    }
    // The offset: Z, ±hh:mm, or none (UTC).
    minutes offset{0};
    if (in.peek('+') || in.peek('-')) {
        int const sign = in.eat('-') ? -1 : 1;
        in.eat('+');
        auto const oh = in.digits(2);
        if (!oh || !in.eat(':')) return std::nullopt;
        auto const om = in.digits(2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        offset = minutes{sign * (*oh * 60 + *om)};
    } else if (!in.eat('Z')) {
        in.eat('z');
    }
    if (!in.done()) return std::nullopt;

    date::year_month_day const ymd{date::year{*year}, date::month{static_cast<unsigned>(*month)},
                                   date::day{static_cast<unsigned>(*day)}};
    // No leap seconds (":60"): the store's milliseconds have none either.
    if (!ymd.ok() || *hour > 23 || *minute > 59 || second > 59) return std::nullopt;
    auto const local = date::sys_days{ymd} + std::chrono::hours{*hour} + minutes{*minute} + seconds{second};
    return Instant{local - offset + fraction};
}

Instant first_due(ir::Timer const& timer, Instant armed, std::string_view zone) {
    Instant const earliest = armed + minutes{timer.after_minutes};
    if (!timer.at_minute_of_day) return earliest;
    int const at = *timer.at_minute_of_day;
    check_minute_of_day(at);
    auto const* tz = find_zone(zone);
    auto const day = local_day(tz, earliest);
    if (auto const same_day = at_minute(tz, day, at); same_day >= earliest) return same_day;
    return at_minute(tz, day + days{1}, at);
}

std::optional<Instant> next_due(ir::Timer const& timer, Instant previous, Instant not_before, std::string_view zone) {
    if (timer.every_minutes <= 0) return std::nullopt;

    if (!timer.at_minute_of_day) {
        milliseconds const every = minutes{timer.every_minutes};
        if (previous > not_before) return previous + every;
        // The smallest k ≥ 1 with previous + k·every > not_before.
        auto const k = (not_before - previous) / every + 1;
        return previous + k * every;
    }

    int const at = *timer.at_minute_of_day;
    check_minute_of_day(at);
    auto const* tz = find_zone(zone);
    // The checker only allows whole days with a time of day; a hand-written
    // IR with less than a day still recurs at most once a day.
    days const step{std::max<std::int64_t>(timer.every_minutes / minutes_per_day, 1)};
    auto const base = local_day(tz, previous);
    // Estimate k from the local day of not_before, start one period early so
    // that offsets and gaps cannot make us skip the answer, then walk: at
    // most three steps whatever the gap.
    auto const behind = (local_day(tz, not_before) - base) / step;
    auto k = std::max<std::int64_t>(behind - 1, 1);
    for (;; ++k) {
        auto const due = at_minute(tz, base + k * step, at);
        if (due > not_before) return due;
    }
}

}  // namespace signflow::engine
