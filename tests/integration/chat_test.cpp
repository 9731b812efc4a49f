#include "tests/integration/harness.hpp"

#define BOOST_TEST_MODULE integration_chat
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <map>
#include <set>
#include <thread>

using namespace kefu::test;

namespace {

std::string str(json::value const& v, char const* key) {
  auto const* p = v.as_object().if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : std::string();
}
std::int64_t num(json::value const& v, char const* key) {
  auto const* p = v.as_object().if_contains(key);
  return p && p->is_int64() ? p->as_int64() : -1;
}

json::value send_frame(std::string const& id, std::string const& text, std::string chat = {}) {
  json::object o{{"type", "send"}, {"id", id}, {"text", text}};
  if (!chat.empty()) o["chat"] = chat;
  return o;
}

// Sends `frame` and returns the code of the error frame that answers it ("" when none does).
std::string error_code_for(ws_client& c, json::value const& frame) {
  c.send(frame);
  auto e = c.read_type("error");
  return e ? str(*e, "code") : std::string();
}

struct world {
  kefud server;
  demo_setup s;
  explicit world(std::vector<std::string> agents = {"a1"}, int capacity = 5, json::object cfg = {},
                 json::object merchant_extra = {})
      : server(std::move(cfg)) {
    s = setup(server.port(), {"m1"}, agents, capacity, std::move(merchant_extra));
  }
  std::unique_ptr<ws_client> agent(std::string const& id, bool online = true) {
    auto c = std::make_unique<ws_client>();
    auto token = login(server.port(), id, "pw-" + id + "-secret");
    BOOST_REQUIRE_EQUAL(
        c->connect(server.port(), "/ws/agent", {{"Authorization", "Bearer " + token}}), 0);
    BOOST_REQUIRE(c->read_type("status"));
    if (online) {
      c->send(json::object{{"type", "status"}, {"status", "online"}});
      BOOST_REQUIRE(c->read_type("status"));
    }
    return c;
  }
  // The agent's socket again (a reload, a restart of the server): logged in and connected,
  // its status left to what the server kept.
  std::unique_ptr<ws_client> rejoin(std::string const& id) {
    auto c = std::make_unique<ws_client>();
    auto token = login(server.port(), id, "pw-" + id + "-secret");
    BOOST_REQUIRE_EQUAL(
        c->connect(server.port(), "/ws/agent", {{"Authorization", "Bearer " + token}}), 0);
    return c;
  }
  std::unique_ptr<ws_client> buyer(std::string const& id) {
    auto c = std::make_unique<ws_client>();
    BOOST_REQUIRE_EQUAL(c->connect(server.port(), buyer_target("m1", id, s.channel_keys.at("m1"))),
                        0);
    return c;
  }
  http_result get(std::string const& target) {
    return http(server.port(), "GET", target, {}, {{"Authorization", "Bearer " + s.admin_token}});
  }
};

// The buyer's first message opens a chat that `agent` takes; returns the chat id.
std::string open_chat(ws_client& buyer, ws_client& agent, std::string const& text = "在吗") {
  buyer.send(send_frame("q", text));
  auto ack = buyer.read_type("ack");
  BOOST_REQUIRE(ack);
  BOOST_REQUIRE(agent.read_type("assigned"));
  return str(*ack, "chat");
}

// The buyer's answer to a close: `closed`, then `rate_request`; the chat closed ("" if none).
std::string read_closed(ws_client& buyer) {
  auto closed = buyer.read_type("closed");
  BOOST_REQUIRE(closed);
  BOOST_REQUIRE(buyer.read_type("rate_request"));
  return str(*closed, "chat");
}

// The agent's status says online and a new buyer is routed to it at once.
void expect_online_and_taking_chats(world& w, ws_client& agent, std::string const& buyer) {
  auto st = agent.read_type("status");
  BOOST_REQUIRE(st);
  BOOST_TEST(str(*st, "status") == "online");
  auto b = w.buyer(buyer);
  b->send(send_frame("q", "你好"));
  BOOST_REQUIRE(b->read_type("ack"));
  BOOST_REQUIRE(agent.read_type("assigned"));
}

}  // namespace

BOOST_AUTO_TEST_CASE(end_to_end_chat_with_greeting_and_transcript) {
  world w;
  auto agent = w.agent("a1");
  auto buyer = w.buyer("b1");
  buyer->send(send_frame("q1", "你好，在吗"));
  auto ack = buyer->read_type("ack");
  BOOST_REQUIRE(ack);
  BOOST_TEST(str(*ack, "id") == "q1");
  BOOST_TEST(num(*ack, "seq") == 1);
  std::string chat = str(*ack, "chat");
  BOOST_TEST(!chat.empty());

  auto assigned = agent->read_type("assigned");
  BOOST_REQUIRE(assigned);
  auto const& c = assigned->at("chat");
  BOOST_TEST(str(c, "id") == chat);
  BOOST_TEST(str(c, "buyer") == "b1");
  BOOST_TEST(c.at("history").as_array().size() == 1u);

  // The greeting goes out as an auto message to both sides.
  auto greet = buyer->read_type("message");
  BOOST_REQUIRE(greet);
  BOOST_TEST(str(*greet, "from") == "auto");
  BOOST_TEST(num(*greet, "seq") == 2);
  BOOST_TEST(str(*greet, "text") == "您好，店铺m1客服客服a1为您服务");
  auto agent_greet = agent->read_type("message");
  BOOST_REQUIRE(agent_greet);
  BOOST_TEST(str(*agent_greet, "from") == "auto");

  agent->send(send_frame("r1", "在的，请问有什么可以帮您？", chat));
  auto aack = agent->read_type("ack");
  BOOST_REQUIRE(aack);
  BOOST_TEST(num(*aack, "seq") == 3);
  auto reply = buyer->read_type("message");
  BOOST_REQUIRE(reply);
  BOOST_TEST(str(*reply, "from") == "agent");
  BOOST_TEST(str(*reply, "text") == "在的，请问有什么可以帮您？");

  buyer->send(send_frame("q2", "这个有货吗"));
  BOOST_REQUIRE(buyer->read_type("ack"));
  auto m = agent->read_type("message");
  BOOST_REQUIRE(m);
  BOOST_TEST(str(*m, "from") == "buyer");
  BOOST_TEST(num(*m, "seq") == 4);

  // Close by the agent: the buyer is asked to rate.
  agent->send(json::object{{"type", "close"}, {"id", "x1"}, {"chat", chat}});
  BOOST_REQUIRE(agent->read_type("ack"));
  BOOST_REQUIRE(buyer->read_type("closed"));
  BOOST_REQUIRE(buyer->read_type("rate_request"));
  buyer->send(json::object{{"type", "rate"}, {"chat", chat}, {"score", "satisfied"}});
  BOOST_REQUIRE(buyer->read_type("rated"));
  // A close sent again for the closed chat (its answer lost on a reconnect) is answered the
  // same way, not with an error.
  buyer->send(json::object{{"type", "close"}, {"id", "bx1"}, {"chat", chat}});
  auto again = buyer->read_type("closed");
  BOOST_REQUIRE(again);
  BOOST_TEST(str(*again, "chat") == chat);
  BOOST_REQUIRE(buyer->read_type("rate_request"));

  auto t = w.get("/api/chats/" + chat);
  BOOST_REQUIRE_EQUAL(t.status, 200);
  auto tj = t.json();
  auto const& msgs = tj.at("messages").as_array();
  BOOST_REQUIRE_EQUAL(msgs.size(), 4u);
  std::vector<std::string> from;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    BOOST_TEST(msgs[i].at("seq").as_int64() == static_cast<std::int64_t>(i + 1));
    from.push_back(std::string(msgs[i].at("from").as_string()));
  }
  BOOST_TEST((from == std::vector<std::string>{"buyer", "auto", "agent", "buyer"}));
  BOOST_TEST(str(tj, "rating") == "satisfied");
  BOOST_TEST(tj.at("closed").is_int64());

  // The event export has the SLA replay shape.
  auto ev = w.get("/api/events?from=0&to=99999999999999");
  BOOST_REQUIRE_EQUAL(ev.status, 200);
  BOOST_TEST(ev.headers["content-type"] == "application/x-ndjson");
  std::vector<std::string> types;
  std::size_t pos = 0;
  while (pos < ev.body.size()) {
    auto nl = ev.body.find('\n', pos);
    auto line = json::parse(ev.body.substr(pos, nl - pos));
    types.push_back(std::string(line.at("type").as_string()));
    BOOST_TEST(str(line, "merchant") == "m1");
    BOOST_TEST(str(line, "chat") == chat);
    pos = nl + 1;
  }
  BOOST_TEST(
      (types == std::vector<std::string>{"buyer", "assign", "auto", "agent", "buyer", "close"}));

  // A buyer who writes after the close starts a new chat.
  buyer->send(send_frame("q3", "还有一个问题"));
  auto ack3 = buyer->read_type("ack");
  BOOST_REQUIRE(ack3);
  BOOST_TEST(str(*ack3, "chat") != chat);
  BOOST_TEST(num(*ack3, "seq") == 1);
}

BOOST_AUTO_TEST_CASE(fifty_buyers_five_agents_exactly_once_in_order) {
  std::vector<std::string> agent_ids{"a1", "a2", "a3", "a4", "a5"};
  world w(agent_ids, 10);
  std::vector<std::unique_ptr<ws_client>> agents;
  for (auto const& a : agent_ids) agents.push_back(w.agent(a));
  constexpr int buyers_n = 50;
  constexpr int rounds = 8;
  std::vector<std::unique_ptr<ws_client>> buyers;
  for (int i = 0; i < buyers_n; ++i) buyers.push_back(w.buyer("b" + std::to_string(i)));

  std::map<std::string, int> chat_of_buyer_index;  // chat -> buyer index
  std::vector<std::string> chat_of(buyers_n);
  std::map<std::string, std::vector<std::int64_t>> buyer_seen;  // chat -> seqs seen by buyer
  std::map<std::string, std::vector<std::string>> agent_texts;  // chat -> buyer texts seen by agent
  std::map<std::string, std::string> holder;                    // chat -> agent index
  std::set<std::pair<std::string, std::int64_t>> agent_seen;    // duplicates check

  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < buyers_n; ++i)
      buyers[i]->send(send_frame("q" + std::to_string(r),
                                 "b" + std::to_string(i) + " 第" + std::to_string(r) + "问"));
    for (int i = 0; i < buyers_n; ++i) {
      auto ack = buyers[i]->read_type("ack", 10s);
      BOOST_REQUIRE(ack);
      chat_of[i] = str(*ack, "chat");
      chat_of_buyer_index[chat_of[i]] = i;
      buyer_seen[chat_of[i]].push_back(num(*ack, "seq"));
    }
    // Agents answer each buyer message of this round exactly once.
    int answered = 0;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (answered < buyers_n && std::chrono::steady_clock::now() < deadline) {
      for (std::size_t a = 0; a < agents.size(); ++a) {
        while (auto f = agents[a]->read(20ms)) {
          auto type = str(*f, "type");
          if (type == "assigned") {
            auto const& c = f->at("chat");
            holder[str(c, "id")] = agent_ids[a];
            for (auto const& h : c.at("history").as_array()) {
              if (str(h, "from") != "buyer") continue;
              auto key = std::make_pair(str(c, "id"), num(h, "seq"));
              if (agent_seen.insert(key).second) {
                agent_texts[key.first].push_back(str(h, "text"));
                agents[a]->send(send_frame("r" + key.first + "-" + std::to_string(key.second),
                                           "收到", key.first));
                ++answered;
              }
            }
          } else if (type == "message" && str(*f, "from") == "buyer") {
            auto key = std::make_pair(str(*f, "chat"), num(*f, "seq"));
            BOOST_TEST(agent_seen.insert(key).second, "duplicate delivery to agent");
            BOOST_TEST(holder[key.first] == agent_ids[a]);
            agent_texts[key.first].push_back(str(*f, "text"));
            agents[a]->send(
                send_frame("r" + key.first + "-" + std::to_string(key.second), "收到", key.first));
            ++answered;
          }
        }
      }
    }
    BOOST_REQUIRE_EQUAL(answered, buyers_n);
    // Every buyer gets the agent's reply (and, in round 0, the greeting).
    for (int i = 0; i < buyers_n; ++i) {
      while (true) {
        auto m = buyers[i]->read_type("message", 10s);
        BOOST_REQUIRE(m);
        buyer_seen[chat_of[i]].push_back(num(*m, "seq"));
        if (str(*m, "from") == "agent") break;
      }
    }
  }
  // Per chat: the buyer saw every seq 1..N exactly once and in order, the
  // agent saw the buyer's questions in the order they were asked.
  BOOST_REQUIRE_EQUAL(buyer_seen.size(), static_cast<std::size_t>(buyers_n));
  for (auto const& [chat, seqs] : buyer_seen) {
    for (std::size_t k = 0; k < seqs.size(); ++k)
      BOOST_TEST(seqs[k] == static_cast<std::int64_t>(k + 1), "chat " << chat << " position " << k);
    auto i = chat_of_buyer_index[chat];
    auto const& texts = agent_texts[chat];
    BOOST_REQUIRE_EQUAL(texts.size(), static_cast<std::size_t>(rounds));
    for (int r = 0; r < rounds; ++r)
      BOOST_TEST(texts[r] == "b" + std::to_string(i) + " 第" + std::to_string(r) + "问");
  }
  // Load spread: fewest open chats first, capacity 10 each.
  std::map<std::string, int> load;
  for (auto const& [chat, a] : holder) load[a]++;
  for (auto const& [a, n] : load) BOOST_TEST(n == 10);
  // The transcript of one chat matches what was delivered.
  auto t = w.get("/api/chats/" + chat_of[7]).json();
  BOOST_TEST(t.at("messages").as_array().size() == buyer_seen[chat_of[7]].size());
}

BOOST_AUTO_TEST_CASE(resend_returns_original_ack_and_stores_once) {
  world w;
  auto agent = w.agent("a1");
  auto buyer = w.buyer("b1");
  buyer->send(send_frame("dup", "第一次"));
  auto a1 = buyer->read_type("ack");
  BOOST_REQUIRE(a1);
  std::string chat = str(*a1, "chat");
  BOOST_REQUIRE(agent->read_type("assigned"));
  // Sequential re-send, even with other text.
  buyer->send(send_frame("dup", "第一次"));
  auto a2 = buyer->read_type("ack");
  BOOST_REQUIRE(a2);
  BOOST_TEST(num(*a2, "seq") == num(*a1, "seq"));
  BOOST_TEST(str(*a2, "chat") == chat);

  // Racing: the same id on two sockets of the same buyer at once.
  auto second = w.buyer("b1");
  buyer->send(send_frame("race", "同时"));
  second->send(send_frame("race", "同时"));
  auto r1 = buyer->read_type("ack");
  auto r2 = second->read_type("ack");
  BOOST_REQUIRE(r1);
  BOOST_REQUIRE(r2);
  BOOST_TEST(num(*r1, "seq") == num(*r2, "seq"));

  // Agent side too.
  agent->send(send_frame("ra", "您好", chat));
  auto x1 = agent->read_type("ack");
  agent->send(send_frame("ra", "您好", chat));
  auto x2 = agent->read_type("ack");
  BOOST_REQUIRE(x1);
  BOOST_REQUIRE(x2);
  BOOST_TEST(num(*x1, "seq") == num(*x2, "seq"));

  auto t = w.get("/api/chats/" + chat).json();
  int first = 0, race = 0, ra = 0;
  for (auto const& m : t.at("messages").as_array()) {
    auto text = str(m, "text");
    first += text == "第一次";
    race += text == "同时";
    ra += text == "您好";
  }
  BOOST_TEST(first == 1);
  BOOST_TEST(race == 1);
  BOOST_TEST(ra == 1);

  // The transcript view wrote an audit entry on another connection; a login writes a session.
  // Storing goes on after the re-sends all the same.
  login(w.server.port(), "a1", "pw-a1-secret");
  buyer->send(send_frame("later", "之后还能发"));
  auto later = buyer->read_type("ack");
  BOOST_REQUIRE(later);
  BOOST_TEST(num(*later, "seq") > num(*x1, "seq"));
  agent->send(send_frame("later-a", "收到", chat));
  BOOST_REQUIRE(agent->read_type("ack"));

  // After a restart the database still enforces it.
  w.server.stop();
  w.server.start();
  auto again = w.buyer("b1");
  again->send(send_frame("dup", "第一次"));
  auto a3 = again->read_type("ack");
  BOOST_REQUIRE(a3);
  BOOST_TEST(num(*a3, "seq") == num(*a1, "seq"));
  BOOST_TEST(str(*a3, "chat") == chat);
}

BOOST_AUTO_TEST_CASE(resume_replays_missed_messages) {
  world w({"a1", "a2"});
  auto agent = w.agent("a1");
  auto buyer = w.buyer("b1");
  buyer->send(send_frame("q1", "在吗"));
  auto ack = buyer->read_type("ack");
  BOOST_REQUIRE(ack);
  std::string chat = str(*ack, "chat");
  BOOST_REQUIRE(agent->read_type("assigned"));
  BOOST_REQUIRE(buyer->read_type("message"));  // greeting, seq 2
  buyer->close();
  for (int i = 0; i < 3; ++i) {
    agent->send(send_frame("r" + std::to_string(i), "回复" + std::to_string(i), chat));
    BOOST_REQUIRE(agent->read_type("ack"));
  }
  auto back = w.buyer("b1");
  back->send(json::object{{"type", "resume"}, {"chat", chat}, {"after", 2}});
  for (int i = 0; i < 3; ++i) {
    auto m = back->read_type("message");
    BOOST_REQUIRE(m);
    BOOST_TEST(num(*m, "seq") == 3 + i);
    BOOST_TEST(str(*m, "text") == "回复" + std::to_string(i));
  }
  // Nothing more, and an impossible resume asks for a resync.
  back->send(json::object{{"type", "resume"}, {"chat", chat}, {"after", 99}});
  auto err = back->read_type("error");
  BOOST_REQUIRE(err);
  BOOST_TEST(str(*err, "code") == "resync");
  BOOST_TEST(back->skipped.empty());
  // Somebody else's chat is forbidden to read, close or rate; a chat that does not exist is
  // not_found.
  auto other = w.buyer("b2");
  other->send(json::object{{"type", "resume"}, {"chat", chat}, {"after", 0}});
  auto e2 = other->read_type("error");
  BOOST_REQUIRE(e2);
  BOOST_TEST(str(*e2, "code") == "forbidden");
  other->send(json::object{{"type", "close"}, {"id", "x1"}, {"chat", chat}});
  e2 = other->read_type("error");
  BOOST_REQUIRE(e2);
  BOOST_TEST(str(*e2, "code") == "forbidden");
  other->send(json::object{{"type", "rate"}, {"chat", chat}, {"score", "satisfied"}});
  e2 = other->read_type("error");
  BOOST_REQUIRE(e2);
  BOOST_TEST(str(*e2, "code") == "forbidden");
  other->send(json::object{{"type", "resume"}, {"chat", "no-such-chat"}, {"after", 0}});
  e2 = other->read_type("error");
  BOOST_REQUIRE(e2);
  BOOST_TEST(str(*e2, "code") == "not_found");
  // Agent resume from 0 gets everything.
  agent->skipped.clear();
  agent->send(json::object{{"type", "resume"}, {"chat", chat}, {"after", 0}});
  for (int i = 1; i <= 5; ++i) {
    auto m = agent->read_type("message");
    BOOST_REQUIRE(m);
    BOOST_TEST(num(*m, "seq") == i);
  }
  // After the chat closed, the agent who held it can still catch up; another agent cannot.
  back->send(json::object{{"type", "close"}, {"id", "bye"}, {"chat", chat}});
  BOOST_REQUIRE(back->read_type("closed"));
  BOOST_REQUIRE(agent->read_type("unassigned"));
  agent->skipped.clear();
  agent->send(json::object{{"type", "resume"}, {"chat", chat}, {"after", 3}});
  for (int i = 4; i <= 5; ++i) {
    auto m = agent->read_type("message");
    BOOST_REQUIRE(m);
    BOOST_TEST(num(*m, "seq") == i);
  }
  auto stranger = w.agent("a2", false);
  stranger->send(json::object{{"type", "resume"}, {"chat", chat}, {"after", 0}});
  auto e3 = stranger->read_type("error");
  BOOST_REQUIRE(e3);
  BOOST_TEST(str(*e3, "code") == "forbidden");
}

BOOST_AUTO_TEST_CASE(bad_frames_get_errors_and_the_connection_stays) {
  world w;
  auto buyer = w.buyer("b1");
  buyer->send(std::string("{not json"));
  auto e = buyer->read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "code") == "bad_request");
  buyer->send(json::object{{"type", "dance"}, {"id", "x"}});
  e = buyer->read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "code") == "bad_request");
  BOOST_TEST(str(*e, "id") == "x");
  buyer->send(json::object{{"type", "send"}, {"id", "x2"}});  // no text
  e = buyer->read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "id") == "x2");
  buyer->send(std::string("[1,2]"));
  BOOST_REQUIRE(buyer->read_type("error"));
  buyer->send(json::object{{"type", "send"}, {"id", "ok"}, {"text", "现在正常"}});
  auto ack = buyer->read_type("ack");
  BOOST_REQUIRE(ack);
  BOOST_TEST(num(*ack, "seq") == 1);
  // An agent may not write into a chat that is not its own.
  auto agent = w.agent("a1", false);
  agent->send(send_frame("z", "hi", str(*ack, "chat")));
  e = agent->read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "code") == "forbidden");
  agent->send(send_frame("z2", "hi", "nochat"));
  e = agent->read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "code") == "not_found");
}

BOOST_AUTO_TEST_CASE(queue_positions_transfer_and_capacity) {
  world w({"a1", "a2"}, 1);
  auto a1 = w.agent("a1");
  auto b1 = w.buyer("b1");
  b1->send(send_frame("q", "1"));
  auto ack = b1->read_type("ack");
  BOOST_REQUIRE(ack);
  std::string chat1 = str(*ack, "chat");
  BOOST_REQUIRE(a1->read_type("assigned"));
  auto b2 = w.buyer("b2");
  b2->send(send_frame("q", "2"));
  auto q = b2->read_type("queued");
  BOOST_REQUIRE(q);
  BOOST_TEST(num(*q, "position") == 1);
  auto b3 = w.buyer("b3");
  b3->send(send_frame("q", "3"));
  q = b3->read_type("queued");
  BOOST_REQUIRE(q);
  BOOST_TEST(num(*q, "position") == 2);
  // Transfer to an agent that is not online fails; a2 comes online and pulls b2.
  a1->send(json::object{{"type", "transfer"}, {"id", "t1"}, {"chat", chat1}, {"to", "a2"}});
  auto e = a1->read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "code") == "unavailable");
  auto a2 = w.agent("a2");
  auto got = a2->read_type("assigned");
  BOOST_REQUIRE(got);
  BOOST_TEST(str(got->at("chat"), "buyer") == "b2");
  q = b3->read_type("queued");
  BOOST_REQUIRE(q);
  BOOST_TEST(num(*q, "position") == 1);
  // a2 is full now.
  a1->send(json::object{{"type", "transfer"}, {"id", "t2"}, {"chat", chat1}, {"to", "a2"}});
  e = a1->read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "code") == "capacity");
  // To oneself: an error, and the chat stays.
  a1->send(json::object{{"type", "transfer"}, {"id", "t3"}, {"chat", chat1}, {"to", "a1"}});
  e = a1->read_type("error");
  BOOST_REQUIRE(e);
  BOOST_TEST(str(*e, "code") == "bad_request");
  BOOST_TEST(str(*e, "id") == "t3");
  // The buyer closes; a1 takes b3.
  b1->send(json::object{{"type", "close"}, {"id", "c"}, {"chat", chat1}});
  BOOST_REQUIRE(b1->read_type("closed"));
  auto un = a1->read_type("unassigned");
  for (auto const& f : a1->skipped) BOOST_TEST_MESSAGE("a1 skipped " << json::serialize(f));
  BOOST_REQUIRE(un);
  BOOST_TEST(str(*un, "reason") == "closed");
  got = a1->read_type("assigned");
  BOOST_REQUIRE(got);
  BOOST_TEST(str(got->at("chat"), "buyer") == "b3");
}

BOOST_AUTO_TEST_CASE(agent_grace_period_keeps_then_reroutes) {
  world w({"a1", "a2"}, 5, json::object{{"grace_ms", 1500}});
  auto a1 = w.agent("a1");
  auto b1 = w.buyer("b1");
  b1->send(send_frame("q", "在吗"));
  auto ack = b1->read_type("ack");
  BOOST_REQUIRE(ack);
  std::string chat = str(*ack, "chat");
  BOOST_REQUIRE(a1->read_type("assigned"));
  // Drop and come back within grace: the chat and the status are kept.
  a1->close();
  a1 = std::make_unique<ws_client>();
  auto token = login(w.server.port(), "a1", "pw-a1-secret");
  BOOST_REQUIRE_EQUAL(
      a1->connect(w.server.port(), "/ws/agent", {{"Authorization", "Bearer " + token}}), 0);
  auto again = a1->read_type("assigned");
  BOOST_REQUIRE(again);
  BOOST_TEST(str(again->at("chat"), "id") == chat);
  auto st = a1->read_type("status");
  BOOST_REQUIRE(st);
  BOOST_TEST(str(*st, "status") == "online");
  // Drop for longer than grace: a2 gets the chat.
  auto a2 = w.agent("a2");
  a1->close();
  auto moved = a2->read_type("assigned", 5s);
  BOOST_REQUIRE(moved);
  BOOST_TEST(str(moved->at("chat"), "id") == chat);
}

BOOST_AUTO_TEST_CASE(sigterm_closes_sockets_with_1001_and_exits_zero) {
  world w;
  auto agent = w.agent("a1");
  auto buyer = w.buyer("b1");
  buyer->send(send_frame("q", "在吗"));
  BOOST_REQUIRE(buyer->read_type("ack"));
  int status = w.server.stop();
  BOOST_TEST(status == 0);
  BOOST_TEST(buyer->wait_closed(3s));
  BOOST_TEST(buyer->close_code() == 1001);
  BOOST_TEST(agent->wait_closed(3s));
  BOOST_TEST(agent->close_code() == 1001);
}

BOOST_AUTO_TEST_CASE(control_frames_are_idempotent_and_need_their_chat) {
  world w({"a1"}, 5, json::object{{"grace_ms", 3000}});
  auto a1 = w.agent("a1");
  auto b1 = w.buyer("b1");
  std::string const chat = open_chat(*b1, *a1);
  // Without a greeting of its own the merchant gets its platform pack's greeting.
  auto hello = b1->read_type("message");
  BOOST_REQUIRE(hello);
  BOOST_TEST(str(*hello, "from") == "auto");
  BOOST_TEST(!str(*hello, "text").empty());

  // A send or close without a chat is a bad request, not an unknown chat.
  BOOST_TEST(error_code_for(*a1, json::object{{"type", "send"}, {"id", "s0"}, {"text", "hi"}}) ==
             "bad_request");
  BOOST_TEST(error_code_for(*a1, json::object{{"type", "close"}, {"id", "c0"}}) == "bad_request");

  // Closing twice with the same id gets the same ack both times.
  a1->send(json::object{{"type", "close"}, {"id", "c1"}, {"chat", chat}});
  auto first = a1->read_type("ack");
  BOOST_REQUIRE(first);
  BOOST_TEST(str(*first, "id") == "c1");
  a1->send(json::object{{"type", "close"}, {"id", "c1"}, {"chat", chat}});
  auto second = a1->read_type("ack");
  BOOST_REQUIRE(second);
  BOOST_TEST(json::serialize(*second) == json::serialize(*first));
  // A new id for the closed chat is refused.
  BOOST_TEST(error_code_for(*a1, json::object{{"type", "close"}, {"id", "c2"}, {"chat", chat}}) ==
             "not_found");

  // An agent holding no chats who reconnects within the grace period is still online:
  // the next buyer is routed to it straight away.
  a1->close();
  a1 = w.rejoin("a1");
  expect_online_and_taking_chats(w, *a1, "b2");

  // After a restart the same close id still gets the same ack; a new one is still refused.
  a1->close();
  w.server.stop();
  w.server.start();
  a1 = w.rejoin("a1");
  a1->send(json::object{{"type", "close"}, {"id", "c1"}, {"chat", chat}});
  auto third = a1->read_type("ack");
  BOOST_REQUIRE(third);
  BOOST_TEST(json::serialize(*third) == json::serialize(*first));
  BOOST_TEST(error_code_for(*a1, json::object{{"type", "close"}, {"id", "c3"}, {"chat", chat}}) ==
             "not_found");
}

// A buyer's close sent again (its answer lost) is answered for the chat it closed: it never
// closes the chat the buyer has opened since, and after a restart the store still knows.
BOOST_AUTO_TEST_CASE(a_buyer_close_sent_again_answers_for_its_own_chat) {
  world w({"a1"}, 5);
  auto a1 = w.agent("a1");
  auto b1 = w.buyer("b1");
  std::string const first = open_chat(*b1, *a1);
  b1->send(json::object{{"type", "close"}, {"id", "bc1"}});
  BOOST_TEST(read_closed(*b1) == first);
  b1->send(send_frame("q2", "还有个问题"));
  auto ack = b1->read_type("ack");
  BOOST_REQUIRE(ack);
  std::string const second = str(*ack, "chat");
  BOOST_TEST(second != first);

  b1->send(json::object{{"type", "close"}, {"id", "bc1"}});
  BOOST_TEST(read_closed(*b1) == first);
  b1->send(send_frame("q3", "在吗"));
  auto still = b1->read_type("ack");
  BOOST_REQUIRE(still);
  BOOST_TEST(str(*still, "chat") == second);

  b1->close();
  w.server.stop();
  w.server.start();
  auto back = w.buyer("b1");
  back->send(json::object{{"type", "close"}, {"id", "bc2"}, {"chat", first}});
  BOOST_TEST(read_closed(*back) == first);
}

BOOST_AUTO_TEST_CASE(cookie_rest_writes_without_origin_but_not_cross_site_and_fields) {
  world w;
  auto port = w.server.port();
  auto cookie = std::pair<std::string, std::string>{"Cookie", "kefu_session=" + w.s.admin_token};
  std::string body = R"({"id":"m9","name":"九号店","platform":"taobao"})";
  // A browser on another site sends its Origin and is refused.
  BOOST_TEST(
      http(port, "POST", "/api/merchants", body, {cookie, {"Origin", "https://evil.example"}})
          .status == 403);
  // A client that is no browser sends none and may use the cookie like a token.
  BOOST_TEST(http(port, "POST", "/api/merchants", body, {cookie}).status == 201);
  // A short password is accepted; a field this server does not know is refused, so that a
  // typo does not pass unnoticed.
  auto admin = std::pair<std::string, std::string>{"Authorization", "Bearer " + w.s.admin_token};
  auto r = http(port, "POST", "/api/agents",
                R"({"id":"x1","name":"X","password":"pw","role":"agent","merchants":["m9"],)"
                R"("capacity":3})",
                {admin});
  BOOST_TEST(r.status == 201, r.body);
  BOOST_TEST(!login(port, "x1", "pw").empty());
  r = http(port, "PATCH", "/api/merchants/m9", R"({"thresholdz":{"reply_s":1}})", {admin});
  BOOST_TEST(r.status == 400, r.body);
  BOOST_TEST(r.body.find("thresholdz") != std::string::npos);
  r = http(port, "PATCH", "/api/merchants/m9", R"({"allowed_origins":["not an origin"]})", {admin});
  BOOST_TEST(r.status == 400, r.body);
  r = http(port, "PATCH", "/api/merchants/m9",
           R"({"allowed_origins":["https://shop.example:8443"]})", {admin});
  BOOST_TEST(r.status == 200, r.body);

  // A new password ends the logins made with the old one, open sockets included.
  auto old_token = login(port, "x1", "pw");
  auto bearer = std::pair<std::string, std::string>{"Authorization", "Bearer " + old_token};
  BOOST_TEST(http(port, "GET", "/api/me", {}, {bearer}).status == 200);
  ws_client sock;
  BOOST_REQUIRE_EQUAL(sock.connect(port, "/ws/agent", {bearer}), 0);
  BOOST_TEST(http(port, "PATCH", "/api/agents/x1", R"({"password":"new-pw"})", {admin}).status ==
             200);
  BOOST_TEST(http(port, "GET", "/api/me", {}, {bearer}).status == 401);
  BOOST_TEST(sock.wait_closed());
  BOOST_TEST(sock.close_code() == 1008);
  // Logging out ends that token's sockets.
  auto fresh = login(port, "x1", "new-pw");
  auto fresh_bearer = std::pair<std::string, std::string>{"Authorization", "Bearer " + fresh};
  ws_client sock2;
  BOOST_REQUIRE_EQUAL(sock2.connect(port, "/ws/agent", {fresh_bearer}), 0);
  // The socket has joined the hub (its first frame is answered) before the token ends.
  sock2.send(json::object{{"type", "status"}, {"status", "online"}});
  BOOST_REQUIRE(sock2.read_type("status"));
  BOOST_TEST(http(port, "POST", "/api/logout", "", {fresh_bearer}).status == 200);
  BOOST_TEST(sock2.wait_closed());
  BOOST_TEST(sock2.close_code() == 1008);
  // The only admin cannot stop being one.
  BOOST_TEST(http(port, "PATCH", "/api/agents/admin", R"({"role":"agent"})", {admin}).status ==
             409);
}

BOOST_AUTO_TEST_CASE(a_restart_keeps_an_online_agents_status_within_grace) {
  world w({"a1"}, 5, json::object{{"grace_ms", 10000}});
  auto a1 = w.agent("a1");
  auto b1 = w.buyer("b1");
  open_chat(*b1, *a1);
  w.server.stop();
  w.server.start();
  // Back within the grace period, without saying `status online` again.
  auto again = w.rejoin("a1");
  BOOST_REQUIRE(again->read_type("assigned"));
  expect_online_and_taking_chats(w, *again, "b2");
}

BOOST_AUTO_TEST_CASE(a_wrong_method_is_405_with_allow_and_an_unknown_path_404) {
  world w;
  auto port = w.server.port();
  auto admin = std::pair<std::string, std::string>{"Authorization", "Bearer " + w.s.admin_token};
  struct probe {
    char const* method;
    char const* path;
    char const* allow;
  };
  for (auto const& p :
       {probe{"GET", "/api/login", "POST"}, probe{"DELETE", "/api/merchants/m1", "GET, PATCH"},
        probe{"PUT", "/api/merchants/m1", "GET, PATCH"}, probe{"PUT", "/api/agents/a1", "PATCH"},
        probe{"GET", "/api/compliance/check", "POST"}, probe{"POST", "/healthz", "GET, HEAD"},
        probe{"DELETE", "/api/qa/scorecards", "GET, PUT"}}) {
    // The same answer with or without a login: it says nothing about the caller.
    for (bool authed : {false, true}) {
      auto r = http(port, p.method, p.path, {},
                    authed ? std::vector<std::pair<std::string, std::string>>{admin}
                           : std::vector<std::pair<std::string, std::string>>{});
      BOOST_TEST(r.status == 405, p.method << " " << p.path);
      BOOST_TEST(r.headers["allow"] == p.allow, p.method << " " << p.path);
      BOOST_TEST(r.json().at("error").at("code").as_string() == "method_not_allowed");
    }
  }
  BOOST_TEST(http(port, "GET", "/api/nothing", {}, {admin}).status == 404);
  BOOST_TEST(http(port, "GET", "/api/nothing").status == 401);
  BOOST_TEST(http(port, "GET", "/api/merchants/", {}, {admin}).status == 404);
  BOOST_TEST(http(port, "GET", "/healthz").status == 200);
}

// Every method the 405 answer names reaches a handler: the list of allowed methods and the router
// cannot drift apart unnoticed (a route added with a new method must be added to both).
BOOST_AUTO_TEST_CASE(every_allowed_method_reaches_a_handler) {
  world w;
  auto port = w.server.port();
  auto admin = std::pair<std::string, std::string>{"Authorization", "Bearer " + w.s.admin_token};
  struct route {
    char const* path;
    std::vector<char const*> methods;
  };
  // The served paths, with ids filled in; /api/logout is asked last (it ends the session).
  std::vector<route> const routes = {
      {"/healthz", {"GET", "HEAD"}},
      {"/metrics", {"GET", "HEAD"}},
      {"/api/me", {"GET"}},
      {"/api/rules", {"GET"}},
      {"/api/rules/reload", {"POST"}},
      {"/api/merchants", {"GET", "POST"}},
      {"/api/merchants/m1", {"GET", "PATCH"}},
      {"/api/agents", {"GET", "POST"}},
      {"/api/agents/a1", {"PATCH"}},
      {"/api/agents/a1/unsuspend", {"POST"}},
      {"/api/chats/c1", {"GET"}},
      {"/api/events", {"GET"}},
      {"/api/sla", {"GET"}},
      {"/api/compliance/check", {"POST"}},
      {"/api/reports/satisfaction", {"GET"}},
      {"/api/reports/price-guide", {"GET"}},
      {"/api/qa/samples", {"GET", "POST"}},
      {"/api/qa/samples/s1", {"GET"}},
      {"/api/qa/samples/s1/export", {"GET"}},
      {"/api/qa/weekly", {"GET"}},
      {"/api/qa/scorecards", {"GET", "PUT"}},
      {"/api/qa/reviews", {"GET", "POST"}},
      {"/api/qa/scores", {"GET"}},
      {"/api/qa/appeals", {"GET", "POST"}},
      {"/api/qa/appeals/p1/resolve", {"POST"}},
      {"/api/audit", {"GET"}},
      {"/api/admin/retention", {"POST"}},
      {"/api/login", {"POST"}},
      {"/api/logout", {"POST"}},
  };
  for (auto const& r : routes)
    for (auto const* m : r.methods) {
      // An empty JSON object: enough to reach the handler, which may then refuse it.
      auto res = http(port, m, r.path, "{}", {admin});
      BOOST_TEST(res.status != 405, m << " " << r.path);
      bool const unrouted =
          res.status == 404 && res.body.find("no such endpoint") != std::string::npos;
      BOOST_TEST(!unrouted, m << " " << r.path << " " << res.body);
    }
}

BOOST_AUTO_TEST_CASE(merchant_fields_the_server_owns_are_read_only_and_the_key_rotates) {
  world w;
  auto port = w.server.port();
  auto admin = std::pair<std::string, std::string>{"Authorization", "Bearer " + w.s.admin_token};
  auto cur = http(port, "GET", "/api/merchants/m1", {}, {admin}).json().as_object();
  std::string const old_key(cur.at("channel_key").as_string());
  // Sent back unchanged, they are no change.
  auto r = http(port, "PATCH", "/api/merchants/m1", json::serialize(cur), {admin});
  BOOST_TEST(r.status == 200, r.body);
  for (char const* body : {R"({"id":"m2"})", R"({"channel_key":"my-own-key"})", R"({"created":1})",
                           R"({"rotate_channel_key":"yes"})"}) {
    r = http(port, "PATCH", "/api/merchants/m1", body, {admin});
    BOOST_TEST(r.status == 400, body << " " << r.body);
  }
  BOOST_TEST(str(http(port, "GET", "/api/merchants/m1", {}, {admin}).json(), "channel_key") ==
             old_key);
  r = http(port, "PATCH", "/api/merchants/m1", R"({"rotate_channel_key":true})", {admin});
  BOOST_REQUIRE(r.status == 200);
  std::string const new_key = str(r.json(), "channel_key");
  BOOST_TEST(new_key != old_key);
  BOOST_TEST(new_key.size() == old_key.size());
  ws_client stale, fresh;
  BOOST_TEST(stale.connect(port, buyer_target("m1", "b1", old_key)) == 403);
  BOOST_TEST(fresh.connect(port, buyer_target("m1", "b1", new_key)) == 0);

  // Thresholds merge: one changed keeps the others, null takes one back to its default.
  auto thresholds = [&](char const* body) {
    auto a = http(port, "PATCH", "/api/merchants/m1", body, {admin});
    BOOST_REQUIRE(a.status == 200);
    return json::serialize(a.json().at("thresholds"));
  };
  BOOST_TEST(thresholds(R"({"thresholds":{"first_s":90,"reply_s":20}})") ==
             R"({"first_s":90,"reply_s":20})");
  BOOST_TEST(thresholds(R"({"thresholds":{"reply_s":25}})") == R"({"first_s":90,"reply_s":25})");
  BOOST_TEST(thresholds(R"({"thresholds":{"first_s":null}})") == R"({"reply_s":25})");
  r = http(port, "PATCH", "/api/merchants/m1", R"({"thresholds":{"reply_s":-1}})", {admin});
  BOOST_TEST(r.status == 400);
  BOOST_TEST(thresholds(R"({"name":"一号店"})") == R"({"reply_s":25})");
}

BOOST_AUTO_TEST_CASE(two_admins_stepping_down_at_once_leave_one) {
  world w;
  auto port = w.server.port();
  auto admin = std::pair<std::string, std::string>{"Authorization", "Bearer " + w.s.admin_token};
  auto r =
      http(port, "POST", "/api/agents",
           R"({"id":"admin2","name":"二号管理员","password":"admin2-password","role":"admin"})",
           {admin});
  BOOST_REQUIRE(r.status == 201);
  for (int round = 0; round < 8; ++round) {
    // Each admin demotes the other at the same moment: one of them must stay an admin.
    std::string const a = login(port, "admin", "admin-password");
    std::string const b = login(port, "admin2", "admin2-password");
    int sa = 0, sb = 0;
    std::thread ta([&] {
      sa = http(port, "PATCH", "/api/agents/admin2", R"({"role":"qa"})",
                {{"Authorization", "Bearer " + a}})
               .status;
    });
    std::thread tb([&] {
      sb = http(port, "PATCH", "/api/agents/admin", R"({"role":"qa"})",
                {{"Authorization", "Bearer " + b}})
               .status;
    });
    ta.join();
    tb.join();
    // Whoever ran second was refused: as 409 (last admin) or, demoted already, 401/403.
    BOOST_TEST((sa == 200) + (sb == 200) == 1, "round " << round << ": " << sa << " " << sb);
    std::string const survivor = sa == 200 ? a : b;
    std::string const demoted = sa == 200 ? "admin2" : "admin";
    r = http(port, "PATCH", "/api/agents/" + demoted, R"({"role":"admin"})",
             {{"Authorization", "Bearer " + survivor}});
    BOOST_REQUIRE(r.status == 200);
  }
}

BOOST_AUTO_TEST_CASE(an_accounts_permissions_are_in_its_answers) {
  world w;
  auto port = w.server.port();
  auto admin = std::pair<std::string, std::string>{"Authorization", "Bearer " + w.s.admin_token};
  auto r = http(port, "POST", "/api/agents",
                R"({"id":"qa9","name":"质检九","password":"qa9-password","role":"qa",)"
                R"("merchants":["m1"],"permissions":["unmask"]})",
                {admin});
  BOOST_REQUIRE(r.status == 201);
  BOOST_TEST(json::serialize(r.json().at("permissions")) == R"(["unmask"])");
  r = http(port, "PATCH", "/api/agents/qa9", R"({"permissions":[]})", {admin});
  BOOST_REQUIRE(r.status == 200);
  BOOST_TEST(json::serialize(r.json().at("permissions")) == "[]");
  auto const me = http(port, "GET", "/api/me", {},
                       {{"Authorization", "Bearer " + login(port, "qa9", "qa9-password")}});
  BOOST_TEST(json::serialize(me.json().at("permissions")) == "[]");
}
