#include "server/core/sla/hours.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace kefu::sla {

namespace {

// Service ms of an open day within [0, x) of that day (x in ms after local midnight).
std::int64_t open_before(const service_hours& h, std::int64_t x) {
  std::int64_t total = 0;
  for (const auto& [s, e] : h.intervals) {
    const std::int64_t start = s * minute_ms;
    if (x <= start) break;
    total += std::min<std::int64_t>(x, e * minute_ms) - start;
  }
  return total;
}

std::int64_t day_total(const service_hours& h, std::int64_t day) {
  return h.open_on(iso_weekday(day)) ? h.open_ms_per_day() : 0;
}

std::int64_t week_total(const service_hours& h) {
  int open_days = 0;
  for (int d = 1; d <= 7; ++d) open_days += h.open_on(d) ? 1 : 0;
  return open_days * h.open_ms_per_day();
}

// Howard Hinnant's days <-> civil algorithms, restated.
struct civil {
  std::int64_t y;
  unsigned m;
  unsigned d;
};

civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {m <= 2 ? y + 1 : y, m, d};
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = floor_div(y, 400);
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::string day_key(std::int64_t day) {
  const civil c = civil_from_days(day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.y), c.m, c.d);
  return buf;
}

std::optional<std::int64_t> parse_day_key(std::string_view key) {
  if (key.size() != 10 || key[4] != '-' || key[7] != '-') return std::nullopt;
  auto num = [&](std::size_t from, std::size_t n) -> std::optional<unsigned> {
    unsigned v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (key[i] < '0' || key[i] > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(key[i] - '0');
    }
    return v;
  };
  auto y = num(0, 4);
  auto m = num(5, 2);
  auto d = num(8, 2);
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) return std::nullopt;
  const std::int64_t day = days_from_civil(*y, *m, *d);
  if (day_key(day) != key) return std::nullopt;  // e.g. 2026-02-30
  return day;
}

std::int64_t elapsed(const service_hours& h, std::int64_t from, std::int64_t to) {
  if (to <= from) return 0;
  const std::int64_t off = static_cast<std::int64_t>(h.utc_offset_min) * minute_ms;
  const std::int64_t lf = from + off;
  const std::int64_t lt = to + off;
  const std::int64_t d1 = floor_div(lf, day_ms);
  const std::int64_t d2 = floor_div(lt, day_ms);
  const std::int64_t x1 = lf - d1 * day_ms;  // position within day d1
  const std::int64_t x2 = lt - d2 * day_ms;
  const bool open1 = h.open_on(iso_weekday(d1));
  if (d1 == d2) return open1 ? open_before(h, x2) - open_before(h, x1) : 0;

  std::int64_t total = open1 ? h.open_ms_per_day() - open_before(h, x1) : 0;
  if (h.open_on(iso_weekday(d2))) total += open_before(h, x2);
  // Whole days strictly between: full weeks at once, then the few left over.
  std::int64_t day = d1 + 1;
  const std::int64_t whole = d2 - day;
  total += (whole / 7) * week_total(h);
  for (day += (whole / 7) * 7; day < d2; ++day) total += day_total(h, day);
  return total;
}

std::int64_t elapsed(const merchant_policy& p, std::int64_t from, std::int64_t to) {
  if (!p.hours) return to > from ? to - from : 0;
  return elapsed(*p.hours, from, to);
}

std::int64_t deadline(const service_hours& h, std::int64_t start, std::int64_t duration) {
  if (duration <= 0) return start;
  const std::int64_t off = static_cast<std::int64_t>(h.utc_offset_min) * minute_ms;
  const std::int64_t local = start + off;
  std::int64_t day = floor_div(local, day_ms);
  std::int64_t pos = local - day * day_ms;
  std::int64_t left = duration;

  // Walk the intervals of one day from `pos`; returns the local instant if reached.
  auto walk_day = [&](std::int64_t d, std::int64_t from_pos) -> std::optional<std::int64_t> {
    if (!h.open_on(iso_weekday(d))) return std::nullopt;
    for (const auto& [s, e] : h.intervals) {
      const std::int64_t end = e * minute_ms;
      if (end <= from_pos) continue;
      const std::int64_t begin = std::max<std::int64_t>(s * minute_ms, from_pos);
      const std::int64_t avail = end - begin;
      if (left <= avail) return d * day_ms + begin + left;
      left -= avail;
    }
    return std::nullopt;
  };

  if (auto hit = walk_day(day, pos)) return *hit - off;
  ++day;
  // Skip whole weeks while the deadline is certainly beyond them (week total
  // is positive: days and intervals are never empty).
  const std::int64_t week = week_total(h);
  if (week <= 0) return INT64_MAX;  // never open (only reachable by hand-built hours)
  if (left > week) {
    const std::int64_t weeks = (left - 1) / week;
    left -= weeks * week;
    day += weeks * 7;
  }
  for (;;) {
    if (auto hit = walk_day(day, 0)) return *hit - off;
    ++day;
  }
}

std::int64_t deadline(const merchant_policy& p, std::int64_t start, std::int64_t duration) {
  if (!p.hours) return duration <= 0 ? start : start + duration;
  return deadline(*p.hours, start, duration);
}

}  // namespace kefu::sla
