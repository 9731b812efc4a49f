#include "server/store/checkpointer.hpp"

#include <algorithm>
#include <chrono>

#include <soci/sqlite3/soci-sqlite3.h>

namespace kefu::store::detail {
namespace {

sqlite_api::sqlite3* handle(soci::session& sql) {
  return static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
}

int wal_hook(void* self, sqlite_api::sqlite3* db, char const* name, int frames) {
  static_cast<wal_checkpointer*>(self)->committed(db, name, frames);
  return SQLITE_OK;  // the commit has happened whatever the checkpoint does
}

bool busy(int rc) {
  return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

}  // namespace

wal_checkpointer::wal_checkpointer(connect_info info) : info_(std::move(info)) {
  connect(sql_, info_);
  // Only a RESTART checkpoint waits for readers, and only this long: it holds
  // the writer while it waits.
  sqlite_api::sqlite3_busy_timeout(handle(sql_), restart_wait_ms);
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

checkpoint_stats wal_checkpointer::stats() const {
  std::lock_guard lk(mu_);
  auto s = stats_;
  s.log_frames = frames_;
  s.copied_frames = copied_;
  s.restarts = gen_;
  return s;
}

bool wal_checkpointer::due() const {
  // Once per start_frames of growth at most, so a reader that pins the log
  // cannot make this spin.
  if (frames_ < attempted_ + start_frames) return false;
  if (frames_ >= hard_frames) return true;
  return !in_line_ && frames_ - copied_ >= start_frames;
}

void wal_checkpointer::committed(void* db, char const* name, int frames) {
  bool in_line = false, wake = false;
  std::uint64_t gen = 0;
  {
    std::lock_guard lk(mu_);
    if (frames < frames_) {  // the writer started the log over
      ++gen_;
      copied_ = attempted_ = 0;
      in_line_ = false;
    }
    frames_ = frames;
    if (frames >= restart_frames) in_line_ = true;
    // With a background checkpoint running, the in-line one would find the
    // checkpoint lock taken; the next commit tries again.
    in_line = in_line_ && !running_ && frames < hard_frames;
    wake = !in_line && due();
    gen = gen_;
  }
  if (wake) cv_.notify_one();
  if (!in_line) return;
  int log = 0, copied = 0;
  int const rc = sqlite_api::sqlite3_wal_checkpoint_v2(static_cast<sqlite_api::sqlite3*>(db), name,
                                                       SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  std::lock_guard lk(mu_);
  if (rc == SQLITE_OK) {
    ++stats_.checkpoints;
    if (gen == gen_) copied_ = std::max(copied_, copied);
  } else if (!busy(rc)) {
    ++stats_.failures;
  }
}

void wal_checkpointer::run() {
  auto* db = handle(sql_);
  std::unique_lock lk(mu_);
  for (;;) {
    // Also after a quiet second, so that an idle server's log is copied back.
    bool const ready =
        cv_.wait_for(lk, std::chrono::seconds(1), [this] { return stopping_ || due(); });
    if (stopping_) return;
    if (!ready && frames_ <= copied_) continue;
    int const mode = frames_ >= hard_frames ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE;
    auto const gen = gen_;
    attempted_ = frames_;
    running_ = true;
    lk.unlock();
    int log = 0, copied = 0;
    int const rc = sqlite_api::sqlite3_wal_checkpoint_v2(db, nullptr, mode, &log, &copied);
    lk.lock();
    running_ = false;
    if (rc == SQLITE_OK) {
      ++stats_.checkpoints;
      // A result about a log the writer has since started over says nothing
      // about the new one.
      if (gen == gen_) copied_ = std::max(copied_, copied);
    } else if (!busy(rc)) {
      ++stats_.failures;
    }
  }
}

}  // namespace kefu::store::detail
