#include "server/store/writer.hpp"

#include <algorithm>
#include <chrono>

namespace kefu::store::detail {
namespace {

// A write that cannot be stored by itself (e.g. a message for an unknown chat).
struct op_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr std::size_t seq_cache_limit = 100'000;

std::vector<double> const latency_bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                            0.05,   0.1,   0.25,   0.5,   1.0};

write_result failure(std::string error) {
  write_result r;
  r.ok = false;
  r.error = std::move(error);
  return r;
}

int kinds_set(write_op const& op) {
  return int(op.open_chat.has_value()) + int(op.message.has_value()) +
         int(op.chat_event.has_value()) + int(op.barrier);
}

void rollback_quietly(soci::session& sql) {
  try {
    sql.rollback();
  } catch (std::exception const&) {
    // Connection lost or no transaction open: nothing more to undo here.
  }
}

// Steps a single-row SELECT of a prepared statement to its end. SQLite keeps the connection's
// read snapshot while a statement is mid-result; in WAL mode that connection can then never
// start a write once another connection has committed (SQLITE_BUSY_SNAPSHOT, "database is
// locked"), and the writer would fail every round until restarted. Call after copying the row.
void finish_select(soci::statement& st) {
  while (st.fetch()) {
  }
}

void notify(write_op& op, write_result const& r) {
  if (!op.done) return;
  try {
    op.done(r);
  } catch (...) {
    // A throwing callback must not take the writer thread down with it.
  }
}

}  // namespace

// Parameter slots are declared before the statements that bind their addresses.
struct group_writer::statements {
  struct {
    std::int64_t ord = 0, seq = 0, ts = 0;
    std::string chat, sender, agent, sender_key, client_id, text, verdict;
    int blocked = 0;
    soci::indicator seq_ind = soci::i_ok, client_ind = soci::i_ok, verdict_ind = soci::i_ok;
  } msg;
  struct {
    std::string chat, verdict;
    std::int64_t seq = 0, ts = 0;
    int blocked = 0;
    soci::indicator seq_ind = soci::i_ok, verdict_ind = soci::i_ok;
  } dup;
  struct {
    std::string chat;
    std::int64_t stored = 0, max_seq = 0;
  } seq;
  struct {
    std::string id, merchant, buyer;
    std::int64_t ts = 0;
  } open;
  struct {
    std::int64_t ord = 0, ts = 0;
    std::string chat, kind, agent, data;
  } ev;

  soci::statement insert_message, find_duplicate, load_seq, store_seq, insert_chat, insert_event,
      set_agent, set_closed, set_rating;

  explicit statements(soci::session& sql)
      : insert_message(
            (sql.prepare << "INSERT INTO messages (ord, chat, seq, sender, agent, sender_key, "
                            "client_id, text, ts, verdict_json, blocked) VALUES (:ord, :chat, "
                            ":seq, :sender, :agent, :sender_key, :client_id, :text, :ts, "
                            ":verdict, :blocked) ON CONFLICT (sender_key, client_id) DO NOTHING",
             soci::use(msg.ord), soci::use(msg.chat), soci::use(msg.seq, msg.seq_ind),
             soci::use(msg.sender), soci::use(msg.agent), soci::use(msg.sender_key),
             soci::use(msg.client_id, msg.client_ind), soci::use(msg.text), soci::use(msg.ts),
             soci::use(msg.verdict, msg.verdict_ind), soci::use(msg.blocked))),
        find_duplicate((sql.prepare << "SELECT chat, seq, ts, verdict_json, CASE WHEN blocked "
                                       "THEN 1 ELSE 0 END FROM messages WHERE sender_key = :k "
                                       "AND client_id = :c",
                        soci::into(dup.chat), soci::into(dup.seq, dup.seq_ind), soci::into(dup.ts),
                        soci::into(dup.verdict, dup.verdict_ind), soci::into(dup.blocked),
                        soci::use(msg.sender_key), soci::use(msg.client_id))),
        // Both the counter kept in chats and the messages themselves: a cache
        // miss is rare and must never hand out a seq twice.
        load_seq((sql.prepare << "SELECT last_seq, (SELECT COALESCE(MAX(seq), 0) FROM messages "
                                 "WHERE chat = c.id) FROM chats c WHERE c.id = :chat",
                  soci::into(seq.stored), soci::into(seq.max_seq), soci::use(seq.chat))),
        store_seq((sql.prepare << "UPDATE chats SET last_seq = :s WHERE id = :chat",
                   soci::use(seq.max_seq), soci::use(seq.chat))),
        insert_chat((sql.prepare << "INSERT INTO chats (id, merchant, buyer, opened) VALUES "
                                    "(:id, :merchant, :buyer, :ts) ON CONFLICT (id) DO NOTHING",
                     soci::use(open.id), soci::use(open.merchant), soci::use(open.buyer),
                     soci::use(open.ts))),
        insert_event((sql.prepare << "INSERT INTO chat_events (ord, chat, kind, agent, data, ts) "
                                     "VALUES (:ord, :chat, :kind, :agent, :data, :ts)",
                      soci::use(ev.ord), soci::use(ev.chat), soci::use(ev.kind),
                      soci::use(ev.agent), soci::use(ev.data), soci::use(ev.ts))),
        set_agent((sql.prepare << "UPDATE chats SET agent = :agent WHERE id = :chat",
                   soci::use(ev.agent), soci::use(ev.chat))),
        set_closed((sql.prepare << "UPDATE chats SET closed = :ts WHERE id = :chat",
                    soci::use(ev.ts), soci::use(ev.chat))),
        set_rating((sql.prepare << "UPDATE chats SET rating = :rating WHERE id = :chat",
                    soci::use(ev.data), soci::use(ev.chat))) {}
};

group_writer::group_writer(connect_info info) : info_(std::move(info)) {
  if (info_.kind == backend_kind::sqlite) checkpointer_ = std::make_unique<wal_checkpointer>(info_);
  ensure_connected();
  {
    std::lock_guard lk(stats_mu_);
    stats_.bucket_bounds = latency_bounds;
    stats_.bucket_counts.assign(latency_bounds.size(), 0);
  }
  thread_ = std::thread([this] { run(); });
  thread_id_ = thread_.get_id();
}

group_writer::~group_writer() {
  stop();
}

void group_writer::submit(write_op op) {
  {
    std::lock_guard lk(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(op));
      cv_.notify_one();
      return;
    }
  }
  // No writer thread any more: report on the caller's thread.
  notify(op, failure("store writer stopped"));
}

void group_writer::submit_batch(std::vector<write_op> ops) {
  {
    std::lock_guard lk(mu_);
    if (!stopping_) {
      for (auto& op : ops) queue_.push_back(std::move(op));
      cv_.notify_one();
      return;
    }
  }
  for (auto& op : ops) notify(op, failure("store writer stopped"));
}

void group_writer::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  // From a done callback: the thread ends after this round, join it elsewhere.
  if (std::this_thread::get_id() == thread_id_) return;
  std::call_once(joined_, [this] {
    if (thread_.joinable()) thread_.join();
  });
}

writer_stats group_writer::stats() const {
  writer_stats s;
  {
    std::lock_guard lk(stats_mu_);
    s = stats_;
  }
  if (checkpointer_) {
    auto const c = checkpointer_->stats();
    s.wal_frames = c.log_frames;
    s.checkpoints = c.checkpoints;
    s.checkpoint_failures = c.failures;
  }
  return s;
}

void group_writer::run() {
  std::vector<write_op> round;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything submitted is done
      std::size_t n = std::min(queue_.size(), max_batch);
      round.clear();
      round.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        round.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    process(round);
  }
}

void group_writer::process(std::vector<write_op>& round) {
  std::vector<write_result> results(round.size());
  std::vector<std::size_t> pending;
  pending.reserve(round.size());
  for (std::size_t i = 0; i < round.size(); ++i) {
    if (kinds_set(round[i]) == 1)
      pending.push_back(i);
    else
      results[i] =
          failure("write_op must hold exactly one of open_chat, message, chat_event, barrier");
  }

  auto fail_all = [&](std::vector<std::size_t> const& which, std::string const& error) {
    for (auto i : which) results[i] = failure(error);
  };

  // A data error names the write that caused it: drop that write and retry
  // the rest as one transaction. Should a second one fail too, the round
  // holds several bad writes and the rest go one transaction each.
  for (int round_attempts = 0; !pending.empty(); ++round_attempts) {
    if (round_attempts == 2) {
      for (std::size_t k = 0; k < pending.size(); ++k) {
        auto i = pending[k];
        auto a = run_transaction(round, {i}, results);
        if (a.ok) continue;
        results[i] = failure(a.error);
        if (!a.culprit) {  // the database itself is failing: so do the remaining writes
          fail_all(std::vector<std::size_t>(pending.begin() + k + 1, pending.end()), a.error);
          break;
        }
      }
      break;
    }
    auto a = run_transaction(round, pending, results);
    if (a.ok) break;
    if (!a.culprit) {
      fail_all(pending, a.error);
      break;
    }
    results[*a.culprit] = failure(a.error);
    pending.erase(std::find(pending.begin(), pending.end(), *a.culprit));
  }

  for (std::size_t i = 0; i < round.size(); ++i) notify(round[i], results[i]);
}

group_writer::attempt group_writer::run_transaction(std::vector<write_op>& round,
                                                    std::vector<std::size_t> const& which,
                                                    std::vector<write_result>& results) {
  attempt a;
  std::optional<std::size_t> current;
  touched_.clear();
  closed_in_txn_.clear();
  ord_before_ = ord_;
  auto const t0 = std::chrono::steady_clock::now();
  bool begun = false;
  try {
    ensure_connected();
    begin_write(sql_, info_.kind);
    begun = true;
    for (auto i : which) {
      current = i;
      results[i] = write_result{};
      apply(round[i], results[i]);
    }
    current.reset();
    flush_last_seqs();
    sql_.commit();
  } catch (op_failure const& e) {
    a.error = e.what();
    a.culprit = current;
  } catch (soci::soci_error const& e) {
    a.error = describe(e);
    if (current && is_data_error(e)) a.culprit = current;
  } catch (std::exception const& e) {
    a.error = describe(e);
  }

  if (!a.error.empty()) {
    if (begun) rollback_quietly(sql_);
    restore_counters();
    if (a.culprit) {
      // Make the chat reload its counter should the error have come from it.
      if (auto const& m = round[*a.culprit].message) last_seq_.erase(m->chat);
    } else {
      after_failure();
    }
    return a;
  }

  double const seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  record_commit(seconds,
                static_cast<std::size_t>(std::count_if(
                    which.begin(), which.end(), [&](std::size_t i) { return !round[i].barrier; })));
  for (auto i : which) results[i].ok = true;
  for (auto const& chat : closed_in_txn_) last_seq_.erase(chat);  // no more messages expected
  if (last_seq_.size() > seq_cache_limit) last_seq_.clear();
  touched_.clear();
  closed_in_txn_.clear();
  a.ok = true;
  return a;
}

void group_writer::apply(write_op& op, write_result& r) {
  if (op.message)
    apply_message(*op.message, r);
  else if (op.open_chat)
    apply_open_chat(*op.open_chat);
  else if (op.chat_event)
    apply_chat_event(*op.chat_event);
  // A barrier writes nothing: it is committed with (after) what came before it.
}

void group_writer::apply_message(message_op const& m, write_result& r) {
  if (m.dedupe_only || m.open_chat) {
    // Answer a re-send before anything else: it must neither open a chat
    // nor, for dedupe_only, store a thing.
    if (find_original(m, r)) return;
    if (m.dedupe_only) return;  // ok, not a duplicate, nothing stored
    if (!m.open_chat->chat.empty() && m.open_chat->chat != m.chat)
      throw op_failure("message for chat " + m.chat + " opens chat " + m.open_chat->chat);
    auto opening = *m.open_chat;
    opening.chat = m.chat;
    apply_open_chat(opening);
  }

  auto& p = st_->msg;
  std::int64_t* seq = nullptr;
  if (!m.blocked) {
    seq = &seq_slot(m.chat);
    p.seq = *seq + 1;
    p.seq_ind = soci::i_ok;
  } else {
    p.seq_ind = soci::i_null;
  }
  p.ord = ord_ + 1;
  p.chat = m.chat;
  p.sender = m.sender;
  p.agent = m.agent;
  p.sender_key = m.sender_key;
  p.client_id = m.client_id;
  p.client_ind = m.client_id.empty() ? soci::i_null : soci::i_ok;
  p.text = m.text;
  p.ts = m.ts;
  p.verdict = m.verdict_json;
  p.verdict_ind = m.verdict_json.empty() ? soci::i_null : soci::i_ok;
  p.blocked = m.blocked ? 1 : 0;
  st_->insert_message.execute(true);

  if (st_->insert_message.get_affected_rows() == 1) {
    ord_ = p.ord;
    if (seq) *seq = p.seq;
    r.chat = m.chat;
    if (seq) r.seq = p.seq;
    r.ts = m.ts;
    r.verdict_json = m.verdict_json;
    r.blocked = m.blocked;
    return;
  }
  // (sender_key, client_id) is taken, possibly earlier in this very
  // transaction: answer with the original and consume neither seq nor ord.
  if (!find_original(m, r))
    throw op_failure("message for chat " + m.chat + " was not stored and has no original");
}

bool group_writer::find_original(message_op const& m, write_result& r) {
  if (m.client_id.empty()) return false;  // never deduplicated
  st_->msg.sender_key = m.sender_key;
  st_->msg.client_id = m.client_id;
  st_->msg.client_ind = soci::i_ok;
  if (!st_->find_duplicate.execute(true)) return false;
  auto const& d = st_->dup;
  r.duplicate = true;
  r.chat = d.chat;
  if (d.seq_ind == soci::i_ok) r.seq = d.seq;
  r.ts = d.ts;
  r.verdict_json = d.verdict_ind == soci::i_ok ? d.verdict : std::string();
  r.blocked = d.blocked != 0;
  finish_select(st_->find_duplicate);
  return true;
}

void group_writer::apply_open_chat(open_chat_op const& o) {
  auto& p = st_->open;
  p.id = o.chat;
  p.merchant = o.merchant;
  p.buyer = o.buyer;
  p.ts = o.ts;
  st_->insert_chat.execute(true);
  if (st_->insert_chat.get_affected_rows() == 1 && !last_seq_.count(o.chat)) {
    // A new chat starts at 0: saves the lookup on its first message.
    touched_.try_emplace(o.chat, touch{std::nullopt, 0});
    last_seq_[o.chat] = 0;
  }
}

void group_writer::apply_chat_event(chat_event_op const& e) {
  auto& p = st_->ev;
  p.ord = ord_ + 1;
  p.chat = e.ev.chat;
  p.kind = e.ev.kind;
  p.agent = e.ev.agent;
  p.data = e.ev.data;
  p.ts = e.ev.ts;
  st_->insert_event.execute(true);
  ord_ = p.ord;
  auto update = [&](soci::statement& st, char const* what) {
    st.execute(true);
    if (st.get_affected_rows() != 1)
      throw op_failure(std::string("cannot ") + what + ": no chat " + e.ev.chat);
  };
  if (e.set_agent) update(st_->set_agent, "set the agent");
  if (e.set_closed) {
    update(st_->set_closed, "close");
    closed_in_txn_.push_back(e.ev.chat);
  }
  if (e.set_rating) update(st_->set_rating, "rate");
}

std::int64_t& group_writer::seq_slot(std::string const& chat) {
  if (auto it = last_seq_.find(chat); it != last_seq_.end()) {
    // Between transactions the cache equals chats.last_seq.
    touched_.try_emplace(chat, touch{it->second, it->second});
    return it->second;  // node-based map: stays valid while others are added
  }
  st_->seq.chat = chat;
  if (!st_->load_seq.execute(true)) throw op_failure("no chat " + chat);
  std::int64_t const stored = st_->seq.stored, max_seq = st_->seq.max_seq;
  finish_select(st_->load_seq);
  touched_.try_emplace(chat, touch{std::nullopt, stored});
  auto& slot = last_seq_[chat];
  slot = std::max(stored, max_seq);
  return slot;
}

void group_writer::flush_last_seqs() {
  auto& p = st_->seq;
  for (auto const& [chat, t] : touched_) {
    auto now = last_seq_.at(chat);
    if (now == t.stored) continue;
    p.chat = chat;
    p.max_seq = now;
    st_->store_seq.execute(true);
  }
}

void group_writer::restore_counters() {
  ord_ = ord_before_;
  for (auto const& [chat, t] : touched_) {
    if (t.cached_before)
      last_seq_[chat] = *t.cached_before;
    else
      last_seq_.erase(chat);
  }
  touched_.clear();
  closed_in_txn_.clear();
}

void group_writer::ensure_connected() {
  if (st_ && !resync_) return;
  try {
    if (!st_) {
      if (!connected_) {
        connect(sql_, info_);
        if (checkpointer_) checkpointer_->attach(sql_);
        connected_ = true;
      }
      st_ = std::make_unique<statements>(sql_);
    }
    if (resync_) {
      // After a failure of unknown outcome (e.g. the connection dropped during
      // COMMIT) the database, not memory, says which ord and seqs are used.
      std::int64_t messages = 0, events = 0;
      sql_ << "SELECT (SELECT COALESCE(MAX(ord), 0) FROM messages), "
              "(SELECT COALESCE(MAX(ord), 0) FROM chat_events)",
          soci::into(messages), soci::into(events);
      ord_ = ord_before_ = std::max(messages, events);
      last_seq_.clear();
      resync_ = false;
    }
  } catch (store_error const&) {
    throw;
  } catch (std::exception const& e) {
    after_failure();
    throw to_store_error("store writer", e);
  }
}

void group_writer::after_failure() {
  resync_ = true;
  if (info_.kind != backend_kind::postgresql || !connected_) return;
  if (sql_.is_connected()) return;
  // Prepared statements die with the connection; drop them before it.
  st_.reset();
  sql_.close();
  connected_ = false;
}

// Cumulative buckets; the implicit +Inf bucket is `transactions`.
void group_writer::record_commit(double seconds, std::size_t writes) {
  std::lock_guard lk(stats_mu_);
  ++stats_.transactions;
  stats_.writes += writes;
  stats_.latency_sum += seconds;
  for (std::size_t b = 0; b < stats_.bucket_bounds.size(); ++b)
    if (seconds <= stats_.bucket_bounds[b]) ++stats_.bucket_counts[b];
}

}  // namespace kefu::store::detail
