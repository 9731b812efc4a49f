#include "server/store/store.hpp"

#include <algorithm>
#include <climits>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "server/store/detail.hpp"
#include "server/store/migrate.hpp"
#include "server/store/writer.hpp"

namespace kefu::store {
namespace {

using detail::backend_kind;

// A pooled session is leased for one call. try_lease rather than lease: a
// starved pool becomes an error reply instead of a DB thread hung for good.
constexpr int lease_timeout_ms = 30'000;

std::string merchants_to_json(std::vector<std::string> const& merchants) {
  boost::json::array a;
  for (auto const& m : merchants) a.emplace_back(m);
  return boost::json::serialize(a);
}

std::vector<std::string> merchants_from_json(std::string const& text, std::string const& user) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) throw store_error("user " + user + ": merchants is not a JSON array");
  for (auto const& m : v.as_array()) {
    if (!m.is_string()) throw store_error("user " + user + ": merchants holds a non-string");
    out.emplace_back(m.as_string());
  }
  return out;
}

// Column lists and row readers shared by the queries below.
struct user_cols {
  user u;
  std::string merchants;
  std::string permissions;
  static constexpr char const* select =
      "SELECT id, name, role, password_hash, merchants, capacity, created, permissions FROM users";
  template <class S>
  void bind(S& st) {
    st.exchange(soci::into(u.id));
    st.exchange(soci::into(u.name));
    st.exchange(soci::into(u.role));
    st.exchange(soci::into(u.password_hash));
    st.exchange(soci::into(merchants));
    st.exchange(soci::into(u.capacity));
    st.exchange(soci::into(u.created));
    st.exchange(soci::into(permissions));
  }
  user get() {
    user out = u;
    out.merchants = merchants_from_json(merchants, u.id);
    out.permissions = merchants_from_json(permissions, u.id);
    return out;
  }
};

struct merchant_cols {
  merchant m;
  static constexpr char const* select =
      "SELECT id, name, platform, channel_key, settings_json, created FROM merchants";
  template <class S>
  void bind(S& st) {
    st.exchange(soci::into(m.id));
    st.exchange(soci::into(m.name));
    st.exchange(soci::into(m.platform));
    st.exchange(soci::into(m.channel_key));
    st.exchange(soci::into(m.settings_json));
    st.exchange(soci::into(m.created));
  }
  merchant get() const { return m; }
};

struct chat_cols {
  chat_row c;
  std::int64_t closed = 0;
  std::string rating;
  soci::indicator closed_ind = soci::i_ok, rating_ind = soci::i_ok;
  static constexpr char const* select =
      "SELECT id, merchant, buyer, agent, opened, closed, rating, last_seq FROM chats";
  template <class S>
  void bind(S& st) {
    st.exchange(soci::into(c.id));
    st.exchange(soci::into(c.merchant));
    st.exchange(soci::into(c.buyer));
    st.exchange(soci::into(c.agent));
    st.exchange(soci::into(c.opened));
    st.exchange(soci::into(closed, closed_ind));
    st.exchange(soci::into(rating, rating_ind));
    st.exchange(soci::into(c.last_seq));
  }
  chat_row get() const {
    chat_row out = c;
    out.closed = closed_ind == soci::i_ok ? std::optional(closed) : std::nullopt;
    out.rating = rating_ind == soci::i_ok ? std::optional(rating) : std::nullopt;
    return out;
  }
};

struct message_cols {
  message_row m;
  std::int64_t seq = 0;
  int blocked = 0;
  soci::indicator seq_ind = soci::i_ok, client_ind = soci::i_ok, verdict_ind = soci::i_ok;
  static constexpr char const* select =
      "SELECT chat, seq, sender, agent, client_id, text, ts, verdict_json, "
      "CASE WHEN blocked THEN 1 ELSE 0 END, ord FROM messages";
  template <class S>
  void bind(S& st) {
    st.exchange(soci::into(m.chat));
    st.exchange(soci::into(seq, seq_ind));
    st.exchange(soci::into(m.sender));
    st.exchange(soci::into(m.agent));
    st.exchange(soci::into(m.client_id, client_ind));
    st.exchange(soci::into(m.text));
    st.exchange(soci::into(m.ts));
    st.exchange(soci::into(m.verdict_json, verdict_ind));
    st.exchange(soci::into(blocked));
    st.exchange(soci::into(m.ord));
  }
  message_row get() const {
    message_row out = m;
    out.seq = seq_ind == soci::i_ok ? std::optional(seq) : std::nullopt;
    if (client_ind != soci::i_ok) out.client_id.clear();
    if (verdict_ind != soci::i_ok) out.verdict_json.clear();
    out.blocked = blocked != 0;
    return out;
  }
};

struct event_cols {
  chat_event_row e;
  static constexpr char const* select = "SELECT chat, kind, agent, data, ts, ord FROM chat_events";
  template <class S>
  void bind(S& st) {
    st.exchange(soci::into(e.chat));
    st.exchange(soci::into(e.kind));
    st.exchange(soci::into(e.agent));
    st.exchange(soci::into(e.data));
    st.exchange(soci::into(e.ts));
    st.exchange(soci::into(e.ord));
  }
  chat_event_row get() const { return e; }
};

struct record_cols {
  qa_record r;
  static constexpr char const* select =
      "SELECT kind, id, merchant, chat, agent, created, body FROM qa_records";
  template <class S>
  void bind(S& st) {
    st.exchange(soci::into(r.kind));
    st.exchange(soci::into(r.id));
    st.exchange(soci::into(r.merchant));
    st.exchange(soci::into(r.chat));
    st.exchange(soci::into(r.agent));
    st.exchange(soci::into(r.created));
    st.exchange(soci::into(r.body));
  }
  qa_record get() const { return r; }
};

struct audit_cols {
  audit_row a;
  static constexpr char const* select =
      "SELECT seq, at, actor, action, target, detail_json, hash FROM audit_log";
  template <class S>
  void bind(S& st) {
    st.exchange(soci::into(a.seq));
    st.exchange(soci::into(a.at));
    st.exchange(soci::into(a.actor));
    st.exchange(soci::into(a.action));
    st.exchange(soci::into(a.target));
    st.exchange(soci::into(a.detail_json));
    st.exchange(soci::into(a.hash));
  }
  audit_row get() const { return a; }
};

// Runs `sql` with the columns of Cols bound to into() and the given use()
// parameters, calling each(row) per row as it is fetched.
template <class Cols, class Each, class... Uses>
void for_each_row(soci::session& sql, std::string const& query, Each&& each, Uses&&... uses) {
  Cols cols;
  soci::statement st(sql);
  cols.bind(st);
  (st.exchange(std::forward<Uses>(uses)), ...);
  st.alloc();
  st.prepare(query);
  st.define_and_bind();
  st.execute(false);
  while (st.fetch()) each(cols.get());
}

template <class Cols, class... Uses>
auto all_rows(soci::session& sql, std::string const& query, Uses&&... uses) {
  std::vector<decltype(std::declval<Cols&>().get())> out;
  for_each_row<Cols>(
      sql, query, [&](auto&& row) { out.push_back(std::move(row)); }, std::forward<Uses>(uses)...);
  return out;
}

template <class Cols, class... Uses>
auto one_row(soci::session& sql, std::string const& query, Uses&&... uses) {
  std::optional<decltype(std::declval<Cols&>().get())> out;
  for_each_row<Cols>(
      sql, query, [&](auto&& row) { out = std::move(row); }, std::forward<Uses>(uses)...);
  return out;
}

class soci_store final : public store {
 public:
  soci_store(detail::connect_info info, std::size_t pool_size)
      : info_(std::move(info)),
        pool_size_(std::max<std::size_t>(pool_size, 1)),
        pool_(pool_size_),
        connected_(pool_size_, 0) {
    for (std::size_t i = 0; i < pool_size_; ++i) {
      detail::connect(pool_.at(i), info_);
      connected_[i] = 1;
    }
    detail::migrate(pool_.at(0), info_.kind);
    writer_ = std::make_unique<detail::group_writer>(info_);
  }

  ~soci_store() override { writer_->stop(); }

  std::string backend() const override {
    return info_.kind == backend_kind::sqlite ? "sqlite" : "postgresql";
  }

  // ---- users ----
  std::size_t count_users() override {
    return with_session("count users", [&](soci::session& sql) {
      std::int64_t n = 0;
      sql << "SELECT COUNT(*) FROM users", soci::into(n);
      return static_cast<std::size_t>(n);
    });
  }

  void insert_user(user const& u) override {
    with_session("insert user " + u.id, [&](soci::session& sql) {
      auto merchants = merchants_to_json(u.merchants);
      auto permissions = merchants_to_json(u.permissions);
      sql << "INSERT INTO users (id, name, role, password_hash, merchants, capacity, created, "
             "permissions) VALUES (:id, :name, :role, :hash, :merchants, :capacity, :created, "
             ":permissions)",
          soci::use(u.id), soci::use(u.name), soci::use(u.role), soci::use(u.password_hash),
          soci::use(merchants), soci::use(u.capacity), soci::use(u.created), soci::use(permissions);
    });
  }

  void update_user(user const& u) override {
    with_session("update user " + u.id, [&](soci::session& sql) {
      auto merchants = merchants_to_json(u.merchants);
      auto permissions = merchants_to_json(u.permissions);
      soci::statement st =
          (sql.prepare << "UPDATE users SET name = :name, role = :role, password_hash = :hash, "
                          "merchants = :merchants, capacity = :capacity, "
                          "permissions = :permissions WHERE id = :id",
           soci::use(u.name), soci::use(u.role), soci::use(u.password_hash), soci::use(merchants),
           soci::use(u.capacity), soci::use(permissions), soci::use(u.id));
      st.execute(true);
      if (st.get_affected_rows() == 0) throw store_error("no such user");
    });
  }

  std::optional<user> find_user(std::string const& id) override {
    return with_session("find user " + id, [&](soci::session& sql) {
      return one_row<user_cols>(sql, std::string(user_cols::select) + " WHERE id = :id",
                                soci::use(id));
    });
  }

  std::vector<user> list_users() override {
    return with_session("list users", [&](soci::session& sql) {
      return all_rows<user_cols>(sql, std::string(user_cols::select) + " ORDER BY id");
    });
  }

  // ---- login sessions ----
  void insert_session(login_session const& s) override {
    with_session("insert login session", [&](soci::session& sql) {
      sql << "INSERT INTO login_sessions (token_hash, user_id, created, expires) "
             "VALUES (:token, :user, :created, :expires)",
          soci::use(s.token_hash), soci::use(s.user_id), soci::use(s.created), soci::use(s.expires);
    });
  }

  std::optional<login_session> find_session(std::string const& token_hash) override {
    return with_session("find login session", [&](soci::session& sql) {
      login_session s;
      sql << "SELECT token_hash, user_id, created, expires FROM login_sessions "
             "WHERE token_hash = :token",
          soci::into(s.token_hash), soci::into(s.user_id), soci::into(s.created),
          soci::into(s.expires), soci::use(token_hash);
      return sql.got_data() ? std::optional(s) : std::nullopt;
    });
  }

  void delete_session(std::string const& token_hash) override {
    with_session("delete login session", [&](soci::session& sql) {
      sql << "DELETE FROM login_sessions WHERE token_hash = :token", soci::use(token_hash);
    });
  }

  void delete_sessions_of(std::string const& user_id) override {
    with_session("delete login sessions", [&](soci::session& sql) {
      sql << "DELETE FROM login_sessions WHERE user_id = :user", soci::use(user_id);
    });
  }

  // ---- merchants ----
  void insert_merchant(merchant const& m) override {
    with_session("insert merchant " + m.id, [&](soci::session& sql) {
      sql << "INSERT INTO merchants (id, name, platform, channel_key, settings_json, created) "
             "VALUES (:id, :name, :platform, :key, :settings, :created)",
          soci::use(m.id), soci::use(m.name), soci::use(m.platform), soci::use(m.channel_key),
          soci::use(m.settings_json), soci::use(m.created);
    });
  }

  void update_merchant(merchant const& m) override {
    with_session("update merchant " + m.id, [&](soci::session& sql) {
      soci::statement st =
          (sql.prepare << "UPDATE merchants SET name = :name, platform = :platform, "
                          "channel_key = :key, settings_json = :settings WHERE id = :id",
           soci::use(m.name), soci::use(m.platform), soci::use(m.channel_key),
           soci::use(m.settings_json), soci::use(m.id));
      st.execute(true);
      if (st.get_affected_rows() == 0) throw store_error("no such merchant");
    });
  }

  std::optional<merchant> find_merchant(std::string const& id) override {
    return with_session("find merchant " + id, [&](soci::session& sql) {
      return one_row<merchant_cols>(sql, std::string(merchant_cols::select) + " WHERE id = :id",
                                    soci::use(id));
    });
  }

  std::vector<merchant> list_merchants() override {
    return with_session("list merchants", [&](soci::session& sql) {
      return all_rows<merchant_cols>(sql, std::string(merchant_cols::select) + " ORDER BY id");
    });
  }

  // ---- chats ----
  std::optional<chat_row> find_chat(std::string const& id) override {
    return with_session("find chat " + id, [&](soci::session& sql) {
      return one_row<chat_cols>(sql, std::string(chat_cols::select) + " WHERE id = :id",
                                soci::use(id));
    });
  }

  std::vector<chat_row> open_chats() override {
    return with_session("list open chats", [&](soci::session& sql) {
      return all_rows<chat_cols>(
          sql, std::string(chat_cols::select) + " WHERE closed IS NULL ORDER BY opened, id");
    });
  }

  std::vector<chat_row> chats_opened(std::int64_t from, std::int64_t to,
                                     std::string const& merchant) override {
    return with_session("list chats", [&](soci::session& sql) {
      std::string q = std::string(chat_cols::select) + " WHERE opened >= :from AND opened < :to";
      if (merchant.empty())
        return all_rows<chat_cols>(sql, q + " ORDER BY id", soci::use(from), soci::use(to));
      return all_rows<chat_cols>(sql, q + " AND merchant = :merchant ORDER BY id", soci::use(from),
                                 soci::use(to), soci::use(merchant));
    });
  }

  std::vector<message_row> messages(std::string const& chat) override {
    return with_session("read messages of chat " + chat, [&](soci::session& sql) {
      return all_rows<message_cols>(
          sql, std::string(message_cols::select) + " WHERE chat = :chat ORDER BY ord",
          soci::use(chat));
    });
  }

  std::vector<message_row> messages_after(std::string const& chat, std::int64_t after) override {
    return with_session("read messages of chat " + chat, [&](soci::session& sql) {
      return all_rows<message_cols>(
          sql,
          std::string(message_cols::select) + " WHERE chat = :chat AND seq > :after ORDER BY seq",
          soci::use(chat), soci::use(after));
    });
  }

  std::vector<chat_event_row> chat_events(std::string const& chat) override {
    return with_session("read events of chat " + chat, [&](soci::session& sql) {
      return all_rows<event_cols>(
          sql, std::string(event_cols::select) + " WHERE chat = :chat ORDER BY ord",
          soci::use(chat));
    });
  }

  void scan_events(std::int64_t from, std::int64_t to,
                   std::function<void(chat_row const&)> const& on_chat,
                   std::function<void(message_row const&)> const& on_message,
                   std::function<void(chat_event_row const&)> const& on_event) override;

  std::int64_t last_seq(std::string const& chat) override {
    return with_session("read last seq of chat " + chat, [&](soci::session& sql) {
      std::int64_t seq = 0;
      sql << "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE chat = :chat", soci::into(seq),
          soci::use(chat);
      return seq;
    });
  }

  // ---- QA records ----
  void put_record(qa_record const& r) override {
    with_session("store " + r.kind + " " + r.id, [&](soci::session& sql) {
      sql << "INSERT INTO qa_records (kind, id, merchant, chat, agent, created, body) "
             "VALUES (:kind, :id, :merchant, :chat, :agent, :created, :body) "
             "ON CONFLICT (kind, id) DO UPDATE SET merchant = excluded.merchant, "
             "chat = excluded.chat, agent = excluded.agent, body = excluded.body",
          soci::use(r.kind), soci::use(r.id), soci::use(r.merchant), soci::use(r.chat),
          soci::use(r.agent), soci::use(r.created), soci::use(r.body);
    });
  }

  std::optional<qa_record> find_record(std::string const& kind, std::string const& id) override {
    return with_session("find " + kind + " " + id, [&](soci::session& sql) {
      return one_row<record_cols>(
          sql, std::string(record_cols::select) + " WHERE kind = :kind AND id = :id",
          soci::use(kind), soci::use(id));
    });
  }

  std::vector<qa_record> list_records(std::string const& kind, qa_filter const& f) override {
    return with_session("list " + kind, [&](soci::session& sql) {
      // Empty filter values match everything; the bounds default to all time.
      std::int64_t from = f.from.value_or(INT64_MIN), to = f.to.value_or(INT64_MAX);
      return all_rows<record_cols>(
          sql,
          std::string(record_cols::select) +
              " WHERE kind = :kind AND (:m1 = '' OR merchant = :m2) AND (:c1 = '' OR chat = :c2)"
              " AND (:a1 = '' OR agent = :a2) AND created >= :from AND created < :to"
              " ORDER BY created, id",
          soci::use(kind), soci::use(f.merchant), soci::use(f.merchant), soci::use(f.chat),
          soci::use(f.chat), soci::use(f.agent), soci::use(f.agent), soci::use(from),
          soci::use(to));
    });
  }

  // ---- audit ----
  audit_row append_audit(
      audit_row row,
      std::function<std::string(std::string const&, audit_row const&)> const& hash_of) override {
    // One appender at a time in this process, and a write transaction so the
    // previous hash read is the one the new row follows.
    std::lock_guard lock(audit_mu_);
    return with_session("append audit entry", [&](soci::session& sql) {
      detail::begin_write(sql, info_.kind);
      try {
        std::int64_t last = 0;
        std::string prev;
        soci::indicator ind = soci::i_ok;
        // The new row follows the head the server last wrote, not whatever row is last now:
        // rows cut from the end stay a visible gap instead of being papered over.
        sql << "SELECT seq, hash FROM audit_head WHERE id = 1", soci::into(last),
            soci::into(prev, ind);
        if (!sql.got_data())
          sql << "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", soci::into(last),
              soci::into(prev, ind);
        if (!sql.got_data()) {
          last = 0;
          prev = std::string(64, '0');
        }
        row.seq = last + 1;
        row.hash = hash_of(prev, row);
        sql << "INSERT INTO audit_log (seq, at, actor, action, target, detail_json, hash) "
               "VALUES (:seq, :at, :actor, :action, :target, :detail, :hash)",
            soci::use(row.seq), soci::use(row.at), soci::use(row.actor), soci::use(row.action),
            soci::use(row.target), soci::use(row.detail_json), soci::use(row.hash);
        sql << "DELETE FROM audit_head";
        sql << "INSERT INTO audit_head (id, seq, hash) VALUES (1, :seq, :hash)", soci::use(row.seq),
            soci::use(row.hash);
        sql.commit();
      } catch (...) {
        try {
          sql.rollback();
        } catch (...) {
        }
        throw;
      }
      return row;
    });
  }

  void scan_audit(std::int64_t from_seq, std::size_t limit,
                  std::function<void(audit_row const&)> const& each) override {
    with_session("read audit log", [&](soci::session& sql) {
      std::int64_t lim = limit == 0 ? INT64_MAX : static_cast<std::int64_t>(limit);
      if (from_seq <= 0) {
        // The newest entries: seqs are gapless, so they start at MAX(seq) - limit + 1.
        std::int64_t last = 0;
        sql << "SELECT COALESCE(MAX(seq), 0) FROM audit_log", soci::into(last);
        from_seq = limit == 0 ? 1 : std::max<std::int64_t>(1, last - lim + 1);
      }
      for_each_row<audit_cols>(
          sql, std::string(audit_cols::select) + " WHERE seq >= :from ORDER BY seq LIMIT :lim",
          [&](audit_row const& r) { each(r); }, soci::use(from_seq), soci::use(lim));
    });
  }

  std::optional<std::pair<std::int64_t, std::string>> audit_head() override {
    return with_session("read audit head", [&](soci::session& sql) {
      std::int64_t seq = 0;
      std::string hash;
      sql << "SELECT seq, hash FROM audit_head WHERE id = 1", soci::into(seq), soci::into(hash);
      if (!sql.got_data()) return std::optional<std::pair<std::int64_t, std::string>>{};
      return std::optional<std::pair<std::int64_t, std::string>>{std::pair{seq, hash}};
    });
  }

  std::size_t purge_closed_before(std::int64_t before) override {
    return with_session("purge old transcripts", [&](soci::session& sql) {
      detail::begin_write(sql, info_.kind);
      try {
        std::int64_t n = 0;
        sql << "SELECT COUNT(*) FROM chats WHERE closed IS NOT NULL AND closed < :b", soci::into(n),
            soci::use(before);
        char const* const sub = "(SELECT id FROM chats WHERE closed IS NOT NULL AND closed < :b)";
        sql << std::string("DELETE FROM messages WHERE chat IN ") + sub, soci::use(before);
        sql << std::string("DELETE FROM chat_events WHERE chat IN ") + sub, soci::use(before);
        sql << std::string(
                   "DELETE FROM qa_records WHERE kind IN ('review', 'appeal') AND chat IN ") +
                   sub,
            soci::use(before);
        sql << "DELETE FROM chats WHERE closed IS NOT NULL AND closed < :b", soci::use(before);
        // Acks kept for re-sent close / transfer frames: nobody re-sends that late.
        sql << "DELETE FROM qa_records WHERE kind = 'control_ack' AND created < :b",
            soci::use(before);
        sql.commit();
        return static_cast<std::size_t>(n);
      } catch (...) {
        try {
          sql.rollback();
        } catch (...) {
        }
        throw;
      }
    });
  }

  // ---- writer ----
  void submit(write_op op) override { writer_->submit(std::move(op)); }
  void submit_batch(std::vector<write_op> ops) override { writer_->submit_batch(std::move(ops)); }
  void stop_writer() override { writer_->stop(); }
  writer_stats stats() const override { return writer_->stats(); }

 private:
  template <class Chat, class Message, class Event>
  void scan_rows(std::int64_t from, std::int64_t to, Chat& on_chat, Message& on_message,
                 Event& on_event);

  // Leases a pooled session for f(session&), reconnecting a PostgreSQL
  // session that lost its server, and turns every failure into store_error.
  template <class F>
  auto with_session(std::string const& what, F&& f) -> decltype(f(std::declval<soci::session&>())) {
    std::size_t pos = 0;
    if (!pool_.try_lease(pos, lease_timeout_ms))
      throw store_error(what + ": no database session free after " +
                        std::to_string(lease_timeout_ms / 1000) + " s");
    struct give_back {
      soci::connection_pool& pool;
      std::size_t pos;
      ~give_back() { pool.give_back(pos); }
    } guard{pool_, pos};

    auto& sql = pool_.at(pos);
    try {
      if (!connected_[pos]) {
        detail::connect(sql, info_);
        connected_[pos] = 1;
      }
      return f(sql);
    } catch (store_error const& e) {
      store_error err(what + ": " + e.what());
      err.constraint_violation = e.constraint_violation;
      throw err;
    } catch (std::exception const& e) {
      if (info_.kind == backend_kind::postgresql && connected_[pos] && !sql.is_connected()) {
        sql.close();  // reconnect on the next lease
        connected_[pos] = 0;
      }
      throw detail::to_store_error(what, e);
    }
  }

  detail::connect_info info_;
  std::size_t pool_size_;
  soci::connection_pool pool_;
  // Per pool slot; only touched by the slot's current leaseholder.
  std::vector<char> connected_;
  std::unique_ptr<detail::group_writer> writer_;
  std::mutex audit_mu_;
};

// Carries a sink's own exception through with_session() untranslated.
struct sink_failure {
  std::exception_ptr error;
};

void soci_store::scan_events(std::int64_t from, std::int64_t to,
                             std::function<void(chat_row const&)> const& on_chat_sink,
                             std::function<void(message_row const&)> const& on_message_sink,
                             std::function<void(chat_event_row const&)> const& on_event_sink) {
  auto guarded = [](auto const& sink) {
    return [&sink](auto const& row) {
      if (!sink) return;
      try {
        sink(row);
      } catch (...) {
        throw sink_failure{std::current_exception()};
      }
    };
  };
  auto on_chat = guarded(on_chat_sink);
  auto on_message = guarded(on_message_sink);
  auto on_event = guarded(on_event_sink);
  try {
    scan_rows(from, to, on_chat, on_message, on_event);
  } catch (sink_failure const& f) {
    std::rethrow_exception(f.error);
  }
}

template <class Chat, class Message, class Event>
void soci_store::scan_rows(std::int64_t from, std::int64_t to, Chat& on_chat, Message& on_message,
                           Event& on_event) {
  with_session("scan events", [&](soci::session& sql) {
    // Chats first, so that the events can be labelled with their merchant.
    for_each_row<chat_cols>(
        sql, std::string(chat_cols::select) + " WHERE opened >= :from AND opened < :to ORDER BY id",
        [&](chat_row const& c) { on_chat(c); }, soci::use(from), soci::use(to));

    // One stream in (ts, ord) order; event rows carry kind in `sender` and
    // data in `text`. The bounds are numbers, so inlining them is safe.
    std::string const window =
        " JOIN chats c ON c.id = x.chat WHERE c.opened >= " + std::to_string(from) +
        " AND c.opened < " + std::to_string(to);
    std::string const query =
        "SELECT 0 AS k, x.ord AS ord, x.ts AS ts, x.chat, x.seq, x.sender, x.agent, x.client_id, "
        "x.text, x.verdict_json, CASE WHEN x.blocked THEN 1 ELSE 0 END FROM messages x" +
        window +
        " UNION ALL SELECT 1, x.ord, x.ts, x.chat, NULL, x.kind, x.agent, NULL, x.data, NULL, 0 "
        "FROM chat_events x" +
        window + " ORDER BY ts, ord";

    int k = 0;
    message_cols mc;
    auto bind = [&](soci::statement& st) {
      st.exchange(soci::into(k));
      st.exchange(soci::into(mc.m.ord));
      st.exchange(soci::into(mc.m.ts));
      st.exchange(soci::into(mc.m.chat));
      st.exchange(soci::into(mc.seq, mc.seq_ind));
      st.exchange(soci::into(mc.m.sender));
      st.exchange(soci::into(mc.m.agent));
      st.exchange(soci::into(mc.m.client_id, mc.client_ind));
      st.exchange(soci::into(mc.m.text));
      st.exchange(soci::into(mc.m.verdict_json, mc.verdict_ind));
      st.exchange(soci::into(mc.blocked));
    };
    auto emit = [&] {
      if (k == 0) {
        on_message(mc.get());
        return;
      }
      chat_event_row e;
      e.chat = mc.m.chat;
      e.kind = mc.m.sender;
      e.agent = mc.m.agent;
      e.data = mc.m.text;
      e.ts = mc.m.ts;
      e.ord = mc.m.ord;
      on_event(e);
    };
    auto prepare = [&](soci::statement& st, std::string const& q) {
      bind(st);
      st.alloc();
      st.prepare(q);
      st.define_and_bind();
    };

    if (info_.kind == backend_kind::sqlite) {
      // SQLite steps through the result row by row by itself.
      soci::statement st(sql);
      prepare(st, query);
      st.execute(false);
      while (st.fetch()) emit();
      return;
    }

    // libpq would load the whole result at once: page through a cursor.
    constexpr int page = 1000;
    soci::transaction tr(sql);
    sql << "DECLARE kefu_scan NO SCROLL CURSOR FOR " + query;
    soci::statement st(sql);
    prepare(st, "FETCH FORWARD " + std::to_string(page) + " FROM kefu_scan");
    for (;;) {
      st.execute(false);
      int rows = 0;
      while (st.fetch()) {
        emit();
        ++rows;
      }
      if (rows < page) break;
    }
    sql << "CLOSE kefu_scan";
    tr.commit();
  });
}

}  // namespace

std::unique_ptr<store> store::open(std::string const& url, std::size_t pool_size) {
  auto info = detail::parse_url(url);
  try {
    return std::make_unique<soci_store>(std::move(info), pool_size);
  } catch (store_error const&) {
    throw;
  } catch (std::exception const& e) {
    throw detail::to_store_error("cannot open the store", e);
  }
}

std::unique_ptr<store> store::open_existing(std::string const& url, std::size_t pool_size) {
  auto info = detail::parse_url(url);
  if (info.kind == detail::backend_kind::sqlite) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(info.connect_string, ec))
      throw store_error("no database at " + info.connect_string);
  }
  return open(url, pool_size);
}

}  // namespace kefu::store
