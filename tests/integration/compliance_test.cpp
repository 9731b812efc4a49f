#include "tests/integration/harness.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#define BOOST_TEST_MODULE integration_compliance
#include <boost/test/unit_test.hpp>

using namespace kefu::test;

namespace {

std::string str(json::value const& v, char const* key) {
  auto const* p = v.as_object().if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : std::string();
}

json::value send(std::string const& id, std::string const& chat, std::string const& text) {
  return json::object{{"type", "send"}, {"id", id}, {"chat", chat}, {"text", text}};
}

struct live_chat {
  kefud server;
  demo_setup s;
  ws_client agent, buyer;
  std::string chat;
  std::vector<std::pair<std::string, std::string>> auth;

  // After a restart of the server: the agent's socket again, online within the grace period.
  std::unique_ptr<ws_client> reconnect_agent() {
    auto c = std::make_unique<ws_client>();
    auto token = login(server.port(), "a1", "pw-a1-secret");
    BOOST_REQUIRE_EQUAL(
        c->connect(server.port(), "/ws/agent", {{"Authorization", "Bearer " + token}}), 0);
    c->send(json::object{{"type", "status"}, {"status", "online"}});
    return c;
  }

  explicit live_chat(json::object merchant_extra = {}) {
    s = setup(server.port(), {"m1"}, {"a1"}, 5, std::move(merchant_extra));
    auth = {{"Authorization", "Bearer " + s.admin_token}};
    BOOST_REQUIRE_EQUAL(connect_online_agent(agent, server.port(), "a1", "pw-a1-secret"), 0);
    BOOST_REQUIRE(agent.read_type("status"));
    BOOST_REQUIRE_EQUAL(
        buyer.connect(server.port(), buyer_target("m1", "b1", s.channel_keys.at("m1"))), 0);
    buyer.send(json::object{{"type", "send"}, {"id", "hello"}, {"text", "你好"}});
    auto ack = buyer.read_type("ack");
    BOOST_REQUIRE(ack);
    chat = str(*ack, "chat");
    BOOST_REQUIRE(agent.read_type("assigned"));
  }
  // Messages the buyer received from the agent within `wait`.
  std::vector<std::string> agent_texts_at_buyer(std::chrono::milliseconds wait) {
    std::vector<std::string> out;
    while (auto f = buyer.read(wait))
      if (str(*f, "type") == "message" && str(*f, "from") == "agent")
        out.push_back(str(*f, "text"));
    return out;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(blocked_never_reaches_the_buyer_and_is_kept_for_qa) {
  live_chat w;
  w.agent.send(send("bad", w.chat, "加我微信：wxid_abc123 私聊"));
  auto b = w.agent.read_type("blocked");
  BOOST_REQUIRE(b);
  BOOST_TEST(str(*b, "id") == "bad");
  auto const& v = b->at("verdict");
  BOOST_TEST(str(v, "action") == "block");
  BOOST_TEST(str(v.at("violations").as_array().at(0), "category") == "contact");
  BOOST_TEST(!str(v, "pack").empty());
  // A re-send of the blocked id gets the same answer and stores nothing new.
  w.agent.send(send("bad", w.chat, "加我微信：wxid_abc123 私聊"));
  auto b2 = w.agent.read_type("blocked");
  BOOST_REQUIRE(b2);
  BOOST_TEST(b2->at("verdict") == b->at("verdict"));

  // A proper reply goes through; the buyer never saw the blocked text.
  w.agent.send(send("good", w.chat, "您好，请问有什么可以帮您？"));
  BOOST_REQUIRE(w.agent.read_type("ack"));
  auto seen = w.agent_texts_at_buyer(800ms);
  BOOST_TEST(seen == std::vector<std::string>{"您好，请问有什么可以帮您？"});

  auto t = http(w.server.port(), "GET", "/api/chats/" + w.chat, {}, w.auth).json();
  auto const& blocked = t.at("blocked").as_array();
  BOOST_REQUIRE_EQUAL(blocked.size(), 1u);
  BOOST_TEST(str(blocked[0], "text") == "加我微信：wxid_abc123 私聊");
  BOOST_TEST(str(blocked[0].at("verdict"), "action") == "block");
  for (auto const& m : t.at("messages").as_array())
    BOOST_TEST(str(m, "text").find("wxid") == std::string::npos);
  // Blocked messages are not SLA events.
  auto ev = http(w.server.port(), "GET", "/api/events?from=0&to=99999999999999", {}, w.auth);
  std::size_t agent_lines = 0;
  for (std::size_t pos = 0; (pos = ev.body.find("\"type\":\"agent\"", pos)) != std::string::npos;
       ++pos)
    ++agent_lines;
  BOOST_TEST(agent_lines == 1u);
}

BOOST_AUTO_TEST_CASE(warned_message_arrives_with_its_verdict) {
  live_chat w;
  w.agent.send(send("w1", w.chat, "这款是全网最低价"));
  auto ack = w.agent.read_type("ack");
  BOOST_REQUIRE(ack);
  BOOST_TEST(ack->at("seq").is_int64());
  BOOST_TEST(w.agent_texts_at_buyer(800ms) == std::vector<std::string>{"这款是全网最低价"});
  auto t = http(w.server.port(), "GET", "/api/chats/" + w.chat, {}, w.auth).json();
  bool found = false;
  for (auto const& m : t.at("messages").as_array())
    if (str(m, "text") == "这款是全网最低价") {
      found = true;
      BOOST_TEST(str(m.at("verdict"), "action") == "warn");
      BOOST_TEST(str(m.at("verdict").at("violations").as_array().at(0), "category") ==
                 "exaggeration");
    }
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(buyer_off_platform_request_warns_the_agent) {
  live_chat w;
  w.buyer.send(json::object{{"type", "send"}, {"id", "q2"}, {"text", "你加我微信吧 13800138000"}});
  BOOST_REQUIRE(w.buyer.read_type("ack"));
  auto m = w.agent.read_type("warning");
  BOOST_REQUIRE(m);
  BOOST_TEST(str(*m, "chat") == w.chat);
  BOOST_TEST(str(m->at("verdict"), "action") == "warn");
  BOOST_TEST(m->at("seq").as_int64() > 0);
}

BOOST_AUTO_TEST_CASE(digits_split_over_three_messages_are_caught) {
  live_chat w;
  w.agent.send(send("p1", w.chat, "138"));
  BOOST_REQUIRE(w.agent.read_type("ack"));
  w.agent.send(send("p2", w.chat, "0013"));
  BOOST_REQUIRE(w.agent.read_type("ack"));
  w.agent.send(send("p3", w.chat, "8000"));
  auto b = w.agent.read_type("blocked");
  BOOST_REQUIRE(b);
  auto const& v = b->at("verdict").at("violations").as_array().at(0);
  BOOST_TEST(str(v, "excerpt") == "8000");
  BOOST_TEST(v.at("start").as_int64() == 0);
}

// A re-sent frame (same id) gets its old ack and does not enter the window a second time: the
// split 我的微信 / 是 / kefu8888 is still seen whole after 是 was sent twice.
BOOST_AUTO_TEST_CASE(a_resend_does_not_push_the_window_along) {
  live_chat w;
  w.agent.send(send("s1", w.chat, "我的微信"));
  BOOST_REQUIRE(w.agent.read_type("ack"));
  w.agent.send(send("s2", w.chat, "是"));
  auto first = w.agent.read_type("ack");
  BOOST_REQUIRE(first);
  w.agent.send(send("s2", w.chat, "是"));
  auto again = w.agent.read_type("ack");
  BOOST_REQUIRE(again);
  BOOST_TEST(again->at("seq").as_int64() == first->at("seq").as_int64());
  w.agent.send(send("s3", w.chat, "kefu8888"));
  auto b = w.agent.read();
  while (b && str(*b, "type") != "blocked" && str(*b, "type") != "ack") b = w.agent.read();
  BOOST_REQUIRE(b);
  BOOST_TEST(str(*b, "type") == "blocked");
}

BOOST_AUTO_TEST_CASE(check_endpoint_and_as_you_type_window) {
  live_chat w;
  auto check = [&](json::object body) {
    return http(w.server.port(), "POST", "/api/compliance/check", json::serialize(body), w.auth);
  };
  auto r = check({{"merchant", "m1"}, {"role", "agent"}, {"text", "亲，我管不了这个"}});
  BOOST_REQUIRE_EQUAL(r.status, 200);
  auto v = r.json();
  BOOST_TEST(str(v, "action") == "warn");
  auto const& viol = v.at("violations").as_array().at(0);
  BOOST_TEST(str(viol, "category") == "rude");
  BOOST_TEST(!str(viol, "suggestion").empty());
  BOOST_TEST(viol.at("start").as_int64() == 2);
  BOOST_TEST(viol.at("end").as_int64() == 6);
  // Buyers are never blocked.
  r = check({{"merchant", "m1"}, {"role", "buyer"}, {"text", "加我微信：wxid_abc123"}});
  BOOST_TEST(str(r.json(), "action") == "warn");
  // With a chat, the chat's window is read but not changed.
  w.agent.send(send("p1", w.chat, "138"));
  BOOST_REQUIRE(w.agent.read_type("ack"));
  w.agent.send(send("p2", w.chat, "0013"));
  BOOST_REQUIRE(w.agent.read_type("ack"));
  r = check({{"merchant", "m1"}, {"role", "agent"}, {"text", "8000"}, {"chat", w.chat}});
  BOOST_TEST(str(r.json(), "action") == "block");
  r = check({{"merchant", "m1"}, {"role", "agent"}, {"text", "8000"}});
  BOOST_TEST(str(r.json(), "action") == "allow");
  BOOST_TEST(check({{"merchant", "m1"}}).status == 400);
  BOOST_TEST(check({{"merchant", "nope"}, {"text", "x"}}).status == 404);
}

BOOST_AUTO_TEST_CASE(repeated_blocks_suspend_sending_until_a_manager_lifts_it) {
  live_chat w(json::object{{"suspension", json::object{{"blocks", 2}, {"window_s", 600}}}});
  w.agent.send(send("x1", w.chat, "加我微信：wxid_abc123"));
  BOOST_REQUIRE(w.agent.read_type("blocked"));
  w.agent.send(send("x2", w.chat, "我的qq是 12345678 加我"));
  BOOST_REQUIRE(w.agent.read_type("blocked"));
  BOOST_REQUIRE(w.agent.read_type("suspended"));
  w.agent.send(send("x3", w.chat, "您好"));
  auto e = w.agent.read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "code") == "suspended");
  // A restart lifts nothing: the agent is told again when it connects, and still refused.
  w.server.stop();
  w.server.start();
  auto again = w.reconnect_agent();
  auto told = again->read_type("suspended");
  BOOST_REQUIRE(told);
  BOOST_TEST(str(*told, "merchant") == "m1");
  again->send(send("x4", w.chat, "您好"));
  e = again->read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "code") == "suspended");
  w.auth = {{"Authorization", "Bearer " + login(w.server.port(), "admin", "admin-password")}};
  auto r = http(w.server.port(), "POST", "/api/agents/a1/unsuspend",
                json::serialize(json::object{{"merchant", "m1"}}), w.auth);
  BOOST_TEST(r.status == 200);
  BOOST_REQUIRE(again->read_type("unsuspended"));
  again->send(send("x3", w.chat, "您好"));
  BOOST_REQUIRE(again->read_type("ack"));
}

BOOST_AUTO_TEST_CASE(greeting_template_enforced_in_agent_mode) {
  live_chat w(
      json::object{{"greeting_mode", "agent"},
                   {"greeting", "您好，欢迎光临{merchant}，我是{agent}"},
                   {"compliance", json::object{{"actions", json::object{{"greeting", "block"}}}}}});
  w.agent.send(send("g1", w.chat, "在的"));
  auto b = w.agent.read_type("blocked");
  BOOST_REQUIRE(b);
  BOOST_TEST(str(b->at("verdict").at("violations").as_array().at(0), "category") == "greeting");
  w.agent.send(send("g2", w.chat, "您好，欢迎光临店铺m1，我是客服a1"));
  BOOST_REQUIRE(w.agent.read_type("ack"));
  w.agent.send(send("g3", w.chat, "在的"));  // later messages are not held to it
  BOOST_REQUIRE(w.agent.read_type("ack"));
  // Not after a restart either: the greeting is behind this chat.
  w.server.stop();
  w.server.start();
  auto again = w.reconnect_agent();
  again->send(send("g4", w.chat, "好的"));
  BOOST_REQUIRE(again->read_type("ack"));
  // No auto greeting in agent mode.
  for (auto const& f : w.buyer.skipped) BOOST_TEST(str(f, "from") != "auto");
}

BOOST_AUTO_TEST_CASE(merchant_overrides_apply_without_restart) {
  live_chat w;
  w.agent.send(send("o1", w.chat, "这款支持原单发货"));
  BOOST_REQUIRE(w.agent.read_type("ack"));
  auto r =
      http(w.server.port(), "PATCH", "/api/merchants/m1",
           json::serialize(json::object{
               {"compliance",
                json::object{{"phrases", json::object{{"counterfeit", json::array{"原单"}}}}}}}),
           w.auth);
  BOOST_REQUIRE_EQUAL(r.status, 200);
  w.agent.send(send("o2", w.chat, "这款支持原单发货哦"));
  auto b = w.agent.read_type("blocked");
  BOOST_REQUIRE(b);
  BOOST_TEST(str(b->at("verdict").at("violations").as_array().at(0), "category") == "counterfeit");
  auto bad =
      http(w.server.port(), "PATCH", "/api/merchants/m1",
           json::serialize(json::object{
               {"compliance", json::object{{"actions", json::object{{"nonsense", "block"}}}}}}),
           w.auth);
  BOOST_TEST(bad.status == 400);
}

// An admin extends a platform pack on disk and reloads it: the next check uses it, no restart.
// A broken pack is refused with its error and the running rules stay.
BOOST_AUTO_TEST_CASE(platform_packs_reload_without_restart) {
  namespace fs = std::filesystem;
  fs::path const rules = fs::temp_directory_path() / ("kefu-rules-" + std::to_string(::getpid()));
  fs::remove_all(rules);
  fs::copy(KEFU_SOURCE_RULES_DIR, rules, fs::copy_options::recursive);
  kefud server(json::object{{"rules_dir", rules.string()}});
  auto s = setup(server.port(), {"m1"}, {"a1"});
  std::vector<std::pair<std::string, std::string>> auth{
      {"Authorization", "Bearer " + s.admin_token}};
  auto check = [&](std::string const& text) {
    auto r = http(server.port(), "POST", "/api/compliance/check",
                  json::serialize(json::object{{"merchant", "m1"}, {"text", text}}), auth);
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return str(r.json(), "action");
  };
  BOOST_TEST(check("这款是工厂货") == "allow");
  auto const file = rules / "kuaishou.json";
  std::string original;
  {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    original = ss.str();
  }
  auto pack = json::parse(original).as_object();
  pack["version"] = "kuaishou-test.2";
  pack["rules"].as_array().push_back(json::object{{"id", "counterfeit.factory"},
                                                  {"category", "counterfeit"},
                                                  {"phrases", json::array{"工厂货"}}});
  std::ofstream(file) << json::serialize(pack);
  // Not for agents or managers.
  auto a1 = login(server.port(), "a1", "pw-a1-secret");
  BOOST_TEST(
      http(server.port(), "POST", "/api/rules/reload", {}, {{"Authorization", "Bearer " + a1}})
          .status == 403);
  auto r = http(server.port(), "POST", "/api/rules/reload", {}, auth);
  BOOST_REQUIRE_EQUAL(r.status, 200);
  BOOST_TEST(str(r.json().at("packs"), "kuaishou") == "kuaishou-test.2");
  BOOST_TEST(check("这款是工厂货") == "block");
  auto verdict = http(server.port(), "POST", "/api/compliance/check",
                      json::serialize(json::object{{"merchant", "m1"}, {"text", "工厂货"}}), auth)
                     .json();
  BOOST_TEST(str(verdict, "pack").find("kuaishou-test.2") == 0u);

  std::ofstream(file) << "{ not json";
  auto bad = http(server.port(), "POST", "/api/rules/reload", {}, auth);
  BOOST_TEST(bad.status == 400);
  BOOST_TEST(bad.body.find("kuaishou") != std::string::npos, bad.body);
  BOOST_TEST(check("这款是工厂货") == "block");  // the last good packs stay
  BOOST_TEST(str(http(server.port(), "GET", "/api/rules", {}, auth).json().at("packs"),
                 "kuaishou") == "kuaishou-test.2");
  fs::remove_all(rules);
}
