#pragma once
// The network layer: HTTP and WebSocket on one port (Boost.Beast). It only
// translates between sockets and the application's handler interfaces below;
// it knows nothing about chats. Each connection runs on its own strand.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace kefu::net {

struct limits {
  std::size_t ws_read_message_max = 64 * 1024;          // larger frames close with 1009
  std::size_t http_header_limit = 8 * 1024;             // larger headers get 431
  std::size_t http_body_limit = 1024 * 1024;            // larger bodies get 413
  std::chrono::milliseconds http_read_timeout{10'000};  // a request, incl. the upgrade request
  std::chrono::milliseconds ws_handshake_timeout{10'000};
  std::chrono::milliseconds ws_idle_timeout{300'000};
  // Frames waiting to be written to one socket. A client that stops reading
  // fills it and is disconnected, so it cannot slow anyone else down.
  std::size_t write_queue_max = 1024;
  // Inbound frame rate per connection: a token bucket. Past it the client gets
  // `rate_limited(frame)`'s answer for every refused frame (naming it, so the client knows
  // which to send again); `flood_close_after` more refused frames before the bucket has filled
  // up again (the client backed off) close it with 1008.
  double rate_per_second = 50;
  double rate_burst = 100;
  int flood_close_after = 20;
  std::function<std::string(std::string_view frame)> rate_limited;
};

struct http_request {
  std::string method;                          // GET, POST, ...
  std::string target;                          // raw request target
  std::string path;                            // decoded path
  std::map<std::string, std::string> query;    // decoded query parameters (last wins)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote;  // peer address

  std::string header(std::string const& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string param(std::string const& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
  bool has_param(std::string const& name) const { return query.count(name) != 0; }
};

// Where a streamed response's body goes, chunk by chunk.
class chunk_sink {
 public:
  virtual ~chunk_sink() = default;
  // Blocks the calling (non-I/O) thread until the chunk is on the socket, so
  // a slow client slows the producer instead of growing a buffer. False once
  // the client has gone: stop producing.
  virtual bool write(std::string_view data) = 0;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is produced by this function with chunked transfer
  // encoding instead of `body`. It runs on the thread that calls respond(),
  // which must not be an I/O thread.
  std::function<void(chunk_sink&)> producer;
};

// A live WebSocket connection as the application sees it. Thread-safe.
class ws_connection {
 public:
  virtual ~ws_connection() = default;
  // Queues a text frame. Never blocks; a full queue drops the connection.
  virtual void send(std::shared_ptr<std::string const> text) = 0;
  // Sends a close frame after the frames already queued.
  virtual void close(std::uint16_t code, std::string reason = {}) = 0;
  virtual std::uint64_t id() const = 0;
};

// Per-connection callbacks, all invoked on that connection's strand.
class ws_handler {
 public:
  virtual ~ws_handler() = default;
  virtual void on_open(std::shared_ptr<ws_connection> const& conn) = 0;
  virtual void on_text(std::string_view text) = 0;
  virtual void on_binary() {}
  virtual void on_close() = 0;  // exactly once, after on_open
};

struct upgrade_decision {
  std::shared_ptr<ws_handler> accept;  // null: refused with `refusal`
  http_response refusal;
};

// Implemented by the application. Callbacks may be invoked from any thread.
class app_handler {
 public:
  virtual ~app_handler() = default;
  virtual void on_http(http_request req, std::function<void(http_response)> respond) = 0;
  // Decides, before the upgrade, whether a WebSocket request is accepted.
  virtual void on_upgrade(http_request req, std::function<void(upgrade_decision)> decide) = 0;
};

// Listens and serves; owns no threads (the caller runs the io_context).
class server {
 public:
  server(boost::asio::io_context& ioc, std::shared_ptr<app_handler> handler, limits lim);
  ~server();
  server(server const&) = delete;
  server& operator=(server const&) = delete;

  // Binds host:port (port 0 picks a free one) and starts accepting. Throws
  // std::system_error when the address cannot be bound.
  void listen(std::string const& host, std::uint16_t port);
  std::uint16_t port() const;
  std::string host() const;
  // Stops accepting new connections.
  void stop_accepting();
  // Closes every WebSocket with `code` (1001 at shutdown).
  void close_all(std::uint16_t code, std::string const& reason);
  std::size_t connections() const;

  struct impl;  // defined in server.cpp; public only so the sessions there can name it

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace kefu::net
