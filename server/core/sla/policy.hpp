#pragma once
// Per-merchant SLA policy: the four thresholds and optional service hours, in
// the merchant format of sla.md. Everything is stored in integer milliseconds
// so the arithmetic elsewhere is exact.

#include "server/core/sla/result.hpp"

#include <boost/json/system_error.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kefu::sla {

// The four clocks. The order is the order of every per-threshold array.
enum class threshold : std::uint8_t { first, reply, r3, r5 };
inline constexpr std::size_t threshold_count = 4;
inline constexpr std::array<threshold, threshold_count> all_thresholds{
    threshold::first, threshold::reply, threshold::r3, threshold::r5};

// "first" | "reply" | "r3" | "r5" (the names of the protocol's clock frames).
std::string_view to_string(threshold t);
std::optional<threshold> parse_threshold(std::string_view s);
inline constexpr std::size_t index(threshold t) {
  return static_cast<std::size_t>(t);
}

struct threshold_set {
  std::int64_t first_ms = 60'000;
  std::int64_t reply_ms = 30'000;
  std::int64_t r3_ms = 180'000;
  std::int64_t r5_ms = 300'000;

  std::int64_t of(threshold t) const;
  friend bool operator==(const threshold_set&, const threshold_set&) = default;
};

inline constexpr int default_utc_offset_min = 480;

// Weekly opening hours in a fixed UTC offset. The same intervals apply to
// every open weekday (sla.md's format); they are kept sorted and merged.
struct service_hours {
  int utc_offset_min = default_utc_offset_min;
  std::uint8_t days = 0x7f;  // bit d-1 set = ISO weekday d (1 = Monday) is open
  std::vector<std::pair<int, int>> intervals{{0, 24 * 60}};  // minutes, [start, end)

  bool open_on(int iso_weekday) const { return (days >> (iso_weekday - 1)) & 1; }
  std::int64_t open_ms_per_day() const;  // on an open weekday
  friend bool operator==(const service_hours&, const service_hours&) = default;
};

enum class service_scope : std::uint8_t { presale, full };
std::string_view to_string(service_scope s);

struct merchant_policy {
  threshold_set thresholds;
  std::optional<service_hours> hours;  // none = always open
  std::optional<service_scope> scope;  // the price-guide column; unset = presale

  int utc_offset_min() const { return hours ? hours->utc_offset_min : default_utc_offset_min; }
  friend bool operator==(const merchant_policy&, const merchant_policy&) = default;
};

// Policies by merchant id; merchants not listed get `defaults`.
struct policy_book {
  merchant_policy defaults;
  std::map<std::string, merchant_policy, std::less<>> merchants;

  const merchant_policy& of(std::string_view merchant) const;
};

// Strict parsers. Error messages name the offending key, e.g.
// `service_hours.intervals[1]: start "18:00" is not before end "09:00"`.
result<threshold_set> parse_thresholds(const boost::json::value& v);
result<service_hours> parse_service_hours(const boost::json::value& v);
// One merchant object: {"thresholds"?, "service_hours"?, "service_scope"?}.
// Other keys (name, greeting, ...) belong to other parts of the product and
// are ignored; a null thresholds / service_hours means "not set".
result<merchant_policy> parse_merchant_policy(const boost::json::value& v);
// The --merchants file: a JSON object keyed by merchant id.
result<policy_book> parse_policy_book_text(std::string_view json_text);
result<policy_book> parse_policy_book(const boost::json::value& v);

// "HH:MM" <-> minutes after midnight; "24:00" only when allow_24 is set.
std::optional<int> parse_hhmm(std::string_view s, bool allow_24);
std::string format_hhmm(int minutes);

// Boost.JSON conversions. try_value_to reports failures as an error code only;
// use the parse_* functions when the message matters.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const threshold_set& t);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const service_hours& h);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,
                const merchant_policy& p);
boost::json::result<threshold_set> tag_invoke(const boost::json::try_value_to_tag<threshold_set>&,
                                              const boost::json::value& jv);
boost::json::result<service_hours> tag_invoke(const boost::json::try_value_to_tag<service_hours>&,
                                              const boost::json::value& jv);
boost::json::result<merchant_policy> tag_invoke(
    const boost::json::try_value_to_tag<merchant_policy>&, const boost::json::value& jv);

}  // namespace kefu::sla
