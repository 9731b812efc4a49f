// Opening, migrations and the synchronous CRUD methods of kefu_store.
#define BOOST_TEST_MODULE store_crud
#include <boost/test/unit_test.hpp>

#include <thread>

#include <soci/sqlite3/soci-sqlite3.h>

#include "tests/store/common.hpp"

using namespace kefu::store;
using namespace kefu::store::test;

BOOST_TEST_GLOBAL_FIXTURE(announce_pg);

namespace {

user make_user(std::string id, std::string role = "agent") {
  user u;
  u.id = std::move(id);
  u.name = "Name " + u.id;
  u.role = std::move(role);
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.merchants = {"m1", "m\"2"};
  u.capacity = 3;
  u.created = 1731038400000;
  return u;
}

template <class F>
store_error expect_store_error(F&& f) {
  try {
    f();
  } catch (store_error const& e) {
    return e;
  }
  BOOST_FAIL("expected store_error");
  return store_error("unreachable");
}

}  // namespace

KEFU_STORE_CASE(open_twice_keeps_data_and_schema) {
  {
    auto s = db.open();
    BOOST_TEST(s->backend() == db.kind());
    BOOST_TEST(s->count_users() == 0u);
    s->insert_user(make_user("admin", "admin"));
  }
  {
    auto s = db.open();  // migrations already applied: nothing to do, nothing lost
    BOOST_TEST(s->count_users() == 1u);
  }
  auto s = db.open(1);
  BOOST_TEST(s->find_user("admin").has_value());
}

KEFU_STORE_CASE(concurrent_open_of_a_fresh_database) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  std::vector<std::string> errors(4);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      try {
        auto s = db.open(1);
        s->count_users();
        ++ok;
      } catch (std::exception const& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (auto const& e : errors) BOOST_TEST(e == "");
  BOOST_TEST(ok.load() == 4);
}

KEFU_STORE_CASE(users) {
  auto s = db.open();
  auto u = make_user("alice");
  s->insert_user(u);
  s->insert_user(make_user("bob", "qa"));
  BOOST_TEST(s->count_users() == 2u);

  auto got = s->find_user("alice");
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(got->name == u.name);
  BOOST_TEST(got->role == "agent");
  BOOST_TEST(got->password_hash == u.password_hash);
  BOOST_TEST(got->merchants == u.merchants);
  BOOST_TEST(got->capacity == 3);
  BOOST_TEST(got->created == u.created);
  BOOST_TEST(!s->find_user("nobody").has_value());

  auto dup = expect_store_error([&] { s->insert_user(make_user("alice")); });
  BOOST_TEST(dup.constraint_violation);

  u.name = "Alice";
  u.merchants = {"*"};
  u.capacity = 8;
  u.role = "manager";
  s->update_user(u);
  got = s->find_user("alice");
  BOOST_TEST(got->name == "Alice");
  BOOST_TEST(got->merchants == std::vector<std::string>{"*"});
  BOOST_TEST(got->capacity == 8);
  BOOST_TEST(got->role == "manager");
  BOOST_TEST(got->created == u.created);

  auto missing = expect_store_error([&] { s->update_user(make_user("nobody")); });
  BOOST_TEST(!missing.constraint_violation);

  auto all = s->list_users();
  BOOST_TEST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all[0].id == "alice");
  BOOST_TEST(all[1].id == "bob");
  BOOST_TEST(all[1].merchants == (std::vector<std::string>{"m1", "m\"2"}));
}

KEFU_STORE_CASE(login_sessions) {
  auto s = db.open();
  s->insert_user(make_user("alice"));
  login_session ls{"ab12", "alice", 10, 20};
  s->insert_session(ls);
  auto got = s->find_session("ab12");
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(got->user_id == "alice");
  BOOST_TEST(got->created == 10);
  BOOST_TEST(got->expires == 20);

  BOOST_TEST(expect_store_error([&] { s->insert_session(ls); }).constraint_violation);
  // A session of an unknown user breaks the foreign key.
  BOOST_TEST(expect_store_error([&] {
               s->insert_session({"cd34", "nobody", 1, 2});
             }).constraint_violation);

  s->delete_session("ab12");
  BOOST_TEST(!s->find_session("ab12").has_value());
  s->delete_session("ab12");  // deleting twice is fine
}

KEFU_STORE_CASE(merchants) {
  auto s = db.open();
  auto m = make_merchant("m1");
  m.settings_json = R"({"greeting":"您好，欢迎光临 {merchant}","greeting_mode":"auto"})";
  s->insert_merchant(m);
  s->insert_merchant(make_merchant("m0"));
  auto got = s->find_merchant("m1");
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(got->name == m.name);
  BOOST_TEST(got->platform == "taobao");
  BOOST_TEST(got->channel_key == "key-m1");
  BOOST_TEST(got->settings_json == m.settings_json);
  BOOST_TEST(got->created == 1000);
  BOOST_TEST(!s->find_merchant("m9").has_value());

  BOOST_TEST(expect_store_error([&] { s->insert_merchant(m); }).constraint_violation);

  m.platform = "kuaishou";
  m.settings_json = "{}";
  s->update_merchant(m);
  BOOST_TEST(s->find_merchant("m1")->platform == "kuaishou");
  BOOST_TEST(s->find_merchant("m1")->settings_json == "{}");
  BOOST_TEST(
      !expect_store_error([&] { s->update_merchant(make_merchant("m9")); }).constraint_violation);

  auto all = s->list_merchants();
  BOOST_TEST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all[0].id == "m0");
  BOOST_TEST(all[1].id == "m1");
}

KEFU_STORE_CASE(chats_read_side) {
  auto s = db.open();
  s->insert_merchant(make_merchant("m1"));
  s->insert_merchant(make_merchant("m2"));
  std::vector<write_op> ops;
  ops.push_back(open_chat("c3", "m1", 300));
  ops.push_back(open_chat("c1", "m1", 100));
  ops.push_back(open_chat("c2", "m2", 200));
  ops.push_back(open_chat("c4", "m2", 400));
  ops.push_back(event("c1", "assign", "a1", "", 150));
  ops.push_back(event("c1", "close", "a1", "resolved", 160));
  ops.push_back(event("c1", "rate", "", "satisfied", 170));
  for (auto const& r : run(*s, std::move(ops))) BOOST_TEST(r.ok);

  auto c1 = s->find_chat("c1");
  BOOST_TEST_REQUIRE(c1.has_value());
  BOOST_TEST(c1->merchant == "m1");
  BOOST_TEST(c1->buyer == "b1");
  BOOST_TEST(c1->agent == "a1");
  BOOST_TEST(c1->opened == 100);
  BOOST_TEST(c1->closed.value_or(0) == 160);
  BOOST_TEST(c1->rating.value_or("") == "satisfied");
  BOOST_TEST(!s->find_chat("c2")->closed.has_value());
  BOOST_TEST(!s->find_chat("c2")->rating.has_value());
  BOOST_TEST(!s->find_chat("zz").has_value());

  auto open = s->open_chats();
  BOOST_TEST_REQUIRE(open.size() == 3u);
  BOOST_TEST(open[0].id == "c2");  // by opened
  BOOST_TEST(open[2].id == "c4");

  auto window = s->chats_opened(100, 400);
  BOOST_TEST_REQUIRE(window.size() == 3u);  // [from, to): c4 opened at 400 is out
  BOOST_TEST(window[0].id == "c1");
  BOOST_TEST(window[2].id == "c3");
  auto m2 = s->chats_opened(0, 1000, "m2");
  BOOST_TEST_REQUIRE(m2.size() == 2u);
  BOOST_TEST(m2[0].id == "c2");
  BOOST_TEST(m2[1].id == "c4");

  auto events = s->chat_events("c1");
  BOOST_TEST_REQUIRE(events.size() == 3u);
  BOOST_TEST(events[0].kind == "assign");
  BOOST_TEST(events[1].data == "resolved");
  BOOST_TEST(events[2].kind == "rate");
  BOOST_TEST(events[0].ord < events[1].ord);
  BOOST_TEST(s->last_seq("c1") == 0);
}

BOOST_AUTO_TEST_CASE(bad_urls_are_store_errors) {
  BOOST_CHECK_THROW(store::open("mysql://u:secret@h/db"), store_error);
  BOOST_CHECK_THROW(store::open("sqlite:"), store_error);
  BOOST_CHECK_THROW(store::open("kefu.db"), store_error);
  BOOST_CHECK_THROW(store::open("sqlite:/tmp/x.db?fast=1"), store_error);
  try {
    store::open("mysql://u:secret@h/db");
  } catch (store_error const& e) {
    BOOST_TEST(std::string(e.what()).find("secret") == std::string::npos);
  }
  // Nothing listens on port 1: a quick, clear failure.
  auto t0 = std::chrono::steady_clock::now();
  try {
    store::open("postgresql://kefu@127.0.0.1:1/kefu");
    BOOST_FAIL("expected store_error");
  } catch (store_error const& e) {
    BOOST_TEST_MESSAGE(e.what());
    BOOST_TEST(std::string(e.what()).find("postgresql") != std::string::npos);
  }
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15)));
  // libpq's keyword form is a PostgreSQL connection string too.
  try {
    store::open("host=127.0.0.1 port=1 user=kefu dbname=kefu");
    BOOST_FAIL("expected store_error");
  } catch (store_error const& e) {
    BOOST_TEST(std::string(e.what()).find("postgresql") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(sqlite_creates_the_parent_directory_and_uses_wal) {
  sqlite_db db;
  auto path = db.dir() / "deep" / "er" / "kefu.db";
  {
    auto s = store::open("sqlite:" + path.string() + "?busy_timeout=2000&synchronous=full");
    BOOST_TEST(s->backend() == "sqlite");
    s->insert_merchant(make_merchant("m1"));
  }
  BOOST_TEST(std::filesystem::exists(path));
  soci::session sql(soci::sqlite3, path.string());
  std::string mode;
  sql << "PRAGMA journal_mode", soci::into(mode);
  BOOST_TEST(mode == "wal");
  int migrations = 0;
  sql << "SELECT COUNT(*) FROM schema_migrations", soci::into(migrations);
  BOOST_TEST(migrations >= 1);
}

BOOST_AUTO_TEST_CASE(sqlite_refuses_a_newer_schema) {
  sqlite_db db;
  db.open().reset();
  {
    auto path = db.url().substr(7);
    soci::session sql(soci::sqlite3, path);
    sql << "INSERT INTO schema_migrations (version, name, applied) VALUES (999, 'future', 0)";
  }
  auto e = expect_store_error([&] { db.open(); });
  BOOST_TEST(std::string(e.what()).find("newer") != std::string::npos);
}
