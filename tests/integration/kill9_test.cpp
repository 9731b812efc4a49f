#include "tests/integration/harness.hpp"

#define BOOST_TEST_MODULE integration_kill9
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

using namespace kefu::test;

namespace {

struct acked {
  std::string chat;
  std::int64_t seq = 0;
};

}  // namespace

// Buyers write as fast as acks come back; kefud is killed with SIGKILL at a
// random moment and restarted on the same database, five times. Every message
// that was acknowledged must be in the transcript exactly once, with its seq;
// re-sending the unacknowledged ones afterwards stores each exactly once.
BOOST_AUTO_TEST_CASE(kill9_under_load_loses_no_acknowledged_message) {
  kefud server(json::object{{"rate_per_second", 100000}, {"rate_burst", 100000}});
  auto s = setup(server.port(), {"m1"}, {"a1"}, 5);
  auto key = s.channel_keys.at("m1");
  constexpr int buyers_n = 20;
  std::map<std::string, acked> acks;                     // "buyer/id" -> where it went
  std::map<std::string, std::set<std::string>> unacked;  // buyer -> ids sent, not acked
  std::map<std::string, std::string> text_of;            // "buyer/id" -> text
  std::mt19937 rng(20261122);
  int next_id = 0;

  for (int cycle = 0; cycle < 5; ++cycle) {
    std::vector<std::unique_ptr<ws_client>> buyers;
    for (int i = 0; i < buyers_n; ++i) {
      buyers.push_back(std::make_unique<ws_client>());
      BOOST_REQUIRE_EQUAL(
          buyers.back()->connect(server.port(), buyer_target("m1", "b" + std::to_string(i), key)),
          0);
    }
    // Re-send what the previous crash left unacknowledged: it must be stored
    // at most once (acks for earlier ones come back as the original).
    for (int i = 0; i < buyers_n; ++i) {
      auto b = "b" + std::to_string(i);
      for (auto const& id : unacked[b]) {
        buyers[i]->send(
            json::object{{"type", "send"}, {"id", id}, {"text", text_of[b + "/" + id]}});
        auto ack = buyers[i]->read_type("ack", 10s);
        BOOST_REQUIRE(ack);
        acks[b + "/" + id] = {std::string(ack->at("chat").as_string()), ack->at("seq").as_int64()};
      }
      unacked[b].clear();
    }
    auto kill_after = std::chrono::milliseconds(300 + rng() % 700);
    std::atomic<bool> killed{false};
    std::thread killer([&] {
      std::this_thread::sleep_for(kill_after);
      server.kill9();
      killed = true;
    });
    // Pipelined writes: each buyer keeps up to 4 frames in flight.
    std::map<int, std::set<std::string>> in_flight;
    while (!killed) {
      for (int i = 0; i < buyers_n && !killed; ++i) {
        auto b = "b" + std::to_string(i);
        while (in_flight[i].size() < 4) {
          auto id = "m" + std::to_string(next_id++);
          auto text = "cycle " + std::to_string(cycle) + " " + id;
          text_of[b + "/" + id] = text;
          in_flight[i].insert(id);
          buyers[i]->send(json::object{{"type", "send"}, {"id", id}, {"text", text}});
        }
        while (auto f = buyers[i]->read(std::chrono::milliseconds(1))) {
          if (!f->is_object() || f->at("type").as_string() != "ack") continue;
          auto id = std::string(f->at("id").as_string());
          acks[b + "/" + id] = {std::string(f->at("chat").as_string()), f->at("seq").as_int64()};
          in_flight[i].erase(id);
        }
      }
    }
    killer.join();
    // Anything still readable from the sockets was acknowledged before the kill.
    for (int i = 0; i < buyers_n; ++i) {
      auto b = "b" + std::to_string(i);
      while (auto f = buyers[i]->read(std::chrono::milliseconds(50))) {
        if (!f->is_object() || f->at("type").as_string() != "ack") continue;
        auto id = std::string(f->at("id").as_string());
        acks[b + "/" + id] = {std::string(f->at("chat").as_string()), f->at("seq").as_int64()};
        in_flight[i].erase(id);
      }
      unacked[b] = in_flight[i];
    }
    BOOST_TEST_MESSAGE("cycle " << cycle << ": " << acks.size() << " acknowledged so far");
    server.start();
  }

  // Every acknowledged message is stored exactly once, under its seq.
  auto admin = login(server.port(), "admin", "admin-password");
  std::set<std::string> chats;
  for (auto const& [k, a] : acks) chats.insert(a.chat);
  std::map<std::pair<std::string, std::int64_t>, std::string> stored;  // (chat, seq) -> text
  std::map<std::string, int> copies;                                   // text -> count
  for (auto const& chat : chats) {
    auto t = http(server.port(), "GET", "/api/chats/" + chat, {},
                  {{"Authorization", "Bearer " + admin}});
    BOOST_REQUIRE_EQUAL(t.status, 200);
    auto transcript = t.json();
    BOOST_REQUIRE_MESSAGE(transcript.is_object(), "transcript of " << chat);
    std::int64_t expect = 1;
    for (auto const& m : transcript.at("messages").as_array()) {
      auto seq = m.at("seq").as_int64();
      BOOST_TEST(seq == expect, "gap in chat " << chat);
      expect = seq + 1;
      auto text = std::string(m.at("text").as_string());
      stored[{chat, seq}] = text;
      copies[text]++;
    }
  }
  BOOST_TEST(acks.size() > 100u);
  for (auto const& [k, a] : acks) {
    auto text = text_of[k];
    auto it = stored.find({a.chat, a.seq});
    BOOST_REQUIRE_MESSAGE(it != stored.end(), k << " acknowledged but missing");
    BOOST_TEST(it->second == text);
    BOOST_TEST(copies[text] == 1, k << " stored " << copies[text] << " times");
  }
}
