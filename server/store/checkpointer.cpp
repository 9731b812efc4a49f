#include "server/store/checkpointer.hpp"

#include <chrono>

#include <soci/sqlite3/soci-sqlite3.h>

namespace kefu::store::detail {
namespace {

sqlite_api::sqlite3* handle(soci::session& sql) {
  return static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
}

int wal_hook(void* self, sqlite_api::sqlite3* db, char const* name, int frames) {
  if (frames >= wal_checkpointer::restart_frames) {
    // Busy (the background one is running) or held up by a reader: retried
    // after the next commit.
    sqlite_api::sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  static_cast<wal_checkpointer*>(self)->committed(frames);
  return SQLITE_OK;
}

}  // namespace

wal_checkpointer::wal_checkpointer(connect_info info) : info_(std::move(info)) {
  connect(sql_, info_);
  thread_ = std::thread([this] { run(); });
}

wal_checkpointer::~wal_checkpointer() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void wal_checkpointer::attach(soci::session& writer) {
  writer << "PRAGMA wal_autocheckpoint = 0";
  // A restarted log is cut back to this size instead of keeping its peak.
  writer << "PRAGMA journal_size_limit = 67108864";
  sqlite_api::sqlite3_wal_hook(handle(writer), &wal_hook, this);
}

void wal_checkpointer::detach(soci::session& writer) {
  if (!writer.is_connected()) return;
  sqlite_api::sqlite3_wal_hook(handle(writer), nullptr, nullptr);
}

std::uint64_t wal_checkpointer::checkpoints() const {
  std::lock_guard lk(mu_);
  return done_;
}

void wal_checkpointer::committed(int frames) {
  bool wake = false;
  {
    std::lock_guard lk(mu_);
    if (frames < copied_) copied_ = 0;  // the writer started the log over
    wake = frames - copied_ >= start_frames;
    frames_ = frames;
  }
  if (wake) cv_.notify_one();
}

void wal_checkpointer::run() {
  auto* db = handle(sql_);
  std::unique_lock lk(mu_);
  for (;;) {
    // Also after a quiet second, so that an idle server's log is folded back.
    cv_.wait_for(lk, std::chrono::seconds(1),
                 [this] { return stopping_ || frames_ - copied_ >= start_frames; });
    if (stopping_) return;
    if (frames_ <= copied_) continue;
    lk.unlock();
    int log = 0, copied = 0;
    int const rc = sqlite_api::sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                                         &log, &copied);
    lk.lock();
    if (rc == SQLITE_OK) {
      ++done_;
      // Frames a reader still needs stay uncopied; they are tried again once
      // the log has grown by another start_frames, not in a busy loop.
      copied_ = copied;
    }
  }
}

}  // namespace kefu::store::detail
