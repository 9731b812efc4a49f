#pragma once
// Scorecards and reviews (qa.md, Scorecards). A scorecard is a list of
// weighted criteria; a review gives each one a score in [0, points] and the
// total is 100 * sum(scores) / sum(points). Automatic criteria are filled from
// what the system measured; the reviewer may override them, with a reason.

#include "server/core/qa/outcome.hpp"

#include <boost/json/object.hpp>
#include <boost/json/system_error.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::qa {

enum class criterion_kind : std::uint8_t { automatic, manual };

// "auto" | "manual".
std::string_view to_string(criterion_kind k);
std::optional<criterion_kind> parse_criterion_kind(std::string_view s);

// What an automatic criterion measures:
//   greeting         the greeting template was followed
//   first_response   first human response within the first-response threshold (60 s)
//   reply_30s_share  share of turns answered within 30 s (points x share)
//   no_violation     no blocked and no warned agent message
//   closing          the merchant's closing phrase was used
//   rating           satisfied: full points, neutral: half, unsatisfied or none: zero
inline constexpr std::array<std::string_view, 6> auto_keys{
    "greeting", "first_response", "reply_30s_share", "no_violation", "closing", "rating"};
bool known_auto_key(std::string_view key);

struct criterion {
  std::string id;  // stable key of the scores in a review: letters, digits, '_', '-', '.'
  std::string name;
  double points = 0;  // the weight; > 0
  criterion_kind kind = criterion_kind::manual;
  std::string auto_key;  // one of auto_keys for automatic criteria, empty for manual ones
  std::string description;

  friend bool operator==(const criterion&, const criterion&) = default;
};

struct scorecard {
  std::string id;
  std::string merchant;  // empty for the provider-wide default
  std::vector<criterion> criteria;

  double total_points() const;
  const criterion* find(std::string_view criterion_id) const;
  friend bool operator==(const scorecard&, const scorecard&) = default;
};

// The default card, built from the seeds: 000 §3.4 (QA rules and greeting
// templates), 004 (开头语/结束语, 服务禁用语, the 60 s / 30 s response targets,
// the three satisfaction levels). Its points sum to 100; id "default".
scorecard default_scorecard();

// Checks a card: at least one and at most 100 criteria; unique, well-formed
// ids; a name; points finite and > 0; auto criteria with a known auto_key,
// each auto_key at most once; manual criteria without one.
std::optional<error> check_scorecard(const scorecard& card);

// Reads and checks {"id"?, "merchant"?, "criteria": [{"id", "name", "points",
// "kind": "auto"|"manual", "auto_key"?, "description"?}, ...]}. Errors name
// the offending criterion.
outcome<scorecard> parse_scorecard(const boost::json::value& v);
outcome<scorecard> parse_scorecard_text(std::string_view json_text);

// What the system measured about one chat. std::nullopt means "does not
// apply" (greeting_mode auto: the system sent the greeting; no buyer message,
// so no first response; no turns; no closing phrase configured) and earns
// full points: an agent is not marked down for what it could not do. When a
// thing applies and was not done, pass false (or 0).
struct transcript_facts {
  std::optional<bool> greeting_followed;
  std::optional<bool> first_response_hit;
  std::optional<double> reply_30s_share;  // in [0, 1]; clamped, NaN counts as 0
  int blocked = 0;
  int warned = 0;
  std::optional<bool> closing_used;
  std::optional<std::string> rating;  // "satisfied" | "neutral" | "unsatisfied"; none scores 0
};

// The automatic score of one criterion (0 for a manual one).
double auto_score(const criterion& c, const transcript_facts& facts);
// Scores of every automatic criterion of the card, by criterion id.
std::map<std::string, double> auto_scores(const scorecard& card, const transcript_facts& facts);

// Whether `text` contains the template `tmpl`, compared as people type:
// punctuation, spacing, emoji, full-width forms and ASCII case are ignored,
// and each {placeholder} ({merchant}, {agent}) stands for up to 20 characters.
// A template with no words in it matches nothing.
bool follows_template(std::string_view tmpl, std::string_view text);
// Whether any of the agent's messages contains the closing phrase.
bool closing_used(std::string_view closing_template, const std::vector<std::string>& agent_texts);

// What a reviewer submits.
struct review_input {
  std::map<std::string, double> scores;  // by criterion id
  std::map<std::string, std::string> override_reasons;
  std::string comment;
};

// {"scores": {id: number}, "override_reasons": {id: "why"}, "comment": "..."};
// every field optional.
outcome<review_input> parse_review_input(const boost::json::object& body);

// A checked review, ready to store.
struct scored_review {
  std::map<std::string, double> scores;                 // every criterion of the card
  std::map<std::string, std::string> override_reasons;  // overridden auto criteria only
  double total = 0;                                     // 100 * sum(scores) / sum(points)
  std::string comment;
};

// Every manual criterion needs a score in [0, points]. An automatic one takes
// its value from `auto_filled` unless the reviewer gives a different score,
// which then needs a non-empty reason; with no automatic value the reviewer
// must score it. Scores for criteria not on the card are an error; reasons
// for criteria that were not overridden are dropped.
outcome<scored_review> validate_review(const scorecard& card, const review_input& input,
                                       const std::map<std::string, double>& auto_filled);

// 100 * sum(scores) / sum(points) over the card's criteria (missing: 0).
double total_score(const scorecard& card, const std::map<std::string, double>& scores);

void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const criterion& c);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const scorecard& s);
// Non-throwing reads; parse_scorecard() says what is wrong, these only that
// something is.
boost::json::result<criterion> tag_invoke(const boost::json::try_value_to_tag<criterion>&,
                                          const boost::json::value& jv);
boost::json::result<scorecard> tag_invoke(const boost::json::try_value_to_tag<scorecard>&,
                                          const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,
                const transcript_facts& f);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const scored_review& r);

}  // namespace kefu::qa
