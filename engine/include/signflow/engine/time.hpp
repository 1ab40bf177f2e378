#pragma once
// Instants and local times. The engine keeps every instant in UTC,
// milliseconds since the Unix epoch (what the store writes), and turns local
// times of day (`remind … at 09:00 local`) into instants with the OS time-zone
// database through date/tz.
//
// Local times that do not exist or occur twice (daylight-saving gaps and
// overlaps) follow one rule, documented in docs/operations.md:
// - a local time in a gap is moved forward by the length of the gap
//   (America/New_York 2026-03-08 02:30 → 03:30 EDT, 07:30 UTC);
// - a local time that occurs twice is the earlier of the two instants
//   (America/New_York 2026-11-01 01:30 → 01:30 EDT, 05:30 UTC).
// This is the rule of RFC 5545 and of JavaScript's Temporal ("compatible").
#include "signflow/dsl/ir.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace signflow::engine {

using Instant = std::chrono::sys_time<std::chrono::milliseconds>;

inline std::int64_t to_millis(Instant t) { return t.time_since_epoch().count(); }
inline Instant from_millis(std::int64_t ms) { return Instant{std::chrono::milliseconds{ms}}; }

// True when the OS database knows the zone ("Europe/Berlin", "UTC").
bool is_known_zone(std::string_view zone);

// The instant of a local date and minute of day in `zone`, by the rule above.
// Throws std::invalid_argument for an unknown zone.
Instant local_to_instant(int year, unsigned month, unsigned day, int minute_of_day, std::string_view zone);

// "2026-03-10 09:00 EDT": the instant as a person in `zone` reads it (minutes).
std::string local_text(Instant t, std::string_view zone);
// "2026-03-10T13:00:00Z"
std::string utc_text(Instant t);
// "2026-11-27T17:14:03.120+08:00": RFC 3339 in `zone`, to the millisecond
// (the audit trail's local time).
std::string local_rfc3339(Instant t, std::string_view zone);
// Parses "2026-03-10T13:00:00Z", "2026-03-10T13:00Z", "2026-03-10 13:00" (UTC),
// and RFC 3339 offsets ("+02:00"); nullopt on anything else.
std::optional<Instant> parse_utc(std::string_view text);

// When a timer is due.
//
// `first_due`: the timer is armed at `armed`. Without a time of day it is due
// `after_minutes` later. With one (`at_minute_of_day`, reminders only), it is
// due at the first occurrence of that local time in `zone` at or after
// `armed + after_minutes`.
//
// `next_due`: a reminder fired (or was due) at `previous`; the next one is
// `every_minutes` later, or, with a time of day, `every_minutes / 1440` local
// calendar days later at that local time (so 09:00 stays 09:00 across DST).
// Returns the first such occurrence strictly after `not_before` (a timer
// that came due while the daemon was down fires once, not once per missed
// period: the caller passes "now"). nullopt for timers that do not repeat.
// The caller counts firings and stops at `max_count`.
//
// `zone` must be known (is_known_zone); the caller picks the signer's zone,
// the workflow's, or the daemon's default.
Instant first_due(ir::Timer const& timer, Instant armed, std::string_view zone);
std::optional<Instant> next_due(ir::Timer const& timer, Instant previous, Instant not_before, std::string_view zone);

}  // namespace signflow::engine
