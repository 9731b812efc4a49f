#include "server/core/sla/turns.hpp"

#include "server/core/sla/hours.hpp"

#include <algorithm>

namespace kefu::sla {
namespace json = boost::json;

change chat_turns::apply(event_type type, std::int64_t ts, std::string_view agent) {
  if (closed_at_) return change::ignored;
  switch (type) {
    case event_type::buyer:
      if (pending_) return change::joined;
      pending_ = turn{ts, turns_ == 0, std::nullopt, {}};
      ++turns_;
      return change::opened;
    case event_type::agent:
      if (!pending_) return change::none;
      last_answered_ = std::move(*pending_);
      last_answered_.answered_at = ts;
      last_answered_.answered_by = std::string(agent);
      pending_.reset();
      return change::answered;
    case event_type::automated:
      return change::none;
    case event_type::assign:
      holder_ = std::string(agent);
      return change::assigned;
    case event_type::close:
      closed_at_ = ts;
      return change::closed;
  }
  return change::none;
}

std::string_view to_string(outcome o) {
  switch (o) {
    case outcome::none:
      return "none";
    case outcome::hit:
      return "hit";
    case outcome::miss:
      return "miss";
  }
  return "none";
}

turn_result evaluate(const turn& t, const merchant_policy& policy, std::int64_t eval_point,
                     const std::optional<std::string>& holder) {
  turn_result r;
  r.start = t.start;
  r.first = t.first;
  r.answered_at = t.answered_at;
  r.day = local_day(t.start, policy.utc_offset_min());
  if (t.answered_at) {
    r.elapsed_ms = elapsed(policy, t.start, *t.answered_at);
    if (!t.answered_by.empty()) r.agent = t.answered_by;
  } else {
    r.elapsed_ms = elapsed(policy, t.start, eval_point);
    if (holder && !holder->empty()) r.agent = holder;
  }
  for (threshold k : all_thresholds) {
    if (k == threshold::first && !t.first) continue;
    const std::int64_t limit = policy.thresholds.of(k);
    // Exactly T is a hit; an open turn only counts once it has run past T.
    if (r.elapsed_ms > limit) {
      r.outcomes[index(k)] = outcome::miss;
    } else if (t.answered_at) {
      r.outcomes[index(k)] = outcome::hit;
    }
  }
  return r;
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const turn_result& r) {
  json::object o;
  o["start"] = r.start;
  o["first"] = r.first;
  if (r.answered_at) o["answered_at"] = *r.answered_at;
  o["elapsed_s"] = static_cast<double>(r.elapsed_ms) / 1000.0;
  if (r.agent) o["agent"] = *r.agent;
  o["day"] = day_key(r.day);
  json::object outcomes;
  for (threshold k : all_thresholds) {
    if (k == threshold::first && !r.first) continue;
    outcomes[to_string(k)] = to_string(r.outcomes[index(k)]);
  }
  o["outcomes"] = std::move(outcomes);
  jv = std::move(o);
}

}  // namespace kefu::sla
