#pragma once
// The hub owns every live chat: it drives the routing core, hands writes to
// the store's group-commit writer and fans committed messages out to the
// connections. All of its state lives on one strand; public methods may be
// called from any thread and only post onto it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/app/config.hpp"
#include "server/app/directory.hpp"
#include "server/app/reports.hpp"
#include "server/app/rules.hpp"
#include "server/core/routing/router.hpp"
#include "server/core/sla/engine.hpp"
#include "server/net/server.hpp"
#include "server/store/store.hpp"
#include "shared/wire/frames.hpp"

namespace kefu::app {

using ms_t = std::int64_t;

// One WebSocket client as the hub sees it. Fields below `conn` are touched
// only on the hub strand.
struct peer {
  enum class kind { buyer, agent, board };
  kind role = kind::buyer;
  std::shared_ptr<net::ws_connection> conn;
  std::string merchant;            // buyer
  std::string buyer;               // buyer
  std::string agent;               // agent
  std::vector<std::string> scope;  // board: the viewer's merchants (["*"] = all)
  std::string user;                // agent, board: the account behind the socket
  std::string session;             // agent, board: hash of the token it was opened with
  bool current = false;            // registered with the hub (between open and close)
  std::int64_t board_sent = 0;     // board: when its last frame went out
  // Chats being replayed by `resume`: live frames wait here until the replay
  // from the database has been sent, so the client sees seq in order.
  std::map<std::string, std::vector<std::pair<std::int64_t, std::shared_ptr<std::string const>>>>
      resuming;

  void send(std::shared_ptr<std::string const> const& text) const {
    if (conn) conn->send(text);
  }
};

struct hub_counters {
  std::atomic<std::uint64_t> messages_routed{0};
  std::atomic<std::uint64_t> messages_blocked{0};
  std::atomic<std::int64_t> open_chats{0};
  std::atomic<std::int64_t> queued_chats{0};
  std::atomic<std::int64_t> agents_online{0};
  std::atomic<std::uint64_t> store_failures{0};       // writes the database refused
  std::atomic<std::uint64_t> store_read_failures{0};  // reads that failed
  std::atomic<std::uint64_t> sla_misses{0};
};

// What the hub remembers of recent frames and chats, by key: the newest `limit` keys are kept,
// the oldest inserted is dropped first.
template <class V>
class recent_map {
 public:
  explicit recent_map(std::size_t limit) : limit_(limit) {}
  void put(std::string const& key, V value) {
    if (map_.insert_or_assign(key, std::move(value)).second) order_.push_back(key);
    while (order_.size() > limit_) {
      map_.erase(order_.front());
      order_.pop_front();
    }
  }
  V const* find(std::string const& key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  void erase(std::string const& key) { map_.erase(key); }

 private:
  std::size_t limit_;
  std::unordered_map<std::string, V> map_;
  std::deque<std::string> order_;
};

class hub : public std::enable_shared_from_this<hub> {
 public:
  using clock_fn = std::function<ms_t()>;

  hub(boost::asio::io_context& ioc, boost::asio::thread_pool& db, store::store& st, directory& dir,
      rules& rl, config const& cfg, clock_fn clock);

  // Loads agents and open chats (after a restart). Call once before serving.
  void recover();

  void buyer_open(std::shared_ptr<peer> p);
  void agent_open(std::shared_ptr<peer> p);
  // A manager's or QA lead's live board: a snapshot now, then at most four a second.
  void board_open(std::shared_ptr<peer> p);
  void frame(std::shared_ptr<peer> p, wire::inbound f);
  void peer_closed(std::shared_ptr<peer> p);

  // Closes the agent and board sockets opened with a session that ended: one token (logout),
  // or every token of a user (new password or role). Either may be empty.
  void end_sessions(std::string session, std::string user);

  // Admin edits of an agent (capacity, merchants) take effect at once.
  void agent_changed(store::user u);

  // The compliance check of the console's as-you-type hints: the same engine
  // and chat window as a real send, read-only. `cb` gets nullopt for an
  // unknown merchant; it runs on the hub strand.
  void check(std::string merchant, compliance::role role, std::string text, std::string chat,
             std::string agent, std::function<void(std::optional<compliance::verdict>)> cb);
  // A manager lifts an agent's suspension for a merchant.
  void lift_suspension(std::string agent, std::string merchant);
  // The merchant's SLA policy changed (thresholds, hours): its open chats' live clocks follow
  // the new one, as /api/sla does, and their agents get the new deadlines.
  void merchant_policy_changed(std::string merchant);

  // Queue lengths per merchant, for /metrics (copied on the strand).
  void queue_snapshot(std::function<void(std::map<std::string, std::size_t>)> cb);

  // Stops taking frames; call before the writer is drained at shutdown.
  void stop();

  hub_counters const& counters() const { return counters_; }

 private:
  struct delivered {
    std::int64_t seq = 0;
    std::string from;
    std::string agent;
    std::string text;
    ms_t ts = 0;
    std::string verdict_json;
  };
  struct chat {
    std::string id, merchant, buyer;
    std::string agent;  // holder, empty while queued
    ms_t opened = 0;
    bool committed = false;          // the opening message is stored
    bool greeted = false;            // the auto greeting went out
    bool human_greeted = false;      // the first human agent message was delivered
    compliance::chat_window window;  // recent delivered text, for split evasions
    std::int64_t last_seq = 0;
    ms_t idle_deadline = 0;
    std::vector<delivered> history;  // the most recent delivered messages
  };

  using sp = std::shared_ptr<peer>;

  void on_buyer_open(sp p);
  void on_agent_open(sp p);
  void on_frame(sp p, wire::inbound f);
  void on_closed(sp p);

  void buyer_send(sp const& p, wire::send_frame const& f);
  void buyer_close(sp const& p, wire::close_frame const& f);
  void buyer_rate(sp const& p, wire::rate_frame const& f);
  void store_rating(sp const& p, wire::rate_frame const& f);
  void agent_send(sp const& p, wire::send_frame const& f);
  void agent_status(sp const& p, wire::status_frame const& f);
  void agent_transfer(sp const& p, wire::transfer_frame const& f);
  void agent_close(sp const& p, wire::close_frame const& f);
  void resume(sp const& p, wire::resume_frame const& f);

  void on_message_committed(std::string const& chat_id, store::message_op const& op,
                            store::write_result const& r, std::vector<sp> const& waiters,
                            bool opening);
  void deliver(chat& c, delivered const& d);
  void apply(routing::commands const& cs);
  void on_assigned(routing::assigned const& a);
  void close_chat(std::string chat_id, std::string const& by, std::string const& reason);
  void send_assigned(sp const& agent_peer, chat const& c);
  void store_event(std::string const& chat_id, std::string const& kind, std::string const& agent,
                   std::string const& data, bool set_agent, bool set_closed, bool set_rating,
                   std::function<void(store::write_result const&)> done = {},
                   std::optional<sla::event_type> clock_event = std::nullopt);
  // Feeds a committed event to the chat's SLA clock and pushes what follows.
  void feed_clock(std::string const& chat_id, std::string const& merchant, sla::event_type type,
                  ms_t ts, std::string const& agent);
  void send_clock(std::string const& agent, std::string const& chat_id);
  void push_alert(std::string const& chat_id, sla::alert const& a);
  void schedule_alarm(std::string const& chat_id);
  // A chat's SLA clock under its merchant's policy and the configured warning.
  sla::chat_clock new_clock(std::string const& merchant) const;
  // Logs a database failure: the first and every 1000th after it, reads and writes counted
  // apart (a dead disk must not flood the log), with the reason but never a message's text.
  // Any thread.
  enum class store_access { read, write };
  void log_store_failure(store_access access, char const* what, std::string const& chat,
                         std::string const& error);
  void send_error(sp const& p, std::optional<std::string> id, std::string const& code,
                  std::string const& message);
  void send_to_buyer(chat const& c, std::shared_ptr<std::string const> const& text,
                     std::int64_t seq = 0);
  void send_to_agent(std::string const& agent, std::string const& chat,
                     std::shared_ptr<std::string const> const& text, std::int64_t seq = 0);
  void send_to(sp const& p, std::string const& chat, std::shared_ptr<std::string const> const& text,
               std::int64_t seq);
  std::string new_chat_id(ms_t now);
  // In-flight sends by (sender key, client id): peers awaiting one commit.
  static std::string flight_key(std::string const& sender_key, std::string const& client_id);
  std::vector<sp> take_waiters(store::message_op const& op);
  std::string buyer_key(std::string const& merchant, std::string const& buyer) const;
  void update_gauges();
  boost::json::object board_snapshot(peer const& p, ms_t now) const;
  void board_tick();
  void arm_board_timer();
  void refresh_today(ms_t now);
  void note_recent(boost::json::object item);
  void arm_timer();
  void on_timer();

  template <class F>
  void run(F&& f);
  void from_writer(std::function<void()> f);
  std::mutex writer_mu_;
  std::vector<std::function<void()>> writer_done_;

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  boost::asio::thread_pool& db_;
  store::store& store_;
  directory& dir_;
  rules& rules_;
  config const& cfg_;
  clock_fn clock_;
  routing::router router_;
  bool stopped_ = false;

  std::unordered_map<std::string, chat> chats_;              // open chats
  std::unordered_map<std::string, std::string> buyer_chat_;  // buyer key -> open chat
  std::unordered_map<std::string, std::vector<sp>> buyers_;  // buyer key -> connections
  std::unordered_map<std::string, std::vector<sp>> agents_;  // agent id -> connections
  // (sender key, client id) of sends not yet committed -> peers awaiting the ack.
  std::unordered_map<std::string, std::vector<sp>> inflight_;
  std::set<std::pair<ms_t, std::string>> idle_;  // (deadline, chat)
  // SLA clocks of chats whose close has not been committed yet, and their
  // next alarms (one timer serves them all).
  struct clock_state {
    sla::chat_clock clock;
    std::optional<ms_t> alarm;
    // Agent replies checked and on their way to the database, and the earliest one's send
    // time: a deadline at or after it is not missed yet (the reply answers the turn once it
    // commits), so the alarm waits for the commit instead of reporting a miss the reports
    // would then count as a hit.
    int replies_in_flight = 0;
    ms_t reply_sent = 0;
  };
  void reply_in_flight(std::string const& chat_id, ms_t sent);
  void reply_landed(std::string const& chat_id);
  std::unordered_map<std::string, clock_state> clocks_;
  std::set<std::pair<ms_t, std::string>> alarms_;
  // Chats closed lately -> buyer key, so a rating right after the close need
  // not wait for the close to reach the database.
  recent_map<std::string> recently_closed_{100'000};
  // Buyer close frames by (buyer, id) → the chat each closed: a re-sent close answers for that
  // chat and never closes the buyer's next one.
  recent_map<std::string> buyer_closes_{100'000};
  void answer_closed(sp const& p, std::string const& chat);
  void with_stored_chat(std::string chat, char const* failure,
                        std::function<void(std::optional<store::chat_row>)> then);
  // Acks of recent transfer and close frames by (agent, frame id): a re-send
  // of one already done gets the same ack instead of an error.
  recent_map<std::shared_ptr<std::string const>> control_acks_{10'000};
  bool resend_control_ack(sp const& p, std::string const& id);
  // After a restart the in-memory acks are gone: the stored one is sent if there is one, else
  // `otherwise` runs (the frame's own error).
  void stored_control_ack(sp const& p, std::string const& id, std::function<void()> otherwise);
  // `failed` is set (on the writer thread) if an event the frame caused was not stored: then
  // the agent gets an error instead of the ack.
  void remember_control_ack(sp const& p, std::string const& id,
                            std::shared_ptr<std::string const> ack, std::shared_ptr<bool> failed);
  // While a close or transfer frame is handled: every event it causes marks here whether it
  // failed to write.
  std::shared_ptr<bool> events_failed_;
  ms_t armed_for_ = 0;
  // Blocks per (merchant, agent) inside the merchant's suspension window, and
  // the agents whose sending is suspended for a merchant.
  std::map<std::pair<std::string, std::string>, std::deque<ms_t>> blocks_;
  std::set<std::pair<std::string, std::string>> suspended_;
  void count_block(std::string const& merchant, std::string const& agent, ms_t now);
  void persist_suspension(std::string const& merchant, std::string const& agent, bool active,
                          ms_t at);
  void put_record_later(store::qa_record r);
  static std::shared_ptr<std::string const> suspended_frame(std::string const& merchant);
  compliance::verdict check_agent_text(chat& c, std::string const& agent, std::string const& text,
                                       bool read_only);
  std::vector<sp> boards_;
  boost::asio::steady_timer board_timer_;
  bool board_running_ = false;
  bool board_dirty_ = false;
  int board_ticks_ = 0;
  boost::json::object today_;   // today's metrics, refreshed from the store
  bool today_stale_ = false;    // a miss happened since: refresh at once, not in 5 s
  bool today_changed_ = false;  // chats, turns or holders changed: refresh within a second
  bool today_refreshing_ = false;
  bool today_for_miss_ = false;             // the refresh in flight counts a miss the figures lack
  int today_refresh_tick_ = 0;              // board tick of the last refresh
  std::deque<boost::json::object> recent_;  // latest misses and violations
  std::uint64_t chat_counter_ = 0;
  std::string chat_prefix_;
  hub_counters counters_;
};

}  // namespace kefu::app
