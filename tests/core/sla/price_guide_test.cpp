#include "server/core/sla/price_guide.hpp"

#define BOOST_TEST_MODULE sla_price_guide
#include <boost/test/unit_test.hpp>

#include "support.hpp"

#include <fstream>
#include <sstream>

using namespace kefu::sla;
using namespace kefu::sla::testing;
namespace json = boost::json;

BOOST_AUTO_TEST_CASE(builtin_table_is_seed_000) {
  const price_guide& g = builtin_price_guide();
  BOOST_REQUIRE_EQUAL(g.tiers.size(), 11u);
  struct row {
    double below;
    std::int64_t presale, full;
  };
  const row want[] = {{10, 170, 200},    {50, 600, 800},    {100, 1000, 1200}, {150, 1500, 1800},
                      {200, 1800, 2000}, {300, 2700, 3000}, {400, 3200, 3600}, {500, 3800, 4300},
                      {600, 4200, 4800}, {800, 5200, 6000}};
  for (std::size_t i = 0; i < std::size(want); ++i) {
    BOOST_TEST(*g.tiers[i].below == want[i].below);
    BOOST_TEST(g.tiers[i].presale == want[i].presale);
    BOOST_TEST(g.tiers[i].full == want[i].full);
  }
  // The labels are the seed's own: "<10" … "<800", then "800以上".
  BOOST_TEST(g.tiers.front().label == "<10");
  BOOST_TEST(g.tiers[9].label == "<800");
  BOOST_TEST(g.tiers.back().label == "800以上");
  BOOST_TEST(!g.tiers.back().below);
  BOOST_TEST(g.tiers.back().presale == 6000);
  BOOST_TEST(g.tiers.back().full == 7000);
}

BOOST_AUTO_TEST_CASE(tier_bounds_are_strict) {
  const price_guide& g = builtin_price_guide();
  BOOST_TEST(g.tier_for(0) == 0u);
  BOOST_TEST(g.tier_for(9.999) == 0u);
  BOOST_TEST(g.tier_for(10) == 1u);  // "<10" means under 10
  BOOST_TEST(g.tier_for(49.5) == 1u);
  BOOST_TEST(g.tier_for(799.99) == 9u);
  BOOST_TEST(g.tier_for(800) == 10u);
  BOOST_TEST(g.tier_for(5000) == 10u);
}

BOOST_AUTO_TEST_CASE(estimate_averages_days_with_seats) {
  const price_guide& g = builtin_price_guide();
  // 120 / 2 = 60 and 40 / 1 = 40; the seatless day is skipped: mean 50 -> "<100".
  const std::vector<day_volume> days{{120, 2}, {30, 0}, {40, 1}};
  const price_estimate e = estimate(days, g, service_scope::presale);
  BOOST_TEST(e.days == 2u);
  BOOST_TEST(*e.per_seat == 50.0);
  BOOST_TEST(*e.tier == 2u);
  BOOST_TEST(*e.price == 1000);
  BOOST_TEST(*estimate(days, g, service_scope::full).price == 1200);
  const price_estimate none = estimate(std::vector<day_volume>{{5, 0}}, g, service_scope::full);
  BOOST_TEST(none.days == 0u);
  BOOST_TEST(!none.per_seat);
  BOOST_TEST(!none.price);
}

BOOST_AUTO_TEST_CASE(daily_volume_from_chats) {
  const std::vector<event> log{
      // Monday: c1 and c2 open; a1 and a2 answer.
      buyer(at(0, 10), "c1"),
      agent(at(0, 10, 0, 5), "a1", "c1"),
      buyer(at(0, 11), "c1"),
      agent(at(0, 11, 0, 5), "a2", "c1"),
      assign(at(0, 12), "a1", "c2"),
      buyer(at(0, 12, 0, 1), "c2"),
      agent(at(0, 12, 0, 5), "a1", "c2"),
      // c3 has no buyer message: not a consultation.
      assign(at(0, 13), "a3", "c3"),
      close(at(0, 14), "c3"),
      // c4 opens late on Monday; its turn started Monday, answered on Tuesday by a3.
      buyer(at(0, 23, 59, 50), "c4"),
      agent(at(1, 0, 0, 5), "a3", "c4"),
      // Tuesday: c4 again (a turn started Tuesday) and c5, unanswered.
      buyer(at(1, 9), "c4"),
      agent(at(1, 9, 0, 5), "a1", "c4"),
      buyer(at(1, 10), "c5"),
      // Another merchant on Monday.
      buyer(at(0, 10), "d1", "m2"),
      agent(at(0, 10, 0, 5), "b1", "d1", "m2"),
  };
  const auto chats = replay(log, policy_book{}, at(1, 12));
  const volume_table t = daily_volume(chats);
  const std::int64_t mon = local_day(at(0, 10), 480);
  const auto& m1 = t.at("m1");
  BOOST_TEST(m1.at(mon).consultations == 3);      // c1, c2, c4
  BOOST_TEST(m1.at(mon).seats == 3);              // a1, a2, a3
  BOOST_TEST(m1.at(mon + 1).consultations == 1);  // c5
  BOOST_TEST(m1.at(mon + 1).seats == 1);          // a1
  BOOST_TEST(t.at("m2").at(mon).seats == 1);

  policy_book book;
  book.merchants["m2"].scope = service_scope::full;
  const json::object r = price_report(chats, book);
  const auto& pm1 = r.at("by_merchant").at("m1");
  BOOST_TEST(pm1.at("days").to_number<int>() == 2);
  BOOST_TEST(pm1.at("consultations_per_seat").to_number<double>() == 1.0);  // (3/3 + 1/1) / 2
  BOOST_TEST(pm1.at("tier").as_string() == "<10");
  BOOST_TEST(pm1.at("price").to_number<int>() == 170);
  BOOST_TEST(pm1.at("prices").at("presale").to_number<int>() == 170);
  BOOST_TEST(pm1.at("prices").at("full").to_number<int>() > 170);
  BOOST_TEST(r.at("by_merchant").at("m2").at("price").to_number<int>() == 200);
  BOOST_TEST(pm1.at("daily").at("2026-11-02").at("consultations").to_number<int>() == 3);
}

BOOST_AUTO_TEST_CASE(parse_errors) {
  BOOST_TEST(!parse_price_guide("nope"));
  BOOST_TEST(!parse_price_guide(R"({"tiers": []})"));
  BOOST_TEST(!parse_price_guide(R"({"tiers": [{"below": 10, "presale": 1, "full": 2}]})"));
  BOOST_TEST(!parse_price_guide(
      R"({"tiers": [{"below": 10, "presale": 1, "full": 2}, {"below": 5, "presale": 1, "full": 2}, {"below": null, "presale": 1, "full": 2}]})"));
  BOOST_TEST(!parse_price_guide(R"({"tiers": [{"below": null, "presale": -1, "full": 2}]})"));
  BOOST_TEST(parse_price_guide(R"({"tiers": [{"below": null, "presale": 1, "full": 2}]})").ok());
}

BOOST_AUTO_TEST_CASE(builtin_copy_matches_the_file) {
  std::ifstream in(KEFU_PRICE_GUIDE_FILE);
  BOOST_REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto file = parse_price_guide(text.str());
  BOOST_REQUIRE(file.ok());
  BOOST_REQUIRE_EQUAL(file->tiers.size(), builtin_price_guide().tiers.size());
  for (std::size_t i = 0; i < file->tiers.size(); ++i) {
    BOOST_TEST(file->tiers[i].presale == builtin_price_guide().tiers[i].presale);
    BOOST_TEST(file->tiers[i].full == builtin_price_guide().tiers[i].full);
  }
}
