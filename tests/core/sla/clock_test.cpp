#include "server/core/sla/clock.hpp"

#define BOOST_TEST_MODULE sla_clock
#include <boost/test/unit_test.hpp>

#include "support.hpp"

#include <algorithm>
#include <map>
#include <random>

using namespace kefu::sla;
using namespace kefu::sla::testing;
namespace json = boost::json;

namespace {

alert miss(threshold k, std::int64_t t) {
  return {alert_kind::miss, k, t};
}
alert warn(threshold k, std::int64_t t) {
  return {alert_kind::warning, k, t};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(live_clock)

BOOST_AUTO_TEST_CASE(deadlines_of_an_open_turn) {
  chat_clock c{merchant_policy{}};
  const std::int64_t t = at(0, 10);
  BOOST_TEST(!c.current_deadlines());
  BOOST_TEST((c.apply(event_type::assign, t, "a1").what == change::assigned));
  BOOST_TEST((c.apply(event_type::buyer, t + 1 * sec).what == change::opened));
  auto d = c.current_deadlines();
  BOOST_REQUIRE(d);
  BOOST_TEST(*d->first == t + 61 * sec);
  BOOST_TEST(d->reply == t + 31 * sec);
  BOOST_TEST(d->r3 == t + 181 * sec);
  BOOST_TEST(d->r5 == t + 301 * sec);
  BOOST_TEST(c.pending()->start == t + 1 * sec);
  BOOST_TEST(c.pending()->first);
  // More buyer messages do not restart the clock.
  BOOST_TEST((c.apply(event_type::buyer, t + 20 * sec).what == change::joined));
  BOOST_TEST((*c.current_deadlines() == *d));

  const json::value v = json::value_from(*d);
  BOOST_TEST(v.at("first").as_int64() == t + 61 * sec);
  BOOST_TEST(v.at("reply").as_int64() == t + 31 * sec);

  auto u = c.apply(event_type::agent, t + 25 * sec, "a1");
  BOOST_TEST((u.what == change::answered));
  BOOST_REQUIRE(u.answered);
  BOOST_TEST(u.answered->elapsed_ms == 24'000);
  BOOST_TEST(!c.current_deadlines());
  // The second turn has no first-response clock.
  c.apply(event_type::buyer, t + 40 * sec);
  d = c.current_deadlines();
  BOOST_TEST(!d->first);
  BOOST_TEST(!json::value_from(*d).as_object().contains("first"));
}

BOOST_AUTO_TEST_CASE(alarms_fire_in_order_once) {
  chat_clock c{merchant_policy{}};
  const std::int64_t t = at(0, 10);
  c.apply(event_type::buyer, t);
  BOOST_TEST(*c.next_alarm() == t + 20 * sec);  // the pre-breach warning
  BOOST_TEST(c.fire(t + 20 * sec - 1).empty());
  BOOST_TEST((c.fire(t + 20 * sec) == std::vector<alert>{warn(threshold::reply, t + 20 * sec)}));
  BOOST_TEST(c.fire(t + 20 * sec).empty());
  BOOST_TEST(*c.next_alarm() == t + 30 * sec + 1);
  BOOST_TEST(c.fire(t + 30 * sec).empty());  // exactly 30 s is still a hit
  BOOST_TEST(
      (c.fire(t + 30 * sec + 1) == std::vector<alert>{miss(threshold::reply, t + 30 * sec + 1)}));
  BOOST_TEST(*c.next_alarm() == t + 60 * sec + 1);
  const std::vector<alert> rest{miss(threshold::first, t + 60 * sec + 1),
                                miss(threshold::r3, t + 180 * sec + 1),
                                miss(threshold::r5, t + 300 * sec + 1)};
  BOOST_TEST((c.fire(t + 1 * hrs) == rest));
  BOOST_TEST(!c.next_alarm());
  const json::value a = json::value_from(rest[0]);
  BOOST_TEST(a.at("kind").as_string() == "miss");
  BOOST_TEST(a.at("threshold").as_string() == "first");
  BOOST_TEST(a.at("at").as_int64() == t + 60 * sec + 1);
}

BOOST_AUTO_TEST_CASE(a_new_policy_moves_the_pending_turn) {
  chat_clock c{merchant_policy{}};
  const std::int64_t t = at(0, 10);
  c.apply(event_type::buyer, t);
  BOOST_TEST((c.fire(t + 20 * sec) == std::vector<alert>{warn(threshold::reply, t + 20 * sec)}));
  // At 25 s the merchant tightens every reply clock to 10 s and the first response to 40 s.
  merchant_policy tight;
  tight.thresholds.reply_ms = 10'000;
  tight.thresholds.first_ms = 40'000;
  c.set_policy(tight);
  auto d = c.current_deadlines();
  BOOST_REQUIRE(d);
  BOOST_TEST(d->reply == t + 10 * sec);
  BOOST_TEST(*d->first == t + 40 * sec);
  // The reply clock has already run out: its miss is due at once, the warning is not repeated.
  BOOST_TEST(*c.next_alarm() == t + 10 * sec + 1);
  BOOST_TEST(
      (c.fire(t + 25 * sec) == std::vector<alert>{miss(threshold::reply, t + 10 * sec + 1)}));
  BOOST_TEST(
      (c.fire(t + 40 * sec + 1) == std::vector<alert>{miss(threshold::first, t + 40 * sec + 1)}));
  // Loosened again after those misses: they are not reported twice.
  c.set_policy(merchant_policy{});
  BOOST_TEST(*c.next_alarm() == t + 180 * sec + 1);
  BOOST_TEST((c.fire(t + 1 * hrs) == std::vector<alert>{miss(threshold::r3, t + 180 * sec + 1),
                                                        miss(threshold::r5, t + 300 * sec + 1)}));
  // Results follow the policy in force, as a report computed now would.
  auto u = c.apply(event_type::agent, t + 50 * sec, "a1");
  BOOST_TEST((u.answered->at(threshold::reply) == outcome::miss));
  c.set_policy(tight);
  BOOST_TEST((c.results(t + 1 * hrs)[0].at(threshold::first) == outcome::miss));
  c.set_policy(merchant_policy{});
  BOOST_TEST((c.results(t + 1 * hrs)[0].at(threshold::first) == outcome::hit));
  // Nothing pending: a new policy schedules nothing.
  c.set_policy(tight);
  BOOST_TEST(!c.next_alarm());
}

BOOST_AUTO_TEST_CASE(answer_at_the_deadline_is_a_hit) {
  chat_clock c{merchant_policy{}};
  const std::int64_t t = at(0, 10);
  c.apply(event_type::buyer, t);
  c.fire(t + 20 * sec);
  auto u = c.apply(event_type::agent, t + 30 * sec, "a1");
  BOOST_TEST(u.due.empty());
  BOOST_TEST((u.answered->at(threshold::reply) == outcome::hit));
  BOOST_TEST(!c.next_alarm());
  BOOST_TEST(c.fire(t + 1 * hrs).empty());
}

BOOST_AUTO_TEST_CASE(late_timer_alarms_come_with_the_event) {
  chat_clock c{merchant_policy{}};
  const std::int64_t t = at(0, 10);
  c.apply(event_type::buyer, t);
  // The timer never ran; the answer lands at the very instant of the miss.
  auto u = c.apply(event_type::agent, t + 30 * sec + 1, "a1");
  BOOST_TEST((u.due == std::vector<alert>{warn(threshold::reply, t + 20 * sec),
                                          miss(threshold::reply, t + 30 * sec + 1)}));
  BOOST_TEST((u.answered->at(threshold::reply) == outcome::miss));
  BOOST_TEST(u.answered->agent.value_or("") == "a1");
}

BOOST_AUTO_TEST_CASE(close_stops_the_clock) {
  chat_clock c{merchant_policy{}};
  const std::int64_t t = at(0, 10);
  c.apply(event_type::assign, t, "a1");
  c.apply(event_type::buyer, t);
  auto u = c.apply(event_type::close, t + 45 * sec);
  BOOST_TEST((u.what == change::closed));
  BOOST_TEST(u.due.size() == 2u);  // reply warning and miss
  BOOST_TEST(!c.next_alarm());
  BOOST_TEST(!c.current_deadlines());
  BOOST_TEST((c.apply(event_type::agent, t + 50 * sec, "a1").what == change::ignored));
  auto results = c.results(t + 1 * hrs);
  BOOST_REQUIRE_EQUAL(results.size(), 1u);
  BOOST_TEST(results[0].elapsed_ms == 45'000);  // judged at the close, not at as_of
  BOOST_TEST((results[0].at(threshold::reply) == outcome::miss));
  BOOST_TEST((results[0].at(threshold::first) == outcome::none));
  BOOST_TEST(*results[0].agent == "a1");
}

BOOST_AUTO_TEST_CASE(nothing_pending_nothing_fires) {
  chat_clock c{merchant_policy{}};
  const std::int64_t t = at(0, 10);
  BOOST_TEST((c.apply(event_type::agent, t, "a1").what == change::none));
  BOOST_TEST((c.apply(event_type::automated, t).what == change::none));
  BOOST_TEST(!c.next_alarm());
  BOOST_TEST(c.fire(t + 1 * hrs).empty());
  BOOST_TEST(c.results(t + 1 * hrs).empty());
}

BOOST_AUTO_TEST_CASE(service_hours_move_the_deadlines) {
  chat_clock c{office_hours()};
  // Friday 17:59:50: 10 s before closing, the rest on Monday morning.
  const std::int64_t t = at(4, 17, 59, 50);
  c.apply(event_type::buyer, t);
  auto d = c.current_deadlines();
  BOOST_TEST(*d->first == at(7, 9, 0, 50));
  BOOST_TEST(d->reply == at(7, 9, 0, 20));
  BOOST_TEST(d->r3 == at(7, 9, 2, 50));
  BOOST_TEST(*c.next_alarm() == at(7, 9, 0, 10));  // warning: 20 s of service time
  BOOST_TEST(c.fire(at(6, 23)).empty());           // nothing over the weekend
  auto fired = c.fire(at(7, 9, 0, 20, 1));
  BOOST_TEST((fired == std::vector<alert>{warn(threshold::reply, at(7, 9, 0, 10)),
                                          miss(threshold::reply, at(7, 9, 0, 20, 1))}));

  // Deadline exactly at closing time: the miss comes one ms into the next opening.
  chat_clock e{office_hours()};
  e.apply(event_type::buyer, at(0, 17, 59, 30));
  BOOST_TEST(e.current_deadlines()->reply == at(0, 18));
  e.fire(at(0, 17, 59, 50));  // the warning
  BOOST_TEST(*e.next_alarm() == at(1, 9, 0, 0, 1));
  // Answered during the night: still 30 s, a hit.
  auto u = e.apply(event_type::agent, at(0, 22), "a1");
  BOOST_TEST(u.due.empty());
  BOOST_TEST((u.answered->at(threshold::reply) == outcome::hit));
}

BOOST_AUTO_TEST_CASE(configurable_warnings) {
  warning_offsets w;
  w.at_ms = {50'000, 25'000, std::nullopt, 300'000};
  chat_clock c{merchant_policy{}, w};
  const std::int64_t t = at(0, 10);
  c.apply(event_type::buyer, t);
  const std::vector<alert> want{
      warn(threshold::reply, t + 25 * sec),   miss(threshold::reply, t + 30 * sec + 1),
      warn(threshold::first, t + 50 * sec),   miss(threshold::first, t + 60 * sec + 1),
      miss(threshold::r3, t + 180 * sec + 1), warn(threshold::r5, t + 300 * sec),
      miss(threshold::r5, t + 300 * sec + 1),
  };
  BOOST_TEST((c.fire(t + 1 * hrs) == want));
  // A warning past its threshold is dropped; none at all when disabled.
  warning_offsets late;
  late.at_ms = {std::nullopt, 40'000, std::nullopt, std::nullopt};
  chat_clock d{merchant_policy{}, late};
  d.apply(event_type::buyer, t);
  BOOST_TEST(*d.next_alarm() == t + 30 * sec + 1);
  chat_clock quiet{merchant_policy{}, warning_offsets{{}}};
  quiet.apply(event_type::buyer, t);
  BOOST_TEST(*quiet.next_alarm() == t + 30 * sec + 1);
}

BOOST_AUTO_TEST_SUITE_END()

// Random event streams: the live clocks, fed one event at a time with a fake
// clock firing before each event, must agree with the replay on every turn.
BOOST_AUTO_TEST_SUITE(live_matches_replay)

namespace {

struct generator {
  std::mt19937_64 rng;
  std::int64_t pick(std::int64_t n) {
    return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(n));
  }

  std::int64_t gap() {
    static const std::int64_t edges[] = {20'000,  29'999,  30'000,  30'001,  59'999, 60'000, 60'001,
                                         180'000, 180'001, 300'000, 300'001, 10'000, 10'001, 1};
    switch (pick(12)) {
      case 0:
      case 1:
        return 0;  // equal timestamps
      case 2:
      case 3:
        return edges[pick(std::size(edges))];
      case 4:
        return pick(10 * hrs);
      case 5:
        return pick(3 * days);
      default:
        return pick(45 * sec);
    }
  }

  event_type type() {
    const std::int64_t r = pick(100);
    if (r < 38) return event_type::buyer;
    if (r < 63) return event_type::agent;
    if (r < 73) return event_type::automated;
    if (r < 93) return event_type::assign;
    return event_type::close;
  }
};

policy_book random_book() {
  policy_book book;
  book.merchants["office"] = office_hours();
  book.merchants["lunch"] = policy_with_hours(
      R"({"days":[1,2,3,4,5,6],"intervals":[["09:00","12:00"],["13:30","18:00"]]})");
  merchant_policy ny = policy_with_hours(
      R"({"utc_offset_min":-300,"days":[2,4,7],"intervals":[["00:00","00:02"],["08:00","20:00"],["23:59","24:00"]]})");
  ny.thresholds = {20'000, 10'000, 60'000, 120'000};
  book.merchants["ny"] = ny;
  book.merchants["sunday"] = policy_with_hours(R"({"days":[7],"intervals":[["10:00","10:01"]]})");
  return book;  // "always" is not listed: defaults, always open
}

// Shuffles a log while keeping each chat's equal-timestamp events in order,
// which is all the replay promises to respect.
std::vector<event> shuffle_keeping_ties(const std::vector<event>& log, std::mt19937_64& rng) {
  std::vector<std::size_t> perm(log.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<event> out(log.size());
  std::map<std::pair<std::string, std::int64_t>, std::vector<std::size_t>> slots, originals;
  for (std::size_t pos = 0; pos < perm.size(); ++pos) {
    const event& e = log[perm[pos]];
    slots[{e.chat, e.ts}].push_back(pos);
    originals[{e.chat, e.ts}].push_back(perm[pos]);
  }
  for (auto& [key, positions] : slots) {
    auto& orig = originals[key];
    std::sort(positions.begin(), positions.end());
    std::sort(orig.begin(), orig.end());
    for (std::size_t i = 0; i < positions.size(); ++i) out[positions[i]] = log[orig[i]];
  }
  return out;
}

struct live_turn {
  std::array<bool, threshold_count> missed{};
  std::array<bool, threshold_count> warned{};
};

}  // namespace

BOOST_AUTO_TEST_CASE(random_streams) {
  const policy_book book = random_book();
  const std::vector<std::string> merchants{"office", "lunch", "ny", "sunday", "always"};
  std::size_t turns_checked = 0;
  std::size_t misses_seen = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    generator g{std::mt19937_64(seed)};
    // Per-chat histories in time order.
    const int chat_count = 1 + static_cast<int>(g.pick(8));
    std::vector<std::vector<event>> chats(chat_count);
    std::int64_t first_ts = INT64_MAX;
    std::int64_t last_ts = INT64_MIN;
    for (int c = 0; c < chat_count; ++c) {
      const std::string chat = "c" + std::to_string(c);
      const std::string& merchant = merchants[g.pick(merchants.size())];
      std::int64_t ts = at(0, 0) + g.pick(10 * days);
      const int n = 1 + static_cast<int>(g.pick(24));
      for (int i = 0; i < n; ++i) {
        ts += i == 0 ? 0 : g.gap();
        const event_type type = g.type();
        std::string who;
        if (type == event_type::agent || type == event_type::assign)
          who = "a" + std::to_string(g.pick(4));
        chats[c].push_back(event{ts, chat, merchant, type, who});
        first_ts = std::min(first_ts, ts);
        last_ts = std::max(last_ts, ts);
      }
    }
    // Interleave the chats into one log, each chat's order preserved.
    std::vector<event> log;
    std::vector<std::size_t> next(chat_count, 0);
    for (std::size_t left = 0; [&] {
           left = 0;
           for (int c = 0; c < chat_count; ++c) left += chats[c].size() - next[c];
           return left > 0;
         }();) {
      int c = static_cast<int>(g.pick(chat_count));
      while (next[c] == chats[c].size()) c = (c + 1) % chat_count;
      log.push_back(chats[c][next[c]++]);
    }
    std::optional<std::int64_t> as_of;
    if (g.pick(3) != 0) as_of = first_ts + g.pick(last_ts - first_ts + 2 * hrs);
    const std::int64_t eval = as_of.value_or(last_ts);

    const std::vector<event> shuffled = shuffle_keeping_ties(log, g.rng);
    const auto replayed = replay(shuffled, book, as_of);
    BOOST_TEST_REQUIRE((replay(log, book, as_of).size() == replayed.size()));
    std::map<std::string, const chat_result*> by_chat;
    for (const auto& r : replayed) by_chat[r.chat] = &r;

    std::vector<chat_result> live_results;
    for (int c = 0; c < chat_count; ++c) {
      const merchant_policy& policy = book.of(chats[c].front().merchant);
      chat_clock clock{policy};
      std::vector<live_turn> turns;
      auto record = [&](const std::vector<alert>& alarms) {
        for (const alert& a : alarms) {
          BOOST_TEST_REQUIRE(!turns.empty());
          auto& slot = a.kind == alert_kind::miss ? turns.back().missed : turns.back().warned;
          BOOST_TEST(!slot[index(a.which)]);  // each alarm once
          slot[index(a.which)] = true;
        }
      };
      for (const event& e : chats[c]) {
        if (e.ts > eval) break;
        record(clock.fire(e.ts));
        auto u = clock.apply(e);
        BOOST_TEST(u.due.empty());
        if (u.what == change::opened) turns.emplace_back();
        if (auto n = clock.next_alarm()) BOOST_TEST(*n > e.ts);
      }
      record(clock.fire(eval));

      const auto results = clock.results(eval);
      const std::string chat = "c" + std::to_string(c);
      const auto it = by_chat.find(chat);
      if (it == by_chat.end()) {
        BOOST_TEST(results.empty());
        continue;
      }
      const chat_result& want = *it->second;
      BOOST_TEST_REQUIRE((results == want.turns), "seed " << seed << " chat " << chat);
      BOOST_TEST_REQUIRE(results.size() == turns.size());
      for (std::size_t i = 0; i < results.size(); ++i) {
        for (threshold k : all_thresholds) {
          const bool missed = results[i].at(k) == outcome::miss;
          BOOST_TEST(turns[i].missed[index(k)] == missed,
                     "seed " << seed << " chat " << chat << " turn " << i << " " << to_string(k));
          misses_seen += missed ? 1 : 0;
        }
        // The reply warning fires once 20 s of service time have passed.
        const bool warn_expected =
            policy.thresholds.reply_ms >= 20'000 && results[i].elapsed_ms >= 20'000;
        BOOST_TEST(turns[i].warned[index(threshold::reply)] == warn_expected,
                   "seed " << seed << " chat " << chat << " turn " << i);
        ++turns_checked;
      }
      live_results.push_back(want);
      live_results.back().turns = results;
    }
    // The live per-turn results aggregate to the replay's report.
    BOOST_TEST((aggregate(live_results) == compute(shuffled, book, as_of)), "seed " << seed);
  }
  BOOST_TEST(turns_checked > 1000u);
  BOOST_TEST(misses_seen > 300u);
}

BOOST_AUTO_TEST_SUITE_END()
