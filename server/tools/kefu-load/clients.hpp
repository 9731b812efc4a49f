#pragma once
// The simulated buyers and agents. Every one is a Beast WebSocket client on
// the shared io_context whose handlers run on its own strand, so the same
// code is correct on one I/O thread or several. Results go into run_state:
// relaxed atomic counters and histograms, no locks on the hot path.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/tools/kefu-load/histogram.hpp"
#include "server/tools/kefu-load/options.hpp"

namespace kefu::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;

// Nanoseconds on the steady clock: buyers and agents live in one process, so
// a timestamp written into a message by one can be read back by the other.
inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct counters {
  using n = std::atomic<std::uint64_t>;
  n buyer_sent{0}, buyer_acks{0}, replies_received{0}, greetings{0}, queued{0}, chats_closed{0};
  n chats_answered{0};  // buyers that got at least one reply
  n buyers_done{0};     // closed loop: buyers that sent all their --messages
  n agent_received{0}, agent_sent{0}, agent_acks{0}, assigned{0}, foreign_closed{0};
  n agents_online{0};
  n error_frames{0}, connect_failures{0}, disconnects{0};
  // Inside the measurement window: deliveries each way, and acks.
  n to_agent_window{0}, to_buyer_window{0}, acks_window{0};
  n finished{0};  // connections that are gone (closed or failed)
};

// Errors by kind ("error frame: rate_limited", "disconnect: ..."); rare, so a mutex.
class error_book {
 public:
  void add(std::string const& what);
  std::map<std::string, std::uint64_t> snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> counts_;
};

struct run_state {
  run_state(asio::io_context& ctx, options const& o);

  asio::io_context& ioc;
  options const& opt;
  asio::ip::tcp::endpoint endpoint;
  std::string host_header;
  std::string run_id;   // every buyer id of this run starts with run_id + "-"
  std::string padding;  // filler that brings a buyer message to --size bytes

  std::atomic<bool> sending{false};
  std::atomic<bool> closing{false};  // tearing down: agents stop answering
  // Messages sent (and events seen) in [window_from, window_to) count.
  std::atomic<std::int64_t> window_from{std::numeric_limits<std::int64_t>::max()};
  std::atomic<std::int64_t> window_to{std::numeric_limits<std::int64_t>::max()};

  bool in_window(std::int64_t t) const {
    return t >= window_from.load(std::memory_order_relaxed) &&
           t < window_to.load(std::memory_order_relaxed);
  }

  counters c;
  histogram to_agent;    // buyer send -> the agent reads it
  histogram round_trip;  // buyer send -> the agent's reply reaches the buyer
  histogram buyer_ack;   // buyer send -> ack (durable commit)
  histogram agent_ack;   // agent send -> ack
  histogram connect;     // TCP connect + WebSocket handshake
  error_book errors;
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(run_state& rs, std::string target, std::string token);
  virtual ~connection() = default;
  connection(connection const&) = delete;
  connection& operator=(connection const&) = delete;

  // Connects and handshakes; `done(ok)` runs once, on this connection's strand.
  void start(std::function<void(bool)> done);
  // Closes gracefully once the frames already queued are written. Any thread.
  void close();
  bool is_open() const { return open_.load(std::memory_order_relaxed); }

 protected:
  // Runs `f` on this connection's strand, keeping the connection alive.
  template <class F>
  void on_strand(F&& f) {
    asio::post(ws_.get_executor(),
               [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
  }
  asio::any_io_executor executor() { return ws_.get_executor(); }

  void send(std::string frame);  // strand only
  virtual void on_open() {}
  virtual void on_frame(json::object const& frame) = 0;

  run_state& rs_;

 private:
  void on_connect(beast::error_code ec);
  void on_handshake(beast::error_code ec);
  void fail_start(std::string const& what);
  void do_read();
  void on_read(beast::error_code ec, std::size_t);
  void do_write();
  void on_write(beast::error_code ec, std::size_t);
  void do_close();
  void finish();

  beast::websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;  // front is being written
  std::string target_;
  std::string token_;
  std::function<void(bool)> done_;
  std::int64_t started_ = 0;
  bool closing_ = false;
  bool close_sent_ = false;
  bool finished_ = false;
  std::atomic<bool> open_{false};
};

class buyer final : public connection {
 public:
  buyer(run_state& rs, std::string const& merchant, std::string const& key, std::string id);

  // Closed loop: sends the first message; every reply triggers the next.
  void begin();
  // Open loop: sends one message stamped with its scheduled time `t`.
  void send_scheduled(std::int64_t t);
  // Closes the buyer's chat, if it opened one; the server answers "closed".
  void close_chat();
  bool has_chat() const { return has_chat_.load(std::memory_order_relaxed); }

 private:
  void on_frame(json::object const& frame) override;
  void send_message(std::int64_t t);
  void on_reply();

  std::uint64_t sent_ = 0;
  std::uint64_t replies_ = 0;
  std::string chat_;
  bool active_ = false;  // closed loop running
  bool chat_closed_ = false;
  std::atomic<bool> has_chat_{false};
  std::optional<asio::steady_timer> think_;
};

class agent final : public connection {
 public:
  agent(run_state& rs, std::string token);

 private:
  void on_open() override;
  void on_frame(json::object const& frame) override;
  void answer(std::string const& chat, std::int64_t seq, std::string_view text);

  bool online_ = false;
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::string, std::int64_t> answered_;  // chat -> last seq answered
};

// Starts `conns` with at most `parallel` handshakes in flight and returns once
// each has connected or failed, or after `timeout`. Call from outside the I/O threads.
struct launch_result {
  std::size_t ok = 0;
  std::size_t failed = 0;
  std::size_t unfinished = 0;
  double seconds = 0;
};
launch_result launch(std::vector<std::shared_ptr<connection>> const& conns, int parallel,
                     std::chrono::milliseconds timeout);

// Calls `issue(k, t_k)` for k = 0, 1, ... at `rate` per second from `t0`
// (t_k = t0 + k / rate), until `limit` calls or until run_state::sending
// turns false. Runs on its own strand with a 1 ms timer.
class ticker : public std::enable_shared_from_this<ticker> {
 public:
  using issue_fn = std::function<void(std::uint64_t, std::int64_t)>;
  ticker(run_state& rs, double rate, std::uint64_t limit, issue_fn issue);
  void start(std::int64_t t0);
  std::uint64_t issued() const { return issued_.load(std::memory_order_relaxed); }

 private:
  void tick();

  run_state& rs_;
  asio::steady_timer timer_;
  double rate_;
  std::uint64_t limit_;
  issue_fn issue_;
  std::int64_t t0_ = 0;
  std::atomic<std::uint64_t> issued_{0};
};

}  // namespace kefu::load
