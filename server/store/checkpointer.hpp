#pragma once
// SQLite WAL checkpoints off the writer's thread. With the default
// auto-checkpoint the group writer itself copies the log back into the database
// and waits for two fdatasyncs every few commits, which stalls every ack behind
// it. Here the writer only reports how far the log has grown and a second
// connection checkpoints (PASSIVE: never waits for readers or the writer) in
// parallel with the next transactions.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include <soci/soci.h>

#include "server/store/detail.hpp"

namespace kefu::store::detail {

class wal_checkpointer {
 public:
  // Frames in the log that start a checkpoint (SQLite's own default).
  static constexpr int start_frames = 1000;
  // SQLite starts the log over only when a write begins with every frame
  // copied back, which a checkpoint running beside a busy writer never quite
  // reaches. Past this size the writer checkpoints in line after its commit
  // (cheap: the background has copied and synced all but the last frames), and
  // its next transaction restarts the log. Bounds the log at about 32 MiB.
  static constexpr int restart_frames = 8000;

  explicit wal_checkpointer(connect_info info);  // throws store_error
  ~wal_checkpointer();
  wal_checkpointer(wal_checkpointer const&) = delete;
  wal_checkpointer& operator=(wal_checkpointer const&) = delete;

  // Turns off the connection's auto-checkpoint and reports its commits here.
  // The connection must outlive this object or be detached first.
  void attach(soci::session& writer);
  void detach(soci::session& writer);

  // Checkpoints completed (for tests and metrics).
  std::uint64_t checkpoints() const;

  // From the writer's commit hook: the log now holds `frames` frames.
  void committed(int frames);

 private:
  void run();

  connect_info info_;
  soci::session sql_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int frames_ = 0;  // log size after the writer's last commit
  int copied_ = 0;  // of which the last checkpoint copied back
  bool stopping_ = false;
  std::uint64_t done_ = 0;
  std::thread thread_;
};

}  // namespace kefu::store::detail
