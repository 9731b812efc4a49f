#include "server/core/sla/clock.hpp"

#include "server/core/sla/hours.hpp"

#include <algorithm>
#include <tuple>

namespace kefu::sla {
namespace json = boost::json;

std::string_view to_string(alert_kind k) {
  return k == alert_kind::warning ? "warning" : "miss";
}

chat_clock::chat_clock(merchant_policy policy, warning_offsets warnings)
    : policy_(std::move(policy)), warnings_(warnings) {}

void chat_clock::schedule(const turn& t) {
  alarms_.clear();
  next_ = 0;
  for (threshold k : all_thresholds) {
    if (k == threshold::first && !t.first) continue;
    const std::int64_t limit = policy_.thresholds.of(k);
    const auto& warn = warnings_.at_ms[index(k)];
    if (warn && *warn > 0 && *warn <= limit) {
      alarms_.push_back({alert_kind::warning, k, deadline(policy_, t.start, *warn)});
    }
    // A miss is elapsed > T; with whole milliseconds that is elapsed >= T + 1.
    alarms_.push_back({alert_kind::miss, k, deadline(policy_, t.start, limit + 1)});
  }
  // Under a changed policy, what this turn has already reported is not reported again.
  std::erase_if(alarms_, [&](const alert& a) {
    return std::any_of(fired_.begin(), fired_.end(),
                       [&](const alert& f) { return f.kind == a.kind && f.which == a.which; });
  });
  std::stable_sort(alarms_.begin(), alarms_.end(), [](const alert& a, const alert& b) {
    return std::tie(a.at, a.which) < std::tie(b.at, b.which);
  });
}

std::vector<alert> chat_clock::take_due(std::int64_t now) {
  std::vector<alert> out;
  while (next_ < alarms_.size() && alarms_[next_].at <= now) out.push_back(alarms_[next_++]);
  fired_.insert(fired_.end(), out.begin(), out.end());
  return out;
}

chat_clock::update chat_clock::apply(event_type type, std::int64_t ts, std::string_view agent) {
  update u;
  if (turns_.closed()) {
    u.what = change::ignored;
    return u;
  }
  // Anything due by now is decided before the event lands: an answer at the
  // very instant of a miss is a miss (elapsed is already T + 1 ms).
  u.due = take_due(ts);
  u.what = turns_.apply(type, ts, agent);
  if (u.what == change::opened || u.what == change::answered || u.what == change::closed)
    fired_.clear();
  switch (u.what) {
    case change::opened:
      schedule(*turns_.pending());
      break;
    case change::answered:
      answered_.push_back(turns_.last_answered());
      u.answered = evaluate(answered_.back(), policy_, ts, std::nullopt);
      alarms_.clear();
      next_ = 0;
      break;
    case change::closed:
      alarms_.clear();
      next_ = 0;
      break;
    default:
      break;
  }
  return u;
}

void chat_clock::set_policy(merchant_policy policy) {
  policy_ = std::move(policy);
  const auto& p = turns_.pending();
  if (p && !turns_.closed()) schedule(*p);
}

std::optional<deadlines> chat_clock::current_deadlines() const {
  const auto& p = turns_.pending();
  if (!p || turns_.closed()) return std::nullopt;
  deadlines d;
  if (p->first) d.first = deadline(policy_, p->start, policy_.thresholds.first_ms);
  d.reply = deadline(policy_, p->start, policy_.thresholds.reply_ms);
  d.r3 = deadline(policy_, p->start, policy_.thresholds.r3_ms);
  d.r5 = deadline(policy_, p->start, policy_.thresholds.r5_ms);
  return d;
}

std::optional<std::int64_t> chat_clock::next_alarm() const {
  if (next_ >= alarms_.size()) return std::nullopt;
  return alarms_[next_].at;
}

std::vector<alert> chat_clock::fire(std::int64_t now) {
  return take_due(now);
}

std::vector<turn_result> chat_clock::results(std::int64_t as_of) const {
  std::vector<turn_result> out;
  out.reserve(answered_.size() + 1);
  for (const turn& t : answered_) out.push_back(evaluate(t, policy_, *t.answered_at, std::nullopt));
  if (const auto& p = turns_.pending()) {
    const std::int64_t eval_point = turns_.closed_at().value_or(as_of);
    out.push_back(evaluate(*p, policy_, eval_point, turns_.holder()));
  }
  return out;
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const deadlines& d) {
  json::object o;
  if (d.first) o["first"] = *d.first;
  o["reply"] = d.reply;
  o["r3"] = d.r3;
  o["r5"] = d.r5;
  jv = std::move(o);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const alert& a) {
  jv = json::object{{"kind", to_string(a.kind)}, {"threshold", to_string(a.which)}, {"at", a.at}};
}

}  // namespace kefu::sla
