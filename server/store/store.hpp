#pragma once
// The persistence interface of kefud. Everything here is backend-neutral: the
// SOCI implementation (SQLite or PostgreSQL) lives in store.cpp and is chosen
// by the URL given to open().
//
// Threading: every synchronous method is thread-safe (each leases its own
// session from a pool) and may block on the database, so it must be called
// from the application's DB thread pool, never from an I/O thread. The group
// commit writer owns one more session and its own thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kefu::store {

// Thrown by open() on a bad URL, an unreachable database or a failed migration,
// and by the synchronous methods on database errors. Never crosses an I/O
// handler: callers catch it on the DB pool and turn it into an error reply.
struct store_error : std::runtime_error {
  using std::runtime_error::runtime_error;
  bool constraint_violation = false;  // unique / foreign key; e.g. duplicate id
};

struct user {
  std::string id;
  std::string name;
  std::string role;                    // agent | qa | manager | admin
  std::string password_hash;           // libsodium crypto_pwhash_str (argon2id)
  std::vector<std::string> merchants;  // ["*"] = all
  int capacity = 5;
  std::int64_t created = 0;              // epoch ms
  std::vector<std::string> permissions;  // extra rights, e.g. "unmask"
};

struct merchant {
  std::string id;
  std::string name;
  std::string platform;  // kuaishou | taobao | tencent
  std::string channel_key;
  // Everything else of the admin API's merchant object (greeting,
  // greeting_mode, closing, thresholds, service_hours, allowed_origins,
  // service_scope, official_contacts, compliance policy) as a JSON object text.
  std::string settings_json = "{}";
  std::int64_t created = 0;
};

struct login_session {
  std::string token_hash;  // hex sha256 of the bearer token; the token itself is never stored
  std::string user_id;
  std::int64_t created = 0;
  std::int64_t expires = 0;
};

// One stored message as read back (transcripts, resume, events export).
struct message_row {
  std::string chat;
  std::optional<std::int64_t> seq;  // none for a blocked message
  std::string sender;               // buyer | agent | auto | system
  std::string agent;      // the agent who typed it (agent) or on whose behalf (auto); may be empty
  std::string client_id;  // the sender's message id; empty for auto / system
  std::string text;
  std::int64_t ts = 0;
  std::string verdict_json;  // empty when no verdict
  bool blocked = false;
  std::int64_t ord = 0;  // global arrival order, see write_op
};

// Chat lifecycle events other than messages.
struct chat_event_row {
  std::string chat;
  std::string kind;   // assign | close | rate | unassign
  std::string agent;  // assign: the new holder; close: who closed ("" = buyer / system)
  std::string data;   // rate: satisfied | neutral | unsatisfied; close: reason
  std::int64_t ts = 0;
  std::int64_t ord = 0;
};

struct chat_row {
  std::string id;
  std::string merchant;
  std::string buyer;
  std::string agent;  // current (or last) holder, empty if never assigned
  std::int64_t opened = 0;
  std::optional<std::int64_t> closed;
  std::optional<std::string> rating;
  std::int64_t last_seq = 0;
};

// A QA sample, scorecard, review or appeal: indexed columns plus a JSON body.
struct qa_record {
  std::string kind;  // sample | scorecard | review | appeal
  std::string id;
  std::string merchant;
  std::string chat;
  std::string agent;
  std::int64_t created = 0;
  std::string body = "{}";
};

struct qa_filter {
  std::string merchant;  // empty: any
  std::string chat;
  std::string agent;
  std::optional<std::int64_t> from;  // created in [from, to)
  std::optional<std::int64_t> to;
};

struct audit_row {
  std::int64_t seq = 0;
  std::int64_t at = 0;
  std::string actor;
  std::string action;
  std::string target;
  std::string detail_json = "{}";
  std::string hash;
};

// ---- group commit -------------------------------------------------------

// A write handed to the writer. The writer applies writes strictly in the
// order they were submitted, many per transaction, and reports each one after
// its transaction committed (or failed).
struct open_chat_op {
  std::string chat, merchant, buyer;
  std::int64_t ts = 0;
};
struct message_op {
  std::string chat;
  std::string sender;  // buyer | agent | auto | system
  std::string agent;
  // Idempotency key: (sender_key, client_id) is unique in the database, e.g.
  // sender_key "b:<merchant>:<buyer>" or "a:<agent>". Empty client_id for
  // auto / system messages (never deduplicated).
  std::string sender_key;
  std::string client_id;
  std::string text;
  std::int64_t ts = 0;
  std::string verdict_json;
  bool blocked = false;  // stored without a seq, never delivered
  // Set on the message that opens a chat: the chat row is created in the same
  // transaction, and only if the message is not a duplicate.
  std::optional<open_chat_op> open_chat;
  // Only answer a duplicate: if (sender_key, client_id) is not stored yet,
  // store nothing and report ok with duplicate = false and no seq. Used for a
  // re-send into a chat the sender no longer holds.
  bool dedupe_only = false;
};
struct chat_event_op {
  chat_event_row ev;        // ord is assigned by the writer
  bool set_agent = false;   // assign: also update chats.agent
  bool set_closed = false;  // close: also set chats.closed = ev.ts
  bool set_rating = false;  // rate: also set chats.rating = ev.data
};

struct write_result {
  bool ok = false;    // false: the transaction failed; nothing of it is stored
  std::string error;  // why, when !ok
  // message_op only:
  bool duplicate =
      false;  // (sender_key, client_id) already stored: fields below are the original's
  std::string chat;
  std::optional<std::int64_t> seq;  // assigned by the writer, per chat, gapless; none if blocked
  std::int64_t ts = 0;
  std::string verdict_json;  // the original's verdict for a duplicate (blocked re-send)
  bool blocked = false;
};

using write_callback = std::function<void(write_result const&)>;

struct write_op {
  // exactly one of these is set
  std::optional<open_chat_op> open_chat;
  std::optional<message_op> message;
  std::optional<chat_event_op> chat_event;
  // Writes nothing: its `done` runs once every write submitted before it has been committed (or
  // has failed), for answers that must wait for earlier writes.
  bool barrier = false;
  write_callback done;  // called on the writer thread after commit or failure; must not block
};

struct writer_stats {
  std::uint64_t transactions = 0;
  std::uint64_t writes = 0;
  // commit latency histogram (seconds), cumulative buckets as Prometheus wants
  std::vector<double> bucket_bounds;
  std::vector<std::uint64_t> bucket_counts;
  double latency_sum = 0;
  // SQLite's write-ahead log (zero on PostgreSQL).
  std::int64_t wal_frames = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t checkpoint_failures = 0;
};

class store {
 public:
  virtual ~store() = default;

  // "sqlite:PATH" or "postgresql://…" / "postgres://…". Applies pending
  // migrations from the schema embedded at build time. Throws store_error.
  static std::unique_ptr<store> open(std::string const& url, std::size_t pool_size = 4);
  // The same for tools that read what a server wrote: a SQLite file that does not exist is an
  // error (a mistyped path must not pass as an empty, valid database).
  static std::unique_ptr<store> open_existing(std::string const& url, std::size_t pool_size = 1);

  virtual std::string backend() const = 0;  // "sqlite" | "postgresql"

  // ---- users ----
  virtual std::size_t count_users() = 0;
  virtual void insert_user(user const& u) = 0;  // store_error{constraint_violation} on duplicate id
  virtual void update_user(user const& u) = 0;
  virtual std::optional<user> find_user(std::string const& id) = 0;
  virtual std::vector<user> list_users() = 0;

  // ---- login sessions ----
  virtual void insert_session(login_session const& s) = 0;
  virtual std::optional<login_session> find_session(std::string const& token_hash) = 0;
  virtual void delete_session(std::string const& token_hash) = 0;
  virtual void delete_sessions_of(std::string const& user_id) = 0;  // every login of a user

  // ---- merchants ----
  virtual void insert_merchant(merchant const& m) = 0;  // constraint_violation on duplicate id
  virtual void update_merchant(merchant const& m) = 0;
  virtual std::optional<merchant> find_merchant(std::string const& id) = 0;
  virtual std::vector<merchant> list_merchants() = 0;

  // ---- chats (read side) ----
  virtual std::optional<chat_row> find_chat(std::string const& id) = 0;
  // Chats not closed, for recovery at start-up.
  virtual std::vector<chat_row> open_chats() = 0;
  // Chats opened in [from, to), optionally of one merchant, ordered by id.
  virtual std::vector<chat_row> chats_opened(std::int64_t from, std::int64_t to,
                                             std::string const& merchant = {}) = 0;
  // All messages of a chat (blocked ones too), in arrival order.
  virtual std::vector<message_row> messages(std::string const& chat) = 0;
  // Delivered messages of a chat with seq > after, in seq order.
  virtual std::vector<message_row> messages_after(std::string const& chat, std::int64_t after) = 0;
  virtual std::vector<chat_event_row> chat_events(std::string const& chat) = 0;

  // Every message and chat event of the chats opened in [from, to), merged in
  // (ts, ord) order, calling the sinks row by row (streams; memory stays flat).
  virtual void scan_events(std::int64_t from, std::int64_t to,
                           std::function<void(chat_row const&)> const& on_chat,
                           std::function<void(message_row const&)> const& on_message,
                           std::function<void(chat_event_row const&)> const& on_event) = 0;

  // The largest seq stored for a chat (0 if none).
  virtual std::int64_t last_seq(std::string const& chat) = 0;

  // ---- QA records ----
  // Inserts or replaces (kind, id).
  virtual void put_record(qa_record const& r) = 0;
  virtual std::optional<qa_record> find_record(std::string const& kind, std::string const& id) = 0;
  // Ordered by created, then id.
  virtual std::vector<qa_record> list_records(std::string const& kind, qa_filter const& f) = 0;

  // ---- audit log (append-only, hash-chained) ----
  // Appends with the next seq; `hash_of(prev_hash, row)` computes the row's
  // hash from the previous row's (64 zeros for the first). Serialised.
  virtual audit_row append_audit(
      audit_row row,
      std::function<std::string(std::string const& prev_hash, audit_row const& row)> const&
          hash_of) = 0;
  // Rows with seq >= from_seq in seq order, at most `limit` (0 = all), streamed.
  // Entries from `from_seq` on in seq order, at most `limit` (0 = all); with from_seq <= 0 the
  // newest `limit` entries.
  virtual void scan_audit(std::int64_t from_seq, std::size_t limit,
                          std::function<void(audit_row const&)> const& each) = 0;
  // The newest entry's seq and hash as recorded apart from the rows (written with each append);
  // nullopt when nothing was ever appended.
  virtual std::optional<std::pair<std::int64_t, std::string>> audit_head() = 0;

  // ---- retention ----
  // Deletes the chats closed before `before` with their messages, events and
  // QA reviews/appeals; returns how many chats went.
  virtual std::size_t purge_closed_before(std::int64_t before) = 0;

  // ---- group commit writer ----
  // Thread-safe; never blocks on the database. The writer thread starts with
  // the store and stops in stop_writer(), which commits everything already
  // submitted before returning.
  virtual void submit(write_op op) = 0;
  virtual void submit_batch(std::vector<write_op> ops) = 0;
  virtual void stop_writer() = 0;
  virtual writer_stats stats() const = 0;
};

}  // namespace kefu::store
