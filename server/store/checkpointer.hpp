#pragma once
// SQLite WAL checkpoints off the writer's thread. With the default
// auto-checkpoint the group writer itself copies the log back into the database
// and waits for two fdatasyncs every few commits, which stalls every ack behind
// it. Here the writer only reports how far the log has grown and a second
// connection checkpoints (PASSIVE: never waits for readers or the writer) in
// parallel with the next transactions.
//
// SQLite starts a log over only when a write begins with every frame copied
// back and no reader using the log. A checkpoint running beside a busy writer
// never quite gets there, so past restart_frames the background stops starting
// checkpoints and the writer runs one in line after its commit (cheap: all but
// the last frames are copied by then); its next transaction restarts the log.
// Readers that overlap without pause can still hold a restart back, as with
// SQLite's own checkpoints; past hard_frames the background then runs one
// RESTART checkpoint, which waits for them briefly and holds the writer for as
// long.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include <soci/soci.h>

#include "server/store/detail.hpp"

namespace kefu::store::detail {

struct checkpoint_stats {
  std::uint64_t checkpoints = 0;  // completed, background and in line
  std::uint64_t failures = 0;     // attempts that returned an error other than busy
  int log_frames = 0;             // frames in the log after the writer's last commit
  int copied_frames = 0;          // of which checkpoints have copied back
  std::uint64_t restarts = 0;     // times the writer started the log over
};

class wal_checkpointer {
 public:
  // Uncopied frames that start a background checkpoint (SQLite's own default).
  static constexpr int start_frames = 1000;
  // From here the writer checkpoints in line and restarts the log: about 32 MiB.
  static constexpr int restart_frames = 8000;
  // From here a RESTART checkpoint waits for readers (at most restart_wait_ms).
  static constexpr int hard_frames = 64000;
  static constexpr int restart_wait_ms = 200;

  explicit wal_checkpointer(connect_info info);  // throws store_error
  ~wal_checkpointer();
  wal_checkpointer(wal_checkpointer const&) = delete;
  wal_checkpointer& operator=(wal_checkpointer const&) = delete;

  // Turns off the connection's auto-checkpoint and reports its commits here.
  // The connection must be closed before this object is destroyed.
  void attach(soci::session& writer);

  checkpoint_stats stats() const;

  // From the writer's commit hook: the log now holds `frames` frames; `db` is
  // the writer's connection (an sqlite3*), for the in-line checkpoint.
  void committed(void* db, char const* name, int frames);

 private:
  void run();
  bool due() const;  // under mu_

  connect_info info_;
  soci::session sql_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int frames_ = 0;         // log size after the writer's last commit
  int copied_ = 0;         // of which checkpoints have copied back
  int attempted_ = 0;      // log size at the last background attempt
  std::uint64_t gen_ = 0;  // restarts of the log so far
  bool in_line_ = false;   // past restart_frames: the writer's turn
  bool running_ = false;   // a background checkpoint is in progress
  bool stopping_ = false;
  checkpoint_stats stats_;
  std::thread thread_;
};

}  // namespace kefu::store::detail
