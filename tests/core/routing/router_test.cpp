#include "server/core/routing/router.hpp"

#define BOOST_TEST_MODULE routing_router
#include <boost/test/unit_test.hpp>

using namespace kefu::routing;

namespace kefu::routing {
std::ostream& operator<<(std::ostream& os, route_error e) {
  return os << to_string(e);
}
std::ostream& operator<<(std::ostream& os, agent_status s) {
  return os << (s == agent_status::online ? "online" : "away");
}
}  // namespace kefu::routing

namespace {

// Commands of one kind, in order.
template <class T>
std::vector<T> only(commands const& cs) {
  std::vector<T> out;
  for (auto const& c : cs)
    if (auto* p = std::get_if<T>(&c)) out.push_back(*p);
  return out;
}

struct fixture {
  router r{60'000};
  ms_t now = 1'000'000;

  void online(std::string const& id, std::vector<std::string> merchants, int capacity) {
    r.upsert_agent({id, std::move(merchants), capacity}, now);
    r.agent_connected(id, now);
    r.set_status(id, agent_status::online, now);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(agent_starts_away_and_gets_nothing, fixture) {
  r.upsert_agent({"a1", {"m1"}, 2}, now);
  r.agent_connected("a1", now);
  auto out = r.open_chat("c1", "m1", "b1", now);
  auto q = only<queued>(out);
  BOOST_TEST(q.size() == 1u);
  BOOST_TEST(q[0].position == 1);
  BOOST_TEST(!r.holder("c1"));
  // Going online pulls the waiting chat.
  out = r.set_status("a1", agent_status::online, now + 5);
  auto a = only<assigned>(out);
  BOOST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0].agent == "a1");
  BOOST_TEST(a[0].reason == "queue");
}

BOOST_FIXTURE_TEST_CASE(fewest_open_chats_then_oldest_assignment, fixture) {
  online("a1", {"m1"}, 5);
  online("a2", {"m1"}, 5);
  // Both empty: neither was assigned yet; ties fall to the earlier-added id order.
  auto a = only<assigned>(r.open_chat("c1", "m1", "b1", now));
  BOOST_REQUIRE(a.size() == 1u);
  std::string first = a[0].agent;
  now += 10;
  a = only<assigned>(r.open_chat("c2", "m1", "b2", now));
  BOOST_TEST(a[0].agent != first);  // fewest open chats
  now += 10;
  r.close_chat("c1", now);  // both back to equal load... first has 0, second 1
  now += 10;
  a = only<assigned>(r.open_chat("c3", "m1", "b3", now));
  BOOST_TEST(a[0].agent == first);
  // Now 1 each: the one whose last assignment is oldest wins.
  now += 10;
  std::string second = first == "a1" ? "a2" : "a1";
  a = only<assigned>(r.open_chat("c4", "m1", "b4", now));
  BOOST_TEST(a[0].agent == second);
}

BOOST_FIXTURE_TEST_CASE(capacity_is_respected_and_fifo_queue, fixture) {
  online("a1", {"m1"}, 1);
  BOOST_TEST(only<assigned>(r.open_chat("c1", "m1", "b1", now)).size() == 1u);
  auto q = only<queued>(r.open_chat("c2", "m1", "b2", now + 1));
  BOOST_TEST(q.at(0).position == 1);
  q = only<queued>(r.open_chat("c3", "m1", "b3", now + 2));
  BOOST_TEST(q.at(0).chat == "c3");
  BOOST_TEST(q.at(0).position == 2);
  BOOST_TEST(r.queue_length("m1") == 2u);
  // Closing c1 frees the seat: c2 (oldest) goes, c3 moves up to 1.
  auto out = r.close_chat("c1", now + 3);
  auto a = only<assigned>(out);
  BOOST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0].chat == "c2");
  q = only<queued>(out);
  BOOST_REQUIRE(q.size() == 1u);
  BOOST_TEST(q[0].chat == "c3");
  BOOST_TEST(q[0].position == 1);
  auto u = only<unassigned>(out);
  BOOST_TEST(u.at(0).reason == "closed");
}

BOOST_FIXTURE_TEST_CASE(sticky_previous_agent_when_available, fixture) {
  online("a1", {"m1"}, 5);
  online("a2", {"m1"}, 5);
  auto a = only<assigned>(r.open_chat("c1", "m1", "buyer", now));
  std::string prev = a.at(0).agent;
  r.close_chat("c1", now + 1);
  // Load the other agent less than prev would be picked by fewest-chats anyway;
  // make prev busier so only stickiness explains the choice.
  r.open_chat("x1", "m1", "other", now + 2);  // goes to the other or prev
  r.open_chat("x2", "m1", "other2", now + 3);
  a = only<assigned>(r.open_chat("c2", "m1", "buyer", now + 4));
  BOOST_TEST(a.at(0).agent == prev);
}

BOOST_FIXTURE_TEST_CASE(remembered_agent_is_sticky_after_a_restart, fixture) {
  online("a1", {"m1"}, 5);
  r.open_chat("x1", "m1", "other", now);  // a1 holds one chat
  online("a2", {"m1"}, 5);                // a2 holds none
  // Recovery says the buyer last talked to a1: stickiness wins over the lighter load.
  r.remember_agent("m1", "buyer", "a1");
  auto a = only<assigned>(r.open_chat("c1", "m1", "buyer", now + 1));
  BOOST_TEST(a.at(0).agent == "a1");
  // Without that memory the lighter-loaded agent takes a new buyer.
  a = only<assigned>(r.open_chat("c2", "m1", "newcomer", now + 2));
  BOOST_TEST(a.at(0).agent == "a2");
}

BOOST_FIXTURE_TEST_CASE(oldest_waiting_across_merchants, fixture) {
  r.upsert_agent({"a1", {"m1", "m2"}, 1}, now);
  r.agent_connected("a1", now);
  r.open_chat("c_m2", "m2", "b1", now);      // waits first
  r.open_chat("c_m1", "m1", "b2", now + 1);  // waits second
  auto a = only<assigned>(r.set_status("a1", agent_status::online, now + 2));
  BOOST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0].chat == "c_m2");
}

BOOST_FIXTURE_TEST_CASE(merchant_scope, fixture) {
  online("a1", {"m2"}, 5);
  online("all", {"*"}, 0);  // serves every merchant but has no room
  auto out = r.open_chat("c1", "m1", "b1", now);
  BOOST_TEST(only<assigned>(out).empty());
  BOOST_TEST(r.queue_position("c1").value() == 1);
}

BOOST_FIXTURE_TEST_CASE(away_agent_keeps_chats_gets_no_new_ones, fixture) {
  online("a1", {"m1"}, 5);
  r.open_chat("c1", "m1", "b1", now);
  r.set_status("a1", agent_status::away, now + 1);
  BOOST_TEST(r.holder("c1").value() == "a1");
  BOOST_TEST(only<queued>(r.open_chat("c2", "m1", "b2", now + 2)).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(grace_keeps_chats_and_status_on_reconnect, fixture) {
  online("a1", {"m1"}, 5);
  r.open_chat("c1", "m1", "b1", now);
  r.agent_disconnected("a1", now + 1);
  BOOST_TEST(r.next_deadline().value() == now + 1 + 60'000);
  // Not available while disconnected: a new chat waits.
  BOOST_TEST(only<queued>(r.open_chat("c2", "m1", "b2", now + 2)).size() == 1u);
  BOOST_TEST(r.tick(now + 60'000).empty());  // just before the deadline
  auto out = r.agent_connected("a1", now + 60'000);
  BOOST_TEST(r.holder("c1").value() == "a1");
  BOOST_TEST(r.agent("a1")->status == agent_status::online);
  // Reconnected online with room: the waiting chat comes too.
  BOOST_TEST(only<assigned>(out).at(0).chat == "c2");
  BOOST_TEST(!r.next_deadline());
}

BOOST_FIXTURE_TEST_CASE(grace_keeps_status_of_an_agent_without_chats, fixture) {
  online("a1", {"m1"}, 5);
  r.agent_disconnected("a1", now);
  // Reconnected within the grace period: still online, takes the next chat.
  r.agent_connected("a1", now + 59'999);
  BOOST_TEST(r.agent("a1")->status == agent_status::online);
  BOOST_TEST(only<assigned>(r.open_chat("c1", "m1", "b1", now + 60'000)).size() == 1u);
  r.close_chat("c1", now + 60'001);
  // Gone for longer than the grace period: a reconnect starts away.
  r.agent_disconnected("a1", now + 70'000);
  BOOST_TEST(r.tick(now + 129'999).empty());
  r.tick(now + 130'000);
  r.agent_connected("a1", now + 130'001);
  BOOST_TEST(r.agent("a1")->status == agent_status::away);
}

BOOST_FIXTURE_TEST_CASE(grace_expiry_reroutes_first_in_line, fixture) {
  online("a1", {"m1"}, 2);
  online("a2", {"m1"}, 1);
  r.open_chat("c1", "m1", "b1", now);      // a1 or a2
  r.open_chat("c2", "m1", "b2", now + 1);  // the other
  r.open_chat("c3", "m1", "b3", now + 2);  // a1 (a2 full)
  BOOST_TEST(r.agent("a1")->chats.size() == 2u);
  r.open_chat("w1", "m1", "b4", now + 3);  // queued, position 1
  r.agent_disconnected("a1", now + 10);
  auto out = r.tick(now + 10 + 60'000);
  auto u = only<unassigned>(out);
  BOOST_TEST(u.size() == 2u);
  BOOST_TEST(u[0].reason == "grace");
  // a2 is full, so both go to the front of the queue ahead of w1.
  auto q = only<queued>(out);
  BOOST_TEST(r.queue_position("w1").value() == 3);
  BOOST_TEST(r.agent("a1")->chats.empty());
  BOOST_TEST(r.agent("a1")->status == agent_status::away);
  // a2's seat frees: it takes the first re-routed chat, not w1.
  std::string a2_chat = *r.agent("a2")->chats.begin();
  auto a = only<assigned>(r.close_chat(a2_chat, now + 70'000));
  BOOST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0].chat != "w1");
  BOOST_TEST(a[0].reason == "queue");
}

// Two agents whose grace runs out at the same moment: their chats go first in line in the order
// they were opened, whichever agent held them and however their ids sort.
BOOST_FIXTURE_TEST_CASE(chats_freed_together_keep_their_age_order, fixture) {
  online("a2", {"m1"}, 1);
  r.open_chat("z-old", "m1", "b1", now);  // a2
  online("a1", {"m1"}, 2);
  r.open_chat("m-mid", "m1", "b2", now + 1);   // a1
  r.open_chat("a-new", "m1", "b3", now + 2);   // a1
  r.open_chat("w-wait", "m1", "b4", now + 3);  // queued
  BOOST_REQUIRE(r.holder("z-old").value() == "a2");
  BOOST_REQUIRE(r.holder("a-new").value() == "a1");
  r.agent_disconnected("a1", now + 10);
  r.agent_disconnected("a2", now + 10);
  r.tick(now + 10 + 60'000);
  BOOST_TEST(r.queue_position("z-old").value() == 1);
  BOOST_TEST(r.queue_position("m-mid").value() == 2);
  BOOST_TEST(r.queue_position("a-new").value() == 3);
  BOOST_TEST(r.queue_position("w-wait").value() == 4);
  // A free seat goes to the one who has waited longest.
  online("a3", {"m1"}, 1);
  BOOST_TEST(r.holder("z-old").value() == "a3");
}

// Graces that run out a second apart: the later batch does not jump the earlier one; re-routed
// chats wait in the order they were opened, ahead of every arrival.
BOOST_FIXTURE_TEST_CASE(chats_freed_apart_keep_their_age_order, fixture) {
  online("x", {"m1"}, 2);
  r.open_chat("c0", "m1", "b0", now);      // x
  r.open_chat("c1", "m1", "b1", now + 1);  // x
  online("y", {"m1"}, 1);
  r.open_chat("c2", "m1", "b2", now + 2);  // y
  r.open_chat("c3", "m1", "b3", now + 3);  // queued
  BOOST_REQUIRE(r.holder("c2").value() == "y");
  r.agent_disconnected("x", now + 10);
  r.agent_disconnected("y", now + 1'010);
  r.tick(now + 10 + 60'000);     // x's chats
  r.tick(now + 1'010 + 60'000);  // then y's
  BOOST_TEST(r.queue_position("c0").value() == 1);
  BOOST_TEST(r.queue_position("c1").value() == 2);
  BOOST_TEST(r.queue_position("c2").value() == 3);
  BOOST_TEST(r.queue_position("c3").value() == 4);
  online("z", {"m1"}, 1);
  BOOST_TEST(r.holder("c0").value() == "z");
}

BOOST_FIXTURE_TEST_CASE(grace_expiry_goes_straight_to_a_free_agent, fixture) {
  online("a1", {"m1"}, 5);
  r.open_chat("c1", "m1", "b1", now);
  online("a2", {"m1"}, 5);
  r.agent_disconnected("a1", now + 1);
  auto out = r.tick(now + 1 + 60'000);
  auto a = only<assigned>(out);
  BOOST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0].agent == "a2");
  BOOST_TEST(a[0].previous == "a1");
  BOOST_TEST(a[0].reason == "grace");
}

BOOST_FIXTURE_TEST_CASE(transfer_rules, fixture) {
  online("a1", {"m1"}, 5);
  online("a2", {"m1"}, 1);
  online("a3", {"m2"}, 5);
  r.upsert_agent({"a4", {"m1"}, 5}, now);  // never connected
  auto a = only<assigned>(r.open_chat("c1", "m1", "b1", now));
  std::string holder = a.at(0).agent;
  std::string other = holder == "a1" ? "a2" : "a1";
  commands out;
  BOOST_TEST(r.transfer("nope", holder, other, now, out) == route_error::not_found);
  BOOST_TEST(r.transfer("c1", other, holder, now, out) == route_error::forbidden);
  BOOST_TEST(r.transfer("c1", holder, "ghost", now, out) == route_error::not_found);
  BOOST_TEST(r.transfer("c1", holder, "a3", now, out) == route_error::forbidden);
  BOOST_TEST(r.transfer("c1", holder, "a4", now, out) == route_error::unavailable);
  // To the holder itself: said so, nothing moves.
  BOOST_TEST(r.transfer("c1", holder, holder, now, out) == route_error::same_agent);
  BOOST_TEST(std::string(to_string(route_error::same_agent)) == "bad_request");
  BOOST_TEST(r.holder("c1").value() == holder);
  BOOST_TEST(out.empty());
  // Fill a2 so it is full, then try.
  if (holder == "a1") {
    r.open_chat("c2", "m1", "b2", now + 1);  // a2 has fewer chats
    BOOST_TEST(r.holder("c2").value() == "a2");
    BOOST_TEST(r.transfer("c1", "a1", "a2", now, out) == route_error::capacity);
  }
  out.clear();
  std::string target = holder == "a1" ? "a1" : "a1";
  if (holder == "a2") {
    BOOST_TEST(r.transfer("c1", "a2", "a1", now + 2, out) == route_error::none);
    BOOST_TEST(r.holder("c1").value() == "a1");
    BOOST_TEST(only<unassigned>(out).at(0).reason == "transfer");
    BOOST_TEST(only<assigned>(out).at(0).reason == "transfer");
  }
  (void)target;
}

BOOST_FIXTURE_TEST_CASE(transfer_frees_seat_for_queue, fixture) {
  online("a1", {"m1"}, 1);
  r.open_chat("c1", "m1", "b1", now);
  r.open_chat("c2", "m1", "b2", now + 1);  // waits
  online("a2", {"m1"}, 2);                 // takes c2 when going online
  BOOST_TEST(r.holder("c2").value() == "a2");
  r.open_chat("c3", "m1", "b3", now + 2);  // a2 has room
  BOOST_TEST(r.holder("c3").value() == "a2");
  r.open_chat("c4", "m1", "b4", now + 3);  // waits
  commands out;
  // a2 is full; a1 full: move c1 impossible. Close c3 instead: a2 pulls c4.
  auto a = only<assigned>(r.close_chat("c3", now + 4));
  BOOST_TEST(a.at(0).chat == "c4");
}

BOOST_FIXTURE_TEST_CASE(closing_a_queued_chat_moves_others_up, fixture) {
  r.open_chat("c1", "m1", "b1", now);
  r.open_chat("c2", "m1", "b2", now);
  auto q = only<queued>(r.close_chat("c1", now + 1));
  BOOST_REQUIRE(q.size() == 1u);
  BOOST_TEST(q[0].chat == "c2");
  BOOST_TEST(q[0].position == 1);
  BOOST_TEST(!r.has_chat("c1"));
}

BOOST_FIXTURE_TEST_CASE(restore_chat_waits_for_its_agent, fixture) {
  r.upsert_agent({"a1", {"m1"}, 5}, now);
  r.restore_chat("c1", "m1", "b1", "a1", now);
  BOOST_TEST(r.holder("c1").value() == "a1");
  BOOST_TEST(r.next_deadline().value() == now + 60'000);
  r.agent_connected("a1", now + 5);
  BOOST_TEST(r.holder("c1").value() == "a1");
  BOOST_TEST(!r.next_deadline());
}

// An agent online before a restart, holding no chat, is online again when it reconnects within
// the grace period, and away when it comes back later.
BOOST_FIXTURE_TEST_CASE(restored_online_agent_keeps_status_within_grace, fixture) {
  r.upsert_agent({"a1", {"m1"}, 5}, now);
  r.upsert_agent({"a2", {"m1"}, 5}, now);
  r.restore_online("a1", now);
  r.restore_online("a2", now);
  BOOST_TEST(r.next_deadline().value() == now + 60'000);
  r.agent_connected("a1", now + 5);
  r.tick(now + 60'000);
  r.agent_connected("a2", now + 60'001);
  r.open_chat("c1", "m1", "b1", now + 60'002);
  BOOST_TEST(r.holder("c1").value() == "a1");  // a2 came back after the grace: away
  r.set_status("a1", agent_status::away, now + 60'003);
  r.open_chat("c2", "m1", "b2", now + 60'004);
  BOOST_TEST(!r.holder("c2"));
}

BOOST_FIXTURE_TEST_CASE(capacity_increase_pulls_waiting, fixture) {
  online("a1", {"m1"}, 1);
  r.open_chat("c1", "m1", "b1", now);
  r.open_chat("c2", "m1", "b2", now);
  auto a = only<assigned>(r.upsert_agent({"a1", {"m1"}, 2}, now + 1));
  BOOST_TEST(a.at(0).chat == "c2");
}
