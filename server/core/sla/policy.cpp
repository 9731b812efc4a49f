#include "server/core/sla/policy.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace kefu::sla {
namespace json = boost::json;

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

// JSON integers may arrive as int64, uint64 or an integral double.
std::optional<std::int64_t> as_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.0e15) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

// Seconds as any JSON number; stored as whole milliseconds, rounded down: times are whole
// milliseconds, so a time t is at most T exactly when it is at most floor(T) (a 30.000 s answer
// misses a 29.9995 s threshold). The epsilon absorbs binary representation (0.57 × 1000 is
// 569.999…), not real fractions of a millisecond.
std::optional<std::int64_t> seconds_to_ms(const json::value& v) {
  if (!v.is_number()) return std::nullopt;
  const double s = v.to_number<double>();
  if (!std::isfinite(s) || s <= 0 || s > 1.0e9) return std::nullopt;
  const auto ms = static_cast<std::int64_t>(std::floor(s * 1000.0 + 1e-6));
  if (ms <= 0) return std::nullopt;
  return ms;
}

}  // namespace

std::string_view to_string(threshold t) {
  switch (t) {
    case threshold::first:
      return "first";
    case threshold::reply:
      return "reply";
    case threshold::r3:
      return "r3";
    case threshold::r5:
      return "r5";
  }
  return "reply";
}

std::optional<threshold> parse_threshold(std::string_view s) {
  for (threshold t : all_thresholds) {
    if (to_string(t) == s) return t;
  }
  return std::nullopt;
}

std::int64_t threshold_set::of(threshold t) const {
  switch (t) {
    case threshold::first:
      return first_ms;
    case threshold::reply:
      return reply_ms;
    case threshold::r3:
      return r3_ms;
    case threshold::r5:
      return r5_ms;
  }
  return reply_ms;
}

std::int64_t service_hours::open_ms_per_day() const {
  std::int64_t total = 0;
  for (const auto& [start, end] : intervals) total += end - start;
  return total * 60'000;
}

std::string_view to_string(service_scope s) {
  return s == service_scope::full ? "full" : "presale";
}

const merchant_policy& policy_book::of(std::string_view merchant) const {
  auto it = merchants.find(merchant);
  return it == merchants.end() ? defaults : it->second;
}

std::optional<int> parse_hhmm(std::string_view s, bool allow_24) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59) return std::nullopt;
  if (h == 24 && m == 0 && allow_24) return 24 * 60;
  if (h > 23) return std::nullopt;
  return h * 60 + m;
}

std::string format_hhmm(int minutes) {
  std::string out(5, '0');
  const int h = minutes / 60;
  const int m = minutes % 60;
  out[0] = static_cast<char>('0' + h / 10);
  out[1] = static_cast<char>('0' + h % 10);
  out[2] = ':';
  out[3] = static_cast<char>('0' + m / 10);
  out[4] = static_cast<char>('0' + m % 10);
  return out;
}

result<threshold_set> parse_thresholds(const json::value& v) {
  if (!v.is_object()) return error{"thresholds: expected an object"};
  threshold_set t;
  for (const auto& kv : v.get_object()) {
    std::int64_t* slot = nullptr;
    const std::string_view key = kv.key();
    if (key == "first_s")
      slot = &t.first_ms;
    else if (key == "reply_s")
      slot = &t.reply_ms;
    else if (key == "r3_s")
      slot = &t.r3_ms;
    else if (key == "r5_s")
      slot = &t.r5_ms;
    if (slot == nullptr) {
      return error{"thresholds: unknown key " + quoted(key) +
                   " (expected first_s, reply_s, r3_s, r5_s)"};
    }
    auto ms = seconds_to_ms(kv.value());
    if (!ms) {
      return error{"thresholds." + std::string(key) +
                   ": expected a number of seconds from 0.001 to 1e9"};
    }
    *slot = *ms;
  }
  return t;
}

result<service_hours> parse_service_hours(const json::value& v) {
  if (!v.is_object()) return error{"service_hours: expected an object"};
  service_hours h;
  for (const auto& kv : v.get_object()) {
    const std::string_view key = kv.key();
    const json::value& val = kv.value();
    if (key == "utc_offset_min") {
      auto off = as_integer(val);
      if (!off || *off <= -24 * 60 || *off >= 24 * 60) {
        return error{
            "service_hours.utc_offset_min: expected a whole number of minutes between -1439 and "
            "1439"};
      }
      h.utc_offset_min = static_cast<int>(*off);
    } else if (key == "days") {
      if (!val.is_array()) return error{"service_hours.days: expected an array of weekdays 1..7"};
      const auto& arr = val.get_array();
      if (arr.empty()) return error{"service_hours.days: must not be empty"};
      h.days = 0;
      for (std::size_t i = 0; i < arr.size(); ++i) {
        auto d = as_integer(arr[i]);
        if (!d || *d < 1 || *d > 7) {
          return error{"service_hours.days[" + std::to_string(i) +
                       "]: expected a weekday 1 (Monday) .. 7 (Sunday)"};
        }
        h.days = static_cast<std::uint8_t>(h.days | (1u << (*d - 1)));
      }
    } else if (key == "intervals") {
      if (!val.is_array()) {
        return error{R"(service_hours.intervals: expected an array of ["HH:MM", "HH:MM"] pairs)"};
      }
      const auto& arr = val.get_array();
      if (arr.empty()) return error{"service_hours.intervals: must not be empty"};
      std::vector<std::pair<int, int>> list;
      for (std::size_t i = 0; i < arr.size(); ++i) {
        const std::string where = "service_hours.intervals[" + std::to_string(i) + "]";
        const auto* pair = arr[i].if_array();
        if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string() ||
            !(*pair)[1].is_string()) {
          return error{where + R"(: expected ["HH:MM", "HH:MM"])"};
        }
        const std::string_view s0 = (*pair)[0].get_string();
        const std::string_view s1 = (*pair)[1].get_string();
        auto start = parse_hhmm(s0, false);
        if (!start) {
          return error{where + ": start " + quoted(s0) +
                       " is not a time of day HH:MM (00:00 .. 23:59)"};
        }
        auto end = parse_hhmm(s1, true);
        if (!end) {
          return error{where + ": end " + quoted(s1) +
                       " is not a time of day HH:MM (00:01 .. 24:00)"};
        }
        if (*start >= *end) {
          return error{where + ": start " + quoted(s0) + " is not before end " + quoted(s1) +
                       " (an interval lies within one day; use two intervals to cross midnight)"};
        }
        list.emplace_back(*start, *end);
      }
      // Overlapping intervals mean "open if inside any of them".
      std::sort(list.begin(), list.end());
      h.intervals.clear();
      for (const auto& iv : list) {
        if (!h.intervals.empty() && iv.first <= h.intervals.back().second) {
          h.intervals.back().second = std::max(h.intervals.back().second, iv.second);
        } else {
          h.intervals.push_back(iv);
        }
      }
    } else {
      return error{"service_hours: unknown key " + quoted(key) +
                   " (expected utc_offset_min, days, intervals)"};
    }
  }
  return h;
}

result<merchant_policy> parse_merchant_policy(const json::value& v) {
  if (!v.is_object()) return error{"expected an object"};
  merchant_policy p;
  const auto& obj = v.get_object();
  if (const auto* t = obj.if_contains("thresholds"); t != nullptr && !t->is_null()) {
    auto r = parse_thresholds(*t);
    if (!r) return r.err();
    p.thresholds = *r;
  }
  if (const auto* h = obj.if_contains("service_hours"); h != nullptr && !h->is_null()) {
    auto r = parse_service_hours(*h);
    if (!r) return r.err();
    p.hours = std::move(*r);
  }
  if (const auto* s = obj.if_contains("service_scope"); s != nullptr && !s->is_null()) {
    if (s->is_string() && s->get_string() == "presale") {
      p.scope = service_scope::presale;
    } else if (s->is_string() && s->get_string() == "full") {
      p.scope = service_scope::full;
    } else {
      return error{R"(service_scope: expected "presale" or "full")"};
    }
  }
  return p;
}

result<policy_book> parse_policy_book(const json::value& v) {
  if (!v.is_object()) return error{"expected a JSON object keyed by merchant id"};
  policy_book book;
  for (const auto& kv : v.get_object()) {
    auto p = parse_merchant_policy(kv.value());
    if (!p) return error{"merchant " + quoted(kv.key()) + ": " + p.message()};
    book.merchants.insert_or_assign(std::string(kv.key()), std::move(*p));
  }
  return book;
}

result<policy_book> parse_policy_book_text(std::string_view json_text) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec) return error{"not valid JSON: " + ec.message()};
  return parse_policy_book(v);
}

namespace {
json::value seconds_value(std::int64_t ms) {
  if (ms % 1000 == 0) return json::value(ms / 1000);
  return json::value(static_cast<double>(ms) / 1000.0);
}
}  // namespace

void tag_invoke(const json::value_from_tag&, json::value& jv, const threshold_set& t) {
  jv = json::object{{"first_s", seconds_value(t.first_ms)},
                    {"reply_s", seconds_value(t.reply_ms)},
                    {"r3_s", seconds_value(t.r3_ms)},
                    {"r5_s", seconds_value(t.r5_ms)}};
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const service_hours& h) {
  json::array days;
  for (int d = 1; d <= 7; ++d) {
    if (h.open_on(d)) days.emplace_back(d);
  }
  json::array intervals;
  for (const auto& [start, end] : h.intervals) {
    intervals.emplace_back(
        json::array{json::string(format_hhmm(start)), json::string(format_hhmm(end))});
  }
  jv = json::object{{"utc_offset_min", h.utc_offset_min},
                    {"days", std::move(days)},
                    {"intervals", std::move(intervals)}};
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const merchant_policy& p) {
  json::object o;
  o["thresholds"] = json::value_from(p.thresholds);
  if (p.hours) o["service_hours"] = json::value_from(*p.hours);
  if (p.scope) o["service_scope"] = to_string(*p.scope);
  jv = std::move(o);
}

json::result<threshold_set> tag_invoke(const json::try_value_to_tag<threshold_set>&,
                                       const json::value& jv) {
  auto r = parse_thresholds(jv);
  if (!r) return make_error_code(json::error::not_exact);
  return *r;
}

json::result<service_hours> tag_invoke(const json::try_value_to_tag<service_hours>&,
                                       const json::value& jv) {
  auto r = parse_service_hours(jv);
  if (!r) return make_error_code(json::error::not_exact);
  return std::move(*r);
}

json::result<merchant_policy> tag_invoke(const json::try_value_to_tag<merchant_policy>&,
                                         const json::value& jv) {
  auto r = parse_merchant_policy(jv);
  if (!r) return make_error_code(json::error::not_exact);
  return std::move(*r);
}

}  // namespace kefu::sla
