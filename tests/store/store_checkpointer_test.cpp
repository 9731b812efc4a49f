// WAL checkpoints beside the writer: the log is copied back in the background and restarted,
// readers that pin it only delay that (without the checkpointer spinning), and nothing written
// is lost while readers and the group writer run together.
#include "server/store/checkpointer.hpp"

#define BOOST_TEST_MODULE store_checkpointer
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/store/common.hpp"

using namespace kefu::store;
using namespace kefu::store::test;
namespace fs = std::filesystem;
using detail::wal_checkpointer;

namespace {

constexpr std::uintmax_t mib = std::uintmax_t{1} << 20;

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

// A writer connection reporting to a checkpointer; the connection closes first.
struct attached : fixture {
  wal_checkpointer ckpt{info};
  soci::session writer;
  attached() {
    detail::connect(writer, info);
    ckpt.attach(writer);
  }
};

// One commit of `rows` rows with scattered keys, so that every commit dirties many index pages
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

BOOST_FIXTURE_TEST_CASE(the_log_is_copied_back_and_restarted, attached) {
  int next = 0;
  std::uintmax_t peak = 0;
  // 40,000 rows: a log of several hundred MiB without restarts.
  for (int round = 0; round < 400; ++round) {
    write_rows(writer, next, 100);
    peak = std::max(peak, wal_bytes());
  }
  auto const st = ckpt.stats();
  BOOST_TEST_MESSAGE("log peak " << peak / mib << " MiB, " << st.checkpoints << " checkpoints, "
                                 << st.restarts << " restarts");
  BOOST_TEST(st.restarts > 0u);
  BOOST_TEST(st.failures == 0u);
  // restart_frames pages and what the commits during one checkpoint add, within the file size
  // journal_size_limit keeps.
  BOOST_TEST(peak <= 64 * mib);

  int rows = 0;
  writer << "SELECT COUNT(*) FROM t", soci::into(rows);
  BOOST_TEST(rows == next);

  // Quiet: the background copies back the rest within its idle interval.
  BOOST_TEST(eventually([&] {
    auto const s = ckpt.stats();
    return s.copied_frames == s.log_frames;
  }));
}

BOOST_FIXTURE_TEST_CASE(a_pinned_log_is_not_a_busy_loop_and_restarts_once_free, attached) {
  int next = 0;
  write_rows(writer, next, 50);

  // A reader in the middle of a transaction pins every frame written after its snapshot.
  soci::session reader;
  detail::connect(reader, info);
  reader << "BEGIN";
  int seen = 0;
  reader << "SELECT COUNT(*) FROM t", soci::into(seen);
  BOOST_TEST(seen == 50);
  for (int round = 0;
       round < 2000 && ckpt.stats().log_frames <= wal_checkpointer::restart_frames + 1000; ++round)
    write_rows(writer, next, 100);
  auto const pinned = ckpt.stats();
  BOOST_TEST(pinned.log_frames > wal_checkpointer::restart_frames);  // could not restart

  // Idle while pinned: at most one attempt a second, not a loop.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto const idle = ckpt.stats();
  BOOST_TEST(idle.checkpoints - pinned.checkpoints <= 3u);
  reader.commit();

  // Free again: the next commits copy back and start the log over.
  for (int round = 0; round < 20; ++round) write_rows(writer, next, 100);
  auto const after = ckpt.stats();
  BOOST_TEST(after.restarts > pinned.restarts);
  BOOST_TEST(after.log_frames < pinned.log_frames);
  BOOST_TEST(after.failures == 0u);
}

// The whole store: producers through the group writer while readers keep reading transcripts.
BOOST_AUTO_TEST_CASE(group_writer_and_readers_lose_nothing) {
  sqlite_db db;
  auto s = db.open(4);
  s->insert_merchant(make_merchant("m1"));
  constexpr int chats = 50, per_chat = 400;
  for (int c = 0; c < chats; ++c)
    BOOST_TEST_REQUIRE(run_one(*s, open_chat("c" + std::to_string(c), "m1", 1)).ok);

  std::atomic<bool> done{false};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&, r] {
      for (int i = 0; !done.load(); ++i) {
        s->messages("c" + std::to_string((i * 7 + r) % chats));
        ++reads;
      }
    });
  int failed = 0;
  for (int round = 0; round < per_chat / 10; ++round) {
    std::vector<write_op> ops;
    for (int c = 0; c < chats; ++c)
      for (int k = 0; k < 10; ++k) {
        auto const n = round * 10 + k;
        ops.push_back(message("c" + std::to_string(c), "k" + std::to_string(c), std::to_string(n),
                              std::string(300, 'x'), n + 2));
      }
    for (auto const& r : run(*s, std::move(ops)))
      if (!r.ok) ++failed;
  }
  done = true;
  for (auto& t : readers) t.join();
  BOOST_TEST(failed == 0);
  BOOST_TEST(reads.load() > 0);
  for (int c = 0; c < chats; ++c) {
    auto const m = s->messages("c" + std::to_string(c));
    BOOST_TEST_REQUIRE(m.size() == static_cast<std::size_t>(per_chat));
    BOOST_TEST(m.back().seq.value_or(0) == per_chat);
  }
  auto const st = s->stats();
  BOOST_TEST_MESSAGE(st.checkpoints << " checkpoints, log now " << st.wal_frames << " frames");
  BOOST_TEST(st.checkpoints > 0u);
  BOOST_TEST(st.checkpoint_failures == 0u);
}
