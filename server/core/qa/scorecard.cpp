#include "server/core/qa/scorecard.hpp"

#include "server/core/qa/text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <utility>

namespace kefu::qa {

namespace json = boost::json;

std::string_view to_string(criterion_kind k) {
  return k == criterion_kind::automatic ? "auto" : "manual";
}

std::optional<criterion_kind> parse_criterion_kind(std::string_view s) {
  if (s == "auto") return criterion_kind::automatic;
  if (s == "manual") return criterion_kind::manual;
  return std::nullopt;
}

bool known_auto_key(std::string_view key) {
  return std::find(auto_keys.begin(), auto_keys.end(), key) != auto_keys.end();
}

double scorecard::total_points() const {
  double sum = 0;
  for (const auto& c : criteria) sum += c.points;
  return sum;
}

const criterion* scorecard::find(std::string_view criterion_id) const {
  for (const auto& c : criteria)
    if (c.id == criterion_id) return &c;
  return nullptr;
}

scorecard default_scorecard() {
  const auto a = criterion_kind::automatic;
  const auto m = criterion_kind::manual;
  scorecard s;
  s.id = "default";
  s.criteria = {
      {"greeting", "开头语规范", 10, a, "greeting",
       "首条人工回复符合商户开头语模板（如：您好！XXX，请问有什么可以帮您？）；开头语由系统自动发送"
       "时视为达标"},
      {"first_response", "首次响应≤60秒", 10, a, "first_response",
       "客户发起对话到客服首次人工响应不超过60秒"},
      {"reply_30s", "30秒应答率", 10, a, "reply_30s_share", "30秒内回复的轮次占比，得分按比例计算"},
      {"no_violation", "无违规用语", 15, a, "no_violation",
       "无被拦截或被警告的消息：联系方式、站外交易、服务禁用语、夸大用语等"},
      {"closing", "结束语规范", 5, a, "closing",
       "结束前确认客户无其他需求并使用商户结束语（如：请问还有其他需求需要咨询吗？）"},
      {"rating", "客户满意度", 10, a, "rating", "满意得满分，一般得一半，不满意或未评价不得分"},
      {"courtesy", "服务态度", 10, m, "",
       "礼貌用语，适当称呼客户（XX先生/女士），不打断、不推诿，不用禁用语的变体"},
      {"understanding", "需求确认", 5, m, "",
       "倾听并复述、概括客户需求，确认理解准确；需要等待时先说明并征得同意"},
      {"accuracy", "解答准确", 10, m, "", "产品、活动、物流、售后政策解答正确，无误导"},
      {"resolution", "问题解决", 10, m, "",
       "问题得到解决；不能立即解决的按升级话术说明原因并承诺回复时间"},
      {"selling", "销售技巧", 5, m, "", "主动推荐、促成下单，不夸大、不虚假承诺"},
  };
  return s;
}

namespace {

bool good_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return text::is_ascii_alnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' ||
           ch == '.';
  });
}

// Shortest decimal form that reads back as the same double (10, 2.5).
std::string format_points(double d) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::string label(std::size_t index, const std::string& id) {
  std::string s = "criteria[" + std::to_string(index) + "]";
  if (!id.empty()) s += " (\"" + id + "\")";
  return s;
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; });
}

}  // namespace

std::optional<error> check_scorecard(const scorecard& card) {
  if (card.criteria.empty()) return error{"a scorecard needs at least one criterion"};
  if (card.criteria.size() > 100) return error{"a scorecard has at most 100 criteria"};
  std::set<std::string, std::less<>> ids;
  std::set<std::string, std::less<>> keys;
  for (std::size_t i = 0; i < card.criteria.size(); ++i) {
    const criterion& c = card.criteria[i];
    const std::string where = label(i, c.id);
    if (!good_id(c.id))
      return error{where + ": id must be 1-64 characters of letters, digits, '_', '-', '.'"};
    if (!ids.insert(c.id).second) return error{where + ": duplicate id"};
    if (blank(c.name)) return error{where + ": name is required"};
    if (!std::isfinite(c.points) || c.points <= 0) return error{where + ": points must be > 0"};
    if (c.points > 1e6) return error{where + ": points must be at most 1000000"};
    if (c.kind == criterion_kind::automatic) {
      if (!known_auto_key(c.auto_key)) {
        return error{where +
                     ": auto_key must be one of greeting, first_response, reply_30s_share, "
                     "no_violation, closing, rating"};
      }
      if (!keys.insert(c.auto_key).second)
        return error{where + ": auto_key \"" + c.auto_key + "\" is already used"};
    } else if (!c.auto_key.empty()) {
      return error{where + ": auto_key only applies to auto criteria"};
    }
  }
  return std::nullopt;
}

namespace {

// An optional string field; false when present with another type.
bool read_string(const json::object& o, std::string_view key, std::string& out) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

std::optional<double> number(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

}  // namespace

outcome<scorecard> parse_scorecard(const json::value& v) {
  const auto* o = v.if_object();
  if (!o) return error{"a scorecard must be a JSON object"};
  scorecard card;
  if (!read_string(*o, "id", card.id)) return error{"id must be a string"};
  if (!read_string(*o, "merchant", card.merchant)) return error{"merchant must be a string"};
  const auto* list = o->if_contains("criteria");
  if (!list || !list->is_array()) return error{"criteria must be an array"};

  for (std::size_t i = 0; i < list->get_array().size(); ++i) {
    const auto* co = list->get_array()[i].if_object();
    if (!co) return error{label(i, "") + ": must be an object"};
    criterion c;
    if (!read_string(*co, "id", c.id)) return error{label(i, "") + ": id must be a string"};
    const std::string where = label(i, c.id);
    if (!read_string(*co, "name", c.name)) return error{where + ": name must be a string"};
    const auto* pts = co->if_contains("points");
    const auto p = pts ? number(*pts) : std::nullopt;
    if (!p) return error{where + ": points must be a number"};
    c.points = *p;
    const auto* kind = co->if_contains("kind");
    const auto k = kind && kind->is_string() ? parse_criterion_kind(kind->get_string())
                                             : std::optional<criterion_kind>{};
    if (!k) return error{where + ": kind must be \"auto\" or \"manual\""};
    c.kind = *k;
    if (!read_string(*co, "auto_key", c.auto_key))
      return error{where + ": auto_key must be a string"};
    if (!read_string(*co, "description", c.description))
      return error{where + ": description must be a string"};
    card.criteria.push_back(std::move(c));
  }
  if (auto e = check_scorecard(card)) return *e;
  return card;
}

outcome<scorecard> parse_scorecard_text(std::string_view json_text) {
  boost::system::error_code ec;
  const json::value v = json::parse(json_text, ec);
  if (ec) return error{"not JSON: " + ec.message()};
  return parse_scorecard(v);
}

double auto_score(const criterion& c, const transcript_facts& f) {
  if (c.kind != criterion_kind::automatic) return 0;
  const auto met = [&](std::optional<bool> b) { return !b || *b ? c.points : 0.0; };
  if (c.auto_key == "greeting") return met(f.greeting_followed);
  if (c.auto_key == "first_response") return met(f.first_response_hit);
  if (c.auto_key == "closing") return met(f.closing_used);
  if (c.auto_key == "no_violation") return f.blocked <= 0 && f.warned <= 0 ? c.points : 0.0;
  if (c.auto_key == "reply_30s_share") {
    if (!f.reply_30s_share) return c.points;
    const double share = *f.reply_30s_share;
    if (std::isnan(share)) return 0;
    return c.points * std::clamp(share, 0.0, 1.0);
  }
  if (c.auto_key == "rating") {
    if (f.rating == "satisfied") return c.points;
    if (f.rating == "neutral") return c.points / 2;
    return 0;
  }
  return 0;
}

std::map<std::string, double> auto_scores(const scorecard& card, const transcript_facts& facts) {
  std::map<std::string, double> out;
  for (const auto& c : card.criteria)
    if (c.kind == criterion_kind::automatic) out[c.id] = auto_score(c, facts);
  return out;
}

namespace {

// The literal pieces of a template between its {placeholders}, folded.
std::vector<std::u32string> template_pieces(std::string_view tmpl) {
  const std::u32string t = text::decode(tmpl);
  std::vector<std::u32string> pieces;
  std::u32string current;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == U'{') {
      const std::size_t close = t.find(U'}', i);
      if (close != std::u32string::npos && close - i <= 32) {
        pieces.push_back(text::fold_for_match(current));
        current.clear();
        i = close;
        continue;
      }
    }
    current += t[i];
  }
  pieces.push_back(text::fold_for_match(current));
  return pieces;  // pieces[k] and pieces[k + 1] are separated by a placeholder
}

// Whether `pieces` occur in `s` from `from` on, the first anywhere, each next
// one within `gap` characters after the previous.
bool match_from(const std::vector<std::u32string>& pieces, std::size_t k, const std::u32string& s,
                std::size_t from, bool anywhere) {
  if (k == pieces.size()) return true;
  const std::u32string& p = pieces[k];
  constexpr std::size_t gap = 20;
  if (p.empty()) return match_from(pieces, k + 1, s, from, anywhere);
  for (std::size_t at = s.find(p, from); at != std::u32string::npos; at = s.find(p, at + 1)) {
    if (!anywhere && at - from > gap) break;
    if (match_from(pieces, k + 1, s, at + p.size(), false)) return true;
  }
  return false;
}

}  // namespace

namespace {

// Whether folded text `s` follows a template given as its folded pieces.
bool follows_pieces(const std::vector<std::u32string>& pieces, const std::u32string& s) {
  if (std::all_of(pieces.begin(), pieces.end(), [](const auto& p) { return p.empty(); }))
    return false;
  // A template that starts with a placeholder lets the first piece start
  // anywhere; so does one that does not (the phrase may follow other words).
  return match_from(pieces, 0, s, 0, true);
}

}  // namespace

bool follows_template(std::string_view tmpl, std::string_view text_in) {
  return follows_pieces(template_pieces(tmpl), text::fold_for_match(text::decode(text_in)));
}

bool closing_used(std::string_view closing_template, const std::vector<std::string>& agent_texts) {
  // Seed 004's own wording asks about 其他需求 where the packs say 其他问题: either counts.
  std::vector<std::vector<std::u32string>> variants{template_pieces(closing_template)};
  auto swapped = [&](std::string_view from, std::string_view to) {
    std::string v(closing_template);
    for (std::size_t at = v.find(from); at != std::string::npos; at = v.find(from, at + to.size()))
      v.replace(at, from.size(), to);
    if (v != closing_template) variants.push_back(template_pieces(v));
  };
  swapped("其他问题", "其他需求");
  swapped("其他需求", "其他问题");
  // Each message folded once; folding goes character by character, so joined folds are the
  // fold of the joined text.
  std::vector<std::u32string> folded;
  folded.reserve(agent_texts.size());
  for (const auto& t : agent_texts) folded.push_back(text::fold_for_match(text::decode(t)));
  // The closing may be sent as one message or split over up to three consecutive ones (the
  // question, then the thanks).
  for (std::size_t i = 0; i < folded.size(); ++i) {
    std::u32string joined;
    for (std::size_t k = i; k < folded.size() && k < i + 3; ++k) {
      joined += folded[k];
      for (const auto& pieces : variants)
        if (follows_pieces(pieces, joined)) return true;
    }
  }
  return false;
}

outcome<review_input> parse_review_input(const json::object& body) {
  review_input in;
  if (const auto* s = body.if_contains("scores"); s && !s->is_null()) {
    if (!s->is_object()) return error{"scores must be an object of criterion id to number"};
    for (const auto& [key, value] : s->get_object()) {
      const auto n = number(value);
      if (!n) return error{"scores." + std::string(key) + " must be a number"};
      in.scores[std::string(key)] = *n;
    }
  }
  if (const auto* r = body.if_contains("override_reasons"); r && !r->is_null()) {
    if (!r->is_object()) return error{"override_reasons must be an object of criterion id to text"};
    for (const auto& [key, value] : r->get_object()) {
      if (!value.is_string())
        return error{"override_reasons." + std::string(key) + " must be a string"};
      in.override_reasons[std::string(key)] = std::string(value.get_string());
    }
  }
  if (!read_string(body, "comment", in.comment)) return error{"comment must be a string"};
  return in;
}

outcome<scored_review> validate_review(const scorecard& card, const review_input& input,
                                       const std::map<std::string, double>& auto_filled) {
  for (const auto& [id, score] : input.scores)
    if (!card.find(id)) return error{"scores: unknown criterion \"" + id + "\""};
  for (const auto& [id, reason] : input.override_reasons)
    if (!card.find(id)) return error{"override_reasons: unknown criterion \"" + id + "\""};

  scored_review out;
  out.comment = input.comment;
  for (const auto& c : card.criteria) {
    const std::string where = "criterion \"" + c.id + "\"";
    const auto given = input.scores.find(c.id);
    const auto filled =
        c.kind == criterion_kind::automatic ? auto_filled.find(c.id) : auto_filled.end();
    const bool has_auto = filled != auto_filled.end() && std::isfinite(filled->second);

    if (given == input.scores.end()) {
      if (!has_auto) {
        return error{where + ": a score is required" +
                     (c.kind == criterion_kind::automatic ? " (no automatic value)" : "")};
      }
      out.scores[c.id] = std::clamp(filled->second, 0.0, c.points);
      continue;
    }
    const double s = given->second;
    if (!std::isfinite(s) || s < 0 || s > c.points) {
      return error{where + ": score must be between 0 and " + format_points(c.points)};
    }
    if (has_auto && std::fabs(s - std::clamp(filled->second, 0.0, c.points)) > 1e-9) {
      const auto reason = input.override_reasons.find(c.id);
      if (reason == input.override_reasons.end() || blank(reason->second))
        return error{where + ": overriding the automatic score needs a reason"};
      out.override_reasons[c.id] = reason->second;
    }
    out.scores[c.id] = s;
  }
  out.total = total_score(card, out.scores);
  return out;
}

double total_score(const scorecard& card, const std::map<std::string, double>& scores) {
  const double points = card.total_points();
  if (!(points > 0)) return 0;
  double sum = 0;
  for (const auto& c : card.criteria)
    if (const auto it = scores.find(c.id); it != scores.end()) sum += it->second;
  return 100.0 * sum / points;
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const criterion& c) {
  json::object o{{"id", c.id}, {"name", c.name}, {"points", c.points}, {"kind", to_string(c.kind)}};
  if (c.kind == criterion_kind::automatic) o["auto_key"] = c.auto_key;
  if (!c.description.empty()) o["description"] = c.description;
  jv = std::move(o);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const scorecard& s) {
  json::array criteria;
  for (const auto& c : s.criteria) criteria.push_back(json::value_from(c));
  jv = json::object{{"id", s.id},
                    {"merchant", s.merchant},
                    {"total_points", s.total_points()},
                    {"criteria", std::move(criteria)}};
}

json::result<criterion> tag_invoke(const json::try_value_to_tag<criterion>&,
                                   const json::value& jv) {
  // A one-criterion card runs every per-criterion check.
  json::object card{{"criteria", json::array{jv}}};
  auto r = parse_scorecard(json::value(std::move(card)));
  if (!r) return make_error_code(json::error::not_exact);
  return std::move(r->criteria.front());
}

json::result<scorecard> tag_invoke(const json::try_value_to_tag<scorecard>&,
                                   const json::value& jv) {
  auto r = parse_scorecard(jv);
  if (!r) return make_error_code(json::error::not_exact);
  return std::move(*r);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const transcript_facts& f) {
  const auto opt = [](const auto& o) { return o ? json::value(*o) : json::value(nullptr); };
  jv = json::object{{"greeting_followed", opt(f.greeting_followed)},
                    {"first_response_hit", opt(f.first_response_hit)},
                    {"reply_30s_share", opt(f.reply_30s_share)},
                    {"blocked", f.blocked},
                    {"warned", f.warned},
                    {"closing_used", opt(f.closing_used)},
                    {"rating", opt(f.rating)}};
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const scored_review& r) {
  json::object scores;
  for (const auto& [id, s] : r.scores) scores[id] = s;
  json::object reasons;
  for (const auto& [id, why] : r.override_reasons) reasons[id] = why;
  jv = json::object{{"scores", std::move(scores)},
                    {"override_reasons", std::move(reasons)},
                    {"total", r.total},
                    {"comment", r.comment}};
}

}  // namespace kefu::qa
