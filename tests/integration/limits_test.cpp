#include "tests/integration/harness.hpp"

#define BOOST_TEST_MODULE integration_limits
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

using namespace kefu::test;

namespace {

std::string str(json::value const& v, char const* key) {
  auto const* p = v.as_object().if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : std::string();
}

// A send frame padded so its serialised size is exactly `size` bytes.
std::string frame_of_size(std::size_t size, std::string const& id) {
  std::string head = R"({"type":"send","id":")" + id + R"(","text":")";
  std::string tail = "\"}";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

// Raw TCP: sends `data`, returns what comes back until close or timeout.
std::string raw_exchange(unsigned short port, std::string const& data, int timeout_ms,
                         bool* closed = nullptr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return {};
  }
  std::size_t off = 0;
  while (off < data.size()) {
    auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  if (closed) *closed = false;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (poll(&p, 1, std::max(left, 1)) <= 0) break;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return out;
}

int status_of(std::string const& response) {
  if (response.size() < 12 || response.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::stoi(response.substr(9, 3));
}

// A GET whose header section (request line to the blank line) is exactly `size` bytes.
std::string request_with_header_size(std::size_t size) {
  std::string start = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ";
  std::string end = "\r\n\r\n";
  return start + std::string(size - start.size() - end.size(), 'p') + end;
}

struct one_merchant {
  kefud server;
  demo_setup s;
  explicit one_merchant(json::object cfg = {}, std::vector<std::string> agents = {"a1"},
                        int capacity = 5, json::object extra = {})
      : server(std::move(cfg)) {
    s = setup(server.port(), {"m1"}, agents, capacity, std::move(extra));
  }
  std::string buyer_url(std::string const& b) {
    return buyer_target("m1", b, s.channel_keys.at("m1"));
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(frame_size_limit_at_the_boundary) {
  one_merchant w;
  ws_client b;
  BOOST_REQUIRE_EQUAL(b.connect(w.server.port(), w.buyer_url("b1")), 0);
  b.send(frame_of_size(64 * 1024, "exact"));
  auto ack = b.read_type("ack");
  BOOST_REQUIRE(ack);
  BOOST_TEST(str(*ack, "id") == "exact");
  b.send(frame_of_size(64 * 1024 + 1, "over"));
  BOOST_TEST(b.wait_closed(5s));
  BOOST_TEST(b.close_code() == 1009);
}

BOOST_AUTO_TEST_CASE(rate_limit_then_flood_close) {
  one_merchant w(
      json::object{{"rate_per_second", 0.01}, {"rate_burst", 10}, {"flood_close_after", 5}});
  ws_client b;
  BOOST_REQUIRE_EQUAL(b.connect(w.server.port(), w.buyer_url("b1")), 0);
  for (int i = 0; i < 10; ++i)
    b.send(json::object{{"type", "send"}, {"id", "m" + std::to_string(i)}, {"text", "hi"}});
  for (int i = 0; i < 10; ++i) BOOST_REQUIRE(b.read_type("ack"));
  // The 11th frame is refused with rate_limited; the connection stays.
  b.send(json::object{{"type", "send"}, {"id", "m10"}, {"text", "hi"}});
  auto e = b.read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "code") == "rate_limited");
  BOOST_TEST(str(*e, "id") == "m10");  // each refused frame is named, so it can be sent again
  for (int i = 0; i < 4; ++i)
    b.send(json::object{{"type", "send"}, {"id", "f" + std::to_string(i)}, {"text", "hi"}});
  for (int i = 0; i < 4; ++i) {
    auto r = b.read_type("error");
    BOOST_REQUIRE(r);
    BOOST_TEST(str(*r, "id") == "f" + std::to_string(i));
  }
  BOOST_TEST(!b.wait_closed(500ms));  // 5 refused: still open
  b.send(json::object{{"type", "send"}, {"id", "f5"}, {"text", "hi"}});
  BOOST_TEST(b.wait_closed(5s));  // the 6th refused frame closes it
  BOOST_TEST(b.close_code() == 1008);
}

// A flood paced a little above the rate gets some frames through as tokens trickle back; those
// do not reset its count of refused frames, so it is still closed.
BOOST_AUTO_TEST_CASE(paced_flood_is_closed_too) {
  one_merchant w(
      json::object{{"rate_per_second", 20}, {"rate_burst", 5}, {"flood_close_after", 10}});
  ws_client b;
  BOOST_REQUIRE_EQUAL(b.connect(w.server.port(), w.buyer_url("b1")), 0);
  bool closed = false;
  for (int i = 0; i < 300 && !closed; ++i) {  // 100 frames/s, five times the rate, for 3 s
    b.send(json::object{{"type", "send"}, {"id", "p" + std::to_string(i)}, {"text", "hi"}});
    closed = b.wait_closed(10ms);
  }
  BOOST_TEST(closed);
  BOOST_TEST(b.close_code() == 1008);
}

// A client that backs off until the bucket is full again starts with a clean slate.
BOOST_AUTO_TEST_CASE(backing_off_forgives_refused_frames) {
  one_merchant w(
      json::object{{"rate_per_second", 50}, {"rate_burst", 5}, {"flood_close_after", 3}});
  ws_client b;
  BOOST_REQUIRE_EQUAL(b.connect(w.server.port(), w.buyer_url("b1")), 0);
  for (int burst = 0; burst < 3; ++burst) {
    for (int i = 0; i < 8; ++i)  // 5 pass, 3 refused: at the limit, not over it
      b.send(json::object{{"type", "send"},
                          {"id", "b" + std::to_string(burst) + "-" + std::to_string(i)},
                          {"text", "hi"}});
    BOOST_TEST(!b.wait_closed(400ms));  // the bucket refills in 100 ms
  }
}

BOOST_AUTO_TEST_CASE(origin_checks_before_upgrade) {
  one_merchant w({}, {"a1"}, 5,
                 json::object{{"allowed_origins", json::array{"https://shop.example"}}});
  auto port = w.server.port();
  ws_client ok_bridge, ok_widget, bad_widget;
  BOOST_TEST(ok_bridge.connect(port, w.buyer_url("b1")) == 0);  // no Origin: server-side bridge
  BOOST_TEST(ok_widget.connect(port, w.buyer_url("b2"), {{"Origin", "https://shop.example"}}) == 0);
  BOOST_TEST(bad_widget.connect(port, w.buyer_url("b3"), {{"Origin", "https://evil.example"}}) ==
             403);
  ws_client wrong_key;
  BOOST_TEST(wrong_key.connect(port, buyer_target("m1", "b4", "nope")) == 403);

  auto token = login(port, "a1", "pw-a1-secret");
  std::string self_origin = "http://127.0.0.1:" + std::to_string(port);
  ws_client cookie_same, cookie_evil, cookie_none, bearer_any, nobody;
  BOOST_TEST(cookie_same.connect(port, "/ws/agent",
                                 {{"Cookie", "kefu_session=" + token}, {"Origin", self_origin}}) ==
             0);
  BOOST_TEST(cookie_evil.connect(
                 port, "/ws/agent",
                 {{"Cookie", "kefu_session=" + token}, {"Origin", "https://evil.example"}}) == 403);
  BOOST_TEST(cookie_none.connect(port, "/ws/agent", {{"Cookie", "kefu_session=" + token}}) == 403);
  BOOST_TEST(bearer_any.connect(
                 port, "/ws/agent",
                 {{"Authorization", "Bearer " + token}, {"Origin", "https://tool.example"}}) == 0);
  BOOST_TEST(nobody.connect(port, "/ws/agent") == 401);
  // Behind a proxy that names the page's scheme, only that scheme is the console's own.
  std::string const self_tls = "https://127.0.0.1:" + std::to_string(port);
  ws_client via_tls, plain_behind_tls, tls_behind_plain;
  BOOST_TEST(via_tls.connect(port, "/ws/agent",
                             {{"Cookie", "kefu_session=" + token},
                              {"Origin", self_tls},
                              {"X-Forwarded-Proto", "https"}}) == 0);
  BOOST_TEST(plain_behind_tls.connect(port, "/ws/agent",
                                      {{"Cookie", "kefu_session=" + token},
                                       {"Origin", self_origin},
                                       {"X-Forwarded-Proto", "HTTPS, http"}}) == 403);
  BOOST_TEST(tls_behind_plain.connect(port, "/ws/agent",
                                      {{"Cookie", "kefu_session=" + token},
                                       {"Origin", self_tls},
                                       {"X-Forwarded-Proto", "http"}}) == 403);
}

BOOST_AUTO_TEST_CASE(http_header_and_body_limits) {
  one_merchant w;
  auto port = w.server.port();
  BOOST_TEST(status_of(raw_exchange(port, request_with_header_size(8 * 1024), 2000)) == 200);
  BOOST_TEST(status_of(raw_exchange(port, request_with_header_size(8 * 1024 + 1), 2000)) == 431);
  auto post = [&](std::size_t n) {
    std::string body(n, ' ');
    std::string req =
        "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        "application/json\r\nContent-Length: " +
        std::to_string(n) + "\r\n\r\n" + body;
    return status_of(raw_exchange(port, req, 5000));
  };
  BOOST_TEST(post(1024 * 1024) == 400);  // within the limit: refused as bad JSON, not as size
  BOOST_TEST(post(1024 * 1024 + 1) == 413);
}

BOOST_AUTO_TEST_CASE(silent_connections_time_out) {
  one_merchant w(json::object{{"http_read_timeout_ms", 500}});
  bool closed = false;
  auto t0 = std::chrono::steady_clock::now();
  raw_exchange(w.server.port(), "", 3000, &closed);
  BOOST_TEST(closed);
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < 2500ms));
  // A half-sent request is dropped the same way.
  raw_exchange(w.server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n", 3000, &closed);
  BOOST_TEST(closed);
}

BOOST_AUTO_TEST_CASE(a_client_that_stops_reading_is_dropped_and_slows_nobody) {
  one_merchant w(
      json::object{{"write_queue_max", 16}, {"rate_per_second", 10000}, {"rate_burst", 10000}},
      {"a1", "a2"}, 1);
  auto port = w.server.port();
  auto online = [&](ws_client& c, std::string const& id) {
    auto token = login(port, id, "pw-" + id + "-secret");
    BOOST_REQUIRE_EQUAL(c.connect(port, "/ws/agent", {{"Authorization", "Bearer " + token}}), 0);
    c.send(json::object{{"type", "status"}, {"status", "online"}});
    BOOST_REQUIRE(c.read_type("status"));
  };
  ws_client stalled, healthy;
  online(stalled, "a1");
  ws_client b1;
  BOOST_REQUIRE_EQUAL(b1.connect(port, w.buyer_url("b1")), 0);
  b1.send(json::object{{"type", "send"}, {"id", "first"}, {"text", "hi"}});
  BOOST_REQUIRE(b1.read_type("ack"));
  // a1 holds b1's chat and from now on reads nothing.
  online(healthy, "a2");
  ws_client b2;
  BOOST_REQUIRE_EQUAL(b2.connect(port, w.buyer_url("b2")), 0);
  b2.send(json::object{{"type", "send"}, {"id", "hello"}, {"text", "hi"}});
  BOOST_REQUIRE(b2.read_type("ack"));
  auto assigned = healthy.read_type("assigned");
  BOOST_REQUIRE(assigned);
  std::string chat2 = str(assigned->at("chat"), "id");

  std::string big(60 * 1024 - 200, 'z');
  std::chrono::steady_clock::duration worst{};
  for (int i = 0; i < 400; ++i) {
    b1.send(json::object{{"type", "send"}, {"id", "big" + std::to_string(i)}, {"text", big}});
    BOOST_REQUIRE(b1.read_type("ack", 10s));
    if (i % 40 == 0) {
      // Meanwhile another pair keeps talking without delay.
      auto t0 = std::chrono::steady_clock::now();
      healthy.send(json::object{
          {"type", "send"}, {"id", "r" + std::to_string(i)}, {"chat", chat2}, {"text", "ok"}});
      BOOST_REQUIRE(healthy.read_type("ack"));
      BOOST_REQUIRE(b2.read_type("message"));
      worst = std::max(worst, std::chrono::steady_clock::now() - t0);
    }
  }
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(worst).count() < 1000);
  // The stalled agent's socket was dropped by the server.
  BOOST_TEST(stalled.wait_closed(30s));
}

// A database that refuses writes never crashes the server and never yields an
// ack; once it recovers, the re-sent frame is stored with the next seq.
BOOST_AUTO_TEST_CASE(database_errors_give_no_ack_and_lose_nothing) {
  if (on_postgresql()) return;  // locking SQLite from outside is the portable way to fail writes
  kefud server({}, "?busy_timeout=200");
  auto s = setup(server.port(), {"m1"}, {"a1"});
  ws_client b;
  BOOST_REQUIRE_EQUAL(b.connect(server.port(), buyer_target("m1", "b1", s.channel_keys.at("m1"))),
                      0);
  b.send(json::object{{"type", "send"}, {"id", "one"}, {"text", "第一条"}});
  auto ack = b.read_type("ack");
  BOOST_REQUIRE(ack);
  BOOST_TEST(ack->at("seq").as_int64() == 1);

  sqlite3* db = nullptr;
  BOOST_REQUIRE_EQUAL(sqlite3_open((server.dir() + "/kefu.db").c_str(), &db), SQLITE_OK);
  BOOST_REQUIRE_EQUAL(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  b.send(json::object{{"type", "send"}, {"id", "two"}, {"text", "第二条"}});
  auto err = b.read_type("error", 10s);
  BOOST_REQUIRE(err);
  BOOST_TEST(str(*err, "code") == "unavailable");
  BOOST_TEST(str(*err, "id") == "two");
  for (auto const& f : b.skipped) BOOST_TEST(str(f, "type") != "ack");  // no ack slipped through
  BOOST_TEST(http(server.port(), "GET", "/healthz").status == 200);
  // Counted where operators look.
  auto metrics = http(server.port(), "GET", "/metrics");
  BOOST_TEST(metrics.body.find("\nkefu_store_failures_total 1\n") != std::string::npos);
  BOOST_TEST(metrics.body.find("\nkefu_store_read_failures_total 0\n") != std::string::npos);
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);

  b.send(json::object{{"type", "send"}, {"id", "two"}, {"text", "第二条"}});
  ack = b.read_type("ack");
  BOOST_REQUIRE(ack);
  BOOST_TEST(ack->at("seq").as_int64() == 2);
}

// A close whose event cannot be committed is answered with an error, never with an ack.
BOOST_AUTO_TEST_CASE(an_unstored_close_is_not_acked) {
  if (on_postgresql()) return;  // as above: the lock is SQLite's
  kefud server({}, "?busy_timeout=200");
  auto s = setup(server.port(), {"m1"}, {"a1"});
  ws_client agent;
  BOOST_REQUIRE_EQUAL(connect_online_agent(agent, server.port(), "a1", "pw-a1-secret"), 0);
  ws_client b;
  BOOST_REQUIRE_EQUAL(b.connect(server.port(), buyer_target("m1", "b1", s.channel_keys.at("m1"))),
                      0);
  b.send(json::object{{"type", "send"}, {"id", "one"}, {"text", "在吗"}});
  auto ack = b.read_type("ack");
  BOOST_REQUIRE(ack);
  std::string chat = str(*ack, "chat");
  BOOST_REQUIRE(agent.read_type("assigned"));
  // Whatever the assignment wrote has landed before the lock is taken.
  agent.send(json::object{{"type", "send"}, {"id", "r1"}, {"chat", chat}, {"text", "您好"}});
  BOOST_REQUIRE(agent.read_type("ack"));

  sqlite3* db = nullptr;
  BOOST_REQUIRE_EQUAL(sqlite3_open((server.dir() + "/kefu.db").c_str(), &db), SQLITE_OK);
  BOOST_REQUIRE_EQUAL(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  agent.send(json::object{{"type", "close"}, {"id", "c1"}, {"chat", chat}});
  auto err = agent.read_type("error", 10s);
  BOOST_REQUIRE(err);
  BOOST_TEST(str(*err, "code") == "unavailable");
  BOOST_TEST(str(*err, "id") == "c1");
  for (auto const& f : agent.skipped) BOOST_TEST(str(f, "type") != "ack");
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  // Nothing was kept for a re-send either: the same close gets no stored ack now.
  agent.send(json::object{{"type", "close"}, {"id", "c1"}, {"chat", chat}});
  auto again = agent.read_type("error", 10s);
  BOOST_REQUIRE(again);
  BOOST_TEST(str(*again, "id") == "c1");
}

BOOST_AUTO_TEST_CASE(no_compression_is_negotiated) {
  one_merchant w;
  std::string req = "GET " + w.buyer_url("b1") +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
  auto res = raw_exchange(w.server.port(), req, 1000);
  BOOST_TEST(status_of(res) == 101);
  BOOST_TEST(res.find("permessage-deflate") == std::string::npos);
}

// Handshakes the server refuses are answered with the JSON error shape, like any other error;
// an Origin header that is present but empty is held to the merchant's list too.
BOOST_AUTO_TEST_CASE(refused_handshakes_answer_json) {
  one_merchant w({}, {"a1"}, 5,
                 json::object{{"allowed_origins", json::array{"https://shop.example"}}});
  auto upgrade = [&](std::string const& extra) {
    return raw_exchange(w.server.port(),
                        "GET " + w.buyer_url("b1") +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\n" +
                            extra + "\r\n",
                        1000);
  };
  std::string const key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  auto old_version = upgrade(key + "Sec-WebSocket-Version: 8\r\n");
  BOOST_TEST(status_of(old_version) == 426);
  BOOST_TEST(old_version.find("Sec-WebSocket-Version: 13") != std::string::npos);
  BOOST_TEST(old_version.find(R"({"error":{"code":"bad_request")") != std::string::npos);
  auto no_key = upgrade("Sec-WebSocket-Version: 13\r\n");
  BOOST_TEST(status_of(no_key) == 400);
  BOOST_TEST(no_key.find("application/json") != std::string::npos);
  auto empty_origin = upgrade(key + "Sec-WebSocket-Version: 13\r\nOrigin: \r\n");
  BOOST_TEST(status_of(empty_origin) == 403);
  BOOST_TEST(status_of(upgrade(key + "Sec-WebSocket-Version: 13\r\n")) == 101);
}

BOOST_AUTO_TEST_CASE(health_and_metrics) {
  one_merchant w;
  auto h = http(w.server.port(), "GET", "/healthz");
  BOOST_TEST(h.status == 200);
  ws_client b;
  BOOST_REQUIRE_EQUAL(b.connect(w.server.port(), w.buyer_url("b1")), 0);
  b.send(json::object{{"type", "send"}, {"id", "1"}, {"text", "hi"}});
  BOOST_REQUIRE(b.read_type("ack"));
  auto m = http(w.server.port(), "GET", "/metrics");
  BOOST_TEST(m.status == 200);
  BOOST_TEST(m.headers["content-type"].rfind("text/plain", 0) == 0);
  for (auto const* name :
       {"kefu_connections 1", "kefu_open_chats 1", "kefu_queued_chats 1",
        "kefu_queue_length{merchant=\"m1\"} 1", "kefu_messages_routed_total 1",
        "kefu_commit_latency_seconds_bucket{le=\"+Inf\"}", "kefu_commit_latency_seconds_count"})
    BOOST_TEST(m.body.find(name) != std::string::npos, name);
  // Closed sockets are released: the gauge comes back down.
  for (int i = 0; i < 20; ++i) {
    ws_client c;
    BOOST_REQUIRE_EQUAL(c.connect(w.server.port(), w.buyer_url("x" + std::to_string(i))), 0);
    c.close();
  }
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    std::this_thread::sleep_for(50ms);
    back = http(w.server.port(), "GET", "/metrics").body.find("kefu_connections 1\n") !=
           std::string::npos;
  }
  BOOST_TEST(back);
}
