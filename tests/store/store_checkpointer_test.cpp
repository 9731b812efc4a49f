// WAL checkpoints beside the writer: the log is copied back in the background and stays bounded,
// readers that pin it only delay that, and nothing written is lost.
#include "server/store/checkpointer.hpp"

#define BOOST_TEST_MODULE store_checkpointer
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/store/common.hpp"

using namespace kefu::store;
using namespace kefu::store::test;
namespace fs = std::filesystem;

namespace {

struct fixture {
  sqlite_db db;
  detail::connect_info info = detail::parse_url(db.url());
  fs::path wal = fs::path(db.url().substr(7) + "-wal");

  fixture() {
    soci::session sql;
    detail::connect(sql, info);
    sql << "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, v TEXT NOT NULL)";
  }

  std::uintmax_t wal_bytes() const {
    std::error_code ec;
    auto n = fs::file_size(wal, ec);
    return ec ? 0 : n;
  }
};

// One commit of `rows` rows with random-ish keys, so that every commit dirties many index pages
// as the messages table does.
void write_rows(soci::session& sql, int& next, int rows) {
  sql << "BEGIN IMMEDIATE";
  for (int i = 0; i < rows; ++i, ++next) {
    std::string const k = std::to_string((static_cast<long>(next) * 7919) % 1000003) + "-key";
    std::string const v(200, static_cast<char>('a' + next % 26));
    sql << "INSERT INTO t (id, k, v) VALUES (:i, :k, :v)", soci::use(next), soci::use(k),
        soci::use(v);
  }
  sql.commit();
}

template <class F>
bool eventually(F&& done) {
  auto const until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_log_is_checkpointed_in_the_background_and_stays_bounded, fixture) {
  detail::wal_checkpointer ckpt(info);
  soci::session writer;
  detail::connect(writer, info);
  ckpt.attach(writer);

  int next = 0;
  std::uintmax_t peak = 0;
  // Far more than the restart size in all: without restarts the log would hold every frame.
  for (int round = 0; round < 400; ++round) {
    write_rows(writer, next, 100);
    peak = std::max(peak, wal_bytes());
  }
  BOOST_TEST(ckpt.checkpoints() > 0u);

  // 40,000 rows make a log of several hundred MiB without restarts; with them it stays near
  // restart_frames pages plus one commit.
  BOOST_TEST_MESSAGE("log peak " << peak << " bytes");
  BOOST_TEST(peak <= (std::uintmax_t{48} << 20));

  int rows = 0;
  writer << "SELECT COUNT(*) FROM t", soci::into(rows);
  BOOST_TEST(rows == next);

  // Quiet: the background copies back the rest within its idle interval.
  auto const before = ckpt.checkpoints();
  BOOST_TEST(eventually([&] { return ckpt.checkpoints() > before; }));
  ckpt.detach(writer);
}

BOOST_FIXTURE_TEST_CASE(a_reader_holding_a_snapshot_delays_but_does_not_break_anything, fixture) {
  detail::wal_checkpointer ckpt(info);
  soci::session writer;
  detail::connect(writer, info);
  ckpt.attach(writer);
  int next = 0;
  write_rows(writer, next, 50);

  // A reader in the middle of a transaction pins the frames written after its snapshot.
  soci::session reader;
  detail::connect(reader, info);
  reader << "BEGIN";
  int seen = 0;
  reader << "SELECT COUNT(*) FROM t", soci::into(seen);
  BOOST_TEST(seen == 50);

  for (int round = 0; round < 150; ++round) write_rows(writer, next, 100);
  int pinned = 0;
  reader << "SELECT COUNT(*) FROM t", soci::into(pinned);
  BOOST_TEST(pinned == 50);  // still its own snapshot
  reader.commit();

  // Once the reader is gone the log is folded back and restarted by later commits.
  for (int round = 0; round < 150; ++round) write_rows(writer, next, 100);
  int rows = 0;
  reader << "SELECT COUNT(*) FROM t", soci::into(rows);
  BOOST_TEST(rows == next);
  BOOST_TEST(ckpt.checkpoints() > 0u);
  ckpt.detach(writer);
}

BOOST_FIXTURE_TEST_CASE(what_was_committed_survives_reopening, fixture) {
  int next = 0;
  {
    detail::wal_checkpointer ckpt(info);
    soci::session writer;
    detail::connect(writer, info);
    ckpt.attach(writer);
    for (int round = 0; round < 60; ++round) write_rows(writer, next, 100);
    ckpt.detach(writer);
  }
  soci::session sql;
  detail::connect(sql, info);
  int rows = 0;
  sql << "SELECT COUNT(*) FROM t", soci::into(rows);
  BOOST_TEST(rows == next);
  std::string check;
  sql << "PRAGMA integrity_check", soci::into(check);
  BOOST_TEST(check == "ok");
}
