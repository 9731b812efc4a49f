#pragma once
// The routing state machine: which agent holds which chat, the per-merchant
// queues, agent status and the reconnect grace period. Pure: no sockets, no
// clocks; every call takes `now` (epoch ms) and returns the commands the
// caller must carry out (frames to send, events to store). Not thread-safe:
// the server drives one instance from one strand.

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace kefu::routing {

using ms_t = std::int64_t;

struct agent_profile {
  std::string id;
  std::vector<std::string> merchants;  // ["*"] = every merchant
  int capacity = 5;
};

// ---- commands out ----
// The chat is now held by `agent` (first assignment, queue pull, transfer or
// re-route after grace). `previous` is the agent that held it before, if any.
struct assigned {
  std::string chat;
  std::string agent;
  std::string previous;
  std::string reason;  // route | queue | transfer | grace
};
// The chat waits; `position` counts from 1. Emitted whenever it changes.
struct queued {
  std::string chat;
  int position = 0;
};
// `agent` no longer holds the chat.
struct unassigned {
  std::string chat;
  std::string agent;
  std::string reason;  // transfer | closed | grace
};
using command = std::variant<assigned, queued, unassigned>;
using commands = std::vector<command>;

enum class agent_status { away, online };

// `same_agent`: a transfer to the agent who already holds the chat (a slip in the console, which
// is told so rather than acked for a transfer that did nothing).
enum class route_error { none, not_found, forbidden, capacity, unavailable, same_agent };
char const* to_string(route_error e);

struct agent_view {
  std::string id;
  agent_status status = agent_status::away;
  bool connected = false;
  std::optional<ms_t> grace_until;  // set while disconnected within grace
  int capacity = 0;
  std::vector<std::string> merchants;
  std::set<std::string> chats;
  ms_t last_assigned = 0;
};

class router {
 public:
  explicit router(ms_t grace_ms = 60'000) : grace_ms_(grace_ms) {}

  // Adds or updates an agent's profile (admin edits apply at once; a lower
  // capacity never evicts chats, it only stops new ones).
  commands upsert_agent(agent_profile const& p, ms_t now);

  // A connection for the agent came up. Within grace it keeps its status and
  // chats; otherwise it starts `away`.
  commands agent_connected(std::string const& id, ms_t now);
  // The connection dropped: the agent keeps its chats until now + grace.
  commands agent_disconnected(std::string const& id, ms_t now);
  commands set_status(std::string const& id, agent_status s, ms_t now);
  // At start-up (recovery): the agent was online before the restart. Like a dropped connection,
  // it stays online if it reconnects within the grace period, and falls back to away after it.
  void restore_online(std::string const& id, ms_t now);

  // A new chat (the buyer's first message committed). Routed at once or queued.
  commands open_chat(std::string const& chat, std::string const& merchant, std::string const& buyer,
                     ms_t now);
  // Restores a chat held by `agent` at start-up (recovery). The agent is
  // treated as disconnected within grace until it reconnects.
  commands restore_chat(std::string const& chat, std::string const& merchant,
                        std::string const& buyer, std::string const& agent, ms_t now);
  commands close_chat(std::string const& chat, ms_t now);
  // The agent who last held a chat of this buyer (start-up recovery of closed chats): the buyer
  // goes back to that agent when it is available.
  void remember_agent(std::string const& merchant, std::string const& buyer,
                      std::string const& agent);
  // `by` must hold the chat; `to` must serve its merchant, be connected and
  // online, with room.
  route_error transfer(std::string const& chat, std::string const& by, std::string const& to,
                       ms_t now, commands& out);

  // Expires grace periods that ended at or before `now`.
  commands tick(ms_t now);
  std::optional<ms_t> next_deadline() const;

  // ---- queries ----
  std::optional<std::string> holder(std::string const& chat) const;
  bool has_chat(std::string const& chat) const { return chats_.count(chat) != 0; }
  std::optional<std::string> chat_merchant(std::string const& chat) const;
  std::optional<int> queue_position(std::string const& chat) const;
  std::size_t queue_length(std::string const& merchant) const;
  std::map<std::string, std::size_t> queue_lengths() const;
  std::size_t open_chats() const { return chats_.size(); }
  std::optional<agent_view> agent(std::string const& id) const;
  // Connected and online (cheap; no copy).
  bool is_online(std::string const& id) const;
  std::vector<agent_view> agents() const;
  bool serves(std::string const& agent, std::string const& merchant) const;

 private:
  struct agent_state {
    agent_profile profile;
    agent_status status = agent_status::away;
    bool connected = false;
    std::optional<ms_t> grace_until;
    std::set<std::string> chats;
    ms_t last_assigned = 0;
    std::uint64_t assign_order = 0;  // breaks ties of equal last_assigned
  };
  struct chat_state {
    std::string merchant;
    std::string buyer;
    std::string agent;  // empty while queued
    std::optional<std::int64_t> queue_key;
    int notified_position = 0;
    std::uint64_t opened = 0;  // order of opening (or restoring): who has waited longest
  };

  bool available(agent_state const& a, std::string const& merchant) const;
  agent_state* pick_agent(std::string const& merchant, std::string const& buyer,
                          std::string const& exclude);
  void assign(std::string const& chat, agent_state& a, std::string const& reason, ms_t now,
              commands& out);
  void enqueue(std::string const& chat, bool front, commands& out);
  void dequeue(std::string const& chat);
  void fill(agent_state& a, ms_t now, commands& out);
  void notify_positions(std::string const& merchant, commands& out);
  // Frees an agent whose grace ran out; its chats are added to `freed` (chat, that agent).
  void expire(agent_state& a, commands& out,
              std::vector<std::pair<std::string, std::string>>& freed);

  ms_t grace_ms_;
  std::map<std::string, agent_state> agents_;
  std::unordered_map<std::string, chat_state> chats_;
  // Per merchant: queue key -> chat. Keys grow for arrivals; chats re-routed after a grace
  // period, which go first in line, are keyed below zero by their order of opening.
  std::map<std::string, std::map<std::int64_t, std::string>> queues_;
  std::int64_t next_back_ = 1;
  static constexpr std::int64_t first_in_line = std::numeric_limits<std::int64_t>::min() / 2;
  std::uint64_t assign_counter_ = 0;
  std::uint64_t open_counter_ = 0;
  // (merchant, buyer) -> the agent of the buyer's last chat, for sticky routing.
  std::map<std::pair<std::string, std::string>, std::string> last_agent_;
};

}  // namespace kefu::routing
