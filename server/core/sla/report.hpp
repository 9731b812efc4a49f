#pragma once
// Replay and reports: evaluate every chat of an event log as of an instant and
// aggregate the per-turn results into sla.md's metrics, overall and by
// merchant, agent and merchant-local day. The server's GET /api/sla and the
// kefu-sla tool both go through compute().

#include "server/core/sla/event.hpp"
#include "server/core/sla/policy.hpp"
#include "server/core/sla/turns.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::sla {

// Counters of one group of turns; the derived figures are computed on demand.
struct metrics {
  std::int64_t chats = 0;  // distinct chats with at least one turn in the group
  std::int64_t turns = 0;
  std::int64_t answered = 0;
  std::int64_t first_answered = 0;
  std::int64_t first_response_sum_ms = 0;
  std::int64_t response_sum_ms = 0;
  std::array<std::int64_t, threshold_count> hits{};
  std::array<std::int64_t, threshold_count> misses{};

  void add(const turn_result& r);  // one more turn (chats is counted by the caller)

  std::optional<double> first_response_avg_s() const;
  std::optional<double> response_avg_s() const;
  std::optional<double> rate(threshold t) const;  // hits / (hits + misses), null if none
  std::int64_t misses_of(threshold t) const { return misses[index(t)]; }

  friend bool operator==(const metrics&, const metrics&) = default;
};

// The metric names in output order (JSON keys and CSV columns).
extern const std::array<std::string_view, 13> metric_names;

enum class group : std::uint8_t { merchant, agent, day };
std::string_view to_string(group g);                   // "merchant" | "agent" | "day"
std::optional<group> parse_group(std::string_view s);  // also accepts "by_merchant" etc.

struct report {
  metrics overall;
  std::map<std::string, metrics, std::less<>> by_merchant;
  std::map<std::string, metrics, std::less<>> by_agent;
  std::map<std::string, metrics, std::less<>> by_day;  // "YYYY-MM-DD", merchant-local

  const std::map<std::string, metrics, std::less<>>& by(group g) const;
  friend bool operator==(const report&, const report&) = default;
};

// One chat evaluated as of an instant.
struct chat_result {
  std::string chat;
  std::string merchant;         // of the chat's first event
  std::int64_t opened = 0;      // timestamp of its first event
  std::int64_t opened_day = 0;  // merchant-local day number of `opened`
  std::optional<std::int64_t> closed_at;
  std::vector<turn_result> turns;
};

// The largest timestamp of the log (0 when empty): the default as_of.
std::int64_t default_as_of(std::span<const event> events);

// Replays one chat's events (all of the same chat, in arrival order; they are
// sorted stably by timestamp here). Events after as_of or after the close are
// ignored. Returns nullopt when no event is left.
std::optional<chat_result> replay_chat(std::span<const event> events, const merchant_policy& policy,
                                       std::int64_t as_of);
// Replays a whole log: chats in order of first appearance, each with its
// merchant's policy. as_of defaults to default_as_of(events).
std::vector<chat_result> replay(std::span<const event> events, const policy_book& policies,
                                std::optional<std::int64_t> as_of = std::nullopt);

report aggregate(std::span<const chat_result> chats);
report compute(std::span<const event> events, const policy_book& policies,
               std::optional<std::int64_t> as_of = std::nullopt);

// {"overall": M, "by_merchant": {...}, "by_agent": {...}, "by_day": {...}}
boost::json::object to_json(const report& r);
// {"overall": M, "by_<g>": {...}}: the body of GET /api/sla?group=g.
boost::json::object to_json(const report& r, group g);
// The same as JSON text with plain decimal numbers (30.001, not 3.0001E1).
std::string serialize(const report& r);
std::string serialize(const report& r, group g);
// CSV with a header "<g>,chats,turns,..." and one row per key; with no group,
// one row keyed "overall". Null figures are empty cells.
std::string to_csv(const report& r, std::optional<group> g);

void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const metrics& m);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const report& r);

}  // namespace kefu::sla
