#pragma once
// Test harness: runs a real kefud process on a free port and talks to it over
// real sockets (HTTP and WebSocket, Beast clients).

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kefu::test {

namespace json = boost::json;
using namespace std::chrono_literals;

// The database the suite runs on: SQLite in a temp dir, or a fresh
// PostgreSQL database when KEFU_TEST_PG_URL is set.
std::string fresh_db_url(std::string const& dir);
// True when the suite runs on PostgreSQL.
bool on_postgresql();

class kefud {
 public:
  // Starts kefud in a new temp dir with `config` (JSON object) as its config file.
  explicit kefud(json::object config = {}, std::string const& sqlite_options = {});
  ~kefud();
  void start();
  int stop();    // SIGTERM; returns the exit status
  void kill9();  // SIGKILL, no cleanup
  bool running() const { return pid_ > 0; }
  unsigned short port() const { return port_; }
  std::string const& db_url() const { return db_url_; }
  std::string const& dir() const { return dir_; }

 private:
  json::object config_;
  std::string dir_;
  std::string db_url_;
  int pid_ = -1;
  unsigned short port_ = 0;
};

struct http_result {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  json::value json() const;
};

http_result http(unsigned short port, std::string const& method, std::string const& target,
                 std::string const& body = {},
                 std::vector<std::pair<std::string, std::string>> const& headers = {});

// Logs in and returns the token.
std::string login(unsigned short port, std::string const& user, std::string const& password);

// Sets up merchant `m` (returns its channel key) and agents as admin.
struct demo_setup {
  std::string admin_token;
  std::map<std::string, std::string> channel_keys;
};
demo_setup setup(unsigned short port, std::vector<std::string> const& merchants,
                 std::vector<std::string> const& agents, int capacity = 5,
                 json::object merchant_extra = {});

class ws_client {
 public:
  ws_client() = default;
  ~ws_client();
  // Returns the HTTP status of a refused upgrade (0 on success).
  int connect(unsigned short port, std::string const& target,
              std::vector<std::pair<std::string, std::string>> const& headers = {});
  void send(std::string const& text);
  void send(json::value const& v) { send(json::serialize(v)); }
  // Next text frame, or nullopt on timeout / close.
  std::optional<json::value> read(std::chrono::milliseconds timeout = 5s);
  // Reads until a frame of `type` arrives (others are kept in `skipped`).
  std::optional<json::value> read_type(std::string const& type,
                                       std::chrono::milliseconds timeout = 5s);
  bool closed() const { return closed_; }
  // Runs reads until the server closes the connection.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  int close_code() const { return close_code_; }
  // Drops the TCP connection without a close handshake.
  void close();
  std::vector<json::value> skipped;

 private:
  boost::asio::io_context ioc_;
  void start_read();
  std::optional<boost::beast::websocket::stream<boost::beast::tcp_stream>> ws_;
  boost::beast::flat_buffer buf_;
  std::deque<json::value> frames_;
  bool reading_ = false;
  bool closed_ = false;
  int close_code_ = 0;
};

// Buyer and agent helpers.
std::string buyer_target(std::string const& merchant, std::string const& buyer,
                         std::string const& key);
// Logs `user` in, opens its agent socket with the token and sets it online; returns what
// connect() returned (0: open).
int connect_online_agent(ws_client& agent, unsigned short port, std::string const& user,
                         std::string const& password);

}  // namespace kefu::test
