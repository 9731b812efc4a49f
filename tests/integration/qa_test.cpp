#include "tests/integration/harness.hpp"

#define BOOST_TEST_MODULE integration_qa
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

using namespace kefu::test;

namespace {

std::string str(json::value const& v, char const* key) {
  auto const* p = v.as_object().if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : std::string();
}

using headers = std::vector<std::pair<std::string, std::string>>;
headers bearer(std::string const& t) {
  return {{"Authorization", "Bearer " + t}};
}

int run(std::string const& cmd, std::string* out = nullptr) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    if (out) out->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs SQL against the server's database, whichever backend it is.
void sql(std::string const& url, std::string const& statement) {
  std::string cmd =
      url.rfind("sqlite:", 0) == 0
          ? "sqlite3 '" +
                url.substr(
                    7, url.find('?') == std::string::npos ? std::string::npos : url.find('?') - 7) +
                "' \"" + statement + "\""
          : "psql -q '" + url + "' -c \"" + statement + "\"";
  BOOST_REQUIRE_EQUAL(run(cmd + " >/dev/null"), 0);
}

struct qa_world {
  kefud server;
  demo_setup s;
  std::string qa, boss, boss2, a1, a2;
  std::vector<std::string> chats;             // closed chats, in order of creation
  std::map<std::string, std::string> holder;  // chat -> agent
  std::string risky;                          // a chat with a blocked message

  qa_world() {
    s = setup(server.port(), {"m1", "m2"}, {"a1", "a2"}, 100,
              json::object{{"closing", "感谢您的咨询，祝您生活愉快"}});
    auto admin = bearer(s.admin_token);
    auto user = [&](std::string id, std::string role, json::array merchants) {
      auto r = http(server.port(), "POST", "/api/agents",
                    json::serialize(json::object{{"id", id},
                                                 {"name", id},
                                                 {"password", id + "-password"},
                                                 {"role", role},
                                                 {"merchants", merchants}}),
                    admin);
      BOOST_REQUIRE_EQUAL(r.status, 201);
      return login(server.port(), id, id + "-password");
    };
    qa = user("qa1", "qa", {"m1"});
    boss = user("boss", "manager", {"m1"});
    boss2 = user("boss2", "manager", {"m2"});
    a1 = login(server.port(), "a1", "pw-a1-secret");
    a2 = login(server.port(), "a2", "pw-a2-secret");

    ws_client ag1, ag2;
    BOOST_REQUIRE_EQUAL(ag1.connect(server.port(), "/ws/agent", bearer(a1)), 0);
    BOOST_REQUIRE_EQUAL(ag2.connect(server.port(), "/ws/agent", bearer(a2)), 0);
    for (auto* a : {&ag1, &ag2}) {
      a->send(json::object{{"type", "status"}, {"status", "online"}});
      BOOST_REQUIRE(a->read_type("status"));
    }
    for (int i = 0; i < 60; ++i) {
      ws_client b;
      BOOST_REQUIRE_EQUAL(b.connect(server.port(), buyer_target("m1", "buyer" + std::to_string(i),
                                                                s.channel_keys.at("m1"))),
                          0);
      b.send(
          json::object{{"type", "send"},
                       {"id", "q"},
                       {"text", "我叫张三丰，电话13812348000，地址浙江省杭州市西湖区文三路100号"}});
      auto ack = b.read_type("ack");
      BOOST_REQUIRE(ack);
      std::string chat = str(*ack, "chat");
      // Whoever got it answers.
      ws_client* who = nullptr;
      for (int tries = 0; tries < 50 && !who; ++tries)
        for (auto* a : {&ag1, &ag2})
          if (auto f = a->read(std::chrono::milliseconds(20)))
            if (str(*f, "type") == "assigned" && str(f->at("chat"), "id") == chat) who = a;
      BOOST_REQUIRE(who);
      holder[chat] = who == &ag1 ? "a1" : "a2";
      if (i % 10 == 3) {
        who->send(json::object{{"type", "send"},
                               {"id", "x" + chat},
                               {"chat", chat},
                               {"text", "加我微信：wxid_abc123"}});
        BOOST_REQUIRE(who->read_type("blocked"));
        risky = chat;
      }
      who->send(json::object{{"type", "send"},
                             {"id", "r" + chat},
                             {"chat", chat},
                             {"text", "您好，已为您登记。感谢您的咨询，祝您生活愉快"}});
      BOOST_REQUIRE(who->read_type("ack"));
      b.send(json::object{{"type", "close"}, {"id", "c"}, {"chat", chat}});
      BOOST_REQUIRE(b.read_type("rate_request"));
      b.send(json::object{
          {"type", "rate"}, {"chat", chat}, {"score", i % 7 == 0 ? "unsatisfied" : "satisfied"}});
      BOOST_REQUIRE(b.read_type("rated"));
      chats.push_back(chat);
    }
  }

  http_result post(std::string const& token, std::string const& path, json::value const& body) {
    return http(server.port(), "POST", path, json::serialize(body), bearer(token));
  }
  http_result get(std::string const& token, std::string const& path) {
    return http(server.port(), "GET", path, {}, bearer(token));
  }
  json::object sample_body(std::string strategy, int size, int seed) {
    return {{"merchant", "m1"},     {"from", 0},   {"to", 99999999999999LL}, {"size", size},
            {"strategy", strategy}, {"seed", seed}};
  }
};

std::vector<std::string> ids(json::value const& v) {
  std::vector<std::string> out;
  for (auto const& c : v.at("chats").as_array()) out.emplace_back(c.as_string());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(qa_workflow_end_to_end) {
  qa_world w;

  // ---- sampling: reproducible, stored, and each strategy behaves.
  auto r1 = w.post(w.qa, "/api/qa/samples", w.sample_body("random", 50, 42));
  BOOST_REQUIRE_EQUAL(r1.status, 201);
  auto s1 = ids(r1.json());
  BOOST_TEST(s1.size() == 50u);
  BOOST_TEST(std::set<std::string>(s1.begin(), s1.end()).size() == 50u);
  auto s1b = ids(w.post(w.qa, "/api/qa/samples", w.sample_body("random", 50, 42)).json());
  BOOST_TEST(s1 == s1b);
  auto s2 = ids(w.post(w.qa, "/api/qa/samples", w.sample_body("random", 50, 43)).json());
  BOOST_TEST(s1 != s2);
  auto stored = w.get(w.qa, "/api/qa/samples/" + str(r1.json(), "sample"));
  BOOST_REQUIRE_EQUAL(stored.status, 200);
  BOOST_TEST(str(stored.json(), "drawn_by") == "qa1");
  BOOST_TEST(ids(stored.json()) == s1);

  auto per_agent = ids(w.post(w.qa, "/api/qa/samples", w.sample_body("per_agent", 10, 7)).json());
  std::map<std::string, int> per;
  for (auto const& c : per_agent) per[w.holder[c]]++;
  BOOST_TEST(per["a1"] == 5);
  BOOST_TEST(per["a2"] == 5);

  auto risk = ids(w.post(w.qa, "/api/qa/samples", w.sample_body("risk", 10, 1)).json());
  BOOST_REQUIRE(!risk.empty());
  // Six chats carry a blocked message (score >= 3): they come first.
  std::set<std::string> top(risk.begin(), risk.begin() + 6);
  BOOST_TEST(top.count(w.risky) == 1u);

  BOOST_TEST(w.post(w.a1, "/api/qa/samples", w.sample_body("random", 5, 1)).status == 403);
  BOOST_TEST(w.post(w.qa, "/api/qa/samples", json::object{{"merchant", "m1"}}).status == 400);

  // ---- transcript view: masked for QA, unmasking is a separate permission.
  auto t = w.get(w.qa, "/api/chats/" + w.chats[0]);
  BOOST_REQUIRE_EQUAL(t.status, 200);
  BOOST_TEST(t.body.find("13812348000") == std::string::npos);
  BOOST_TEST(t.body.find("138****8000") != std::string::npos);
  BOOST_TEST(t.body.find("浙江省杭州市") != std::string::npos);
  BOOST_TEST(t.body.find("文三路") == std::string::npos);
  BOOST_TEST(t.body.find("张三丰") == std::string::npos);
  auto tj = t.json();
  BOOST_TEST(tj.at("turns").as_array().size() >= 1u);
  BOOST_TEST(str(tj, "rating") == "unsatisfied");  // chat 0: i % 7 == 0
  // Auto-criteria facts from what was stored: greeting sent, closing used, no violation.
  auto const& facts = tj.at("facts");
  BOOST_TEST(facts.at("greeting_followed").as_bool());
  BOOST_TEST(facts.at("closing_used").as_bool());
  BOOST_TEST(facts.at("blocked").as_int64() == 0);
  auto risky = w.get(w.qa, "/api/chats/" + w.risky).json();
  BOOST_TEST(risky.at("facts").at("blocked").as_int64() == 1);
  BOOST_TEST(risky.at("blocked").as_array().size() == 1u);
  BOOST_TEST(w.get(w.qa, "/api/chats/" + w.chats[0] + "?unmask=1").status == 403);
  auto un = w.get(w.s.admin_token, "/api/chats/" + w.chats[0] + "?unmask=1");
  BOOST_TEST(un.status == 200);
  BOOST_TEST(un.body.find("13812348000") != std::string::npos);

  // ---- scorecard and review with auto criteria.
  auto card = w.get(w.qa, "/api/qa/scorecards?merchant=m1");
  BOOST_REQUIRE_EQUAL(card.status, 200);
  json::object scores;
  auto card_json = card.json();
  for (auto const& c : card_json.at("criteria").as_array())
    if (str(c, "kind") == "manual") scores[str(c, "id")] = c.at("points");
  std::string reviewed = w.chats[1];
  auto rv = w.post(w.qa, "/api/qa/reviews",
                   json::object{{"chat", reviewed}, {"scores", scores}, {"comment", "态度很好"}});
  BOOST_REQUIRE_EQUAL(rv.status, 201);
  auto review = rv.json();
  // Every automatic criterion met (greeting, first response, 30 s share, no
  // violation, closing, satisfied) and full manual marks: 100.
  BOOST_TEST(review.at("total").to_number<double>() == 100.0);
  // Numbers read as people write them (100.0, not Boost.JSON's 1E2).
  BOOST_TEST(rv.body.find("\"total\":100.0") != std::string::npos, rv.body);
  std::string review_id = str(review, "id");
  BOOST_TEST(w.post(w.boss, "/api/qa/reviews", json::object{{"chat", reviewed}}).status == 403);

  // ---- the agent sees its own review and appeals; the QA lead decides.
  std::string owner = w.holder[reviewed];
  auto owner_token = owner == "a1" ? w.a1 : w.a2;
  auto other_token = owner == "a1" ? w.a2 : w.a1;
  auto mine = w.get(owner_token, "/api/qa/reviews").json();
  BOOST_TEST(mine.at("reviews").as_array().size() == 1u);
  BOOST_TEST(w.get(other_token, "/api/qa/reviews").json().at("reviews").as_array().empty());
  BOOST_TEST(w.post(other_token, "/api/qa/appeals",
                    json::object{{"review", review_id}, {"reason", "不是我"}})
                 .status == 404);
  auto ap = w.post(owner_token, "/api/qa/appeals",
                   json::object{{"review", review_id}, {"reason", "顾客已满意"}});
  BOOST_REQUIRE_EQUAL(ap.status, 201);
  std::string appeal = str(ap.json(), "id");
  BOOST_TEST(w.post(owner_token, "/api/qa/appeals/" + appeal + "/resolve",
                    json::object{{"decision", "accept"}, {"reason", "x"}})
                 .status == 403);
  auto res = w.post(w.qa, "/api/qa/appeals/" + appeal + "/resolve",
                    json::object{{"decision", "reject"}, {"reason", "录音显示未使用结束语"}});
  BOOST_REQUIRE_EQUAL(res.status, 200);
  BOOST_TEST(str(res.json(), "status") == "rejected");

  auto by_agent = w.get(w.boss, "/api/qa/scores?group=agent").json();
  BOOST_TEST(by_agent.at("by_agent").as_object().contains(owner));
  auto weekly = w.get(w.qa, "/api/qa/weekly").json();
  BOOST_TEST(weekly.at("merchants").at("m1").at("reviewed").as_int64() == 1);
  BOOST_TEST(weekly.at("merchants").at("m1").at("target").as_int64() == 50);

  // ---- exports are masked and streamed.
  auto sample_id = str(r1.json(), "sample");
  for (std::string fmt : {"jsonl", "csv"}) {
    auto ex = w.get(w.qa, "/api/qa/samples/" + sample_id + "/export?format=" + fmt);
    BOOST_REQUIRE_EQUAL(ex.status, 200);
    BOOST_TEST(ex.headers["transfer-encoding"] == "chunked");
    BOOST_TEST(ex.body.find("13812348000") == std::string::npos, fmt);
    BOOST_TEST(ex.body.find("138****8000") != std::string::npos, fmt);
    BOOST_TEST(ex.body.find("文三路") == std::string::npos, fmt);
    if (fmt == "jsonl") {
      std::size_t lines = 0;
      for (char c : ex.body) lines += c == '\n';
      BOOST_TEST(lines == 50u);
    } else {
      // Blocked attempts are exported too, marked, with the review columns.
      BOOST_TEST(ex.body.rfind("chat,merchant,buyer,agent,opened,closed,rating,seq,from,ts,text,"
                               "verdict,blocked,review_totals,review_comments\n",
                               0) == 0u);
      BOOST_TEST(ex.body.find(",true,") != std::string::npos);
    }
  }
  BOOST_TEST(w.get(w.qa, "/api/qa/samples/" + sample_id + "/export?format=csv&unmask=1").status ==
             403);

  // ---- the audit log records views and exports; only admins read it.
  BOOST_TEST(w.get(w.boss, "/api/audit").status == 403);
  auto audit = w.get(w.s.admin_token, "/api/audit?limit=10000").json();
  std::map<std::string, int> actions;
  for (auto const& e : audit.at("entries").as_array()) actions[str(e, "action")]++;
  BOOST_TEST(actions["transcript.view"] >= 1);
  BOOST_TEST(actions["transcript.unmask"] == 1);
  BOOST_TEST(actions["export"] == 2);
  BOOST_TEST(actions["sample.draw"] >= 5);
  BOOST_TEST(actions["review.save"] == 1);

  std::string out;
  std::string verify = std::string(KEFU_AUDIT_PATH) + " verify --db '" + w.server.db_url() + "'";
  BOOST_TEST(run(verify, &out) == 0, out);
  // An edited row is caught, naming it.
  sql(w.server.db_url(), "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
  out.clear();
  BOOST_TEST(run(verify, &out) == 1);
  BOOST_TEST(out.find("entry 3") != std::string::npos, out);
}

// A merchant without a closing phrase of its own is held to its platform's; a chat no agent
// ever took is no sampling candidate.
BOOST_AUTO_TEST_CASE(platform_closing_and_unassigned_chats) {
  kefud server;
  auto s = setup(server.port(), {"m1"}, {"a1"});
  auto admin = bearer(s.admin_token);
  auto a1 = login(server.port(), "a1", "pw-a1-secret");
  // Nobody online yet: this chat closes in the queue.
  std::string queued;
  {
    ws_client b;
    BOOST_REQUIRE_EQUAL(b.connect(server.port(), buyer_target("m1", "q0", s.channel_keys.at("m1"))),
                        0);
    b.send(json::object{{"type", "send"}, {"id", "q"}, {"text", "在吗"}});
    auto ack = b.read_type("ack");
    BOOST_REQUIRE(ack);
    queued = str(*ack, "chat");
    b.send(json::object{{"type", "close"}, {"id", "c"}, {"chat", queued}});
    BOOST_REQUIRE(b.read_type("closed"));
  }
  ws_client ag;
  BOOST_REQUIRE_EQUAL(ag.connect(server.port(), "/ws/agent", bearer(a1)), 0);
  ag.send(json::object{{"type", "status"}, {"status", "online"}});
  BOOST_REQUIRE(ag.read_type("status"));
  std::vector<std::string> handled;
  for (std::string text :
       {"好的，已为您处理。请问还有其他问题需要咨询吗？感谢您的咨询，祝您生活愉快！",
        "好的，已为您处理"}) {
    ws_client b;
    BOOST_REQUIRE_EQUAL(
        b.connect(server.port(), buyer_target("m1", "b" + std::to_string(handled.size()),
                                              s.channel_keys.at("m1"))),
        0);
    b.send(json::object{{"type", "send"}, {"id", "q"}, {"text", "发货了吗"}});
    auto ack = b.read_type("ack");
    BOOST_REQUIRE(ack);
    std::string chat = str(*ack, "chat");
    BOOST_REQUIRE(ag.read_type("assigned"));
    ag.send(json::object{{"type", "send"}, {"id", "r" + chat}, {"chat", chat}, {"text", text}});
    BOOST_REQUIRE(ag.read_type("ack"));
    b.send(json::object{{"type", "close"}, {"id", "c"}, {"chat", chat}});
    BOOST_REQUIRE(b.read_type("closed"));
    handled.push_back(chat);
  }
  auto facts = [&](std::string const& chat) {
    auto t = http(server.port(), "GET", "/api/chats/" + chat, {}, admin);
    BOOST_REQUIRE_EQUAL(t.status, 200);
    return t.json().at("facts");
  };
  // A close is committed after its frame is answered: wait until the store has all three.
  for (auto const& chat : {queued, handled[0], handled[1]}) {
    bool closed = false;
    for (int i = 0; i < 100 && !closed; ++i) {
      auto t = http(server.port(), "GET", "/api/chats/" + chat, {}, admin);
      closed = t.status == 200 && !t.json().at("closed").is_null();
      if (!closed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    BOOST_REQUIRE(closed);
  }
  BOOST_TEST(facts(handled[0]).at("closing_used").as_bool());
  BOOST_TEST(!facts(handled[1]).at("closing_used").as_bool());
  BOOST_TEST(facts(handled[1]).at("greeting_followed").as_bool());  // the platform's, sent for it
  for (std::string strategy : {"random", "per_agent", "risk"}) {
    auto r = http(server.port(), "POST", "/api/qa/samples",
                  json::serialize(json::object{{"merchant", "m1"},
                                               {"from", 0},
                                               {"to", 99999999999999LL},
                                               {"size", 10},
                                               {"strategy", strategy},
                                               {"seed", 7}}),
                  admin);
    BOOST_REQUIRE(r.status / 100 == 2);
    auto drawn = r.json().at("chats").as_array();
    BOOST_TEST(drawn.size() == 2u, strategy);
    for (auto const& c : drawn) BOOST_TEST(c.as_string() != queued, strategy);
  }
}

// A buyer id that reads as a name is the buyer's profile name: masked wherever it appears in
// the transcript QA sees.
BOOST_AUTO_TEST_CASE(buyer_profile_name_is_masked) {
  kefud server;
  auto s = setup(server.port(), {"m1"}, {"a1"});
  auto admin = bearer(s.admin_token);
  ws_client b;
  // 张伟, percent-encoded in the query.
  BOOST_REQUIRE_EQUAL(
      b.connect(server.port(), buyer_target("m1", "%E5%BC%A0%E4%BC%9F", s.channel_keys.at("m1"))),
      0);
  b.send(json::object{{"type", "send"}, {"id", "q"}, {"text", "这边张伟，想问下发货了吗"}});
  auto ack = b.read_type("ack");
  BOOST_REQUIRE(ack);
  auto t = http(server.port(), "GET", "/api/chats/" + str(*ack, "chat"), {}, admin);
  BOOST_REQUIRE_EQUAL(t.status, 200);
  auto const tj = t.json();
  auto const& msgs = tj.at("messages").as_array();
  BOOST_REQUIRE(!msgs.empty());
  BOOST_TEST(msgs.at(0).at("text").as_string() == "这边张**，想问下发货了吗");
}

BOOST_AUTO_TEST_CASE(audit_chain_catches_a_deleted_row) {
  kefud server;
  auto s = setup(server.port(), {"m1"}, {"a1"});
  auto admin = bearer(s.admin_token);
  for (int i = 0; i < 6; ++i)
    http(server.port(), "POST", "/api/qa/samples",
         json::serialize(json::object{{"merchant", "m1"}, {"from", 0}, {"to", 1}, {"size", 1}}),
         admin);
  std::string out;
  std::string verify = std::string(KEFU_AUDIT_PATH) + " verify --db '" + server.db_url() + "'";
  BOOST_TEST(run(verify, &out) == 0, out);
  auto chain = http(server.port(), "GET", "/api/audit?verify=1", {}, admin).json();
  BOOST_TEST(chain.at("chain").at("ok").as_bool());
  sql(server.db_url(), "DELETE FROM audit_log WHERE seq = 4");
  chain = http(server.port(), "GET", "/api/audit?verify=1", {}, admin).json();
  BOOST_TEST(!chain.at("chain").at("ok").as_bool());
  out.clear();
  BOOST_TEST(run(verify, &out) == 1);
  BOOST_TEST(out.find("entry") != std::string::npos, out);
}

// Cutting the newest entries (say, the one recording an unmask) leaves a chain that still links;
// the head recorded with every append names what is missing.
BOOST_AUTO_TEST_CASE(audit_chain_catches_a_cut_tail) {
  kefud server;
  auto s = setup(server.port(), {"m1"}, {"a1"});
  auto admin = bearer(s.admin_token);
  for (int i = 0; i < 4; ++i)
    http(server.port(), "POST", "/api/qa/samples",
         json::serialize(json::object{{"merchant", "m1"}, {"from", 0}, {"to", 1}, {"size", 1}}),
         admin);
  auto chain = http(server.port(), "GET", "/api/audit?verify=1", {}, admin).json();
  BOOST_REQUIRE(chain.at("chain").at("ok").as_bool());
  std::int64_t newest = 0;
  for (auto const& e : chain.at("entries").as_array())
    newest = std::max(newest, e.at("seq").as_int64());
  BOOST_REQUIRE(newest >= 4);
  std::string verify = std::string(KEFU_AUDIT_PATH) + " verify --db '" + server.db_url() + "'";
  std::string out;
  BOOST_TEST(run(verify, &out) == 0, out);
  server.stop();
  sql(server.db_url(), "DELETE FROM audit_log WHERE seq = " + std::to_string(newest));
  out.clear();
  BOOST_TEST(run(verify, &out) == 1, out);
  BOOST_TEST(out.find("broken at entry " + std::to_string(newest)) != std::string::npos, out);
  BOOST_TEST(out.find("missing at the end") != std::string::npos, out);
  server.start();
  chain = http(server.port(), "GET", "/api/audit?verify=1", {},
               bearer(login(server.port(), "admin", "admin-password")))
              .json();
  BOOST_TEST(!chain.at("chain").at("ok").as_bool());
}

BOOST_AUTO_TEST_CASE(retention_purges_old_transcripts_and_audits) {
  qa_world w;
  auto old = w.chats[0];
  sql(w.server.db_url(), "UPDATE chats SET closed = 1000, opened = 500 WHERE id = '" + old + "'");
  auto r = w.post(w.s.admin_token, "/api/admin/retention", json::object{});
  BOOST_REQUIRE_EQUAL(r.status, 200);
  BOOST_TEST(r.json().at("purged").as_int64() == 1);
  BOOST_TEST(w.get(w.s.admin_token, "/api/chats/" + old).status == 404);
  BOOST_TEST(w.get(w.s.admin_token, "/api/chats/" + w.chats[1]).status == 200);
  auto audit = w.get(w.s.admin_token, "/api/audit?limit=10000").json();
  bool purged = false;
  for (auto const& e : audit.at("entries").as_array())
    purged = purged || str(e, "action") == "retention.purge";
  BOOST_TEST(purged);
  BOOST_TEST(w.post(w.qa, "/api/admin/retention", json::object{}).status == 403);
}

// Role × endpoint × owner: deny by default.
BOOST_AUTO_TEST_CASE(authorization_table) {
  qa_world w;
  std::string chat = w.chats[2];
  std::string owner = w.holder[chat] == "a1" ? w.a1 : w.a2;
  std::string other = w.holder[chat] == "a1" ? w.a2 : w.a1;
  struct row {
    std::string who;
    std::string token;
    std::string method;
    std::string path;
    std::string body;
    int status;
  };
  std::string sample_body = json::serialize(w.sample_body("random", 3, 1));
  std::vector<row> table{
      {"admin", w.s.admin_token, "GET", "/api/chats/" + chat, "", 200},
      {"qa m1", w.qa, "GET", "/api/chats/" + chat, "", 200},
      {"manager m1", w.boss, "GET", "/api/chats/" + chat, "", 200},
      {"manager m2", w.boss2, "GET", "/api/chats/" + chat, "", 403},
      {"owner agent", owner, "GET", "/api/chats/" + chat, "", 200},
      {"other agent", other, "GET", "/api/chats/" + chat, "", 403},
      {"nobody", "", "GET", "/api/chats/" + chat, "", 401},
      {"qa", w.qa, "POST", "/api/merchants", R"({"id":"x","name":"x","platform":"taobao"})", 403},
      {"manager", w.boss, "POST", "/api/agents", R"({"id":"y","password":"12345678"})", 403},
      {"agent", owner, "POST", "/api/qa/samples", sample_body, 403},
      {"manager m2", w.boss2, "POST", "/api/qa/samples", sample_body, 403},
      {"qa", w.qa, "POST", "/api/qa/samples", sample_body, 201},
      {"agent", owner, "GET", "/api/events?from=0&to=1", "", 403},
      {"agent", owner, "GET", "/api/sla?from=0&to=1&group=agent", "", 403},
      {"agent", owner, "GET", "/api/audit", "", 403},
      {"qa", w.qa, "GET", "/api/audit", "", 403},
      {"qa", w.qa, "PATCH", "/api/merchants/m1", R"({"name":"x"})", 403},
      {"agent", owner, "GET", "/api/qa/samples", "", 403},
      {"qa m1", w.qa, "GET", "/api/qa/scorecards?merchant=m2", "", 403},
      {"manager m2", w.boss2, "POST", "/api/agents/a1/unsuspend", R"({"merchant":"m1"})", 403},
      // Out of scope is 403; what does not exist at all is 404.
      {"manager m1", w.boss, "GET", "/api/merchants/m2", "", 403},
      {"admin", w.s.admin_token, "GET", "/api/merchants/nope", "", 404},
      {"admin", w.s.admin_token, "GET", "/api/chats/nope", "", 404},
      {"qa m1", w.qa, "GET", "/api/qa/scorecards?merchant=nope", "", 404},
  };
  for (auto const& r : table) {
    headers h;
    if (!r.token.empty()) h = bearer(r.token);
    auto res = http(w.server.port(), r.method, r.path, r.body, h);
    BOOST_TEST(res.status == r.status, r.who << " " << r.method << " " << r.path << " -> "
                                             << res.status << " " << res.body.substr(0, 120));
  }
  // QA leads and managers cannot take chats.
  ws_client ws;
  BOOST_TEST(ws.connect(w.server.port(), "/ws/agent", bearer(w.qa)) == 403);
}
