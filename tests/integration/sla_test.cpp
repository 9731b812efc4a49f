#include "tests/integration/harness.hpp"

#define BOOST_TEST_MODULE integration_sla
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <thread>

using namespace kefu::test;

namespace {

std::string str(json::value const& v, char const* key) {
  auto const* p = v.as_object().if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : std::string();
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs a command and returns its stdout.
std::string run(std::string const& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// Buyer b1 of m1 writes first; the chat's id from the ack.
std::string open_m1_chat(ws_client& buyer, unsigned short port, demo_setup const& s) {
  BOOST_REQUIRE_EQUAL(buyer.connect(port, buyer_target("m1", "b1", s.channel_keys.at("m1"))), 0);
  buyer.send(json::object{{"type", "send"}, {"id", "q1"}, {"text", "在吗"}});
  auto ack = buyer.read_type("ack");
  BOOST_REQUIRE(ack);
  return str(*ack, "chat");
}

// Adds a manager of m1 and returns its token.
std::string m1_manager(unsigned short port, std::string const& admin_token) {
  auto r = http(port, "POST", "/api/agents",
                json::serialize(json::object{{"id", "boss"},
                                             {"name", "主管"},
                                             {"password", "boss-password"},
                                             {"role", "manager"},
                                             {"merchants", json::array{"m1"}}}),
                {{"Authorization", "Bearer " + admin_token}});
  BOOST_REQUIRE_EQUAL(r.status, 201);
  return login(port, "boss", "boss-password");
}

}  // namespace

// A merchant with 1–3 s thresholds gets real chats: the agent's clock frames
// and the misses arrive live, and /api/sla agrees with kefu-sla replaying
// /api/events for the same window.
BOOST_AUTO_TEST_CASE(live_misses_and_reports_agree_with_replay) {
  json::object thresholds{{"first_s", 1}, {"reply_s", 1}, {"r3_s", 2}, {"r5_s", 3}};
  kefud server(json::object{{"sla_warning_ms", 400}});
  auto s = setup(server.port(), {"m1"}, {"a1", "a2"}, 5, json::object{{"thresholds", thresholds}});
  auto port = server.port();
  auto auth = std::vector<std::pair<std::string, std::string>>{
      {"Authorization", "Bearer " + s.admin_token}};
  std::int64_t from = wall_ms();

  ws_client agent;
  BOOST_REQUIRE_EQUAL(connect_online_agent(agent, port, "a1", "pw-a1-secret"), 0);
  ws_client buyer;
  std::string const chat = open_m1_chat(buyer, port, s);
  ws_client board;
  BOOST_REQUIRE_EQUAL(board.connect(port, "/ws/board", auth), 0);

  // The turn opened before the assignment; the clock arrives with it.
  auto clock = agent.read_type("clock");
  BOOST_REQUIRE(clock);
  auto const& d = clock->at("deadlines");
  BOOST_REQUIRE(d.is_object());
  auto started = clock->at("turn_started").as_int64();
  BOOST_TEST(d.at("first").as_int64() == started + 1000);
  BOOST_TEST(d.at("reply").as_int64() == started + 1000);
  BOOST_TEST(d.at("r3").as_int64() == started + 2000);
  BOOST_TEST(d.at("r5").as_int64() == started + 3000);

  // Nobody answers: a warning, then each threshold's miss, pushed as it passes.
  std::vector<std::string> seen;
  std::int64_t last_miss = 0;
  while (seen.size() < 5) {
    auto f = agent.read_type("sla", 6s);
    BOOST_REQUIRE(f);
    seen.push_back(str(*f, "kind") + ":" + str(*f, "threshold"));
    auto at = f->at("at").as_int64();
    if (str(*f, "kind") == "miss") BOOST_TEST(at > started + 999);
    last_miss = at;
  }
  // The board's figures of the day count the misses as they happen, not at the next
  // periodic refresh: within a second of the last one, every threshold shows its miss.
  bool board_counts = false;
  for (int i = 0; i < 40 && !board_counts; ++i) {
    auto f = board.read_type("board", 2s);
    BOOST_REQUIRE(f);
    if (f->at("at").as_int64() > last_miss + 1000) break;
    auto const& bm = f->at("today").at("by_merchant").as_object();
    if (!bm.contains("m1")) continue;
    auto const& m = bm.at("m1");
    board_counts = m.at("misses_60s_first").to_number<double>() == 1 &&
                   m.at("misses_30s").to_number<double>() == 1 &&
                   m.at("misses_3min").to_number<double>() == 1 &&
                   m.at("misses_5min").to_number<double>() == 1;
  }
  BOOST_TEST(board_counts);
  BOOST_TEST(seen[0] == "warning:reply");
  BOOST_TEST((std::count(seen.begin(), seen.end(), "miss:first") == 1));
  BOOST_TEST((std::count(seen.begin(), seen.end(), "miss:reply") == 1));
  BOOST_TEST(seen[3] == "miss:r3");
  BOOST_TEST(seen[4] == "miss:r5");

  agent.send(json::object{{"type", "send"}, {"id", "r1"}, {"chat", chat}, {"text", "您好"}});
  BOOST_REQUIRE(agent.read_type("ack"));
  auto answered = agent.read_type("clock");
  BOOST_REQUIRE(answered);
  BOOST_TEST(answered->at("deadlines").is_null());

  // A quick second turn: a hit on every clock.
  buyer.send(json::object{{"type", "send"}, {"id", "q2"}, {"text", "发什么快递"}});
  BOOST_REQUIRE(agent.read_type("clock"));
  agent.send(json::object{{"type", "send"}, {"id", "r2"}, {"chat", chat}, {"text", "顺丰"}});
  BOOST_REQUIRE(agent.read_type("ack"));
  // A third turn left waiting at the evaluation point (not counted yet).
  buyer.send(json::object{{"type", "send"}, {"id", "q3"}, {"text", "好的"}});
  BOOST_REQUIRE(agent.read_type("clock"));
  std::this_thread::sleep_for(100ms);
  std::int64_t to = wall_ms();
  std::this_thread::sleep_for(50ms);

  std::string window = "from=" + std::to_string(from) + "&to=" + std::to_string(to);
  auto events = http(port, "GET", "/api/events?" + window, {}, auth);
  BOOST_REQUIRE_EQUAL(events.status, 200);
  std::string dir = server.dir();
  {
    std::ofstream(dir + "/events.jsonl") << events.body;
    std::ofstream(dir + "/merchants.json")
        << json::serialize(json::object{{"m1", json::object{{"thresholds", thresholds}}}});
  }
  auto replay =
      json::parse(run(std::string(KEFU_SLA_PATH) + " --as-of " + std::to_string(to) +
                      " --merchants " + dir + "/merchants.json < " + dir + "/events.jsonl"));
  for (std::string g : {"merchant", "agent", "day"}) {
    auto api = http(port, "GET", "/api/sla?" + window + "&group=" + g, {}, auth);
    BOOST_REQUIRE_EQUAL(api.status, 200);
    auto got = api.json();
    BOOST_TEST(got.at("overall") == replay.at("overall"), g);
    BOOST_TEST(got.at("by_" + g) == replay.at("by_" + g), g);
  }
  auto overall = replay.at("overall");
  BOOST_TEST(overall.at("turns").as_int64() == 3);
  BOOST_TEST(overall.at("answered").as_int64() == 2);
  BOOST_TEST(overall.at("misses_60s_first").as_int64() == 1);
  BOOST_TEST(overall.at("misses_30s").as_int64() == 1);
  BOOST_TEST(overall.at("reply_30s_rate").as_double() == 0.5);

  auto csv = http(port, "GET", "/api/sla?" + window + "&group=agent&format=csv", {}, auth);
  BOOST_TEST(csv.status == 200);
  BOOST_TEST(csv.body.find("a1") != std::string::npos);
  auto bad = http(port, "GET", "/api/sla?from=x&to=1&group=agent", {}, auth);
  BOOST_TEST(bad.status == 400);
}

BOOST_AUTO_TEST_CASE(board_shows_live_state_and_agrees_with_report) {
  kefud server;
  auto s = setup(server.port(), {"m1", "m2"}, {"a1"}, 5);
  auto port = server.port();
  auto auth = std::vector<std::pair<std::string, std::string>>{
      {"Authorization", "Bearer " + s.admin_token}};
  auto boss = m1_manager(port, s.admin_token);
  auto a1 = login(port, "a1", "pw-a1-secret");
  ws_client refused;
  BOOST_TEST(refused.connect(port, "/ws/board", {{"Authorization", "Bearer " + a1}}) == 403);

  ws_client board;
  BOOST_REQUIRE_EQUAL(board.connect(port, "/ws/board", {{"Authorization", "Bearer " + boss}}), 0);
  auto snap = board.read_type("board");
  BOOST_REQUIRE(snap);
  BOOST_TEST(snap->at("queues").as_object().contains("m1"));
  BOOST_TEST(!snap->at("queues").as_object().contains("m2"));  // out of scope

  ws_client agent;
  BOOST_REQUIRE_EQUAL(agent.connect(port, "/ws/agent", {{"Authorization", "Bearer " + a1}}), 0);
  agent.send(json::object{{"type", "status"}, {"status", "online"}});
  ws_client buyer, other;
  BOOST_REQUIRE_EQUAL(buyer.connect(port, buyer_target("m1", "b1", s.channel_keys.at("m1"))), 0);
  BOOST_REQUIRE_EQUAL(other.connect(port, buyer_target("m2", "x1", s.channel_keys.at("m2"))), 0);
  buyer.send(json::object{{"type", "send"}, {"id", "q1"}, {"text", "在吗"}});
  other.send(json::object{{"type", "send"}, {"id", "q1"}, {"text", "在吗"}});
  auto ack = buyer.read_type("ack");
  BOOST_REQUIRE(ack);
  std::string chat = str(*ack, "chat");

  // The waiting turn shows up with its elapsed time; m2's does not.
  bool seen_turn = false;
  for (int i = 0; i < 12 && !seen_turn; ++i) {
    auto f = board.read_type("board", 2s);
    BOOST_REQUIRE(f);
    for (auto const& t : f->at("turns").as_array()) {
      BOOST_TEST(str(t, "merchant") == "m1");
      if (str(t, "chat") == chat) seen_turn = t.at("elapsed_ms").as_int64() >= 0;
    }
  }
  BOOST_TEST(seen_turn);

  agent.send(json::object{{"type", "send"}, {"id", "r1"}, {"chat", chat}, {"text", "您好"}});
  BOOST_REQUIRE(agent.read_type("ack"));
  buyer.send(json::object{{"type", "close"}, {"id", "c1"}, {"chat", chat}});
  BOOST_REQUIRE(buyer.read_type("rate_request"));
  buyer.send(json::object{{"type", "rate"}, {"chat", chat}, {"score", "satisfied"}});
  BOOST_REQUIRE(buyer.read_type("rated"));

  // Updates are coalesced: never more than four a second.
  auto t0 = std::chrono::steady_clock::now();
  int frames = 0;
  json::value last;
  while (std::chrono::steady_clock::now() - t0 < 6500ms) {
    auto f = board.read_type("board", 1s);
    if (!f) continue;
    ++frames;
    last = *f;
  }
  BOOST_TEST(frames <= 4 * 7);
  auto const& today = last.at("today").at("by_merchant");
  BOOST_REQUIRE(today.as_object().contains("m1"));
  auto const& m1 = today.at("m1");
  BOOST_TEST(m1.at("turns").as_int64() == 1);
  BOOST_TEST(m1.at("satisfaction_rate").as_double() == 1.0);
  BOOST_TEST(!today.as_object().contains("m2"));
  // The reports answer for a merchant the manager may see, refuse one outside the scope and
  // know no unknown one: the satisfaction report as the SLA and price-guide ones.
  auto const boss_auth = std::pair<std::string, std::string>{"Authorization", "Bearer " + boss};
  for (std::string report : {"/api/reports/satisfaction", "/api/sla", "/api/reports/price-guide"}) {
    auto const q = report + "?from=0&to=4102444800000";
    BOOST_TEST(http(port, "GET", q + "&merchant=m1", {}, {boss_auth}).status == 200, report);
    BOOST_TEST(http(port, "GET", q + "&merchant=m2", {}, {boss_auth}).status == 403, report);
    BOOST_TEST(http(port, "GET", q + "&merchant=m404", {}, {boss_auth}).status == 404, report);
  }
  // The m1 manager's agent list names only m1 among a1's merchants.
  auto list = http(port, "GET", "/api/agents", {}, {{"Authorization", "Bearer " + boss}}).json();
  for (auto const& a : list.at("agents").as_array())
    if (str(a, "id") == "a1") BOOST_TEST(json::serialize(a.at("merchants")) == R"(["m1"])");
  // a1 also holds m2's chat: the m1 manager sees neither that chat nor its turn.
  auto const& by_agent = last.at("today").at("by_agent");
  BOOST_REQUIRE(by_agent.as_object().contains("a1"));
  BOOST_TEST(by_agent.at("a1").at("turns").as_int64() == 1);
  for (auto const& a : last.at("agents").as_array())
    if (str(a, "id") == "a1") BOOST_TEST(a.at("chats").as_int64() == 0);

  std::int64_t now = wall_ms();
  auto rep = http(port, "GET",
                  "/api/sla?from=" + std::to_string(now - 86'400'000) +
                      "&to=" + std::to_string(now) + "&group=merchant&merchant=m1",
                  {}, auth)
                 .json();
  for (auto const* k :
       {"chats", "turns", "answered", "reply_30s_rate", "first_response_60s_rate", "misses_30s"})
    BOOST_TEST(
        m1.at(k).to_number<double>() == rep.at("by_merchant").at("m1").at(k).to_number<double>(),
        k);
}

// A transfer moves the waiting turn on the board's day figures within a second or so, as the
// turns list of the same frames already shows: one frame never credits it to both agents.
BOOST_AUTO_TEST_CASE(board_day_figures_follow_a_transfer) {
  kefud server;
  auto s = setup(server.port(), {"m1"}, {"a1", "a2"}, 5);
  auto port = server.port();
  auto boss = m1_manager(port, s.admin_token);
  ws_client board;
  BOOST_REQUIRE_EQUAL(board.connect(port, "/ws/board", {{"Authorization", "Bearer " + boss}}), 0);
  BOOST_REQUIRE(board.read_type("board"));
  ws_client x, y;
  BOOST_REQUIRE_EQUAL(connect_online_agent(x, port, "a1", "pw-a1-secret"), 0);
  ws_client buyer;
  std::string const chat = open_m1_chat(buyer, port, s);
  BOOST_REQUIRE(x.read_type("assigned"));
  BOOST_REQUIRE_EQUAL(connect_online_agent(y, port, "a2", "pw-a2-secret"), 0);
  // Until a2's status has arrived a transfer to it is refused: try again briefly.
  bool acked = false;
  for (int i = 0; i < 20 && !acked; ++i) {
    x.send(json::object{
        {"type", "transfer"}, {"id", "t" + std::to_string(i)}, {"chat", chat}, {"to", "a2"}});
    acked = x.read_type("ack", 300ms).has_value();
  }
  BOOST_REQUIRE(acked);
  auto const t0 = std::chrono::steady_clock::now();
  bool moved = false;
  while (!moved && std::chrono::steady_clock::now() - t0 < 2500ms) {
    auto f = board.read_type("board", 1s);
    if (!f) continue;
    auto const& by_agent = f->at("today").at("by_agent").as_object();
    moved = by_agent.contains("a2") && by_agent.at("a2").at("turns").as_int64() == 1 &&
            !(by_agent.contains("a1") && by_agent.at("a1").at("turns").as_int64() > 0);
  }
  BOOST_TEST(moved);
}

// An admin tightens the merchant's thresholds while a turn waits: the agent gets the new
// deadlines at once and the miss when the new reply clock runs out, as /api/sla then counts it.
BOOST_AUTO_TEST_CASE(a_policy_change_reaches_open_chats) {
  kefud server;
  auto s = setup(server.port(), {"m1"}, {"a1"}, 5);
  auto port = server.port();
  auto auth = std::vector<std::pair<std::string, std::string>>{
      {"Authorization", "Bearer " + s.admin_token}};
  ws_client agent;
  BOOST_REQUIRE_EQUAL(connect_online_agent(agent, port, "a1", "pw-a1-secret"), 0);
  ws_client buyer;
  BOOST_REQUIRE_EQUAL(buyer.connect(port, buyer_target("m1", "b1", s.channel_keys.at("m1"))), 0);
  std::int64_t from = wall_ms();
  buyer.send(json::object{{"type", "send"}, {"id", "q1"}, {"text", "在吗"}});
  auto clock = agent.read_type("clock");
  BOOST_REQUIRE(clock);
  auto started = clock->at("turn_started").as_int64();
  BOOST_TEST(clock->at("deadlines").at("reply").as_int64() == started + 30'000);

  json::object thresholds{{"first_s", 60}, {"reply_s", 1}, {"r3_s", 180}, {"r5_s", 300}};
  auto r = http(port, "PATCH", "/api/merchants/m1",
                json::serialize(json::object{{"thresholds", thresholds}}), auth);
  BOOST_REQUIRE_EQUAL(r.status, 200);
  auto moved = agent.read_type("clock", 3s);
  BOOST_REQUIRE(moved);
  BOOST_TEST(moved->at("turn_started").as_int64() == started);
  BOOST_TEST(moved->at("deadlines").at("reply").as_int64() == started + 1000);
  BOOST_TEST(moved->at("deadlines").at("first").as_int64() == started + 60'000);
  auto miss = agent.read_type("sla", 4s);
  BOOST_REQUIRE(miss);
  BOOST_TEST(str(*miss, "kind") == "miss");
  BOOST_TEST(str(*miss, "threshold") == "reply");
  BOOST_TEST(miss->at("at").as_int64() == started + 1001);

  std::int64_t to = wall_ms() + 1;
  auto rep = http(
      port, "GET",
      "/api/sla?from=" + std::to_string(from) + "&to=" + std::to_string(to) + "&group=merchant", {},
      auth);
  BOOST_REQUIRE_EQUAL(rep.status, 200);
  BOOST_TEST(rep.json().at("overall").at("misses_30s").as_int64() == 1);
}
