#include "server/core/sla/hours.hpp"

#define BOOST_TEST_MODULE sla_hours
#include <boost/test/unit_test.hpp>

#include "support.hpp"

#include <boost/json/parse.hpp>

#include <random>

using namespace kefu::sla;
using namespace kefu::sla::testing;
namespace json = boost::json;

namespace {

std::string hours_error(std::string_view text) {
  auto r = parse_service_hours(json::parse(text));
  return r ? std::string() : r.message();
}

// Minute by minute (every interval boundary is on a whole minute), with the
// partial minutes at both ends: a slow but obviously right elapsed().
std::int64_t brute_elapsed(const service_hours& h, std::int64_t from, std::int64_t to) {
  auto open_at = [&](std::int64_t t) {
    const std::int64_t local = t + h.utc_offset_min * mins;
    const std::int64_t day = floor_div(local, days);
    const std::int64_t minute = (local - day * days) / mins;
    if (!h.open_on(iso_weekday(day))) return false;
    for (auto [s, e] : h.intervals) {
      if (minute >= s && minute < e) return true;
    }
    return false;
  };
  std::int64_t total = 0;
  std::int64_t t = from;
  while (t < to) {
    const std::int64_t next_minute = (floor_div(t, mins) + 1) * mins;
    const std::int64_t step_end = std::min(next_minute, to);
    if (open_at(t)) total += step_end - t;
    t = step_end;
  }
  return total;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(calendar)

BOOST_AUTO_TEST_CASE(weekday_and_day_keys) {
  BOOST_TEST(iso_weekday(0) == 4);  // 1970-01-01, a Thursday
  BOOST_TEST(iso_weekday(local_day(monday, 480)) == 1);
  BOOST_TEST(day_key(0) == "1970-01-01");
  BOOST_TEST(day_key(-1) == "1969-12-31");
  BOOST_TEST(day_key(local_day(monday, 480)) == "2026-11-02");
  BOOST_TEST(day_key(*parse_day_key("2024-02-29")) == "2024-02-29");
  BOOST_TEST(day_key(*parse_day_key("2024-02-29") + 1) == "2024-03-01");
  BOOST_TEST(day_key(*parse_day_key("2100-02-28") + 1) == "2100-03-01");
  BOOST_TEST(!parse_day_key("2026-02-30"));
  BOOST_TEST(!parse_day_key("2026-1-02"));
}

BOOST_AUTO_TEST_CASE(local_days_cross_utc_midnight) {
  const std::int64_t utc_midnight = monday + 8 * hrs;  // 2026-11-02 00:00 UTC
  BOOST_TEST(day_key(local_day(utc_midnight - 1, 0)) == "2026-11-01");
  BOOST_TEST(day_key(local_day(utc_midnight, 0)) == "2026-11-02");
  // 2026-11-01 23:30 UTC is already Monday in Beijing, still Sunday in New York.
  const std::int64_t t = utc_midnight - 30 * mins;
  BOOST_TEST(day_key(local_day(t, 480)) == "2026-11-02");
  BOOST_TEST(day_key(local_day(t, -300)) == "2026-11-01");
  BOOST_TEST(day_key(local_day(monday - 1, 480)) == "2026-11-01");
  BOOST_TEST(day_key(local_day(monday, 480)) == "2026-11-02");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(hhmm) {
  BOOST_TEST(*parse_hhmm("00:00", false) == 0);
  BOOST_TEST(*parse_hhmm("09:30", false) == 570);
  BOOST_TEST(*parse_hhmm("23:59", false) == 1439);
  BOOST_TEST(*parse_hhmm("24:00", true) == 1440);
  BOOST_TEST(!parse_hhmm("24:00", false));
  BOOST_TEST(!parse_hhmm("24:01", true));
  BOOST_TEST(!parse_hhmm("9:00", false));
  BOOST_TEST(!parse_hhmm("09:60", false));
  BOOST_TEST(!parse_hhmm("25:00", true));
  BOOST_TEST(!parse_hhmm("09-00", false));
  BOOST_TEST(!parse_hhmm("09:00:00", false));
  BOOST_TEST(format_hhmm(570) == "09:30");
  BOOST_TEST(format_hhmm(1440) == "24:00");
}

BOOST_AUTO_TEST_CASE(service_hours_defaults) {
  const service_hours h = hours_of("{}");
  BOOST_TEST(h.utc_offset_min == 480);
  BOOST_TEST(h.days == 0x7f);
  BOOST_TEST(h.intervals.size() == 1u);
  BOOST_TEST(h.intervals[0].first == 0);
  BOOST_TEST(h.intervals[0].second == 1440);

  const service_hours o = hours_of(
      R"({"utc_offset_min": -300, "days": [6, 7], "intervals": [["13:30","18:00"], ["09:00","12:00"]]})");
  BOOST_TEST(o.utc_offset_min == -300);
  BOOST_TEST(o.open_on(6));
  BOOST_TEST(o.open_on(7));
  BOOST_TEST(!o.open_on(1));
  BOOST_TEST(o.intervals.size() == 2u);
  BOOST_TEST(o.intervals[0].first == 540);  // sorted
  BOOST_TEST(o.open_ms_per_day() == (3 * 60 + 4 * 60 + 30) * mins);
}

BOOST_AUTO_TEST_CASE(overlapping_intervals_are_merged) {
  const service_hours h =
      hours_of(R"({"intervals": [["09:00","12:00"], ["11:00","14:00"], ["14:00","15:00"]]})");
  BOOST_TEST(h.intervals.size() == 1u);
  BOOST_TEST(h.intervals[0].first == 540);
  BOOST_TEST(h.intervals[0].second == 900);
}

BOOST_AUTO_TEST_CASE(service_hours_errors) {
  // Each of these is a configuration error with a message naming the key.
  BOOST_TEST(hours_error(R"({"days": []})").find("days") != std::string::npos);
  BOOST_TEST(hours_error(R"({"days": [0]})").find("days[0]") != std::string::npos);
  BOOST_TEST(hours_error(R"({"days": [1, 8]})").find("days[1]") != std::string::npos);
  BOOST_TEST(hours_error(R"({"days": ["1"]})") != "");
  BOOST_TEST(hours_error(R"({"days": [1.5]})") != "");
  BOOST_TEST(hours_error(R"({"days": 1})") != "");
  BOOST_TEST(hours_error(R"({"intervals": []})").find("intervals") != std::string::npos);
  BOOST_TEST(hours_error(R"({"intervals": [["18:00","09:00"]]})").find("not before") !=
             std::string::npos);
  BOOST_TEST(hours_error(R"({"intervals": [["09:00","09:00"]]})") != "");
  BOOST_TEST(hours_error(R"({"intervals": [["24:00","24:00"]]})") != "");
  BOOST_TEST(hours_error(R"({"intervals": [["22:00","02:00"]]})") != "");
  BOOST_TEST(hours_error(R"({"intervals": [["9:00","18:00"]]})").find("9:00") != std::string::npos);
  BOOST_TEST(hours_error(R"({"intervals": [["09:00","18:60"]]})") != "");
  BOOST_TEST(hours_error(R"({"intervals": [["09:00","25:00"]]})") != "");
  BOOST_TEST(hours_error(R"({"intervals": [["09:00"]]})") != "");
  BOOST_TEST(hours_error(R"({"intervals": [["09:00","12:00","18:00"]]})") != "");
  BOOST_TEST(hours_error(R"({"intervals": [[900, 1800]]})") != "");
  BOOST_TEST(hours_error(R"({"intervals": ["09:00-18:00"]})") != "");
  BOOST_TEST(hours_error(R"({"utc_offset_min": "480"})") != "");
  BOOST_TEST(hours_error(R"({"utc_offset_min": 480.5})") != "");
  BOOST_TEST(hours_error(R"({"utc_offset_min": 1440})") != "");
  BOOST_TEST(hours_error(R"({"timezone": "Asia/Shanghai"})").find("timezone") != std::string::npos);
  BOOST_TEST(hours_error(R"([])") != "");
  // Valid edge cases.
  BOOST_TEST(hours_error(R"({"intervals": [["00:00","24:00"]], "days": [7]})") == "");
  BOOST_TEST(hours_error(R"({"intervals": [["23:59","24:00"]], "utc_offset_min": -720})") == "");
  BOOST_TEST(hours_error(R"({"utc_offset_min": 480.0})") == "");
}

BOOST_AUTO_TEST_CASE(thresholds) {
  auto t = parse_thresholds(json::parse(R"({"reply_s": 20, "first_s": 45.5})"));
  BOOST_REQUIRE(t.ok());
  BOOST_TEST(t->reply_ms == 20'000);
  BOOST_TEST(t->first_ms == 45'500);
  BOOST_TEST(t->r3_ms == 180'000);
  BOOST_TEST(t->r5_ms == 300'000);
  BOOST_TEST(!parse_thresholds(json::parse(R"({"reply_s": -1})")));
  BOOST_TEST(!parse_thresholds(json::parse(R"({"reply_s": 0})")));
  BOOST_TEST(!parse_thresholds(json::parse(R"({"reply_s": "30"})")));
  BOOST_TEST(!parse_thresholds(json::parse(R"({"reply": 30})")));
  BOOST_TEST(!parse_thresholds(json::parse(R"([30])")));
}

BOOST_AUTO_TEST_CASE(policy_book_file) {
  auto book = parse_policy_book_text(R"({
    "m1": {"thresholds": {"reply_s": 20}, "name": "Shop", "greeting": "hi"},
    "m2": {"service_hours": {"days": [1,2,3,4,5], "intervals": [["09:00","18:00"]]},
           "service_scope": "full"},
    "m3": {},
    "m4": {"thresholds": null, "service_hours": null}
  })");
  BOOST_REQUIRE_MESSAGE(book.ok(), (book.ok() ? "" : book.message()));
  BOOST_TEST(book->of("m1").thresholds.reply_ms == 20'000);
  BOOST_TEST(!book->of("m1").hours);
  BOOST_TEST(book->of("m2").hours.has_value());
  BOOST_TEST((book->of("m2").scope == service_scope::full));
  BOOST_TEST((book->of("m3") == merchant_policy{}));
  BOOST_TEST((book->of("m4") == merchant_policy{}));
  BOOST_TEST((book->of("unknown") == merchant_policy{}));
  BOOST_TEST(book->of("m1").utc_offset_min() == 480);

  auto bad = parse_policy_book_text(R"({"m9": {"service_hours": {"days": []}}})");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.message().find("m9") != std::string::npos);
  BOOST_TEST(bad.message().find("days") != std::string::npos);
  BOOST_TEST(!parse_policy_book_text("[1]"));
  BOOST_TEST(!parse_policy_book_text("{\"m1\": 3}"));
  BOOST_TEST(!parse_policy_book_text("{not json"));
  BOOST_TEST(!parse_policy_book_text(R"({"m1": {"service_scope": "both"}})"));
}

// Times are whole milliseconds, so a threshold with a fraction of one is held to its floor: an
// answer after 30.000 s misses 29.9995 s. Binary representation does not lose a millisecond.
BOOST_AUTO_TEST_CASE(fractional_thresholds_round_down_to_the_millisecond) {
  auto book = parse_policy_book_text(
      R"({"m1": {"thresholds": {"reply_s": 29.9995, "first_s": 0.57, "r3_s": 0.0015, "r5_s": 20.5}}})");
  BOOST_REQUIRE(book.ok());
  const merchant_policy& p = book->of("m1");
  BOOST_TEST(p.thresholds.reply_ms == 29'999);
  BOOST_TEST(p.thresholds.first_ms == 570);
  BOOST_TEST(p.thresholds.r3_ms == 1);
  BOOST_TEST(p.thresholds.r5_ms == 20'500);
  // Under a millisecond no whole-millisecond time could be a hit but 0: refused.
  BOOST_TEST(!parse_policy_book_text(R"({"m1": {"thresholds": {"reply_s": 0.0005}}})"));
}

BOOST_AUTO_TEST_CASE(json_round_trip) {
  auto book = parse_policy_book_text(R"({"m1": {"thresholds": {"reply_s": 20.5},
      "service_hours": {"utc_offset_min": 60, "days": [1,3], "intervals": [["09:00","12:00"],["13:00","24:00"]]}}})");
  BOOST_REQUIRE(book.ok());
  const merchant_policy& p = book->of("m1");
  const json::value v = json::value_from(p);
  auto back = json::try_value_to<merchant_policy>(v);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((*back == p));
  BOOST_TEST(!json::try_value_to<service_hours>(json::parse(R"({"days":[]})")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(arithmetic)

BOOST_AUTO_TEST_CASE(always_open) {
  merchant_policy p;
  BOOST_TEST(elapsed(p, at(0, 10), at(0, 10, 0, 30)) == 30 * sec);
  BOOST_TEST(elapsed(p, at(0, 10), at(0, 10)) == 0);
  BOOST_TEST(elapsed(p, at(0, 11), at(0, 10)) == 0);
  BOOST_TEST(deadline(p, at(0, 10), 30 * sec) == at(0, 10, 0, 30));
  BOOST_TEST(deadline(p, at(0, 10), 0) == at(0, 10));
  // The explicit whole-day schedule behaves like no schedule.
  const merchant_policy all = policy_with_hours("{}");
  BOOST_TEST(elapsed(all, at(0, 23, 59), at(3, 0, 1)) == elapsed(p, at(0, 23, 59), at(3, 0, 1)));
  BOOST_TEST(deadline(all, at(0, 23, 59, 50), 30 * sec) == at(1, 0, 0, 20));
}

BOOST_AUTO_TEST_CASE(office_hours_within_a_day) {
  const merchant_policy p = office_hours();
  BOOST_TEST(elapsed(p, at(0, 10), at(0, 10, 0, 30)) == 30 * sec);
  BOOST_TEST(elapsed(p, at(0, 10), at(0, 10, 0, 30, 1)) == 30 * sec + 1);
  BOOST_TEST(elapsed(p, at(0, 8), at(0, 9, 0, 30)) == 30 * sec);     // opens at 09:00
  BOOST_TEST(elapsed(p, at(0, 17, 59, 50), at(0, 19)) == 10 * sec);  // closes at 18:00
  BOOST_TEST(elapsed(p, at(0, 18), at(0, 23)) == 0);
}

BOOST_AUTO_TEST_CASE(across_the_night) {
  const merchant_policy p = office_hours();
  // Monday 17:59:30 to Tuesday 09:00:30: 30 s before closing + 30 s after opening.
  BOOST_TEST(elapsed(p, at(0, 17, 59, 30), at(1, 9, 0, 30)) == 60 * sec);
  BOOST_TEST(deadline(p, at(0, 17, 59, 30), 30 * sec) == at(0, 18));
  // The first instant past 30 s is one millisecond after Tuesday's opening.
  BOOST_TEST(deadline(p, at(0, 17, 59, 30), 30 * sec + 1) == at(1, 9, 0, 0, 1));
  BOOST_TEST(deadline(p, at(0, 17, 59, 50), 30 * sec) == at(1, 9, 0, 20));
}

BOOST_AUTO_TEST_CASE(across_the_weekend) {
  const merchant_policy p = office_hours();
  // Friday 17:59:50 to Monday 09:00:10 is 20 s of service time.
  BOOST_TEST(elapsed(p, at(4, 17, 59, 50), at(7, 9, 0, 10)) == 20 * sec);
  BOOST_TEST(deadline(p, at(4, 17, 59, 50), 30 * sec) == at(7, 9, 0, 20));
  // A turn opening on Saturday starts counting on Monday at 09:00.
  BOOST_TEST(elapsed(p, at(5, 10), at(7, 9, 0, 30)) == 30 * sec);
  BOOST_TEST(deadline(p, at(5, 10), 30 * sec) == at(7, 9, 0, 30));
  BOOST_TEST(deadline(p, at(5, 10), 1) == at(7, 9, 0, 0, 1));
}

BOOST_AUTO_TEST_CASE(lunch_break) {
  const merchant_policy p = policy_with_hours(
      R"({"days":[1,2,3,4,5],"intervals":[["09:00","12:00"],["13:30","18:00"]]})");
  BOOST_TEST(elapsed(p, at(0, 11, 59, 50), at(0, 13, 30, 10)) == 20 * sec);
  BOOST_TEST(elapsed(p, at(0, 12, 30), at(0, 13, 30, 30)) == 30 * sec);
  BOOST_TEST(deadline(p, at(0, 11, 59, 50), 30 * sec) == at(0, 13, 30, 20));
  BOOST_TEST(deadline(p, at(0, 12, 15), 60 * sec) == at(0, 13, 31));
  // Across lunch, the night and the weekend at once: Friday 11:59 to Monday 13:31.
  BOOST_TEST(elapsed(p, at(4, 11, 59), at(7, 13, 31)) ==
             1 * mins + 4 * hrs + 30 * mins + 3 * hrs + 1 * mins);
}

BOOST_AUTO_TEST_CASE(other_offsets) {
  // 09:00-18:00 in New York winter time (UTC-05:00), every day.
  const merchant_policy p =
      policy_with_hours(R"({"utc_offset_min": -300, "intervals": [["09:00","18:00"]]})");
  const std::int64_t ny_nine = monday + 22 * hrs;  // Monday 09:00 in New York = 14:00 UTC
  BOOST_TEST(elapsed(p, ny_nine - 10 * sec, ny_nine + 10 * sec) == 10 * sec);
  BOOST_TEST(deadline(p, ny_nine - hrs, 30 * sec) == ny_nine + 30 * sec);
  // Offsets that put the local day across UTC midnight.
  const merchant_policy east =
      policy_with_hours(R"({"utc_offset_min": 840, "intervals": [["00:00","01:00"]]})");
  // 00:00 at +14:00 is 10:00 UTC of the previous day.
  const std::int64_t local_midnight = monday + 8 * hrs - 14 * hrs;  // 2026-11-02 00:00 at +14
  BOOST_TEST(elapsed(east, local_midnight - hrs, local_midnight + 2 * hrs) == hrs);
  BOOST_TEST(deadline(east, local_midnight - hrs, 30 * mins) == local_midnight + 30 * mins);
}

BOOST_AUTO_TEST_CASE(long_gaps_skip_whole_weeks) {
  const merchant_policy p = office_hours();
  const std::int64_t week = 5 * 9 * hrs;
  BOOST_TEST(elapsed(p, at(0, 0), at(7 * 52, 0)) == 52 * week);
  BOOST_TEST(elapsed(p, at(2, 12), at(2 + 7 * 10, 12)) == 10 * week);
  BOOST_TEST(deadline(p, at(0, 0), 52 * week) == at(7 * 51 + 4, 18));
  BOOST_TEST(deadline(p, at(0, 0), 52 * week + 1) == at(7 * 52, 9, 0, 0, 1));
  BOOST_TEST(deadline(p, at(2, 12), 10 * week) == at(2 + 7 * 10, 12));
  // Open on Sundays only: a 30 s clock started on Monday ends next Sunday.
  const merchant_policy sunday = policy_with_hours(R"({"days":[7]})");
  BOOST_TEST(deadline(sunday, at(0, 10), 30 * sec) == at(6, 0, 0, 30));
  BOOST_TEST(elapsed(sunday, at(0, 10), at(14, 10)) == 2 * days);
}

BOOST_AUTO_TEST_CASE(random_against_brute_force) {
  std::mt19937_64 rng(20261102);
  const std::vector<std::string> schedules = {
      R"({"days":[1,2,3,4,5],"intervals":[["09:00","18:00"]]})",
      R"({"days":[1,2,3,4,5,6],"intervals":[["09:00","12:00"],["13:30","18:00"],["19:00","24:00"]]})",
      R"({"utc_offset_min":-300,"days":[2,4,6],"intervals":[["00:00","00:01"],["23:59","24:00"]]})",
      R"({"utc_offset_min":345,"days":[7],"intervals":[["08:15","20:45"]]})",
      R"({"utc_offset_min":0})",
      R"({"utc_offset_min":-720,"days":[1,5],"intervals":[["10:00","10:30"]]})",
  };
  for (const auto& text : schedules) {
    const service_hours h = hours_of(text);
    for (int i = 0; i < 300; ++i) {
      const std::int64_t from = at(0, 0) + static_cast<std::int64_t>(rng() % (14 * days));
      const std::int64_t span =
          static_cast<std::int64_t>(rng() % (i % 3 == 0 ? 10 * days : 3 * hrs));
      const std::int64_t to = from + span;
      const std::int64_t e = elapsed(h, from, to);
      BOOST_TEST_REQUIRE(e == brute_elapsed(h, from, to), text << " from " << from << " to " << to);
      // deadline() is the least instant reaching a duration.
      const std::int64_t want =
          1 + static_cast<std::int64_t>(rng() % (i % 2 == 0 ? 3 * days : 40 * mins));
      const std::int64_t d = deadline(h, from, want);
      BOOST_TEST_REQUIRE(elapsed(h, from, d) == want,
                         text << " start " << from << " want " << want);
      BOOST_TEST_REQUIRE(elapsed(h, from, d - 1) < want);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
