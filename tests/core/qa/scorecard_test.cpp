#include "server/core/qa/scorecard.hpp"

#define BOOST_TEST_MODULE qa_scorecard
#include <boost/test/unit_test.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <string>

using namespace kefu::qa;
namespace json = boost::json;
namespace tt = boost::test_tools;

namespace {

// A small card: two auto criteria and one manual, 20 points in all.
scorecard small_card() {
  return {"s1",
          "m1",
          {{"fr", "首次响应", 5, criterion_kind::automatic, "first_response", ""},
           {"sat", "满意度", 5, criterion_kind::automatic, "rating", ""},
           {"courtesy", "服务态度", 10, criterion_kind::manual, "", ""}}};
}

std::string parse_error(std::string_view text) {
  auto r = parse_scorecard_text(text);
  return r.ok() ? std::string() : r.message();
}

bool mentions(const std::string& message, std::string_view what) {
  return message.find(what) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cards)

BOOST_AUTO_TEST_CASE(default_card) {
  const scorecard d = default_scorecard();
  BOOST_TEST(d.id == "default");
  BOOST_TEST(d.total_points() == 100.0);
  BOOST_TEST(!check_scorecard(d));
  std::set<std::string> keys, names;
  for (const auto& c : d.criteria) {
    if (c.kind == criterion_kind::automatic) keys.insert(c.auto_key);
    names.insert(c.name);
  }
  // Every automatic measure is on it, once.
  BOOST_TEST(keys.size() == auto_keys.size());
  for (const char* n : {"开头语规范", "首次响应≤60秒", "30秒应答率", "无违规用语", "结束语规范",
                        "客户满意度", "服务态度", "解答准确", "问题解决", "销售技巧"})
    BOOST_TEST(names.count(n) == 1u, n);
  BOOST_REQUIRE(d.find("no_violation"));
  BOOST_TEST(d.find("no_violation")->auto_key == "no_violation");
  BOOST_TEST(!d.find("nope"));
}

BOOST_AUTO_TEST_CASE(kinds) {
  BOOST_TEST(to_string(criterion_kind::automatic) == "auto");
  BOOST_TEST(to_string(criterion_kind::manual) == "manual");
  BOOST_TEST((parse_criterion_kind("auto") == criterion_kind::automatic));
  BOOST_TEST(!parse_criterion_kind("automatic"));
  BOOST_TEST(known_auto_key("reply_30s_share"));
  BOOST_TEST(!known_auto_key("reply_30s"));
}

BOOST_AUTO_TEST_CASE(json_round_trip) {
  const scorecard d = default_scorecard();
  const json::value v = json::value_from(d);
  BOOST_TEST(v.at("criteria").as_array().size() == d.criteria.size());
  BOOST_TEST(v.at("criteria").as_array()[0].at("kind").as_string() == "auto");
  BOOST_TEST(v.at("criteria").as_array()[0].at("auto_key").as_string() == "greeting");
  BOOST_TEST(!v.at("criteria").as_array().back().as_object().contains("auto_key"));
  const auto back = parse_scorecard(v);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((*back == d));
  // The non-throwing conversions agree.
  const auto r = json::try_value_to<scorecard>(v);
  BOOST_REQUIRE(!r.has_error());
  BOOST_TEST((*r == d));
  BOOST_TEST(json::try_value_to<scorecard>(json::value(3)).has_error());
  const auto c = json::try_value_to<criterion>(v.at("criteria").as_array()[1]);
  BOOST_REQUIRE(!c.has_error());
  BOOST_TEST((*c == d.criteria[1]));
}

BOOST_AUTO_TEST_CASE(parses_a_provider_card) {
  const auto r = parse_scorecard_text(R"({"merchant": "m7", "criteria": [
      {"id": "greet", "name": "开头语", "points": 2.5, "kind": "auto", "auto_key": "greeting"},
      {"id": "solve", "name": "问题解决", "points": 7, "kind": "manual", "description": "…"}]})");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->id.empty());
  BOOST_TEST(r->merchant == "m7");
  BOOST_TEST(r->total_points() == 9.5);
  BOOST_TEST(r->criteria[1].description == "…");
}

BOOST_AUTO_TEST_CASE(clear_errors) {
  BOOST_TEST(mentions(parse_error("{"), "not JSON"));
  BOOST_TEST(mentions(parse_error("[]"), "object"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": {}})"), "criteria must be an array"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": []})"), "at least one"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [1]})"), "criteria[0]: must be an object"));
  const std::string dup = parse_error(R"({"criteria": [
      {"id": "a", "name": "A", "points": 1, "kind": "manual"},
      {"id": "a", "name": "B", "points": 1, "kind": "manual"}]})");
  BOOST_TEST(mentions(dup, "criteria[1] (\"a\"): duplicate id"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [
      {"id": "a", "name": "A", "points": 0, "kind": "manual"}]})"),
                      "points must be > 0"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [
      {"id": "a", "name": "A", "points": -3, "kind": "manual"}]})"),
                      "points must be > 0"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [
      {"id": "a", "name": "A", "points": "5", "kind": "manual"}]})"),
                      "points must be a number"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [
      {"id": "a", "name": "A", "points": 5, "kind": "auto", "auto_key": "speed"}]})"),
                      "auto_key must be one of"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [
      {"id": "a", "name": "A", "points": 5, "kind": "auto"}]})"),
                      "auto_key must be one of"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [
      {"id": "a", "name": "A", "points": 5, "kind": "manual", "auto_key": "rating"}]})"),
                      "only applies to auto"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [
      {"id": "a", "name": "A", "points": 5, "kind": "auto", "auto_key": "rating"},
      {"id": "b", "name": "B", "points": 5, "kind": "auto", "auto_key": "rating"}]})"),
                      "already used"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [
      {"id": "a", "name": "A", "points": 5, "kind": "bonus"}]})"),
                      "kind must be"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [
      {"id": "a b", "name": "A", "points": 5, "kind": "manual"}]})"),
                      "id must be"));
  BOOST_TEST(mentions(parse_error(R"({"criteria": [
      {"id": "a", "name": " ", "points": 5, "kind": "manual"}]})"),
                      "name is required"));
  BOOST_TEST(mentions(parse_error(R"({"id": 5, "criteria": []})"), "id must be a string"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(automatic_scores)

BOOST_AUTO_TEST_CASE(all_met) {
  transcript_facts f;
  f.greeting_followed = true;
  f.first_response_hit = true;
  f.reply_30s_share = 1.0;
  f.closing_used = true;
  f.rating = "satisfied";
  const auto s = auto_scores(default_scorecard(), f);
  BOOST_TEST(s.size() == 6u);
  BOOST_TEST(s.at("greeting") == 10.0);
  BOOST_TEST(s.at("first_response") == 10.0);
  BOOST_TEST(s.at("reply_30s") == 10.0);
  BOOST_TEST(s.at("no_violation") == 15.0);
  BOOST_TEST(s.at("closing") == 5.0);
  BOOST_TEST(s.at("rating") == 10.0);
  BOOST_TEST(!s.count("courtesy"));
}

BOOST_AUTO_TEST_CASE(unmet_and_partial) {
  transcript_facts f;
  f.greeting_followed = false;
  f.first_response_hit = false;
  f.reply_30s_share = 0.75;
  f.warned = 1;
  f.closing_used = false;
  f.rating = "neutral";
  const auto s = auto_scores(default_scorecard(), f);
  BOOST_TEST(s.at("greeting") == 0.0);
  BOOST_TEST(s.at("first_response") == 0.0);
  BOOST_TEST(s.at("reply_30s") == 7.5, tt::tolerance(1e-12));
  BOOST_TEST(s.at("no_violation") == 0.0);
  BOOST_TEST(s.at("closing") == 0.0);
  BOOST_TEST(s.at("rating") == 5.0);

  f.warned = 0;
  f.blocked = 2;
  f.rating = "unsatisfied";
  const auto t = auto_scores(default_scorecard(), f);
  BOOST_TEST(t.at("no_violation") == 0.0);
  BOOST_TEST(t.at("rating") == 0.0);
}

BOOST_AUTO_TEST_CASE(not_applicable_earns_full_points_but_no_rating_earns_none) {
  const transcript_facts f;  // everything unknown, no rating
  const auto s = auto_scores(default_scorecard(), f);
  BOOST_TEST(s.at("greeting") == 10.0);
  BOOST_TEST(s.at("first_response") == 10.0);
  BOOST_TEST(s.at("reply_30s") == 10.0);
  BOOST_TEST(s.at("no_violation") == 15.0);
  BOOST_TEST(s.at("closing") == 5.0);
  BOOST_TEST(s.at("rating") == 0.0);
}

BOOST_AUTO_TEST_CASE(share_is_clamped) {
  const criterion c{"r", "r", 10, criterion_kind::automatic, "reply_30s_share", ""};
  transcript_facts f;
  f.reply_30s_share = 1.5;
  BOOST_TEST(auto_score(c, f) == 10.0);
  f.reply_30s_share = -0.2;
  BOOST_TEST(auto_score(c, f) == 0.0);
  f.reply_30s_share = std::numeric_limits<double>::quiet_NaN();
  BOOST_TEST(auto_score(c, f) == 0.0);
  f.reply_30s_share = 1.0 / 3;
  BOOST_TEST(auto_score(c, f) == 10.0 / 3, tt::tolerance(1e-12));
  // Manual criteria have no automatic score.
  BOOST_TEST(auto_score({"m", "m", 10, criterion_kind::manual, "", ""}, f) == 0.0);
  transcript_facts odd;
  odd.rating = "great";
  BOOST_TEST(auto_score({"x", "x", 4, criterion_kind::automatic, "rating", ""}, odd) == 0.0);
}

BOOST_AUTO_TEST_CASE(facts_as_json) {
  transcript_facts f;
  f.first_response_hit = false;
  f.reply_30s_share = 0.5;
  f.warned = 2;
  const json::value v = json::value_from(f);
  BOOST_TEST(v.at("greeting_followed").is_null());
  BOOST_TEST(v.at("first_response_hit").as_bool() == false);
  BOOST_TEST(v.at("reply_30s_share").as_double() == 0.5);
  BOOST_TEST(v.at("warned").as_int64() == 2);
  BOOST_TEST(v.at("rating").is_null());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(phrases)

BOOST_AUTO_TEST_CASE(closing_phrase_tolerates_punctuation_and_spacing) {
  const std::string closing = "请问还有其他需求需要咨询吗？";
  BOOST_TEST(closing_used(closing, {"好的", "请问还有其他需求需要咨询吗？"}));
  BOOST_TEST(closing_used(closing, {"请问还有其他需求 需要咨询吗"}));
  BOOST_TEST(closing_used(closing, {"请问，还有其他需求需要咨询吗?😊"}));
  BOOST_TEST(closing_used(closing, {"已为您处理好了。请问还有其他需求需要咨询吗？感谢您的耐心"}));
  BOOST_TEST(!closing_used(closing, {"请问还有其他问题吗？"}));
  BOOST_TEST(!closing_used(closing, {}));
  BOOST_TEST(!closing_used("", {"请问还有其他需求需要咨询吗"}));
  BOOST_TEST(!closing_used("！？", {"请问还有其他需求需要咨询吗"}));
}

// A closing split over consecutive messages counts, and so do the seed's 其他需求 and the
// packs' 其他问题 for each other; a question alone does not complete a two-part closing.
BOOST_AUTO_TEST_CASE(closing_split_or_reworded) {
  const std::string closing = "请问还有其他问题需要咨询吗？感谢您的咨询，祝您生活愉快！";
  BOOST_TEST(closing_used(
      closing, {"好的", "请问还有其他问题需要咨询吗？", "感谢您的咨询，祝您生活愉快！"}));
  BOOST_TEST(closing_used(closing, {"请问还有其他需求需要咨询吗？感谢您的咨询，祝您生活愉快！"}));
  BOOST_TEST(!closing_used(closing, {"请问还有其他问题需要咨询吗？"}));
  // Typed in 繁體, and a 繁體 template, match all the same.
  BOOST_TEST(
      closing_used(closing, {"請問還有其他問題需要諮詢嗎？", "感謝您的諮詢，祝您生活愉快！"}));
  BOOST_TEST(closing_used("請問還有其他需求需要諮詢嗎？", {"请问还有其他需求需要咨询吗"}));
  BOOST_TEST(!closing_used(
      closing, {"请问还有其他问题需要咨询吗？", "好的", "稍等", "感谢您的咨询，祝您生活愉快！"}));
}

BOOST_AUTO_TEST_CASE(placeholders_and_widths) {
  const std::string greeting = "您好！{merchant}，请问有什么可以帮您？";
  BOOST_TEST(follows_template(greeting, "您好！小米旗舰店，请问有什么可以帮您？"));
  BOOST_TEST(follows_template(greeting, "您好，请问有什么可以帮您"));
  BOOST_TEST(!follows_template(
      greeting, "您好！这是一段非常非常长的不是店名的文字的文字的文字，请问有什么可以帮您？"));
  BOOST_TEST(!follows_template(greeting, "请问有什么可以帮您？您好！"));
  BOOST_TEST(follows_template("Thank you, {agent}!", "ＴＨＡＮＫ  YOU　Lily"));
  BOOST_TEST(follows_template("{agent}为您服务", "客服小王为您服务"));
  BOOST_TEST(follows_template(greeting, "您好！小米旗艦店，請問有什麼可以幫您？"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reviews)

BOOST_AUTO_TEST_CASE(auto_filled_and_manual) {
  const scorecard card = small_card();
  review_input in;
  in.scores = {{"courtesy", 8}};
  in.comment = "态度很好";
  const auto r = validate_review(card, in, {{"fr", 5}, {"sat", 2.5}});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->scores.at("fr") == 5.0);
  BOOST_TEST(r->scores.at("sat") == 2.5);
  BOOST_TEST(r->scores.at("courtesy") == 8.0);
  BOOST_TEST(r->total == 100.0 * 15.5 / 20, tt::tolerance(1e-12));
  BOOST_TEST(r->comment == "态度很好");
  BOOST_TEST(r->override_reasons.empty());
}

BOOST_AUTO_TEST_CASE(override_needs_a_reason) {
  const scorecard card = small_card();
  review_input in;
  in.scores = {{"courtesy", 10}, {"fr", 0}};
  auto r = validate_review(card, in, {{"fr", 5}, {"sat", 5}});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(mentions(r.message(), "\"fr\""));
  BOOST_TEST(mentions(r.message(), "reason"));

  in.override_reasons = {{"fr", "  "}};
  BOOST_TEST(!validate_review(card, in, {{"fr", 5}, {"sat", 5}}).ok());

  in.override_reasons = {{"fr", "首条回复是复制的无关内容"}, {"courtesy", "不是覆盖"}};
  r = validate_review(card, in, {{"fr", 5}, {"sat", 5}});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->scores.at("fr") == 0.0);
  BOOST_TEST(r->override_reasons.size() == 1u);
  BOOST_TEST(r->override_reasons.at("fr") == "首条回复是复制的无关内容");
  BOOST_TEST(r->total == 75.0);

  // Giving the automatic value again is not an override.
  in.override_reasons.clear();
  in.scores = {{"courtesy", 10}, {"fr", 5}};
  BOOST_TEST(validate_review(card, in, {{"fr", 5}, {"sat", 5}}).ok());
}

BOOST_AUTO_TEST_CASE(missing_and_out_of_range) {
  const scorecard card = small_card();
  review_input in;
  auto r = validate_review(card, in, {{"fr", 5}, {"sat", 5}});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(mentions(r.message(), "\"courtesy\": a score is required"));

  in.scores = {{"courtesy", 11}};
  r = validate_review(card, in, {{"fr", 5}, {"sat", 5}});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(mentions(r.message(), "between 0 and 10"));
  in.scores = {{"courtesy", -1}};
  BOOST_TEST(!validate_review(card, in, {{"fr", 5}, {"sat", 5}}).ok());
  in.scores = {{"courtesy", std::numeric_limits<double>::infinity()}};
  BOOST_TEST(!validate_review(card, in, {{"fr", 5}, {"sat", 5}}).ok());

  // No automatic value: the reviewer scores it, no reason needed.
  in.scores = {{"courtesy", 10}};
  r = validate_review(card, in, {{"fr", 5}});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(mentions(r.message(), "no automatic value"));
  in.scores = {{"courtesy", 10}, {"sat", 1}};
  r = validate_review(card, in, {{"fr", 5}});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->total == 80.0);

  in.scores = {{"courtesy", 10}, {"speed", 3}};
  r = validate_review(card, in, {{"fr", 5}, {"sat", 5}});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(mentions(r.message(), "unknown criterion \"speed\""));
  in.scores = {{"courtesy", 10}};
  in.override_reasons = {{"speed", "x"}};
  BOOST_TEST(!validate_review(card, in, {{"fr", 5}, {"sat", 5}}).ok());
}

BOOST_AUTO_TEST_CASE(a_full_default_review) {
  const scorecard card = default_scorecard();
  transcript_facts f;
  f.greeting_followed = true;
  f.first_response_hit = true;
  f.reply_30s_share = 0.5;
  f.closing_used = false;
  f.rating = "neutral";
  review_input in;
  in.scores = {
      {"courtesy", 8}, {"understanding", 5}, {"accuracy", 10}, {"resolution", 6}, {"selling", 3}};
  const auto r = validate_review(card, in, auto_scores(card, f));
  BOOST_REQUIRE(r.ok());
  // 10 + 10 + 5 + 15 + 0 + 5 automatic, 32 manual.
  BOOST_TEST(r->total == 77.0, tt::tolerance(1e-12));
  BOOST_TEST(total_score(card, r->scores) == r->total);
  const json::value v = json::value_from(*r);
  BOOST_TEST(v.at("scores").at("closing").as_double() == 0.0);
  BOOST_TEST(v.at("total").as_double() == 77.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(reads_the_request) {
  const auto in = parse_review_input(json::parse(R"({
      "scores": {"courtesy": 8, "fr": 0.5},
      "override_reasons": {"fr": "why"},
      "comment": "ok"})")
                                         .as_object());
  BOOST_REQUIRE(in.ok());
  BOOST_TEST(in->scores.at("courtesy") == 8.0);
  BOOST_TEST(in->scores.at("fr") == 0.5);
  BOOST_TEST(in->override_reasons.at("fr") == "why");
  BOOST_TEST(in->comment == "ok");
  BOOST_TEST(parse_review_input(json::object{}).ok());
  BOOST_TEST(!parse_review_input(json::object{{"scores", json::array{}}}).ok());
  BOOST_TEST(!parse_review_input(json::object{{"scores", json::object{{"a", "1"}}}}).ok());
  BOOST_TEST(!parse_review_input(json::object{{"override_reasons", json::object{{"a", 1}}}}).ok());
  BOOST_TEST(!parse_review_input(json::object{{"comment", 5}}).ok());
}

BOOST_AUTO_TEST_SUITE_END()
