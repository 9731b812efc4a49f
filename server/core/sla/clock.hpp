#pragma once
// Live turn clocks for one chat. The server feeds the chat's events as they
// happen and calls fire(now) from a timer on the chat's strand; nothing here
// reads a clock, so tests drive it with a fake one. The turn rules and the
// hit/miss judgement are the replay's own (turns.hpp), so a live board and a
// report of the same events agree.

#include "server/core/sla/event.hpp"
#include "server/core/sla/policy.hpp"
#include "server/core/sla/turns.hpp"

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::sla {

// Wall-clock instants of a pending turn's deadlines: where the threshold's
// service-hours time runs out (deadline(start, T)); an answer then is still a
// hit. When that instant is a closing time, the clock stands still until the
// next opening, so an answer out of hours is a hit as well.
struct deadlines {
  std::optional<std::int64_t> first;  // first-response turn only
  std::int64_t reply = 0;
  std::int64_t r3 = 0;
  std::int64_t r5 = 0;
  friend bool operator==(const deadlines&, const deadlines&) = default;
};

enum class alert_kind : std::uint8_t { warning, miss };
std::string_view to_string(alert_kind k);  // "warning" | "miss"

// One `sla` frame to push: {"kind", "threshold", "at"}.
struct alert {
  alert_kind kind = alert_kind::miss;
  threshold which = threshold::reply;
  std::int64_t at = 0;  // the instant it became due
  friend bool operator==(const alert&, const alert&) = default;
};

// When to warn before a breach, as elapsed service time into each clock
// (default: 20 s into the reply clock). A warning at or past its threshold is
// dropped: the miss says it all.
struct warning_offsets {
  std::array<std::optional<std::int64_t>, threshold_count> at_ms{std::nullopt, 20'000, std::nullopt,
                                                                 std::nullopt};
};

class chat_clock {
 public:
  explicit chat_clock(merchant_policy policy, warning_offsets warnings = {});

  struct update {
    change what = change::none;
    // Alarms that came due at or before the event and had not been fired
    // yet (a late timer), in order; the server pushes them before the
    // event's own frames.
    std::vector<alert> due;
    // For change::answered: the answered turn, judged.
    std::optional<turn_result> answered;
  };
  // Events of this chat in arrival order.
  update apply(event_type type, std::int64_t ts, std::string_view agent = {});
  update apply(const event& e) { return apply(e.type, e.ts, e.agent); }

  const std::optional<turn>& pending() const { return turns_.pending(); }
  const std::optional<std::string>& holder() const { return turns_.holder(); }
  bool closed() const { return turns_.closed(); }
  const merchant_policy& policy() const { return policy_; }
  // The merchant changed its thresholds or hours while the chat is open: the pending turn's
  // deadlines and alarms follow the new policy from now on, and results() judges every turn by
  // it, as a report computed afterwards would. Alarms already returned for the pending turn are
  // not returned again; one the new policy makes due already comes out of the next fire().
  void set_policy(merchant_policy policy);

  // Deadlines of the pending turn; nullopt when no turn is pending.
  std::optional<deadlines> current_deadlines() const;
  // The next instant at which fire() has something to return.
  std::optional<std::int64_t> next_alarm() const;
  // Alarms due at or before `now` not returned before, in order of `at`.
  std::vector<alert> fire(std::int64_t now);

  // Every turn of the chat judged as of `as_of` (>= the last event fed):
  // the same results replay() gives for the same events.
  std::vector<turn_result> results(std::int64_t as_of) const;

 private:
  void schedule(const turn& t);
  std::vector<alert> take_due(std::int64_t now);

  merchant_policy policy_;
  warning_offsets warnings_;
  chat_turns turns_;
  std::vector<turn> answered_;  // finished turns, for results()
  std::vector<alert> alarms_;   // of the pending turn, sorted by `at`
  std::size_t next_ = 0;        // first alarm not yet returned
  std::vector<alert> fired_;    // returned for the pending turn (under any policy)
};

// {"first"?: MS, "reply": MS, "r3": MS, "r5": MS}: the clock frame's "deadlines".
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const deadlines& d);
// {"kind": "warning"|"miss", "threshold": "first"|"reply"|"r3"|"r5", "at": MS}
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const alert& a);

}  // namespace kefu::sla
