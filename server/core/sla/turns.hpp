#pragma once
// The turn rules of sla.md, shared by the live clocks and the replay: one
// chat_turns per chat consumes that chat's events in order; evaluate() turns a
// turn into hits / misses for a merchant's policy at an evaluation point.

#include "server/core/sla/event.hpp"
#include "server/core/sla/policy.hpp"

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kefu::sla {

struct turn {
  std::int64_t start = 0;  // the buyer message that opened it
  bool first = false;      // the chat's first turn: the first-response turn
  std::optional<std::int64_t> answered_at;
  std::string answered_by;  // the agent of the answering message ("" if the line had none)
};

// What one event did to the chat.
enum class change : std::uint8_t {
  none,      // nothing SLA-relevant (auto message, agent message with no pending turn)
  opened,    // a buyer message opened a turn
  joined,    // a buyer message joined the pending turn
  answered,  // an agent message answered the pending turn
  assigned,  // the holder changed
  closed,    // the chat closed (its pending turn, if any, is evaluated at this instant)
  ignored,   // the chat had already closed
};

class chat_turns {
 public:
  // Events must come in the chat's order (timestamp, then arrival).
  change apply(event_type type, std::int64_t ts, std::string_view agent = {});

  const std::optional<turn>& pending() const { return pending_; }
  // The turn answered by the last apply() that returned change::answered.
  const turn& last_answered() const { return last_answered_; }
  const std::optional<std::string>& holder() const { return holder_; }
  bool closed() const { return closed_at_.has_value(); }
  const std::optional<std::int64_t>& closed_at() const { return closed_at_; }
  std::size_t turn_count() const { return turns_; }

 private:
  std::optional<turn> pending_;
  turn last_answered_;
  std::optional<std::string> holder_;
  std::optional<std::int64_t> closed_at_;
  std::size_t turns_ = 0;
};

enum class outcome : std::uint8_t {
  none,  // not counted: unanswered with elapsed <= T, or `first` on a later turn
  hit,
  miss,
};
std::string_view to_string(outcome o);  // "none" | "hit" | "miss"

struct turn_result {
  std::int64_t start = 0;
  bool first = false;
  std::optional<std::int64_t> answered_at;
  // Service-hours time from the start to the answer, or to the evaluation
  // point while unanswered: the response time of an answered turn.
  std::int64_t elapsed_ms = 0;
  std::optional<std::string> agent;  // attribution: answerer, else holder at evaluation
  std::int64_t day = 0;              // merchant-local day number of the start
  std::array<outcome, threshold_count> outcomes{};

  bool answered() const { return answered_at.has_value(); }
  outcome at(threshold t) const { return outcomes[index(t)]; }
  friend bool operator==(const turn_result&, const turn_result&) = default;
};

// An answered turn is final; an unanswered one is judged at `eval_point` (the
// chat's close, or as_of for an open chat) and attributed to `holder`.
turn_result evaluate(const turn& t, const merchant_policy& policy, std::int64_t eval_point,
                     const std::optional<std::string>& holder);

// {"start","first","answered_at"?,"elapsed_s","agent"?,"day",
//  "outcomes":{"first"?,"reply","r3","r5"}} for transcripts.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const turn_result& r);

}  // namespace kefu::sla
