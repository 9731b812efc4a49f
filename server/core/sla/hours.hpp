#pragma once
// Service-hours arithmetic on epoch milliseconds. A millisecond t is "service
// time" when its merchant-local wall time falls inside an opening interval of
// an open weekday. All functions are exact integer arithmetic and cost
// O(intervals) per day touched, with whole weeks skipped in one step.

#include "server/core/sla/policy.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace kefu::sla {

inline constexpr std::int64_t minute_ms = 60'000;
inline constexpr std::int64_t day_ms = 86'400'000;
inline constexpr std::int64_t week_ms = 7 * day_ms;

// Floor division (rounds towards minus infinity); b > 0.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// Days since 1970-01-01 of the local calendar day containing ts.
constexpr std::int64_t local_day(std::int64_t ts, int utc_offset_min) {
  return floor_div(ts + static_cast<std::int64_t>(utc_offset_min) * minute_ms, day_ms);
}
// ISO weekday (1 = Monday .. 7 = Sunday) of a day number; 1970-01-01 was a Thursday.
constexpr int iso_weekday(std::int64_t day) {
  return static_cast<int>(((day % 7) + 7 + 3) % 7) + 1;
}
// "YYYY-MM-DD" of a day number (proleptic Gregorian).
std::string day_key(std::int64_t day);
// Inverse of day_key; nullopt unless the text is a valid YYYY-MM-DD date.
std::optional<std::int64_t> parse_day_key(std::string_view key);

// Service milliseconds in [from, to); 0 when to <= from.
std::int64_t elapsed(const service_hours& h, std::int64_t from, std::int64_t to);
std::int64_t elapsed(const merchant_policy& p, std::int64_t from, std::int64_t to);

// The earliest instant t >= start with elapsed(start, t) >= duration: the
// wall-clock deadline of a clock of `duration` ms started at `start`. For
// duration <= 0 this is `start`. A turn answered at or before
// deadline(start, T) is a hit; the first instant at which it is a miss is
// deadline(start, T + 1).
std::int64_t deadline(const service_hours& h, std::int64_t start, std::int64_t duration);
std::int64_t deadline(const merchant_policy& p, std::int64_t start, std::int64_t duration);

}  // namespace kefu::sla
