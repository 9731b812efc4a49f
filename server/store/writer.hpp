#pragma once
// The group commit writer: one thread, one session, every queued write of a
// round in one transaction.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/store/checkpointer.hpp"
#include "server/store/detail.hpp"

namespace kefu::store::detail {

class group_writer {
 public:
  // Most writes taken into one transaction; bounds the latency of the first.
  static constexpr std::size_t max_batch = 2048;

  // Connects its own session and loads the ord counter; throws store_error.
  explicit group_writer(connect_info info);
  ~group_writer();
  group_writer(group_writer const&) = delete;
  group_writer& operator=(group_writer const&) = delete;

  void submit(write_op op);
  void submit_batch(std::vector<write_op> ops);
  void stop();  // commits everything submitted, then joins; idempotent
  writer_stats stats() const;

 private:
  struct statements;  // prepared once per connection, bound to their parameters

  // Outcome of one transaction attempt over some of the round's writes.
  struct attempt {
    bool ok = false;
    std::string error;
    std::optional<std::size_t> culprit;  // index of the write a data error came from
  };

  void run();
  void process(std::vector<write_op>& round);
  attempt run_transaction(std::vector<write_op>& round, std::vector<std::size_t> const& which,
                          std::vector<write_result>& results);
  void apply(write_op& op, write_result& r);
  void apply_message(message_op const& m, write_result& r);
  bool find_original(message_op const& m, write_result& r);  // duplicate: fills r
  void apply_open_chat(open_chat_op const& o);
  void apply_chat_event(chat_event_op const& e);
  std::int64_t& seq_slot(std::string const& chat);  // last seq of a chat, loaded lazily
  void flush_last_seqs();
  void restore_counters();
  void ensure_connected();
  void after_failure();
  void record_commit(double seconds, std::size_t writes);

  connect_info info_;
  std::unique_ptr<wal_checkpointer> checkpointer_;  // SQLite only; outlives sql_'s hook
  soci::session sql_;
  bool connected_ = false;
  std::unique_ptr<statements> st_;  // null while disconnected
  bool resync_ = true;              // reload ord and seqs from the database before the next write

  // Writer thread only.
  std::int64_t ord_ = 0;
  std::unordered_map<std::string, std::int64_t> last_seq_;
  // Rollback journal of the transaction in progress: for each chat whose
  // counter it used, the cached value before it (none: was not cached) and
  // what chats.last_seq holds, so that only changed counters are written.
  struct touch {
    std::optional<std::int64_t> cached_before;
    std::int64_t stored = 0;
  };
  std::int64_t ord_before_ = 0;
  std::unordered_map<std::string, touch> touched_;
  std::vector<std::string> closed_in_txn_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<write_op> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::thread::id thread_id_;
  std::once_flag joined_;

  mutable std::mutex stats_mu_;
  writer_stats stats_;
};

}  // namespace kefu::store::detail
