// The group commit writer: ordering, seq, idempotency, failures, throughput.
#define BOOST_TEST_MODULE store_writer
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/store/common.hpp"

using namespace kefu::store;
using namespace kefu::store::test;

BOOST_TEST_GLOBAL_FIXTURE(announce_pg);

namespace {

std::unique_ptr<store> open_with_chats(test_db const& db, int chats,
                                       std::string const& prefix = "c") {
  auto s = db.open();
  s->insert_merchant(make_merchant("m1"));
  std::vector<write_op> ops;
  for (int c = 0; c < chats; ++c)
    ops.push_back(open_chat(prefix + std::to_string(c), "m1", 1000 + c));
  for (auto const& r : run(*s, std::move(ops))) BOOST_TEST_REQUIRE(r.ok);
  return s;
}

}  // namespace

KEFU_STORE_CASE(seq_is_gapless_per_chat) {
  constexpr int chats = 20, per_chat = 40;
  auto s = open_with_chats(db, chats);

  // Interleave the chats and hand the writer batches of random sizes.
  std::vector<std::pair<int, int>> order;  // (chat, nth message)
  for (int i = 0; i < per_chat; ++i)
    for (int c = 0; c < chats; ++c) order.emplace_back(c, i);
  std::mt19937 rng(7);
  std::map<int, std::vector<std::int64_t>> seqs;
  for (std::size_t at = 0; at < order.size();) {
    std::size_t n = std::min<std::size_t>(1 + rng() % 97, order.size() - at);
    std::vector<write_op> ops;
    for (std::size_t k = 0; k < n; ++k) {
      auto [c, i] = order[at + k];
      ops.push_back(message("c" + std::to_string(c), "b:m1:b" + std::to_string(c),
                            "id" + std::to_string(i), "hello " + std::to_string(i), 5000 + i));
    }
    auto results = run(*s, std::move(ops));
    for (std::size_t k = 0; k < n; ++k) {
      BOOST_TEST_REQUIRE(results[k].ok);
      BOOST_TEST(!results[k].duplicate);
      seqs[order[at + k].first].push_back(results[k].seq.value_or(-1));
    }
    at += n;
  }
  for (int c = 0; c < chats; ++c) {
    auto const& got = seqs[c];
    for (int i = 0; i < per_chat; ++i) BOOST_TEST(got[i] == i + 1);
    auto chat = "c" + std::to_string(c);
    BOOST_TEST(s->last_seq(chat) == per_chat);
    BOOST_TEST(s->find_chat(chat)->last_seq == per_chat);
  }

  auto after = s->messages_after("c3", 35);
  BOOST_TEST_REQUIRE(after.size() == 5u);
  for (std::size_t i = 0; i < after.size(); ++i) {
    BOOST_TEST(after[i].seq.value_or(0) == 36 + std::int64_t(i));
    BOOST_TEST(after[i].text == "hello " + std::to_string(35 + i));
    BOOST_TEST(after[i].client_id == "id" + std::to_string(35 + i));
  }
  BOOST_TEST(s->messages_after("c3", per_chat).empty());
  BOOST_TEST(s->messages("c3").size() == std::size_t(per_chat));

  // The counters survive a restart.
  s.reset();
  s = db.open();
  auto r = run_one(*s, message("c3", "b:m1:b3", "late", "again", 9000));
  BOOST_TEST(r.seq.value_or(0) == per_chat + 1);
}

KEFU_STORE_CASE(group_commit_uses_few_transactions) {
  auto s = open_with_chats(db, 10);
  auto before = s->stats();
  std::vector<write_op> ops;
  for (int i = 0; i < 1000; ++i)
    ops.push_back(message("c" + std::to_string(i % 10), "a:x", "g" + std::to_string(i), "t", i));
  for (auto const& r : run(*s, std::move(ops))) BOOST_TEST_REQUIRE(r.ok);
  auto after = s->stats();
  auto txns = after.transactions - before.transactions;
  BOOST_TEST_MESSAGE("1000 writes in " << txns << " transactions");
  BOOST_TEST(after.writes - before.writes == 1000u);
  BOOST_TEST(txns >= 1u);
  BOOST_TEST(txns <= 5u);

  BOOST_TEST_REQUIRE(after.bucket_bounds.size() == after.bucket_counts.size());
  BOOST_TEST(!after.bucket_bounds.empty());
  for (std::size_t b = 1; b < after.bucket_counts.size(); ++b) {
    BOOST_TEST(after.bucket_bounds[b] > after.bucket_bounds[b - 1]);
    BOOST_TEST(after.bucket_counts[b] >= after.bucket_counts[b - 1]);  // cumulative
  }
  BOOST_TEST(after.bucket_counts.back() <= after.transactions);
  BOOST_TEST(after.latency_sum > 0);
}

// A re-send answered from the database must not leave the writer's connection holding a read
// snapshot: once another connection commits, the writer could never write again.
KEFU_STORE_CASE(writes_go_on_after_a_duplicate_and_a_commit_elsewhere) {
  auto s = open_with_chats(db, 1);
  BOOST_TEST_REQUIRE(run_one(*s, message("c0", "b:m1:b0", "x1", "hi", 100)).ok);
  auto again = run_one(*s, message("c0", "b:m1:b0", "x1", "hi", 101));
  BOOST_TEST_REQUIRE(again.ok);
  BOOST_TEST(again.duplicate);
  // Another connection of the pool writes (a login, an audit entry …).
  kefu::store::user u;
  u.id = "someone";
  u.name = "Someone";
  u.role = "agent";
  u.password_hash = "x";
  s->insert_user(u);
  auto next = run_one(*s, message("c0", "b:m1:b0", "x2", "still there?", 102));
  BOOST_TEST(next.ok, next.error);
  BOOST_TEST(next.seq.value_or(0) == 2);
  // The same after a chat whose counter had to be read from the database.
  s.reset();
  s = db.open();
  BOOST_TEST_REQUIRE(run_one(*s, message("c0", "b:m1:b0", "x3", "after restart", 103)).ok);
  u.id = "someone-else";
  s->insert_user(u);
  auto last = run_one(*s, message("c0", "b:m1:b0", "x4", "and again", 104));
  BOOST_TEST(last.ok, last.error);
}

KEFU_STORE_CASE(duplicates_return_the_original) {
  auto s = open_with_chats(db, 2);
  auto first = run_one(*s, message("c0", "b:m1:b0", "x1", "hi", 100));
  BOOST_TEST_REQUIRE(first.ok);
  BOOST_TEST(first.seq.value_or(0) == 1);
  BOOST_TEST(!first.duplicate);

  // Sequential re-send: same ack, nothing stored.
  auto again = run_one(*s, message("c0", "b:m1:b0", "x1", "hi (resent)", 999));
  BOOST_TEST(again.ok);
  BOOST_TEST(again.duplicate);
  BOOST_TEST(again.seq.value_or(0) == 1);
  BOOST_TEST(again.ts == 100);
  BOOST_TEST(again.chat == "c0");

  // The same key is per sender: another sender may use the same client id.
  auto other = run_one(*s, message("c0", "a:alice", "x1", "hello", 101, false, "", "agent"));
  BOOST_TEST(!other.duplicate);
  BOOST_TEST(other.seq.value_or(0) == 2);

  // Within one batch.
  std::vector<write_op> ops;
  ops.push_back(message("c0", "b:m1:b0", "x2", "a", 102));
  ops.push_back(message("c1", "b:m1:b1", "y1", "b", 103));
  ops.push_back(message("c0", "b:m1:b0", "x2", "a", 104));
  ops.push_back(message("c0", "b:m1:b0", "x3", "c", 105));
  auto rs = run(*s, std::move(ops));
  BOOST_TEST(rs[0].seq.value_or(0) == 3);
  BOOST_TEST(!rs[0].duplicate);
  BOOST_TEST(rs[1].seq.value_or(0) == 1);
  BOOST_TEST(rs[2].duplicate);
  BOOST_TEST(rs[2].seq.value_or(0) == 3);
  BOOST_TEST(rs[2].ts == 102);
  BOOST_TEST(rs[3].seq.value_or(0) == 4);  // the duplicate consumed no seq

  // Messages without a client id (auto / system) are never deduplicated.
  auto a1 = run_one(*s, message("c0", "a:alice", "", "greeting", 106, false, "", "auto"));
  auto a2 = run_one(*s, message("c0", "a:alice", "", "greeting", 106, false, "", "auto"));
  BOOST_TEST(!a1.duplicate);
  BOOST_TEST(!a2.duplicate);
  BOOST_TEST(a1.seq.value_or(0) == 5);
  BOOST_TEST(a2.seq.value_or(0) == 6);
  auto stored = s->messages("c0");
  BOOST_TEST_REQUIRE(stored.size() == 6u);
  BOOST_TEST(stored[4].client_id == "");
  BOOST_TEST(stored[4].sender == "auto");
  BOOST_TEST(stored[4].agent == "");

  // After a restart the database key still answers with the original.
  s.reset();
  s = db.open();
  auto later = run_one(*s, message("c0", "b:m1:b0", "x1", "hi", 200));
  BOOST_TEST(later.duplicate);
  BOOST_TEST(later.seq.value_or(0) == 1);
  BOOST_TEST(later.ts == 100);
  auto next = run_one(*s, message("c0", "b:m1:b0", "x9", "next", 201));
  BOOST_TEST(next.seq.value_or(0) == 7);
}

KEFU_STORE_CASE(a_message_can_open_its_chat) {
  auto s = db.open();
  s->insert_merchant(make_merchant("m1"));
  auto opening = [](std::string chat, std::string id, std::int64_t ts) {
    auto op = message(chat, "b:m1:b1", std::move(id), "first", ts);
    op.message->open_chat = open_chat_op{chat, "m1", "b1", ts};
    return op;
  };
  auto r = run_one(*s, opening("c1", "x1", 100));
  BOOST_TEST_REQUIRE(r.ok);
  BOOST_TEST(r.seq.value_or(0) == 1);
  auto c1 = s->find_chat("c1");
  BOOST_TEST_REQUIRE(c1.has_value());
  BOOST_TEST(c1->opened == 100);
  BOOST_TEST(c1->buyer == "b1");
  BOOST_TEST(c1->last_seq == 1);

  // A re-send that would open another chat answers with the original and
  // opens nothing.
  auto again = run_one(*s, opening("c2", "x1", 200));
  BOOST_TEST(again.duplicate);
  BOOST_TEST(again.chat == "c1");
  BOOST_TEST(again.seq.value_or(0) == 1);
  BOOST_TEST(!s->find_chat("c2").has_value());

  // Both in one batch.
  std::vector<write_op> ops;
  ops.push_back(opening("c3", "x3", 300));
  ops.push_back(opening("c4", "x3", 301));
  ops.push_back(message("c3", "b:m1:b1", "x4", "second", 302));
  auto rs = run(*s, std::move(ops));
  BOOST_TEST(rs[0].seq.value_or(0) == 1);
  BOOST_TEST(rs[1].duplicate);
  BOOST_TEST(rs[1].chat == "c3");
  BOOST_TEST(rs[2].seq.value_or(0) == 2);
  BOOST_TEST(!s->find_chat("c4").has_value());

  // The chat to open must be the message's own.
  auto odd = opening("c5", "x5", 400);
  odd.message->open_chat->chat = "c6";
  BOOST_TEST(!run_one(*s, std::move(odd)).ok);
  BOOST_TEST(!s->find_chat("c5").has_value());
}

KEFU_STORE_CASE(dedupe_only_answers_resends_and_stores_nothing) {
  auto s = open_with_chats(db, 1);
  auto resend = [](std::string id) {
    auto op = message("c0", "a:alice", std::move(id), "again", 50, false, "", "agent");
    op.message->dedupe_only = true;
    return op;
  };
  auto fresh = run_one(*s, resend("k1"));
  BOOST_TEST(fresh.ok);
  BOOST_TEST(!fresh.duplicate);
  BOOST_TEST(!fresh.seq.has_value());
  BOOST_TEST(s->messages("c0").empty());

  BOOST_TEST(
      run_one(*s, message("c0", "a:alice", "k1", "hi", 40, false, "", "agent")).seq.value_or(0) ==
      1);
  auto dup = run_one(*s, resend("k1"));
  BOOST_TEST(dup.ok);
  BOOST_TEST(dup.duplicate);
  BOOST_TEST(dup.seq.value_or(0) == 1);
  BOOST_TEST(dup.ts == 40);
  BOOST_TEST(s->messages("c0").size() == 1u);
  BOOST_TEST(
      run_one(*s, message("c0", "a:alice", "k2", "next", 60, false, "", "agent")).seq.value_or(0) ==
      2);
}

KEFU_STORE_CASE(blocked_messages_take_no_seq) {
  auto s = open_with_chats(db, 1);
  std::string const verdict = R"({"action":"block","category":"off_platform"})";
  BOOST_TEST(
      run_one(*s, message("c0", "a:alice", "k1", "ok", 10, false, "", "agent")).seq.value_or(0) ==
      1);
  auto blocked =
      run_one(*s, message("c0", "a:alice", "k2", "加我微信", 11, true, verdict, "agent"));
  BOOST_TEST(blocked.ok);
  BOOST_TEST(blocked.blocked);
  BOOST_TEST(!blocked.seq.has_value());
  BOOST_TEST(blocked.verdict_json == verdict);

  // Re-sending the blocked id answers "blocked" again with the stored verdict.
  auto resent = run_one(*s, message("c0", "a:alice", "k2", "加我微信", 12, false, "", "agent"));
  BOOST_TEST(resent.duplicate);
  BOOST_TEST(resent.blocked);
  BOOST_TEST(!resent.seq.has_value());
  BOOST_TEST(resent.verdict_json == verdict);
  BOOST_TEST(resent.ts == 11);

  BOOST_TEST(
      run_one(*s, message("c0", "a:alice", "k3", "ok", 13, false, "", "agent")).seq.value_or(0) ==
      2);
  auto all = s->messages("c0");
  BOOST_TEST_REQUIRE(all.size() == 3u);
  BOOST_TEST(all[1].blocked);
  BOOST_TEST(!all[1].seq.has_value());
  BOOST_TEST(all[1].verdict_json == verdict);
  BOOST_TEST(all[1].text == "加我微信");
  BOOST_TEST(all[0].verdict_json == "");
  auto delivered = s->messages_after("c0", 0);
  BOOST_TEST_REQUIRE(delivered.size() == 2u);
  BOOST_TEST(!delivered[0].blocked);
  BOOST_TEST(!delivered[1].blocked);
  BOOST_TEST(s->last_seq("c0") == 2);
}

KEFU_STORE_CASE(ord_follows_submission_order) {
  auto s = open_with_chats(db, 3);
  std::vector<write_op> ops;
  for (int i = 0; i < 30; ++i) {
    auto chat = "c" + std::to_string(i % 3);
    if (i % 5 == 0)
      ops.push_back(event(chat, "assign", "a" + std::to_string(i), "", 50 - i));
    else
      ops.push_back(message(chat, "k", "o" + std::to_string(i), "t", 50 - i, i % 7 == 0));
  }
  for (auto const& r : run(*s, std::move(ops))) BOOST_TEST_REQUIRE(r.ok);

  std::vector<std::int64_t> ords;
  std::map<std::int64_t, std::string> by_ord;
  for (int c = 0; c < 3; ++c) {
    auto chat = "c" + std::to_string(c);
    for (auto const& m : s->messages(chat)) by_ord[m.ord] = m.client_id;
    for (auto const& e : s->chat_events(chat)) by_ord[e.ord] = "ev:" + e.agent;
  }
  BOOST_TEST_REQUIRE(by_ord.size() == 30u);  // unique across both tables
  int i = 0;
  std::int64_t prev = 0;
  for (auto const& [ord, what] : by_ord) {
    BOOST_TEST(ord > prev);
    prev = ord;
    BOOST_TEST(what == (i % 5 == 0 ? "ev:a" + std::to_string(i) : "o" + std::to_string(i)));
    ++i;
  }
  BOOST_TEST(s->find_chat("c0")->agent == "a15");  // the last assign of c0 (i = 0, 15)

  // Continues after a restart.
  s.reset();
  s = db.open();
  run_one(*s, message("c0", "k", "after", "t", 60));
  BOOST_TEST(s->messages("c0").back().ord == prev + 1);
}

KEFU_STORE_CASE(scan_events_in_ts_ord_order) {
  auto s = db.open();
  s->insert_merchant(make_merchant("m1"));
  std::vector<write_op> ops;
  ops.push_back(open_chat("early", "m1", 50));
  ops.push_back(open_chat("c1", "m1", 100));
  ops.push_back(open_chat("c2", "m1", 110));
  ops.push_back(open_chat("late", "m1", 500));
  ops.push_back(message("early", "b", "e1", "out of window", 120));
  ops.push_back(message("c2", "b:2", "m1", "c2 first", 120));
  ops.push_back(message("c1", "b:1", "m1", "c1 first", 100));
  ops.push_back(event("c1", "assign", "a1", "", 100));  // same ts: arrival order decides
  ops.push_back(message("c1", "a:a1", "m2", "reply", 130, false, "", "agent"));
  ops.push_back(message("c2", "b:2", "m2", "late arrival, early ts", 115));
  ops.push_back(message("c2", "b:2", "m3", "blocked", 140, true, R"({"action":"block"})"));
  ops.push_back(event("c1", "close", "", "buyer", 150));
  ops.push_back(message("late", "b", "l1", "out of window", 600));
  for (auto const& r : run(*s, std::move(ops))) BOOST_TEST_REQUIRE(r.ok);

  std::vector<std::string> chats, lines;
  std::int64_t prev_ts = 0, prev_ord = 0;
  s->scan_events(
      100, 500, [&](chat_row const& c) { chats.push_back(c.id + "@" + c.merchant); },
      [&](message_row const& m) {
        BOOST_TEST((std::pair(m.ts, m.ord) > std::pair(prev_ts, prev_ord)));
        prev_ts = m.ts;
        prev_ord = m.ord;
        lines.push_back(m.chat + ":" + m.text + (m.blocked ? " [blocked]" : ""));
      },
      [&](chat_event_row const& e) {
        BOOST_TEST((std::pair(e.ts, e.ord) > std::pair(prev_ts, prev_ord)));
        prev_ts = e.ts;
        prev_ord = e.ord;
        lines.push_back(e.chat + ":" + e.kind + ":" + e.agent + e.data);
      });
  BOOST_TEST(chats == (std::vector<std::string>{"c1@m1", "c2@m1"}));
  std::vector<std::string> const want = {
      "c1:c1 first",   "c1:assign:a1", "c2:late arrival, early ts",
      "c2:c2 first",   "c1:reply",     "c2:blocked [blocked]",
      "c1:close:buyer"};
  BOOST_TEST(lines == want, boost::test_tools::per_element());

  // An empty window calls nothing.
  int calls = 0;
  s->scan_events(
      1000, 2000, [&](chat_row const&) { ++calls; }, [&](message_row const&) { ++calls; },
      [&](chat_event_row const&) { ++calls; });
  BOOST_TEST(calls == 0);
}

KEFU_STORE_CASE(scan_events_streams_many_rows) {
  auto s = open_with_chats(db, 5);
  std::vector<write_op> ops;
  for (int i = 0; i < 2500; ++i)
    ops.push_back(message("c" + std::to_string(i % 5), "k", std::to_string(i), "t", 2000 + i / 3));
  for (auto const& r : run(*s, std::move(ops))) BOOST_TEST_REQUIRE(r.ok);
  int n = 0;
  std::int64_t prev_ts = 0, prev_ord = 0;
  bool ordered = true;
  s->scan_events(
      0, 10'000, [](chat_row const&) {},
      [&](message_row const& m) {
        ordered = ordered && std::pair(m.ts, m.ord) > std::pair(prev_ts, prev_ord);
        prev_ts = m.ts;
        prev_ord = m.ord;
        ++n;
      },
      [](chat_event_row const&) {});
  BOOST_TEST(n == 2500);  // more than one page of the PostgreSQL cursor
  BOOST_TEST(ordered);
}

KEFU_STORE_CASE(scan_events_passes_sink_exceptions_through) {
  auto s = open_with_chats(db, 2);
  for (auto const& r :
       run(*s, {message("c0", "k", "1", "t", 2000), message("c1", "k", "2", "t", 2001)}))
    BOOST_TEST_REQUIRE(r.ok);
  struct client_gone {};
  for (int round = 0; round < 6; ++round) {  // more rounds than pooled sessions
    BOOST_CHECK_THROW(
        s->scan_events(
            0, 10'000, nullptr, [](message_row const&) { throw client_gone{}; }, nullptr),
        client_gone);
  }
  int n = 0;
  s->scan_events(
      0, 10'000, nullptr, [&](message_row const&) { ++n; }, nullptr);
  BOOST_TEST(n == 2);
  BOOST_TEST(run_one(*s, message("c0", "k", "3", "t", 2002)).seq.value_or(0) == 2);
}

KEFU_STORE_CASE(failed_writes_are_reported_and_consume_nothing) {
  auto s = open_with_chats(db, 2);
  BOOST_TEST(run_one(*s, message("c0", "k", "1", "t", 1)).seq.value_or(0) == 1);

  // Alone: a message for a chat that does not exist.
  auto bad = run_one(*s, message("nope", "k", "2", "t", 2));
  BOOST_TEST(!bad.ok);
  BOOST_TEST(!bad.error.empty());
  auto bad_blocked = run_one(*s, message("nope", "k", "2b", "t", 2, true));  // hits the foreign key
  BOOST_TEST(!bad_blocked.ok);
  BOOST_TEST(!run_one(*s, event("nope", "assign", "a1", "", 3)).ok);
  BOOST_TEST(!run_one(*s, open_chat("c9", "no-such-merchant", 3)).ok);
  BOOST_TEST(!run_one(*s, write_op{}).ok);  // holds nothing

  auto good = run_one(*s, message("c0", "k", "3", "t", 4));
  BOOST_TEST(good.ok);
  BOOST_TEST(good.seq.value_or(0) == 2);

  // Mixed into a batch, the bad writes fail alone and the rest commits.
  std::vector<write_op> ops;
  ops.push_back(message("c0", "k", "4", "t", 5));
  ops.push_back(message("nope", "k", "5", "t", 5));
  ops.push_back(message("c1", "k", "6", "t", 5));
  ops.push_back(message("c0", "k", "7", "t", 5));
  auto rs = run(*s, std::move(ops));
  BOOST_TEST(rs[0].ok);
  BOOST_TEST(!rs[1].ok);
  BOOST_TEST(rs[2].ok);
  BOOST_TEST(rs[3].ok);
  BOOST_TEST(rs[0].seq.value_or(0) == 3);
  BOOST_TEST(rs[2].seq.value_or(0) == 1);
  BOOST_TEST(rs[3].seq.value_or(0) == 4);

  // Several bad writes in one batch.
  ops.clear();
  for (int i = 0; i < 12; ++i)
    ops.push_back(i % 3 == 1
                      ? message("nope" + std::to_string(i), "k", "b" + std::to_string(i), "t", 6)
                      : message("c1", "k", "g" + std::to_string(i), "t", 6));
  rs = run(*s, std::move(ops));
  std::int64_t expect = 2;
  for (int i = 0; i < 12; ++i) {
    BOOST_TEST(rs[i].ok == (i % 3 != 1));
    if (rs[i].ok) BOOST_TEST(rs[i].seq.value_or(0) == expect++);
  }
  BOOST_TEST(s->last_seq("c1") == expect - 1);
  BOOST_TEST(s->messages("c0").size() == 4u);
}

KEFU_STORE_CASE(stop_writer_finishes_pending_writes) {
  auto s = open_with_chats(db, 4);
  std::atomic<int> ok{0}, failed{0};
  std::vector<write_op> ops;
  for (int i = 0; i < 3000; ++i) {
    auto op = message("c" + std::to_string(i % 4), "k", "s" + std::to_string(i), "t", i);
    op.done = [&](write_result const& r) { (r.ok ? ok : failed)++; };
    ops.push_back(std::move(op));
  }
  s->submit_batch(std::move(ops));
  s->stop_writer();
  BOOST_TEST(ok.load() == 3000);
  BOOST_TEST(failed.load() == 0);
  BOOST_TEST(s->last_seq("c0") == 750);

  auto late = message("c0", "k", "late", "t", 1);
  bool reported = false;
  late.done = [&](write_result const& r) {
    reported = true;
    BOOST_TEST(!r.ok);
    BOOST_TEST(!r.error.empty());
  };
  s->submit(std::move(late));
  BOOST_TEST(reported);
  s->stop_writer();  // twice is fine
}

KEFU_STORE_CASE(concurrent_submitters) {
  auto s = open_with_chats(db, 8);
  constexpr int threads = 4, per_thread = 500;
  std::mutex mu;
  std::map<std::string, std::vector<std::int64_t>> seqs;
  std::atomic<int> left{threads * per_thread};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto chat = "c" + std::to_string((t * per_thread + i) % 8);
        auto op = message(chat, "t" + std::to_string(t), std::to_string(i), "x", i);
        op.done = [&, chat](write_result const& r) {
          std::lock_guard lk(mu);
          if (r.ok && r.seq) seqs[chat].push_back(*r.seq);
          --left;
        };
        s->submit(std::move(op));
      }
    });
  for (auto& t : ts) t.join();
  for (int i = 0; i < 600 && left.load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  BOOST_TEST_REQUIRE(left.load() == 0);
  for (auto& [chat, got] : seqs) {
    // Reported on one thread in commit order: already 1..n.
    for (std::size_t i = 0; i < got.size(); ++i) BOOST_TEST(got[i] == std::int64_t(i + 1));
    BOOST_TEST(s->last_seq(chat) == std::int64_t(got.size()));
  }
}

KEFU_STORE_CASE(writer_throughput) {
  int const chats = 200;
  int const total = db.kind() == "sqlite" ? 40'000 : 10'000;
  auto s = open_with_chats(db, chats);
  auto before = s->stats();
  std::atomic<int> left{total}, failed{0};
  auto t0 = std::chrono::steady_clock::now();
  // Producers submit one message at a time, as connection handlers do.
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p)
    producers.emplace_back([&, p] {
      for (int i = p; i < total; i += 2) {
        auto op = message("c" + std::to_string(i % chats), "b:m1:" + std::to_string(i % chats),
                          "t" + std::to_string(i), "你好，请问这个商品什么时候发货？", 10'000 + i);
        op.done = [&](write_result const& r) {
          if (!r.ok) ++failed;
          --left;
        };
        s->submit(std::move(op));
      }
    });
  for (auto& p : producers) p.join();
  while (left.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto after = s->stats();
  BOOST_TEST(failed.load() == 0);
  std::cout << db.kind() << " writer: " << total << " messages in " << secs
            << " s = " << static_cast<long>(total / secs) << " messages/s, "
            << (after.transactions - before.transactions) << " transactions\n";
}

// A database that stays locked fails whole transactions; nothing of them is
// kept, no seq is used up, and the writer carries on once the lock is gone.
BOOST_AUTO_TEST_CASE(locked_sqlite_fails_the_batch_then_recovers) {
  sqlite_db db;
  auto url = db.url() + "?busy_timeout=100";
  auto s = store::open(url);
  s->insert_merchant(make_merchant("m1"));
  BOOST_TEST_REQUIRE(run_one(*s, open_chat("c0", "m1", 1)).ok);
  BOOST_TEST(run_one(*s, message("c0", "k", "1", "t", 1)).seq.value_or(0) == 1);

  sqlite3* raw = nullptr;
  BOOST_TEST_REQUIRE(sqlite3_open(db.url().substr(7).c_str(), &raw) == SQLITE_OK);
  BOOST_TEST_REQUIRE(sqlite3_exec(raw, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);

  std::vector<write_op> ops;
  ops.push_back(message("c0", "k", "2", "t", 2));
  ops.push_back(message("c0", "k", "3", "t", 3));
  auto rs = run(*s, std::move(ops));
  BOOST_TEST(!rs[0].ok);
  BOOST_TEST(!rs[1].ok);
  BOOST_TEST_MESSAGE("while locked: " << rs[0].error);

  BOOST_TEST(sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);

  auto again = run_one(*s, message("c0", "k", "2", "t", 2));
  BOOST_TEST(again.ok);
  BOOST_TEST(!again.duplicate);
  BOOST_TEST(again.seq.value_or(0) == 2);
  BOOST_TEST(s->messages("c0").size() == 2u);
}

// A barrier writes nothing and reports once everything submitted before it is committed: when
// its callback has run, the close event ahead of it can be read back.
KEFU_STORE_CASE(barrier_reports_after_earlier_writes) {
  auto s = open_with_chats(db, 1);
  std::vector<write_op> ops;
  ops.push_back(event("c0", "close", "a1", "agent", 2000));
  write_op b;
  b.barrier = true;
  ops.push_back(std::move(b));
  auto const before = s->stats().writes;
  auto const results = run(*s, std::move(ops));
  BOOST_TEST(results[1].ok);
  auto chat = s->find_chat("c0");
  BOOST_TEST_REQUIRE(chat.has_value());
  BOOST_TEST(chat->closed.has_value());
  BOOST_TEST(s->stats().writes == before + 1);  // the barrier counts as no write
}
