#include "server/core/compliance/matcher.hpp"

#define BOOST_TEST_MODULE compliance_matcher
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cc = kefu::compliance;

namespace {

using hit = std::pair<int, std::size_t>;  // pattern id, end

std::vector<hit> scan(cc::ac_matcher const& m, std::u32string const& text) {
  std::vector<hit> out;
  m.scan(
      text.size(), [&](std::size_t i) { return text[i]; },
      [&](int id, std::size_t end) { out.emplace_back(id, end); });
  std::sort(out.begin(), out.end());
  return out;
}

// Every report of scan(), in the order it makes them (by end).
std::vector<hit> scan_in_order(cc::ac_matcher const& m, std::u32string const& text) {
  std::vector<hit> out;
  m.scan(
      text.size(), [&](std::size_t i) { return text[i]; },
      [&](int id, std::size_t end) { out.emplace_back(id, end); });
  return out;
}

// The same through a cursor fed in `runs` runs, as the normaliser feeds it one segment after
// another: the state carries over from one run to the next. Unsorted: a cursor must report in
// scan()'s order, which the hit filters rely on.
std::vector<hit> feed(cc::ac_matcher const& m, std::u32string const& text, std::size_t runs = 2) {
  std::vector<cc::ac_matcher::match> raw;
  auto cur = m.start(raw);
  std::size_t done = 0;
  for (std::size_t r = 0; r < runs; ++r) {
    std::size_t const next = r + 1 == runs ? text.size() : text.size() * (r + 1) / runs;
    cur.feed_all(text.data() + done, next - done, done);
    done = next;
  }
  std::vector<hit> out;
  for (auto const& r : raw) out.emplace_back(r.pattern, r.end);
  return out;
}

// len characters drawn from alphabet.
std::u32string random_text(std::mt19937& rng, std::u32string const& alphabet, std::size_t len) {
  std::u32string s;
  for (std::size_t i = 0; i < len; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
  return s;
}

// Every occurrence of every pattern, the slow way.
std::vector<hit> naive(std::vector<std::pair<int, std::u32string>> const& pats,
                       std::u32string const& text) {
  std::vector<hit> out;
  for (auto const& [id, p] : pats)
    for (std::size_t e = p.size(); e <= text.size(); ++e)
      if (text.compare(e - p.size(), p.size(), p) == 0) out.emplace_back(id, e);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(finds_overlapping_and_nested_patterns) {
  cc::ac_matcher m;
  int const he = m.add(U"he");
  int const she = m.add(U"she");
  int const hers = m.add(U"hers");
  int const his = m.add(U"his");
  BOOST_TEST(m.add(U"he") == he);  // the same pattern twice is one pattern
  BOOST_TEST(m.add(U"") == -1);
  m.build();
  BOOST_TEST(m.pattern_count() == 4u);
  BOOST_TEST(m.pattern_length(hers) == 4u);
  auto const hits = scan(m, U"ushers his");
  std::vector<hit> const want = {{he, 4}, {she, 4}, {hers, 6}, {his, 10}};
  auto sorted = want;
  std::sort(sorted.begin(), sorted.end());
  BOOST_TEST(hits == sorted);
}

BOOST_AUTO_TEST_CASE(characters_outside_every_pattern_and_astral_ones) {
  cc::ac_matcher m;
  int const wx = m.add(U"微信");
  int const emoji = m.add(U"\U0001F600加");
  m.build();
  BOOST_TEST((scan(m, U"加微x微信") == std::vector<hit>{{wx, 5}}));
  BOOST_TEST((scan(m, U"\U0001F600\U0001F600加") == std::vector<hit>{{emoji, 3}}));
  BOOST_TEST(scan(m, U"").empty());
  BOOST_TEST(scan(m, U"abc").empty());
}

BOOST_AUTO_TEST_CASE(an_unbuilt_or_empty_matcher_finds_nothing) {
  cc::ac_matcher unbuilt;
  BOOST_TEST(scan(unbuilt, U"anything").empty());
  cc::ac_matcher empty;
  empty.build();
  BOOST_TEST(scan(empty, U"anything").empty());
}

// The complete automaton (failure steps folded into one table) against a naive search, on
// random patterns over a small alphabet where failure chains are long and rows overlap.
BOOST_AUTO_TEST_CASE(agrees_with_a_naive_search_on_random_patterns) {
  std::mt19937 rng(20261202);
  std::u32string const alphabet = U"abc微信加\U0001F600";
  auto pick = [&](std::size_t len) { return random_text(rng, alphabet, len); };
  for (int round = 0; round < 200; ++round) {
    cc::ac_matcher m;
    std::vector<std::pair<int, std::u32string>> pats;
    std::set<std::u32string> seen;
    int const n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      auto p = pick(1 + rng() % 6);
      int const id = m.add(p);
      if (seen.insert(p).second) pats.emplace_back(id, p);
    }
    m.build();
    for (int t = 0; t < 20; ++t) {
      auto const text = pick(rng() % 60);
      BOOST_TEST_CONTEXT("round " << round << " text " << t) {
        BOOST_TEST(scan(m, text) == naive(pats, text));
        BOOST_TEST(feed(m, text) == scan_in_order(m, text));
      }
    }
  }
}

// Long runs fed whole or in pieces, with patterns long enough to keep the automaton deep across
// a joint (runs of one letter): the reports, their order and the state carried into the next
// run are those of one scan.
BOOST_AUTO_TEST_CASE(long_runs_report_as_one_scan) {
  std::mt19937 rng(20261203);
  std::u32string const alphabet = U"aab微信加";
  auto pick = [&](std::size_t len) { return random_text(rng, alphabet, len); };
  for (int round = 0; round < 100; ++round) {
    cc::ac_matcher m;
    int const n = 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) m.add(pick(1 + rng() % 8));
    if (round % 3 == 0) m.add(std::u32string(40 + rng() % 60, U'a'));
    if (round % 3 == 1) m.add(U"aaaaaaaaaaaa");
    m.build();
    for (int t = 0; t < 10; ++t) {
      auto text = pick(32 + rng() % 300);
      if (t % 2 == 0)  // a long stretch of one letter
        text.replace(text.size() / 3, text.size() / 3, std::u32string(text.size() / 3, U'a'));
      BOOST_TEST_CONTEXT("round " << round << " text " << t) {
        auto const want = scan_in_order(m, text);
        BOOST_TEST(feed(m, text, 1) == want);
        BOOST_TEST(feed(m, text, 2) == want);
        BOOST_TEST(feed(m, text, 3) == want);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(rows_share_one_table) {
  // 100 patterns "abx" over ten letters: each of the ten first letters has ten children, and
  // each of the hundred "ab" states has its own 'x' plus the ten rows it would fail to ("b…"):
  // 1,200 transitions besides the root's. Rows placed into one array leave few holes.
  cc::ac_matcher m;
  std::u32string const alphabet = U"abcdefghij";
  for (char32_t a : alphabet)
    for (char32_t b : alphabet) m.add(std::u32string{a, b, U'x'});
  m.build();
  BOOST_TEST(m.table_size() >= 1200u);
  BOOST_TEST(m.table_size() < 1350u);  // reporting states sit in a range of their own
  BOOST_TEST((scan(m, U"abxcdx").size() == 2u));
}
