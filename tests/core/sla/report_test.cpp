#include "server/core/sla/report.hpp"

#define BOOST_TEST_MODULE sla_report
#include <boost/test/unit_test.hpp>

#include "support.hpp"

#include <boost/json/parse.hpp>

using namespace kefu::sla;
using namespace kefu::sla::testing;
namespace json = boost::json;

namespace {

const policy_book defaults{};

report run(const std::vector<event>& events, std::optional<std::int64_t> as_of = std::nullopt,
           const policy_book& book = defaults) {
  return compute(events, book, as_of);
}

// The turns of the single chat of a log.
std::vector<turn_result> turns_of(const std::vector<event>& events,
                                  std::optional<std::int64_t> as_of = std::nullopt,
                                  const policy_book& book = defaults) {
  auto chats = replay(events, book, as_of);
  BOOST_REQUIRE_EQUAL(chats.size(), 1u);
  return chats[0].turns;
}

bool close_to(std::optional<double> v, double want) {
  return v && std::abs(*v - want) < 1e-9;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(turn_rules)

BOOST_AUTO_TEST_CASE(exactly_thirty_seconds_is_a_hit) {
  const std::int64_t t = at(0, 10);
  auto turns = turns_of({buyer(t), agent(t + 30 * sec, "a1")});
  BOOST_REQUIRE_EQUAL(turns.size(), 1u);
  BOOST_TEST(turns[0].elapsed_ms == 30'000);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::hit));
  BOOST_TEST((turns[0].at(threshold::first) == outcome::hit));

  turns = turns_of({buyer(t), agent(t + 30 * sec + 1, "a1")});
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
  BOOST_TEST((turns[0].at(threshold::first) == outcome::hit));
  BOOST_TEST((turns[0].at(threshold::r3) == outcome::hit));

  turns = turns_of({buyer(t), agent(t + 60 * sec, "a1")});
  BOOST_TEST((turns[0].at(threshold::first) == outcome::hit));
  turns = turns_of({buyer(t), agent(t + 60 * sec + 1, "a1")});
  BOOST_TEST((turns[0].at(threshold::first) == outcome::miss));
  turns = turns_of({buyer(t), agent(t + 180 * sec + 1, "a1")});
  BOOST_TEST((turns[0].at(threshold::r3) == outcome::miss));
  BOOST_TEST((turns[0].at(threshold::r5) == outcome::hit));
  turns = turns_of({buyer(t), agent(t + 300 * sec, "a1")});
  BOOST_TEST((turns[0].at(threshold::r5) == outcome::hit));
  turns = turns_of({buyer(t), agent(t + 300 * sec + 1, "a1")});
  BOOST_TEST((turns[0].at(threshold::r5) == outcome::miss));

  const report r = run({buyer(t), agent(t + 30 * sec + 1, "a1")});
  BOOST_TEST(close_to(r.overall.response_avg_s(), 30.001));
  BOOST_TEST(r.overall.misses_of(threshold::reply) == 1);
}

BOOST_AUTO_TEST_CASE(equal_timestamps_keep_arrival_order) {
  const std::int64_t t = at(0, 10);
  // Buyer then agent at the same millisecond: answered in 0 s.
  auto turns = turns_of({buyer(t), agent(t, "a1")});
  BOOST_REQUIRE_EQUAL(turns.size(), 1u);
  BOOST_TEST(turns[0].answered());
  BOOST_TEST(turns[0].elapsed_ms == 0);
  // Agent then buyer at the same millisecond: the agent answered nothing.
  turns = turns_of({agent(t, "a1"), buyer(t), close(t + 40 * sec)});
  BOOST_REQUIRE_EQUAL(turns.size(), 1u);
  BOOST_TEST(!turns[0].answered());
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
  // Input order across lines does not matter, except between equal timestamps.
  turns = turns_of({agent(t + 10 * sec, "a1"), buyer(t), agent(t, "a2")});
  BOOST_TEST(turns[0].elapsed_ms == 0);
  BOOST_TEST(*turns[0].agent == "a2");
}

BOOST_AUTO_TEST_CASE(auto_messages_never_answer) {
  const std::int64_t t = at(0, 10);
  auto turns = turns_of(
      {buyer(t), automated(t + 1 * sec), automated(t + 5 * sec), agent(t + 40 * sec, "a1")});
  BOOST_REQUIRE_EQUAL(turns.size(), 1u);
  BOOST_TEST(turns[0].elapsed_ms == 40'000);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
}

BOOST_AUTO_TEST_CASE(agent_message_with_no_pending_turn_answers_nothing) {
  const std::int64_t t = at(0, 10);
  auto turns =
      turns_of({agent(t, "a1"), buyer(t + 1 * sec), agent(t + 3 * sec, "a1"),
                agent(t + 50 * sec, "a1"), buyer(t + 60 * sec), agent(t + 65 * sec, "a1")});
  BOOST_REQUIRE_EQUAL(turns.size(), 2u);
  BOOST_TEST(turns[0].elapsed_ms == 2'000);
  BOOST_TEST(turns[0].first);
  BOOST_TEST(turns[1].elapsed_ms == 5'000);
  BOOST_TEST(!turns[1].first);
  BOOST_TEST((turns[1].at(threshold::first) == outcome::none));
}

BOOST_AUTO_TEST_CASE(several_buyer_messages_join_one_turn) {
  const std::int64_t t = at(0, 10);
  auto turns =
      turns_of({buyer(t), buyer(t + 20 * sec), buyer(t + 29 * sec), agent(t + 35 * sec, "a1")});
  BOOST_REQUIRE_EQUAL(turns.size(), 1u);
  BOOST_TEST(turns[0].start == t);
  BOOST_TEST(turns[0].elapsed_ms == 35'000);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
}

BOOST_AUTO_TEST_CASE(transfers_and_attribution) {
  const std::int64_t t = at(0, 10);
  // Answered: the answerer, whoever held the chat.
  auto turns =
      turns_of({assign(t, "a1"), buyer(t + 1 * sec), assign(t + 5 * sec, "a2"),
                agent(t + 10 * sec, "a2"), buyer(t + 20 * sec), agent(t + 25 * sec, "a3")});
  BOOST_TEST(*turns[0].agent == "a2");
  BOOST_TEST(*turns[1].agent == "a3");
  // Unanswered: the holder at the evaluation point.
  turns = turns_of(
      {assign(t, "a1"), buyer(t + 1 * sec), assign(t + 10 * sec, "a2"), close(t + 41 * sec + 1)});
  BOOST_TEST(*turns[0].agent == "a2");
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
  // A transfer after the close does not count.
  turns = turns_of(
      {assign(t, "a1"), buyer(t + 1 * sec), close(t + 50 * sec), assign(t + 60 * sec, "a2")});
  BOOST_TEST(*turns[0].agent == "a1");
  // Never assigned: no agent, still overall and per merchant.
  const report r = run({buyer(t), close(t + 31 * sec)});
  BOOST_TEST(r.by_agent.empty());
  BOOST_TEST(r.overall.turns == 1);
  BOOST_TEST(r.by_merchant.at("m1").misses_of(threshold::reply) == 1);
}

BOOST_AUTO_TEST_CASE(unanswered_at_close) {
  const std::int64_t t = at(0, 10);
  // Past T at the close: a miss.
  auto turns = turns_of({buyer(t), close(t + 30 * sec + 1)});
  BOOST_TEST(!turns[0].answered());
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
  BOOST_TEST((turns[0].at(threshold::first) == outcome::none));
  BOOST_TEST((turns[0].at(threshold::r3) == outcome::none));
  // Exactly T at the close: not counted at all.
  const report r = run({buyer(t), close(t + 30 * sec)});
  BOOST_TEST(r.overall.turns == 1);
  BOOST_TEST(r.overall.answered == 0);
  BOOST_TEST(!r.overall.rate(threshold::reply));
  BOOST_TEST(r.overall.misses_of(threshold::reply) == 0);
}

BOOST_AUTO_TEST_CASE(unanswered_at_as_of) {
  const std::int64_t t = at(0, 10);
  const std::vector<event> log{buyer(t), assign(t + 1 * sec, "a1")};
  auto turns = turns_of(log, t + 61 * sec);
  BOOST_TEST((turns[0].at(threshold::first) == outcome::miss));
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
  BOOST_TEST(*turns[0].agent == "a1");
  turns = turns_of(log, t + 30 * sec);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::none));
  turns = turns_of(log, t + 30 * sec + 1);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
  BOOST_TEST((turns[0].at(threshold::first) == outcome::none));
  // Default as_of: the largest timestamp of the whole input, other chats included.
  const report r = run({buyer(t, "c1"), buyer(t + 40 * sec, "c2")});
  BOOST_TEST(r.overall.misses_of(threshold::reply) == 1);  // c1 has waited 40 s, c2 0 s
  BOOST_TEST(r.overall.turns == 2);
}

BOOST_AUTO_TEST_CASE(events_after_close_are_ignored) {
  const std::int64_t t = at(0, 10);
  auto turns = turns_of({buyer(t), agent(t + 5 * sec, "a1"), close(t + 10 * sec),
                         buyer(t + 20 * sec), agent(t + 100 * sec, "a1")});
  BOOST_REQUIRE_EQUAL(turns.size(), 1u);
  // Same instant as the close but arriving after it: ignored too.
  turns = turns_of({buyer(t), close(t + 40 * sec), agent(t + 40 * sec, "a1")});
  BOOST_TEST(!turns[0].answered());
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
  // Only the first close counts.
  turns = turns_of({buyer(t), close(t + 10 * sec), close(t + 100 * sec)});
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::none));
}

BOOST_AUTO_TEST_CASE(as_of_cuts_the_log) {
  const std::int64_t t = at(0, 10);
  const std::vector<event> log{assign(t, "a1"), buyer(t + 1 * sec), agent(t + 50 * sec, "a1"),
                               close(t + 100 * sec)};
  // At t + 41 s the answer and the close have not happened: open chat, 40 s waited.
  auto turns = turns_of(log, t + 41 * sec);
  BOOST_TEST(!turns[0].answered());
  BOOST_TEST(turns[0].elapsed_ms == 40'000);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
  BOOST_TEST((turns[0].at(threshold::first) == outcome::none));
  // An event exactly at as_of counts.
  turns = turns_of(log, t + 50 * sec);
  BOOST_TEST(turns[0].answered());
  // A chat entirely after as_of is not there at all.
  const std::vector<event> two{buyer(t, "c1"), buyer(t + 10 * sec, "c2")};
  auto chats = replay(two, defaults, t + 5 * sec);
  BOOST_REQUIRE_EQUAL(chats.size(), 1u);
  BOOST_TEST(chats[0].chat == "c1");
  // A close after as_of is ignored: the turn is judged at as_of.
  turns = turns_of({buyer(t), close(t + 200 * sec)}, t + 20 * sec);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::none));
  BOOST_TEST(turns[0].elapsed_ms == 20'000);
}

BOOST_AUTO_TEST_CASE(unanswered_past_every_threshold) {
  const std::int64_t t = at(0, 10);
  auto turns = turns_of({buyer(t), close(t + 10 * mins)});
  for (threshold k : all_thresholds) BOOST_TEST((turns[0].at(k) == outcome::miss));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(service_hours_in_reports)

BOOST_AUTO_TEST_CASE(turns_across_nights_weekends_and_lunch) {
  policy_book book;
  book.merchants["m1"] = office_hours();
  book.merchants["m2"] = policy_with_hours(
      R"({"days":[1,2,3,4,5],"intervals":[["09:00","12:00"],["13:30","18:00"]]})");
  // Monday 17:59:40, answered Tuesday 09:00:10: 30 s of service time, a hit.
  auto turns = turns_of({buyer(at(0, 17, 59, 40)), agent(at(1, 9, 0, 10), "a1")}, {}, book);
  BOOST_TEST(turns[0].elapsed_ms == 30'000);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::hit));
  // Friday 17:59:40, answered Monday 09:00:10.001: a miss by a millisecond.
  turns = turns_of({buyer(at(4, 17, 59, 40)), agent(at(7, 9, 0, 10, 1), "a1")}, {}, book);
  BOOST_TEST(turns[0].elapsed_ms == 30'001);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
  // Opened on Saturday, answered Monday 09:00:20: counted from the opening.
  turns = turns_of({buyer(at(5, 11)), agent(at(7, 9, 0, 20), "a1")}, {}, book);
  BOOST_TEST(turns[0].elapsed_ms == 20'000);
  // Opened at night and answered before the opening: 0 s.
  turns = turns_of({buyer(at(1, 2)), agent(at(1, 3), "a1")}, {}, book);
  BOOST_TEST(turns[0].elapsed_ms == 0);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::hit));
  // Lunch break: 11:59:50 to 13:30:15 is 25 s.
  turns = turns_of(
      {buyer(at(2, 11, 59, 50), "c1", "m2"), agent(at(2, 13, 30, 15), "a1", "c1", "m2")}, {}, book);
  BOOST_TEST(turns[0].elapsed_ms == 25'000);
  // An open chat over the weekend only accrues service time.
  turns = turns_of({buyer(at(4, 17, 59, 50))}, at(7, 9, 0, 20), book);
  BOOST_TEST(turns[0].elapsed_ms == 30'000);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::none));
  turns = turns_of({buyer(at(4, 17, 59, 50))}, at(7, 9, 0, 20, 1), book);
  BOOST_TEST((turns[0].at(threshold::reply) == outcome::miss));
}

BOOST_AUTO_TEST_CASE(per_merchant_thresholds) {
  policy_book book;
  book.merchants["fast"].thresholds.reply_ms = 10'000;
  book.merchants["fast"].thresholds.first_ms = 15'000;
  const std::int64_t t = at(0, 10);
  const report r = run({buyer(t, "c1", "fast"), agent(t + 12 * sec, "a1", "c1", "fast"),
                        buyer(t, "c2", "slow"), agent(t + 12 * sec, "a1", "c2", "slow")},
                       {}, book);
  BOOST_TEST(r.by_merchant.at("fast").misses_of(threshold::reply) == 1);
  BOOST_TEST(r.by_merchant.at("fast").misses_of(threshold::first) == 0);
  BOOST_TEST(r.by_merchant.at("slow").misses_of(threshold::reply) == 0);
  BOOST_TEST(close_to(r.by_agent.at("a1").rate(threshold::reply), 0.5));
}

BOOST_AUTO_TEST_CASE(days_are_merchant_local) {
  policy_book book;
  book.merchants["ny"] = policy_with_hours(R"({"utc_offset_min": -300})");
  book.merchants["utc"] = policy_with_hours(R"({"utc_offset_min": 0, "days": [1,2,3,4,5,6,7]})");
  const std::int64_t utc_midnight = monday + 8 * hrs;  // 2026-11-02 00:00 UTC
  const report r = run(
      {
          buyer(utc_midnight + 3 * hrs, "c1", "ny"),   // 2026-11-01 22:00 in NY
          buyer(utc_midnight - 1, "c2", "utc"),        // 2026-11-01 23:59:59.999
          buyer(utc_midnight - 7 * hrs, "c3", "cn"),   // 2026-11-02 01:00 in Beijing
          buyer(utc_midnight + 17 * hrs, "c4", "cn"),  // 2026-11-03 01:00 in Beijing
      },
      {}, book);
  BOOST_TEST(r.by_day.size() == 3u);
  BOOST_TEST(r.by_day.at("2026-11-01").turns == 2);
  BOOST_TEST(r.by_day.at("2026-11-02").turns == 1);
  BOOST_TEST(r.by_day.at("2026-11-03").turns == 1);
  // A turn belongs to the day it started, even when answered the next day.
  const report r2 = run({buyer(at(0, 23, 59, 50)), agent(at(1, 0, 0, 5), "a1")});
  BOOST_TEST(r2.by_day.size() == 1u);
  BOOST_TEST(r2.by_day.count("2026-11-02") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(metrics_and_output)

BOOST_AUTO_TEST_CASE(null_rates_and_averages) {
  const std::int64_t t = at(0, 10);
  const report r = run({buyer(t), close(t + 10 * sec)});
  BOOST_TEST(r.overall.chats == 1);
  BOOST_TEST(r.overall.turns == 1);
  BOOST_TEST(!r.overall.first_response_avg_s());
  BOOST_TEST(!r.overall.response_avg_s());
  for (threshold k : all_thresholds) BOOST_TEST(!r.overall.rate(k));
  const json::value v = json::value_from(r.overall);
  BOOST_TEST(v.at("first_response_avg_s").is_null());
  BOOST_TEST(v.at("reply_30s_rate").is_null());
  BOOST_TEST(v.at("misses_30s").as_int64() == 0);

  const report empty = run({});
  BOOST_TEST(empty.overall.chats == 0);
  BOOST_TEST(serialize(empty).find("\"by_agent\":{}") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(first_response_rate_counts_first_turns_only) {
  const std::int64_t t = at(0, 10);
  const report r =
      run({buyer(t), agent(t + 50 * sec, "a1"), buyer(t + 60 * sec), agent(t + 130 * sec, "a1"),
           buyer(t + 140 * sec), agent(t + 145 * sec, "a1")});
  BOOST_TEST(r.overall.turns == 3);
  BOOST_TEST(r.overall.answered == 3);
  BOOST_TEST(close_to(r.overall.first_response_avg_s(), 50.0));
  BOOST_TEST(close_to(r.overall.rate(threshold::first), 1.0));
  BOOST_TEST(r.overall.misses_of(threshold::first) == 0);
  BOOST_TEST(close_to(r.overall.response_avg_s(), (50.0 + 70.0 + 5.0) / 3));
  BOOST_TEST(close_to(r.overall.rate(threshold::reply), 1.0 / 3));
  BOOST_TEST(close_to(r.overall.rate(threshold::r3), 1.0));
  // Waiting in the queue counts towards the first response.
  const report q = run(
      {buyer(t), automated(t + 1 * sec), assign(t + 70 * sec, "a1"), agent(t + 75 * sec, "a1")});
  BOOST_TEST(q.overall.misses_of(threshold::first) == 1);
}

BOOST_AUTO_TEST_CASE(chats_count_distinct_chats_per_group) {
  const std::int64_t t = at(0, 10);
  const report r = run({
      buyer(t, "c1"),
      agent(t + 5 * sec, "a1", "c1"),
      buyer(t + 10 * sec, "c1"),
      agent(t + 15 * sec, "a2", "c1"),
      buyer(t + 20 * sec, "c1"),
      agent(t + 25 * sec, "a1", "c1"),
      assign(t, "a3", "c2"),
      close(t + 5 * sec, "c2"),  // no turn: not a chat in any group
      buyer(t, "c3", "m2"),
      agent(t + 1 * sec, "a1", "c3", "m2"),
  });
  BOOST_TEST(r.overall.chats == 2);
  BOOST_TEST(r.overall.turns == 4);
  BOOST_TEST(r.by_agent.at("a1").chats == 2);
  BOOST_TEST(r.by_agent.at("a1").turns == 3);
  BOOST_TEST(r.by_agent.at("a2").chats == 1);
  BOOST_TEST(r.by_agent.count("a3") == 0u);
  BOOST_TEST(r.by_merchant.at("m1").chats == 1);
  BOOST_TEST(r.by_merchant.at("m2").chats == 1);
  BOOST_TEST(r.by_day.at("2026-11-02").chats == 2);
}

BOOST_AUTO_TEST_CASE(json_shapes) {
  const std::int64_t t = at(0, 10);
  const report r = run({assign(t, "a1"), buyer(t), agent(t + 30 * sec + 1, "a1")});
  const std::string text = serialize(r);
  BOOST_TEST(text.find("\"first_response_avg_s\":30.001") != std::string::npos, text);
  const json::value all = json::parse(text);
  BOOST_TEST(all.as_object().size() == 4u);
  BOOST_TEST(all.at("by_day").at("2026-11-02").at("misses_30s").as_int64() == 1);
  BOOST_TEST(all.at("overall").at("reply_30s_rate").to_number<double>() == 0.0);
  BOOST_TEST(all.at("overall").as_object().size() == metric_names.size());

  const json::value only = json::parse(serialize(r, group::agent));
  BOOST_TEST(only.as_object().size() == 2u);
  BOOST_TEST(only.at("by_agent").at("a1").at("turns").as_int64() == 1);
  BOOST_TEST(to_text(to_json(r, group::agent)) == serialize(r, group::agent));
  // Plain decimals either way; keep_point leaves integral doubles reading back as doubles.
  const json::value nums{{"a", 25.0}, {"b", 0.5}, {"c", json::array{1e21, 3, -2.0}}};
  BOOST_TEST(to_text(nums) == R"({"a":25,"b":0.5,"c":[1e+21,3,-2]})");
  BOOST_TEST(to_text(nums, floats::keep_point) == R"({"a":25.0,"b":0.5,"c":[1e+21,3,-2.0]})");
  BOOST_TEST(json::parse(to_text(nums, floats::keep_point)).at("a").is_double());
  BOOST_TEST((parse_group("by_day") == group::day));
  BOOST_TEST((parse_group("merchant") == group::merchant));
  BOOST_TEST(!parse_group("week"));
}

BOOST_AUTO_TEST_CASE(csv) {
  const std::int64_t t = at(0, 10);
  const report r = run({buyer(t, "c1"), agent(t + 10 * sec, "a,1", "c1"), buyer(t, "c2"),
                        assign(t, "a2", "c2"), close(t + 5 * sec, "c2")});
  const std::string csv = to_csv(r, group::agent);
  BOOST_TEST(csv ==
             "agent,chats,turns,answered,first_response_avg_s,first_response_60s_rate,"
             "response_avg_s,reply_30s_rate,reply_3min_rate,reply_5min_rate,misses_30s,"
             "misses_60s_first,misses_3min,misses_5min\n"
             "\"a,1\",1,1,1,10,1,10,1,1,1,0,0,0,0\n"
             "a2,1,1,0,,,,,,,0,0,0,0\n");
  const std::string overall = to_csv(r, std::nullopt);
  BOOST_TEST(overall.substr(overall.find('\n') + 1) == "overall,2,2,1,10,1,10,1,1,1,0,0,0,0\n");
}

BOOST_AUTO_TEST_CASE(event_lines) {
  auto e = parse_event_line(
      R"({"ts": 1731038400000, "chat": "c1", "merchant": "m1", "type": "buyer", "text": "hi"})");
  BOOST_REQUIRE(e.ok());
  BOOST_TEST(e->ts == 1731038400000);
  BOOST_TEST((e->type == event_type::buyer));
  auto a = parse_event_line(
      R"({"ts": 5, "chat": "c1", "merchant": "m1", "type": "assign", "agent": "a1"})");
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->agent == "a1");
  // auto lines may carry an agent (on whose behalf); it is not required.
  BOOST_TEST(parse_event_line(
                 R"({"ts": 5, "chat": "c1", "merchant": "m1", "type": "auto", "agent": null})")
                 .ok());

  auto message = [](std::string_view line) {
    auto r = parse_event_line(line);
    return r ? std::string() : r.message();
  };
  BOOST_TEST(message("not json").find("JSON") != std::string::npos);
  BOOST_TEST(message("[1,2]").find("object") != std::string::npos);
  BOOST_TEST(message(R"({"chat":"c","merchant":"m","type":"buyer"})").find("\"ts\"") !=
             std::string::npos);
  BOOST_TEST(message(R"({"ts":"5","chat":"c","merchant":"m","type":"buyer"})").find("\"ts\"") !=
             std::string::npos);
  BOOST_TEST(message(R"({"ts":5.5,"chat":"c","merchant":"m","type":"buyer"})") != "");
  BOOST_TEST(message(R"({"ts":5,"merchant":"m","type":"buyer"})").find("\"chat\"") !=
             std::string::npos);
  BOOST_TEST(message(R"({"ts":5,"chat":"c","type":"buyer"})").find("\"merchant\"") !=
             std::string::npos);
  BOOST_TEST(message(R"({"ts":5,"chat":7,"merchant":"m","type":"buyer"})").find("\"chat\"") !=
             std::string::npos);
  BOOST_TEST(message(R"({"ts":5,"chat":"c","merchant":"m"})").find("\"type\"") !=
             std::string::npos);
  BOOST_TEST(message(R"({"ts":5,"chat":"c","merchant":"m","type":"bot"})").find("unknown type") !=
             std::string::npos);
  BOOST_TEST(message(R"({"ts":5,"chat":"c","merchant":"m","type":"assign"})").find("\"agent\"") !=
             std::string::npos);
  BOOST_TEST(
      message(R"({"ts":5,"chat":"c","merchant":"m","type":"agent","agent":3})").find("\"agent\"") !=
      std::string::npos);

  // Round trip through Boost.JSON.
  const event ev1 = agent(at(0, 10), "a1");
  auto back = json::try_value_to<event>(json::value_from(ev1));
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((*back == ev1));
}

BOOST_AUTO_TEST_SUITE_END()
