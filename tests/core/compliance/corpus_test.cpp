#include "server/core/compliance/engine.hpp"

#define BOOST_TEST_MODULE compliance_corpus
#include <boost/test/unit_test.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>

// Runs the labelled corpus (tests/data/compliance/corpus.jsonl) through the engine the way the
// server would: one engine per platform, one window per chat, blocked messages kept out of it.
// Prints precision and recall per category; fails below 97 % block recall or above 1 % of
// innocent messages blocked.

namespace cc = kefu::compliance;
namespace json = boost::json;

namespace {

struct counts {
  int tp = 0, fp = 0, fn = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(corpus_precision_recall) {
  std::ifstream in(KEFU_CORPUS_FILE);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " KEFU_CORPUS_FILE);

  std::map<std::string, std::unique_ptr<cc::engine>> engines;
  auto engine_for = [&](std::string const& platform) -> cc::engine const& {
    auto& e = engines[platform];
    if (!e) {
      auto pack = cc::load_rule_pack(KEFU_RULES_DIR_FOR_TESTS, platform);
      BOOST_REQUIRE_MESSAGE(pack, pack.error);
      e = std::make_unique<cc::engine>(*pack);
    }
    return *e;
  };

  std::map<std::string, cc::chat_window> chats;
  std::map<std::string, counts> per_cat;
  int total = 0, expected_block = 0, caught_block = 0, innocent = 0, false_block = 0;
  int action_match = 0, shown = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto const row = json::parse(line).as_object();
    std::string const text(row.at("text").as_string());
    std::string const platform(row.at("platform").as_string());
    auto const role = *cc::parse_role(row.at("role").as_string());
    std::string const expect(row.at("expect").as_string());
    std::set<std::string> want;
    for (auto const& c : row.at("categories").as_array()) want.insert(std::string(c.as_string()));

    cc::chat_window* win = nullptr;
    if (auto const* c = row.if_contains("chat")) win = &chats[std::string(c->as_string())];
    auto const& eng = engine_for(platform);
    auto const v = eng.check(text, role, win);
    if (win && v.act != cc::action::block) win->push(text, role);

    std::set<std::string> got;
    for (auto const& x : v.violations) {
      got.insert(std::string(cc::to_string(x.cat)));
      // Every span maps back to exactly what was typed.
      auto const cps = cc::decode_utf8(text);
      BOOST_CHECK_LE(x.end, cps.size());
      BOOST_CHECK_EQUAL(x.excerpt, cc::encode_utf8(cps.substr(x.start, x.end - x.start)));
    }
    for (auto const& c : want) (got.count(c) ? per_cat[c].tp : per_cat[c].fn)++;
    for (auto const& c : got)
      if (!want.count(c)) per_cat[c].fp++;

    ++total;
    bool const blocked = v.act == cc::action::block;
    if (expect == "block") {
      ++expected_block;
      if (blocked) ++caught_block;
    } else if (blocked) {
      ++false_block;
    }
    if (expect == "allow") ++innocent;
    bool const ok = std::string(cc::to_string(v.act)) == expect && got == want;
    if (ok) ++action_match;
    if (!ok && shown++ < 60)
      std::printf("MISMATCH id=%lld expect=%s got=%s text=%s verdict=%s\n",
                  static_cast<long long>(row.at("id").as_int64()), expect.c_str(),
                  std::string(cc::to_string(v.act)).c_str(), text.c_str(), cc::to_json(v).c_str());
  }

  std::printf("\ncorpus: %d messages, %d expected block, %d innocent\n", total, expected_block,
              innocent);
  std::printf("%-14s %9s %9s %5s %5s %5s\n", "category", "precision", "recall", "tp", "fp", "fn");
  for (auto const& [cat, c] : per_cat) {
    double const p = c.tp + c.fp ? double(c.tp) / (c.tp + c.fp) : 1.0;
    double const r = c.tp + c.fn ? double(c.tp) / (c.tp + c.fn) : 1.0;
    std::printf("%-14s %9.3f %9.3f %5d %5d %5d\n", cat.c_str(), p, r, c.tp, c.fp, c.fn);
  }
  double const block_recall = expected_block ? double(caught_block) / expected_block : 1.0;
  double const false_block_rate =
      (total - expected_block) ? double(false_block) / (total - expected_block) : 0.0;
  std::printf("block recall %.4f (%d/%d), false blocks %.4f (%d/%d), exact verdicts %d/%d\n",
              block_recall, caught_block, expected_block, false_block_rate, false_block,
              total - expected_block, action_match, total);
  BOOST_CHECK_GE(total, 600);
  BOOST_CHECK_GE(block_recall, 0.97);
  BOOST_CHECK_LE(false_block_rate, 0.01);
}
