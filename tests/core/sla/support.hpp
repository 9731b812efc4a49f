#pragma once
// Shared helpers for the SLA tests: readable instants and event builders.

#include "server/core/sla/engine.hpp"

#include <boost/json/parse.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kefu::sla::testing {

inline constexpr std::int64_t ms = 1;
inline constexpr std::int64_t sec = 1000;
inline constexpr std::int64_t mins = 60 * sec;
inline constexpr std::int64_t hrs = 60 * mins;
inline constexpr std::int64_t days = 24 * hrs;
// Monday 2026-11-02 00:00 at UTC+08:00.
inline constexpr std::int64_t monday = 1'793'548'800'000;
// Local wall time on the week of `monday` (day 0 = Monday), UTC+08:00.
constexpr std::int64_t at(int day, int hour, int minute = 0, int second = 0, int milli = 0) {
  return monday + day * days + hour * hrs + minute * mins + second * sec + milli;
}

inline event ev(std::int64_t ts, std::string chat, event_type type, std::string agent = {},
                std::string merchant = "m1") {
  return event{ts, std::move(chat), std::move(merchant), type, std::move(agent)};
}
inline event buyer(std::int64_t ts, std::string chat = "c1", std::string merchant = "m1") {
  return ev(ts, std::move(chat), event_type::buyer, {}, std::move(merchant));
}
inline event agent(std::int64_t ts, std::string who, std::string chat = "c1",
                   std::string merchant = "m1") {
  return ev(ts, std::move(chat), event_type::agent, std::move(who), std::move(merchant));
}
inline event automated(std::int64_t ts, std::string chat = "c1", std::string merchant = "m1") {
  return ev(ts, std::move(chat), event_type::automated, {}, std::move(merchant));
}
inline event assign(std::int64_t ts, std::string who, std::string chat = "c1",
                    std::string merchant = "m1") {
  return ev(ts, std::move(chat), event_type::assign, std::move(who), std::move(merchant));
}
inline event close(std::int64_t ts, std::string chat = "c1", std::string merchant = "m1") {
  return ev(ts, std::move(chat), event_type::close, {}, std::move(merchant));
}

// A service_hours from its JSON text; the test fails loudly if it is invalid.
inline service_hours hours_of(std::string_view json_text) {
  auto r = parse_service_hours(boost::json::parse(json_text));
  if (!r) throw std::runtime_error("bad service hours in test: " + r.message());
  return *r;
}
inline merchant_policy policy_with_hours(std::string_view json_text) {
  merchant_policy p;
  p.hours = hours_of(json_text);
  return p;
}
// 09:00-18:00 Monday to Friday at UTC+08:00 (seed 004's working hours).
inline merchant_policy office_hours() {
  return policy_with_hours(R"({"days":[1,2,3,4,5],"intervals":[["09:00","18:00"]]})");
}

}  // namespace kefu::sla::testing
