#include "server/core/qa/sampling.hpp"

#define BOOST_TEST_MODULE qa_sampling
#include <boost/test/unit_test.hpp>

#include <boost/json/value_from.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace kefu::qa;
namespace json = boost::json;

namespace {

std::string chat_id(int i) {
  std::string s = "c";
  if (i < 10) s += '0';
  return s + std::to_string(i);
}

std::vector<candidate> plain(int n) {
  std::vector<candidate> v;
  for (int i = 0; i < n; ++i) v.push_back({chat_id(i), "a1"});
  return v;
}

sample_params params(strategy s, std::size_t size, std::uint64_t seed) {
  return {s, size, seed};
}

using strings = std::vector<std::string>;

// Sum over cells of (observed - expected)^2 / expected.
double chi_square(const std::map<std::string, int>& counts, double expected) {
  double x = 0;
  for (const auto& [k, n] : counts) x += (n - expected) * (n - expected) / expected;
  return x;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(generator)

// The values below come from an independent reference implementation of
// splitmix64 and xoshiro256**; they pin the stream so a sample drawn today
// can be redrawn on any machine later.
BOOST_AUTO_TEST_CASE(splitmix64_and_xoshiro_reference_values) {
  std::uint64_t state = 0;
  BOOST_TEST(splitmix64(state) == 0xe220a8397b1dcdafULL);

  rng zero(0);
  BOOST_TEST(zero.next() == 0x99ec5f36cb75f2b4ULL);
  BOOST_TEST(zero.next() == 0xbf6e1f784956452aULL);
  BOOST_TEST(zero.next() == 0x1a5f849d4933e6e0ULL);

  rng r42(42);
  BOOST_TEST(r42.next() == 0x15780b2e0c2ec716ULL);
  BOOST_TEST(r42.next() == 0x6104d9866d113a7eULL);
  BOOST_TEST(r42.next() == 0xae17533239e499a1ULL);
}

BOOST_AUTO_TEST_CASE(bounded_draw_stays_in_range) {
  rng r(7);
  BOOST_TEST(r.below(0) == 0u);
  BOOST_TEST(r.below(1) == 0u);
  for (std::uint64_t n : {2ULL, 3ULL, 10ULL, 1000003ULL, (1ULL << 63) + 1, ~0ULL}) {
    for (int i = 0; i < 200; ++i) BOOST_TEST(r.below(n) < n);
  }
}

BOOST_AUTO_TEST_CASE(bounded_draw_is_uniform) {
  // Fixed seed: the statistic is a fixed number, so this cannot flake; the
  // bound is the 99.99th percentile of chi-square with 6 degrees of freedom.
  rng r(2024);
  std::map<std::string, int> counts;
  for (int i = 0; i < 70'000; ++i) ++counts[std::to_string(r.below(7))];
  BOOST_TEST(counts.size() == 7u);
  BOOST_TEST(chi_square(counts, 10'000) < 27.9);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(strategies)

BOOST_AUTO_TEST_CASE(parse_and_print) {
  for (auto s : {strategy::random, strategy::per_agent, strategy::risk})
    BOOST_TEST((parse_strategy(to_string(s)) == s));
  BOOST_TEST(to_string(strategy::per_agent) == "per_agent");
  BOOST_TEST(!parse_strategy("per-agent"));
  BOOST_TEST(!parse_strategy("Random"));
  BOOST_TEST(!parse_strategy(""));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(random_strategy)

BOOST_AUTO_TEST_CASE(reference_sample) {
  // Also computed by the reference implementation.
  BOOST_TEST(
      draw(plain(10), params(strategy::random, 4, 42)) == (strings{"c02", "c01", "c03", "c07"}),
      boost::test_tools::per_element());
  BOOST_TEST(
      draw(plain(10), params(strategy::random, 4, 7)) == (strings{"c04", "c06", "c08", "c00"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(same_seed_same_sample_whatever_the_input_order) {
  auto a = plain(50);
  auto b = a;
  std::reverse(b.begin(), b.end());
  auto c = a;
  std::rotate(c.begin(), c.begin() + 17, c.end());
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, ~0ULL}) {
    const auto sa = draw(a, params(strategy::random, 20, seed));
    BOOST_TEST(sa == draw(b, params(strategy::random, 20, seed)), boost::test_tools::per_element());
    BOOST_TEST(sa == draw(c, params(strategy::random, 20, seed)), boost::test_tools::per_element());
    BOOST_TEST(sa == draw(a, params(strategy::random, 20, seed)), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(different_seeds_different_samples) {
  const auto cands = plain(50);
  std::set<strings> seen;
  for (std::uint64_t seed = 1; seed <= 20; ++seed)
    seen.insert(draw(cands, params(strategy::random, 10, seed)));
  BOOST_TEST(seen.size() == 20u);
  BOOST_TEST(draw(cands, params(strategy::random, 10, 1)) !=
             draw(cands, params(strategy::random, 10, 2)));
}

BOOST_AUTO_TEST_CASE(without_replacement_and_sized) {
  const auto cands = plain(30);
  const auto s = draw(cands, params(strategy::random, 12, 5));
  BOOST_TEST(s.size() == 12u);
  BOOST_TEST(std::set<std::string>(s.begin(), s.end()).size() == 12u);
  for (const auto& id : s) BOOST_TEST((id.size() == 3 && id[0] == 'c' && id < "c30"));

  const auto all = draw(cands, params(strategy::random, 1000, 5));
  BOOST_TEST(all.size() == 30u);
  BOOST_TEST(std::set<std::string>(all.begin(), all.end()).size() == 30u);
  // Drawing everything still shuffles.
  strings sorted_ids;
  for (const auto& c : cands) sorted_ids.push_back(c.chat);
  BOOST_TEST(all != sorted_ids);

  BOOST_TEST(draw(cands, params(strategy::random, 0, 5)).empty());
  BOOST_TEST(draw({}, params(strategy::random, 10, 5)).empty());
}

BOOST_AUTO_TEST_CASE(a_repeated_chat_counts_once) {
  auto cands = plain(5);
  cands.push_back({"c02", "a9"});
  cands.push_back({"c04", "a9"});
  const auto s = draw(cands, params(strategy::random, 10, 3));
  BOOST_TEST(s.size() == 5u);
  BOOST_TEST(std::set<std::string>(s.begin(), s.end()).size() == 5u);
}

BOOST_AUTO_TEST_CASE(every_candidate_equally_likely) {
  // 3000 fixed seeds, 3 of 10 each: 900 expected per candidate. Fixed seeds
  // make the statistic a constant; the bound is the 99.99th percentile of
  // chi-square with 9 degrees of freedom, so a biased draw fails while a
  // fair one passes by a wide margin.
  const auto cands = plain(10);
  std::map<std::string, int> chosen, first;
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    const auto s = draw(cands, params(strategy::random, 3, seed));
    BOOST_REQUIRE(s.size() == 3u);
    for (const auto& id : s) ++chosen[id];
    ++first[s.front()];
  }
  BOOST_TEST(chosen.size() == 10u);
  BOOST_TEST(chi_square(chosen, 900) < 33.7);
  // The draw order is uniform too: every candidate comes first equally often.
  BOOST_TEST(first.size() == 10u);
  BOOST_TEST(chi_square(first, 300) < 33.7);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(per_agent_quotas)

using counts = std::map<std::string, std::size_t>;

BOOST_AUTO_TEST_CASE(equal_shares) {
  BOOST_TEST(
      (agent_quotas({{"a", 10}, {"b", 10}, {"c", 10}}, 9) == counts{{"a", 3}, {"b", 3}, {"c", 3}}));
}

BOOST_AUTO_TEST_CASE(remainder_to_agents_with_most_chats) {
  // 5 over three agents: 1 each, the 2 left to b (9 chats) and c (7 chats).
  BOOST_TEST(
      (agent_quotas({{"a", 4}, {"b", 9}, {"c", 7}}, 5) == counts{{"a", 1}, {"b", 2}, {"c", 2}}));
}

BOOST_AUTO_TEST_CASE(remainder_ties_by_agent_id) {
  // b and c have the most chats; one left over goes to b, the smaller id.
  BOOST_TEST(
      (agent_quotas({{"a", 5}, {"b", 8}, {"c", 8}}, 10) == counts{{"a", 3}, {"b", 4}, {"c", 3}}));
  // All equal: the remainder goes by id.
  BOOST_TEST(
      (agent_quotas({{"x", 6}, {"y", 6}, {"z", 6}}, 8) == counts{{"x", 3}, {"y", 3}, {"z", 2}}));
}

BOOST_AUTO_TEST_CASE(shortfall_moves_to_the_others) {
  // a can give 1 of its 3; the 2 missing are shared by b and c.
  BOOST_TEST(
      (agent_quotas({{"a", 1}, {"b", 10}, {"c", 10}}, 9) == counts{{"a", 1}, {"b", 4}, {"c", 4}}));
  // Two rounds: a and b fall short of 3, c and d share the 9 left, c first by id.
  BOOST_TEST((agent_quotas({{"a", 1}, {"b", 2}, {"c", 10}, {"d", 10}}, 12) ==
              counts{{"a", 1}, {"b", 2}, {"c", 5}, {"d", 4}}));
  // An agent that can just fill its share, next to one that cannot.
  BOOST_TEST(
      (agent_quotas({{"a", 2}, {"b", 3}, {"c", 9}}, 10) == counts{{"a", 2}, {"b", 3}, {"c", 5}}));
  // The shortfall reaches an agent only in the second round.
  BOOST_TEST((agent_quotas({{"a", 1}, {"b", 4}, {"c", 4}, {"d", 30}}, 16) ==
              counts{{"a", 1}, {"b", 4}, {"c", 4}, {"d", 7}}));
}

BOOST_AUTO_TEST_CASE(size_at_or_beyond_everything) {
  BOOST_TEST((agent_quotas({{"a", 2}, {"b", 3}}, 5) == counts{{"a", 2}, {"b", 3}}));
  BOOST_TEST((agent_quotas({{"a", 2}, {"b", 3}}, 50) == counts{{"a", 2}, {"b", 3}}));
  BOOST_TEST((agent_quotas({{"a", 2}, {"b", 3}}, 0) == counts{{"a", 0}, {"b", 0}}));
  BOOST_TEST(agent_quotas({}, 5).empty());
}

BOOST_AUTO_TEST_CASE(fewer_chats_wanted_than_agents) {
  BOOST_TEST((agent_quotas({{"a", 1}, {"b", 5}, {"c", 2}, {"d", 5}}, 2) ==
              counts{{"a", 0}, {"b", 1}, {"c", 0}, {"d", 1}}));
}

BOOST_AUTO_TEST_CASE(quotas_always_sum_to_what_can_be_drawn) {
  rng r(99);
  for (int round = 0; round < 500; ++round) {
    counts c;
    const int agents = 1 + static_cast<int>(r.below(6));
    std::size_t total = 0;
    for (int a = 0; a < agents; ++a) {
      const std::size_t n = 1 + r.below(12);
      c["a" + std::to_string(a)] = n;
      total += n;
    }
    const std::size_t size = r.below(60);
    const auto q = agent_quotas(c, size);
    std::size_t sum = 0;
    for (const auto& [agent, n] : q) {
      BOOST_TEST(n <= c.at(agent));
      sum += n;
    }
    BOOST_TEST(sum == std::min(size, total));
    // Equal shares: an agent below another's quota has given all it has.
    for (const auto& [x, nx] : q)
      for (const auto& [y, ny] : q)
        if (nx + 1 < ny) BOOST_TEST(nx == c.at(x));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(per_agent_draw)

std::vector<candidate> twelve() {
  // c00..c08 by agents a0, a1, a2 in turn; c09..c11 never assigned.
  std::vector<candidate> v;
  for (int i = 0; i < 12; ++i) v.push_back({chat_id(i), i < 9 ? "a" + std::to_string(i % 3) : ""});
  return v;
}

BOOST_AUTO_TEST_CASE(reference_sample) {
  BOOST_TEST(draw(twelve(), params(strategy::per_agent, 5, 42)) ==
                 (strings{"c00", "c03", "c07", "c01", "c05"}),
             boost::test_tools::per_element());
  // Agents by id; the chats no agent ever held are no candidates at all, for any strategy.
  BOOST_TEST(draw(twelve(), params(strategy::per_agent, 12, 42)) ==
                 (strings{"c00", "c03", "c06", "c07", "c01", "c04", "c05", "c02", "c08"}),
             boost::test_tools::per_element());
  for (auto s : {strategy::random, strategy::risk}) {
    auto const all = draw(twelve(), params(s, 12, 42));
    BOOST_TEST(all.size() == 9u);
    for (auto const& id : all) BOOST_TEST(id < "c09");
  }
}

BOOST_AUTO_TEST_CASE(quotas_are_honoured_and_agents_listed_by_id) {
  std::vector<candidate> cands;
  const std::map<std::string, int> per_agent{{"zoe", 3}, {"amy", 20}, {"bob", 7}, {"kim", 1}};
  int k = 0;
  for (const auto& [agent, n] : per_agent)
    for (int i = 0; i < n; ++i) cands.push_back({"chat" + std::to_string(1000 + k++), agent});
  std::map<std::string, std::string> owner;
  for (const auto& c : cands) owner[c.chat] = c.agent;

  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const auto s = draw(cands, params(strategy::per_agent, 14, seed));
    BOOST_REQUIRE(s.size() == 14u);
    std::map<std::string, std::size_t> got;
    std::vector<std::string> order;
    for (const auto& id : s) {
      const std::string& a = owner.at(id);
      if (order.empty() || order.back() != a) order.push_back(a);
      ++got[a];
    }
    // kim gives 1, zoe 3; amy and bob share the 10 left: 5 each.
    BOOST_TEST((
        got == std::map<std::string, std::size_t>{{"amy", 5}, {"bob", 5}, {"kim", 1}, {"zoe", 3}}));
    BOOST_TEST((order == strings{"amy", "bob", "kim", "zoe"}));
    BOOST_TEST(std::set<std::string>(s.begin(), s.end()).size() == 14u);
  }
}

BOOST_AUTO_TEST_CASE(each_quota_is_uniform) {
  // One agent with 10 chats among three agents; over many seeds each of its
  // chats is drawn about equally often.
  std::vector<candidate> cands;
  for (int i = 0; i < 10; ++i) cands.push_back({chat_id(i), "a"});
  for (int i = 10; i < 20; ++i) cands.push_back({chat_id(i), "b"});
  for (int i = 20; i < 30; ++i) cands.push_back({chat_id(i), "c"});
  std::map<std::string, int> chosen;
  for (std::uint64_t seed = 1; seed <= 2000; ++seed)
    for (const auto& id : draw(cands, params(strategy::per_agent, 6, seed)))
      if (id < "c10") ++chosen[id];
  BOOST_TEST(chosen.size() == 10u);
  BOOST_TEST(chi_square(chosen, 400) < 33.7);
}

BOOST_AUTO_TEST_CASE(reproducible_and_seed_dependent) {
  const auto cands = twelve();
  BOOST_TEST(draw(cands, params(strategy::per_agent, 6, 11)) ==
             draw(cands, params(strategy::per_agent, 6, 11)));
  std::set<strings> seen;
  for (std::uint64_t seed = 1; seed <= 10; ++seed)
    seen.insert(draw(cands, params(strategy::per_agent, 6, seed)));
  BOOST_TEST(seen.size() > 5u);
}

BOOST_AUTO_TEST_CASE(no_agent_at_all) {
  std::vector<candidate> cands{{"x1", ""}, {"x2", ""}, {"x3", ""}};
  // Chats no agent held are no candidates: nothing to draw.
  for (auto st : {strategy::per_agent, strategy::random, strategy::risk})
    BOOST_TEST(draw(cands, params(st, 2, 1)).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(risk_strategy)

BOOST_AUTO_TEST_CASE(score_counts_every_occurrence) {
  BOOST_TEST(risk_score(candidate{"c", "a"}) == 0);
  candidate c{"c", "a"};
  c.blocked = 2;
  c.warned = 1;
  c.rating = "unsatisfied";
  c.first_response_miss = true;
  c.r3_misses = 3;
  BOOST_TEST(risk_score(c) == 3 * 2 + 2 * 1 + 2 + 1 + 3);
  c.rating = "neutral";
  BOOST_TEST(risk_score(c) == 12);
  c.rating = "satisfied";
  BOOST_TEST(risk_score(c) == 12);
  candidate bad{"c", "a", -5, -1, std::nullopt, false, -2};
  BOOST_TEST(risk_score(bad) == 0);
  candidate huge{"c", "a", 2'000'000'000, 2'000'000'000, std::nullopt, true, 2'000'000'000};
  BOOST_TEST(risk_score(huge) == 2147483647);
}

std::vector<candidate> scored() {
  // Scores by chat: c00 0, c01 3, c02 2, c03 3, c04 0, c05 5, c06 1, c07 0, c08 2, c09 3.
  std::vector<candidate> v(10);
  for (int i = 0; i < 10; ++i) v[i] = {chat_id(i), "a"};
  v[1].blocked = 1;
  v[2].warned = 1;
  v[3].blocked = 1;
  v[5].blocked = 1;
  v[5].warned = 1;
  v[6].r3_misses = 1;
  v[8].rating = "unsatisfied";
  v[9].first_response_miss = true;
  v[9].warned = 1;
  return v;
}

BOOST_AUTO_TEST_CASE(reference_sample) {
  BOOST_TEST(draw(scored(), params(strategy::risk, 10, 42)) ==
                 (strings{"c05", "c01", "c03", "c09", "c08", "c02", "c06", "c07", "c04", "c00"}),
             boost::test_tools::per_element());
  BOOST_TEST(draw(scored(), params(strategy::risk, 6, 42)) ==
                 (strings{"c05", "c01", "c03", "c09", "c08", "c02"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(highest_first_for_every_seed) {
  const auto cands = scored();
  std::map<std::string, int> score;
  for (const auto& c : cands) score[c.chat] = risk_score(c);
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    const auto s = draw(cands, params(strategy::risk, 10, seed));
    BOOST_REQUIRE(s.size() == 10u);
    for (std::size_t i = 1; i < s.size(); ++i) BOOST_TEST(score[s[i - 1]] >= score[s[i]]);
    BOOST_TEST(s.front() == "c05");
  }
}

BOOST_AUTO_TEST_CASE(ties_in_seeded_random_order) {
  const auto cands = scored();
  std::set<strings> tie_orders;
  std::map<std::string, int> picked_at_cut;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const auto s = draw(cands, params(strategy::risk, 4, seed));
    BOOST_REQUIRE(s.size() == 4u);
    BOOST_TEST(s[0] == "c05");
    tie_orders.insert(strings(s.begin() + 1, s.end()));
    // Same seed, same order.
    BOOST_TEST(s == draw(cands, params(strategy::risk, 4, seed)));
    // Size 2 cuts through the score-3 group: which one is drawn is random.
    ++picked_at_cut[draw(cands, params(strategy::risk, 2, seed))[1]];
  }
  // All 3! orders of the three chats scoring 3 occur.
  BOOST_TEST(tie_orders.size() == 6u);
  for (const auto& o : tie_orders) {
    BOOST_TEST(
        (std::set<std::string>(o.begin(), o.end()) == std::set<std::string>{"c01", "c03", "c09"}));
  }
  BOOST_TEST(picked_at_cut.size() == 3u);
  for (const auto& [id, n] : picked_at_cut) BOOST_TEST(n > 60);
}

BOOST_AUTO_TEST_CASE(zero_scores_fill_the_rest_at_random) {
  const auto cands = scored();
  std::map<std::string, int> filler;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const auto s = draw(cands, params(strategy::risk, 8, seed));
    BOOST_REQUIRE(s.size() == 8u);
    BOOST_TEST((std::set<std::string>(s.begin(), s.begin() + 7) ==
                std::set<std::string>{"c05", "c01", "c03", "c09", "c02", "c08", "c06"}));
    ++filler[s[7]];
  }
  BOOST_TEST(filler.size() == 3u);  // c00, c04, c07
  for (const auto& [id, n] : filler) BOOST_TEST(n > 60);
}

BOOST_AUTO_TEST_CASE(two_warnings_outrank_one_block) {
  std::vector<candidate> cands(2);
  cands[0] = {"one_block", "a"};
  cands[0].blocked = 1;
  cands[1] = {"two_warnings", "a"};
  cands[1].warned = 2;
  for (std::uint64_t seed = 0; seed < 10; ++seed)
    BOOST_TEST(draw(cands, params(strategy::risk, 1, seed)) == strings{"two_warnings"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request)

BOOST_AUTO_TEST_CASE(reads_the_body) {
  const json::object body{{"merchant", "m1"}, {"from", 1},          {"to", 2},
                          {"size", 50},       {"strategy", "risk"}, {"seed", 42}};
  const auto p = parse_sample_params(body, 7);
  BOOST_REQUIRE(p.ok());
  BOOST_TEST((p->strat == strategy::risk));
  BOOST_TEST(p->size == 50u);
  BOOST_TEST(p->seed == 42u);
}

BOOST_AUTO_TEST_CASE(defaults) {
  const auto p = parse_sample_params(json::object{{"size", 3}}, 7);
  BOOST_REQUIRE(p.ok());
  BOOST_TEST((p->strat == strategy::random));
  BOOST_TEST(p->seed == 7u);
  const auto q = parse_sample_params(json::object{{"size", 3.0}, {"seed", nullptr}}, 9);
  BOOST_REQUIRE(q.ok());
  BOOST_TEST(q->size == 3u);
  BOOST_TEST(q->seed == 9u);
}

BOOST_AUTO_TEST_CASE(seeds_cover_64_bits) {
  auto p = parse_sample_params(json::object{{"size", 1}, {"seed", -1}}, 0);
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->seed == ~0ULL);
  p = parse_sample_params(json::object{{"size", 1}, {"seed", 18446744073709551615ULL}}, 0);
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->seed == ~0ULL);
}

BOOST_AUTO_TEST_CASE(errors) {
  const auto bad = [](json::object o) { return !parse_sample_params(o, 0).ok(); };
  BOOST_TEST(bad({}));
  BOOST_TEST(bad({{"size", -1}}));
  BOOST_TEST(bad({{"size", 2.5}}));
  BOOST_TEST(bad({{"size", "50"}}));
  BOOST_TEST(bad({{"size", 5}, {"strategy", "everyone"}}));
  BOOST_TEST(bad({{"size", 5}, {"strategy", 1}}));
  BOOST_TEST(bad({{"size", 5}, {"seed", "42"}}));
  BOOST_TEST(bad({{"size", 5}, {"seed", 0.5}}));
  const auto r = parse_sample_params(json::object{{"size", 5}, {"strategy", "x"}}, 0);
  BOOST_TEST(r.message().find("per_agent") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_forms) {
  const json::value v = json::value_from(sample_params{strategy::per_agent, 50, 42});
  BOOST_TEST(v.at("strategy").as_string() == "per_agent");
  BOOST_TEST(v.at("size").to_number<int>() == 50);
  BOOST_TEST(v.at("seed").to_number<std::uint64_t>() == 42u);
  // What is stored parses back to the same parameters.
  const auto back = parse_sample_params(v.as_object(), 0);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((back->strat == strategy::per_agent && back->size == 50u && back->seed == 42u));

  candidate c{"c1", "a1", 1, 0, std::string("unsatisfied"), true, 0};
  const json::value cv = json::value_from(c);
  BOOST_TEST(cv.at("risk").as_int64() == 6);
  BOOST_TEST(cv.at("rating").as_string() == "unsatisfied");
  BOOST_TEST(json::value_from(candidate{"c2"}).at("rating").is_null());
}

BOOST_AUTO_TEST_SUITE_END()
