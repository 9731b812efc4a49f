#pragma once
// Shared by the store tests: a fresh database per test case, on SQLite (a file
// in its own temp directory) and, when KEFU_TEST_PG_URL names a PostgreSQL
// database, in a new schema of that database.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <boost/test/unit_test.hpp>

#include "server/store/store.hpp"

namespace kefu::store::test {

inline std::string pg_url_env() {
  char const* url = std::getenv("KEFU_TEST_PG_URL");
  return url ? url : "";
}

// For sessions opened here with SOCI directly, which needs a '=' in a URI
// (see server/store/connect.cpp).
inline std::string pg_admin_url() {
  auto url = pg_url_env();
  if (url.empty() || url.find('=') != std::string::npos) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=10";
}

// Precondition of the PostgreSQL cases: reported as skipped, with the reason.
inline boost::test_tools::assertion_result pg_enabled(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(!pg_admin_url().empty());
  if (!r) r.message() << "KEFU_TEST_PG_URL is not set: PostgreSQL case skipped";
  return r;
}

// Says once per run why the PostgreSQL half does not run.
struct announce_pg {
  announce_pg() {
    if (pg_admin_url().empty())
      std::cerr << "note: KEFU_TEST_PG_URL is not set; the *_postgresql cases are SKIPPED "
                   "(start one with scripts/pg-test-server)\n";
  }
};

// The URL with one more query parameter (its value already percent-encoded).
inline std::string with_param(std::string const& url, std::string const& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

class test_db {
 public:
  virtual ~test_db() = default;
  virtual std::string url() const = 0;
  virtual std::string kind() const = 0;
  std::unique_ptr<store> open(std::size_t pool = 4) const { return store::open(url(), pool); }
};

class sqlite_db final : public test_db {
 public:
  sqlite_db() {
    auto base = std::filesystem::temp_directory_path() / "kefu-store-test-XXXXXX";
    std::string tmpl = base.string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~sqlite_db() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path const& dir() const { return dir_; }
  std::string url() const override { return "sqlite:" + (dir_ / "data" / "kefu.db").string(); }
  std::string kind() const override { return "sqlite"; }

 private:
  std::filesystem::path dir_;
};

// A schema of its own in the database of KEFU_TEST_PG_URL, made the
// connections' search_path: much quicker than a database per case.
class pg_db final : public test_db {
 public:
  pg_db() {
    static std::atomic<int> counter{0};
    name_ = "kefu_t_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    soci::session admin(soci::postgresql, pg_admin_url());
    admin << "SET client_min_messages = warning";
    admin << "DROP SCHEMA IF EXISTS " + name_ + " CASCADE";
    admin << "CREATE SCHEMA " + name_;
    url_ = with_param(pg_url_env(), "options=-csearch_path%3D" + name_);
  }
  ~pg_db() override {
    try {
      soci::session admin(soci::postgresql, pg_admin_url());
      admin << "SET client_min_messages = warning";
      admin << "DROP SCHEMA IF EXISTS " + name_ + " CASCADE";
    } catch (std::exception const& e) {
      std::cerr << "warning: cannot drop test schema " << name_ << ": " << e.what() << "\n";
    }
  }
  std::string url() const override { return url_; }
  std::string kind() const override { return "postgresql"; }

 private:
  std::string name_, url_;
};

// Registers NAME_sqlite and NAME_postgresql running the body that follows
// against a fresh database `db`.
#define KEFU_STORE_CASE(name)                                                              \
  static void name##_body(::kefu::store::test::test_db& db);                               \
  BOOST_AUTO_TEST_CASE(name##_sqlite) {                                                    \
    ::kefu::store::test::sqlite_db db;                                                     \
    name##_body(db);                                                                       \
  }                                                                                        \
  BOOST_AUTO_TEST_CASE(name##_postgresql,                                                  \
                       *boost::unit_test::precondition(::kefu::store::test::pg_enabled)) { \
    ::kefu::store::test::pg_db db;                                                         \
    name##_body(db);                                                                       \
  }                                                                                        \
  static void name##_body([[maybe_unused]] ::kefu::store::test::test_db& db)

// ---- writer helpers ----

inline write_op open_chat(std::string chat, std::string merchant, std::int64_t ts,
                          std::string buyer = "b1") {
  write_op op;
  op.open_chat = open_chat_op{std::move(chat), std::move(merchant), std::move(buyer), ts};
  return op;
}

inline write_op message(std::string chat, std::string sender_key, std::string client_id,
                        std::string text, std::int64_t ts, bool blocked = false,
                        std::string verdict = {}, std::string sender = "buyer") {
  write_op op;
  message_op m;
  m.chat = std::move(chat);
  m.sender = std::move(sender);
  m.sender_key = std::move(sender_key);
  m.client_id = std::move(client_id);
  m.text = std::move(text);
  m.ts = ts;
  m.verdict_json = std::move(verdict);
  m.blocked = blocked;
  op.message = std::move(m);
  return op;
}

inline write_op event(std::string chat, std::string kind, std::string agent, std::string data,
                      std::int64_t ts) {
  write_op op;
  chat_event_op e;
  e.ev.chat = std::move(chat);
  e.ev.kind = std::move(kind);
  e.ev.agent = std::move(agent);
  e.ev.data = std::move(data);
  e.ev.ts = ts;
  e.set_agent = e.ev.kind == "assign";
  e.set_closed = e.ev.kind == "close";
  e.set_rating = e.ev.kind == "rate";
  op.chat_event = std::move(e);
  return op;
}

// Submits ops as one batch and waits for every callback; results in order.
inline std::vector<write_result> run(store& s, std::vector<write_op> ops,
                                     std::chrono::seconds timeout = std::chrono::seconds(120)) {
  struct state {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t left = 0;
    std::vector<write_result> results;
  };
  auto st = std::make_shared<state>();
  st->left = ops.size();
  st->results.resize(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    ops[i].done = [st, i](write_result const& r) {
      std::lock_guard lk(st->mu);
      st->results[i] = r;
      if (--st->left == 0) st->cv.notify_all();
    };
  }
  s.submit_batch(std::move(ops));
  std::unique_lock lk(st->mu);
  if (!st->cv.wait_for(lk, timeout, [&] { return st->left == 0; }))
    throw std::runtime_error("writer did not report every write in time");
  return st->results;
}

inline write_result run_one(store& s, write_op op) {
  std::vector<write_op> ops;
  ops.push_back(std::move(op));
  return run(s, std::move(ops)).at(0);
}

inline merchant make_merchant(std::string id) {
  merchant m;
  m.id = std::move(id);
  m.name = "Shop " + m.id;
  m.platform = "taobao";
  m.channel_key = "key-" + m.id;
  m.created = 1000;
  return m;
}

}  // namespace kefu::store::test
