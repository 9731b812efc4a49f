#include "server/app/hub.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdio>

#include "server/app/auth.hpp"
#include "server/app/json_util.hpp"
#include "server/core/qa/masking.hpp"

namespace kefu::app {

namespace asio = boost::asio;
namespace json = boost::json;
using routing::agent_status;

namespace {

// Whether a buyer's verdict is an off-platform request (the agent is warned
// of those; insults reach the agent with their verdict but raise no warning).
bool asks_off_platform(json::value const& verdict) {
  return verdict_has(verdict, [](std::string_view c) {
    return c == "contact" || c == "payment" || c == "link" || c == "solicit";
  });
}

constexpr std::size_t history_keep = 200;

std::shared_ptr<std::string const> text_of(json::value const& v) {
  return std::make_shared<std::string const>(json_text(v));
}

template <class Frame>
std::shared_ptr<std::string const> frame_text(Frame const& f) {
  return std::make_shared<std::string const>(wire::to_text(f));
}

}  // namespace

hub::hub(asio::io_context& ioc, asio::thread_pool& db, store::store& st, directory& dir, rules& rl,
         config const& cfg, clock_fn clock)
    : strand_(asio::make_strand(ioc)),
      timer_(strand_),
      db_(db),
      store_(st),
      dir_(dir),
      rules_(rl),
      cfg_(cfg),
      clock_(std::move(clock)),
      router_(cfg.grace_ms),
      board_timer_(strand_),
      chat_prefix_(random_hex(2)) {}

template <class F>
void hub::run(F&& f) {
  asio::post(strand_, [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
}

// Writer completions arrive one per write from the writer thread; they are
// queued here and drained by a single post, so a batch of N commits costs
// one hop onto the strand rather than N.
void hub::from_writer(std::function<void()> f) {
  bool first = false;
  {
    std::lock_guard lock(writer_mu_);
    first = writer_done_.empty();
    writer_done_.push_back(std::move(f));
  }
  if (!first) return;
  asio::post(strand_, [self = shared_from_this()] {
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard lock(self->writer_mu_);
      batch.swap(self->writer_done_);
    }
    for (auto& done : batch) done();
  });
}

std::string hub::flight_key(std::string const& sender_key, std::string const& client_id) {
  return sender_key + '\x1f' + client_id;
}

std::vector<hub::sp> hub::take_waiters(store::message_op const& op) {
  std::vector<sp> waiters;
  if (auto found = inflight_.find(flight_key(op.sender_key, op.client_id));
      found != inflight_.end()) {
    waiters = std::move(found->second);
    inflight_.erase(found);
  }
  return waiters;
}

std::string hub::buyer_key(std::string const& merchant, std::string const& buyer) const {
  return merchant + '\x1f' + buyer;
}

std::string hub::new_chat_id(ms_t now) {
  // Sortable by opening time; the per-process prefix keeps ids unique across
  // restarts within the same millisecond.
  char buf[64];
  std::snprintf(buf, sizeof buf, "c%012llx%s%04llx", static_cast<unsigned long long>(now),
                chat_prefix_.c_str(), static_cast<unsigned long long>(++chat_counter_ & 0xffff));
  return buf;
}

// ------------------------------------------------------------------ recovery

void hub::recover() {
  ms_t now = clock_();
  for (auto const& u : dir_.users())
    if (u.role == "agent") router_.upsert_agent({u.id, u.merchants, u.capacity}, now);
  {
    // Sticky routing survives a restart: the buyers of the last week go back to their agent.
    constexpr ms_t sticky_window = 7 * 86'400'000LL;
    auto recent = store_.chats_opened(now - sticky_window, now + 1);
    std::sort(recent.begin(), recent.end(),
              [](auto const& a, auto const& b) { return a.opened < b.opened; });
    for (auto const& row : recent) router_.remember_agent(row.merchant, row.buyer, row.agent);
  }
  // A field of a stored record's JSON body (null when absent or unreadable).
  auto body_field = [](store::qa_record const& r, char const* key) -> json::value {
    auto body = parse_json(r.body);
    auto const* v = body && body->is_object() ? body->as_object().if_contains(key) : nullptr;
    return v ? *v : json::value();
  };
  // Agents who were online before the restart are online again if they reconnect within the
  // grace period, as after a dropped connection.
  for (auto const& r : store_.list_records("agent_status", {}))
    if (body_field(r, "status") == "online") router_.restore_online(r.agent, now);
  for (auto const& r : store_.list_records("suspension", {}))
    if (body_field(r, "active") == true) suspended_.insert({r.merchant, r.agent});
  for (auto const& row : store_.open_chats()) {
    chat c;
    c.id = row.id;
    c.merchant = row.merchant;
    c.buyer = row.buyer;
    c.agent = row.agent;
    c.opened = row.opened;
    c.committed = true;
    c.greeted = !row.agent.empty();
    ms_t last_buyer = row.opened;
    auto messages = store_.messages(row.id);
    for (auto const& m : messages) {
      if (m.blocked || !m.seq) continue;
      c.history.push_back({*m.seq, m.sender, m.agent, m.text, m.ts, m.verdict_json});
      c.last_seq = std::max(c.last_seq, *m.seq);
      if (m.sender == "buyer") last_buyer = std::max(last_buyer, m.ts);
      if (m.sender == "agent") c.human_greeted = true;  // the greeting check is behind it
    }
    // The SLA clock is rebuilt from the stored events in stored order.
    clock_state cs{new_clock(row.merchant), {}};
    for (auto const& e : chat_sla_events(row, messages, store_.chat_events(row.id)))
      cs.clock.apply(e);
    cs.clock.fire(now);  // alerts that fell due while the server was down are history
    clocks_.emplace(row.id, std::move(cs));
    schedule_alarm(row.id);
    if (c.history.size() > history_keep)
      c.history.erase(c.history.begin(), c.history.end() - history_keep);
    c.idle_deadline = last_buyer + cfg_.buyer_idle_close_ms;
    idle_.insert({c.idle_deadline, c.id});
    buyer_chat_[buyer_key(c.merchant, c.buyer)] = c.id;
    std::string agent = c.agent;
    chats_[c.id] = std::move(c);
    // Nobody is connected yet: the commands carry nothing to send.
    router_.restore_chat(row.id, row.merchant, row.buyer, agent, now);
  }
  update_gauges();
  run([this] { arm_timer(); });
}

// ------------------------------------------------------------ public entries

void hub::buyer_open(std::shared_ptr<peer> p) {
  run([this, p = std::move(p)] { on_buyer_open(p); });
}
void hub::agent_open(std::shared_ptr<peer> p) {
  run([this, p = std::move(p)] { on_agent_open(p); });
}
void hub::frame(std::shared_ptr<peer> p, wire::inbound f) {
  run([this, p = std::move(p), f = std::move(f)] { on_frame(p, f); });
}
void hub::peer_closed(std::shared_ptr<peer> p) {
  run([this, p = std::move(p)] { on_closed(p); });
}
void hub::agent_changed(store::user u) {
  run([this, u = std::move(u)] {
    if (u.role != "agent") return;
    apply(router_.upsert_agent({u.id, u.merchants, u.capacity}, clock_()));
    update_gauges();
    arm_timer();
  });
}
void hub::end_sessions(std::string session, std::string user) {
  run([this, session = std::move(session), user = std::move(user)] {
    auto ended = [&](sp const& p) {
      return (!session.empty() && p->session == session) || (!user.empty() && p->user == user);
    };
    // 1008: the credentials it was opened with are gone; the client logs in again.
    for (auto const& [id, conns] : agents_)
      for (auto const& p : conns)
        if (ended(p) && p->conn) p->conn->close(1008, "session ended");
    for (auto const& p : boards_)
      if (ended(p) && p->conn) p->conn->close(1008, "session ended");
  });
}

void hub::board_open(std::shared_ptr<peer> p) {
  run([this, p = std::move(p)] {
    p->current = true;
    boards_.push_back(p);
    p->board_sent = clock_();
    p->send(text_of(board_snapshot(*p, p->board_sent)));
    // A scope no board had yet gets its per-agent figures now, not at the next refresh.
    auto const* in = today_.if_contains("by_agent_in");
    if (!board_running_ || !in || !in->is_object() ||
        !in->as_object().contains(scope_key(p->scope)))
      refresh_today(clock_());
    if (!board_running_) {
      // The first update comes a tick after the snapshot: at most four frames a second.
      board_running_ = true;
      board_ticks_ = 1;
      arm_board_timer();
    }
  });
}

void hub::queue_snapshot(std::function<void(std::map<std::string, std::size_t>)> cb) {
  run([this, cb = std::move(cb)] {
    auto queues = router_.queue_lengths();
    std::int64_t queued = 0;
    for (auto const& [m, n] : queues) queued += static_cast<std::int64_t>(n);
    counters_.queued_chats = queued;
    std::int64_t online = 0;
    for (auto const& [id, p] : agents_)
      if (router_.is_online(id)) ++online;
    counters_.agents_online = online;
    cb(std::move(queues));
  });
}
void hub::stop() {
  run([this] {
    stopped_ = true;
    timer_.cancel();
  });
}

// ------------------------------------------------------------- connections

void hub::on_buyer_open(sp p) {
  auto key = buyer_key(p->merchant, p->buyer);
  // Several tabs of one buyer may be open: each gets every frame.
  buyers_[key].push_back(p);
  p->current = true;
  // A buyer who comes back to a waiting chat learns its place again.
  auto it = buyer_chat_.find(key);
  if (it != buyer_chat_.end())
    if (auto pos = router_.queue_position(it->second))
      p->send(frame_text(wire::queued_frame{it->second, *pos}));
}

void hub::on_agent_open(sp p) {
  auto& conns = agents_[p->agent];
  bool first = conns.empty();
  conns.push_back(p);
  p->current = true;
  ms_t now = clock_();
  if (!router_.agent(p->agent)) {
    if (auto u = dir_.user(p->agent)) router_.upsert_agent({u->id, u->merchants, u->capacity}, now);
  }
  // Chats kept through the grace period come back first.
  if (auto a = router_.agent(p->agent))
    for (auto const& chat_id : a->chats)
      if (auto it = chats_.find(chat_id); it != chats_.end()) {
        send_assigned(p, it->second);
        send_clock(p->agent, chat_id);
      }
  if (first) apply(router_.agent_connected(p->agent, now));
  if (auto a = router_.agent(p->agent))
    p->send(text_of(
        {{"type", "status"}, {"status", a->status == agent_status::online ? "online" : "away"}}));
  // A suspension still in force is said again on every connection, not only when it began.
  for (auto const& [merchant, agent] : suspended_)
    if (agent == p->agent) p->send(suspended_frame(merchant));
  update_gauges();
  arm_timer();
}

void hub::on_closed(sp p) {
  p->resuming.clear();
  if (!p->current) return;
  p->current = false;
  if (p->role == peer::kind::board) {
    std::erase(boards_, p);
    return;
  }
  auto drop = [&](auto& map, std::string const& key) {
    auto it = map.find(key);
    if (it == map.end()) return false;
    std::erase(it->second, p);
    if (!it->second.empty()) return false;
    map.erase(it);
    return true;
  };
  if (p->role == peer::kind::buyer) {
    drop(buyers_, buyer_key(p->merchant, p->buyer));
    return;
  }
  // The agent is gone only when its last connection is.
  if (!drop(agents_, p->agent)) return;
  apply(router_.agent_disconnected(p->agent, clock_()));
  update_gauges();
  arm_timer();
}

void hub::on_frame(sp p, wire::inbound f) {
  if (stopped_ || !p->current) return;  // not acknowledged: the client sends it again
  bool buyer = p->role == peer::kind::buyer;
  std::visit(
      [&](auto const& fr) {
        using T = std::decay_t<decltype(fr)>;
        if constexpr (std::is_same_v<T, wire::send_frame>) {
          buyer ? buyer_send(p, fr) : agent_send(p, fr);
        } else if constexpr (std::is_same_v<T, wire::close_frame>) {
          buyer ? buyer_close(p, fr) : agent_close(p, fr);
        } else if constexpr (std::is_same_v<T, wire::rate_frame>) {
          if (buyer)
            buyer_rate(p, fr);
          else
            send_error(p, std::nullopt, "bad_request", "only buyers rate chats");
        } else if constexpr (std::is_same_v<T, wire::status_frame>) {
          if (!buyer)
            agent_status(p, fr);
          else
            send_error(p, std::nullopt, "bad_request", "buyers have no status");
        } else if constexpr (std::is_same_v<T, wire::transfer_frame>) {
          if (!buyer)
            agent_transfer(p, fr);
          else
            send_error(p, fr.id, "forbidden", "buyers cannot transfer chats");
        } else if constexpr (std::is_same_v<T, wire::resume_frame>) {
          resume(p, fr);
        }
      },
      f);
  update_gauges();
  arm_timer();
}

// ------------------------------------------------------------------- buyers

void hub::buyer_send(sp const& p, wire::send_frame const& f) {
  if (f.id.empty()) return send_error(p, std::nullopt, "bad_request", "\"id\" must not be empty");
  std::string sender_key = "b:" + p->merchant + ":" + p->buyer;
  std::string flight = flight_key(sender_key, f.id);
  if (auto it = inflight_.find(flight); it != inflight_.end()) {
    it->second.push_back(p);  // the same frame raced in twice: one write, two acks
    return;
  }
  if (f.text.empty()) return send_error(p, f.id, "bad_request", "\"text\" must not be empty");
  ms_t now = clock_();
  auto key = buyer_key(p->merchant, p->buyer);
  bool opening = false;
  std::string chat_id;
  if (auto it = buyer_chat_.find(key); it != buyer_chat_.end()) {
    chat_id = it->second;
  } else {
    opening = true;
    chat_id = new_chat_id(now);
    chat c;
    c.id = chat_id;
    c.merchant = p->merchant;
    c.buyer = p->buyer;
    c.opened = now;
    chats_[chat_id] = std::move(c);
    buyer_chat_[key] = chat_id;
  }
  auto& c = chats_.at(chat_id);
  idle_.erase({c.idle_deadline, chat_id});
  c.idle_deadline = now + cfg_.buyer_idle_close_ms;
  idle_.insert({c.idle_deadline, chat_id});

  // Buyers are never blocked: an off-platform request warns the agent.
  auto m = dir_.merchant(p->merchant);
  auto eng = rules_.engine_for(p->merchant, m ? m->row.platform : std::string());
  std::string verdict_json;
  if (eng) {
    auto v = eng->check(f.text, compliance::role::buyer, &c.window);
    if (!v.violations.empty()) verdict_json = compliance::to_json(v);
    c.window.push(f.text, compliance::role::buyer);
  }

  store::message_op op;
  op.verdict_json = verdict_json;
  op.chat = chat_id;
  op.sender = "buyer";
  op.sender_key = sender_key;
  op.client_id = f.id;
  op.text = f.text;
  op.ts = now;
  if (opening) op.open_chat = store::open_chat_op{chat_id, p->merchant, p->buyer, now};
  inflight_[flight].push_back(p);
  store::write_op w;
  w.message = op;
  w.done = [self = shared_from_this(), op, opening](store::write_result const& r) {
    self->from_writer([self, op, r, opening] {
      auto waiters = self->take_waiters(op);
      self->on_message_committed(op.chat, op, r, waiters, opening);
      self->update_gauges();
      self->arm_timer();
    });
  };
  store_.submit(std::move(w));
}

void hub::answer_closed(sp const& p, std::string const& chat) {
  p->send(frame_text(wire::closed_frame{chat}));
  p->send(frame_text(wire::rate_request_frame{chat}));
}

void hub::buyer_close(sp const& p, wire::close_frame const& f) {
  auto key = buyer_key(p->merchant, p->buyer);
  std::string const id_key = f.id.empty() ? std::string() : key + '\x1f' + f.id;
  // The same close again (its answer lost on a reconnect): the same answer, for the chat it
  // closed, whatever the buyer has opened since.
  if (auto const* done = id_key.empty() ? nullptr : buyer_closes_.find(id_key))
    return answer_closed(p, *done);
  auto it = buyer_chat_.find(key);
  if (it == buyer_chat_.end() || (!f.chat.empty() && f.chat != it->second)) {
    // An open chat of another buyer is forbidden; no chat at all is not_found.
    if (!f.chat.empty() && chats_.count(f.chat) > 0)
      return send_error(p, f.id, "forbidden", "this chat is not yours");
    if (f.chat.empty()) return send_error(p, f.id, "not_found", "no open chat to close");
    // A close sent again for a chat this buyer closed gets the same answer, not an error.
    if (auto const* rc = recently_closed_.find(f.chat)) {
      if (*rc != key) return send_error(p, f.id, "forbidden", "this chat is not yours");
      return answer_closed(p, f.chat);
    }
    // Closed before a restart, perhaps: the store knows.
    return with_stored_chat(
        f.chat, "cannot read a chat to close",
        [self = shared_from_this(), p, f](std::optional<store::chat_row> row) {
          if (!row || !row->closed)
            return self->send_error(p, f.id, "not_found", "no open chat to close");
          if (row->merchant != p->merchant || row->buyer != p->buyer)
            return self->send_error(p, f.id, "forbidden", "this chat is not yours");
          self->answer_closed(p, f.chat);
        });
  }
  auto& c = chats_.at(it->second);
  if (!c.committed) return send_error(p, f.id, "not_found", "the chat is still opening");
  if (!id_key.empty()) buyer_closes_.put(id_key, c.id);
  close_chat(c.id, "", "buyer");
}

void hub::buyer_rate(sp const& p, wire::rate_frame const& f) {
  if (f.chat.empty()) return send_error(p, std::nullopt, "bad_request", "\"chat\" is required");
  if (f.score != "satisfied" && f.score != "neutral" && f.score != "unsatisfied")
    return send_error(p, std::nullopt, "bad_request",
                      "score must be satisfied, neutral or unsatisfied");
  if (auto open = chats_.find(f.chat); open != chats_.end()) {
    if (open->second.merchant != p->merchant || open->second.buyer != p->buyer)
      return send_error(p, std::nullopt, "forbidden", "this chat is not yours");
    return send_error(p, std::nullopt, "bad_request", "a chat is rated after it is closed");
  }
  // Just closed here: its close event may still be on its way to the database.
  if (auto const* rc = recently_closed_.find(f.chat)) {
    if (*rc != buyer_key(p->merchant, p->buyer))
      return send_error(p, std::nullopt, "forbidden", "this chat is not yours");
    return store_rating(p, f);
  }
  with_stored_chat(
      f.chat, "cannot read a chat to rate",
      [self = shared_from_this(), p, f](std::optional<store::chat_row> row) {
        if (!row) return self->send_error(p, std::nullopt, "not_found", "no such chat");
        if (row->merchant != p->merchant || row->buyer != p->buyer)
          return self->send_error(p, std::nullopt, "forbidden", "this chat is not yours");
        if (!row->closed)
          return self->send_error(p, std::nullopt, "bad_request", "the chat is still open");
        self->store_rating(p, f);
      });
}

// Reads a chat's row on the database pool and hands it (nullopt if missing or unreadable) to
// `then` on the hub strand.
void hub::with_stored_chat(std::string chat, char const* failure,
                           std::function<void(std::optional<store::chat_row>)> then) {
  asio::post(db_,
             [self = shared_from_this(), chat = std::move(chat), failure, then = std::move(then)] {
               std::optional<store::chat_row> row;
               try {
                 row = self->store_.find_chat(chat);
               } catch (std::exception const& e) {
                 self->log_store_failure(store_access::read, failure, chat, e.what());
               }
               self->run([then, row] { then(row); });
             });
}

void hub::store_rating(sp const& p, wire::rate_frame const& f) {
  store_event(
      f.chat, "rate", "", f.score, false, false, true,
      [self = shared_from_this(), p, chat = f.chat, score = f.score](store::write_result const& r) {
        if (!r.ok)
          return self->send_error(p, std::nullopt, "unavailable",
                                  "the rating was not stored; send it again");
        p->send(text_of({{"type", "rated"}, {"chat", chat}, {"score", score}}));
      });
}

// ------------------------------------------------------------------- agents

namespace {
// A message that entered its chat's window when it was checked (not blocked, not a lookup).
bool entered_window(store::message_op const& op) {
  return !op.blocked && !op.dedupe_only && (op.sender == "agent" || op.sender == "buyer");
}
// An agent message stored as delivered: it will answer the chat's open turn when it commits.
bool counts_as_reply(store::message_op const& op) {
  return op.sender == "agent" && entered_window(op);
}
}  // namespace

void hub::agent_send(sp const& p, wire::send_frame const& f) {
  if (f.id.empty()) return send_error(p, std::nullopt, "bad_request", "\"id\" must not be empty");
  std::string sender_key = "a:" + p->agent;
  std::string flight = flight_key(sender_key, f.id);
  if (auto it = inflight_.find(flight); it != inflight_.end()) {
    it->second.push_back(p);
    return;
  }
  if (f.chat.empty()) return send_error(p, f.id, "bad_request", "\"chat\" is required");
  auto it = chats_.find(f.chat);
  bool held = it != chats_.end() && it->second.agent == p->agent;
  store::message_op op;
  op.chat = f.chat;
  op.sender = "agent";
  op.agent = p->agent;
  op.sender_key = sender_key;
  op.client_id = f.id;
  op.text = f.text;
  op.ts = clock_();
  // A chat this agent no longer holds can still see a re-send of a message it
  // acknowledged earlier: the writer answers those from the database and
  // stores nothing new.
  op.dedupe_only = !held;
  // A frame this send cannot be taken as (empty text, suspended sender) is
  // refused only after the writer has ruled out a re-send of one already
  // answered: that one gets its original answer.
  std::optional<std::pair<std::string, std::string>> refusal;
  if (held && f.text.empty()) {
    refusal.emplace("bad_request", "\"text\" must not be empty");
  } else if (held && suspended_.count({it->second.merchant, p->agent})) {
    refusal.emplace("suspended",
                    "sending is suspended after repeated violations; a manager can lift it");
  } else if (held) {
    auto v = check_agent_text(it->second, p->agent, f.text, false);
    if (!v.violations.empty()) op.verdict_json = compliance::to_json(v);
    op.blocked = v.act == compliance::action::block;
  }
  if (refusal) op.dedupe_only = true;
  if (counts_as_reply(op)) reply_in_flight(op.chat, op.ts);
  inflight_[flight].push_back(p);
  store::write_op w;
  w.message = op;
  w.done = [self = shared_from_this(), op, held, refusal](store::write_result const& r) {
    self->from_writer([self, op, r, held, refusal] {
      auto waiters = self->take_waiters(op);
      if (op.dedupe_only && r.ok && !r.duplicate) {
        bool exists = self->chats_.count(op.chat) != 0;
        for (auto const& waiter : waiters) {
          if (refusal)
            self->send_error(waiter, op.client_id, refusal->first, refusal->second);
          else
            self->send_error(waiter, op.client_id, exists ? "forbidden" : "not_found",
                             exists ? "this chat is not yours" : "no such open chat");
        }
        return;
      }
      self->on_message_committed(op.chat, op, r, waiters, false);
    });
  };
  store_.submit(std::move(w));
}

void hub::agent_status(sp const& p, wire::status_frame const& f) {
  routing::agent_status s;
  if (f.status == "online")
    s = routing::agent_status::online;
  else if (f.status == "away")
    s = routing::agent_status::away;
  else
    return send_error(p, std::nullopt, "bad_request", "status must be online or away");
  apply(router_.set_status(p->agent, s, clock_()));
  p->send(text_of({{"type", "status"}, {"status", f.status}}));
  // Kept so that a restart, like a dropped connection, leaves the status as it was.
  store::qa_record r;
  r.kind = "agent_status";
  r.id = p->agent;
  r.agent = p->agent;
  r.created = clock_();
  r.body = json_text(json::object{{"status", f.status}});
  put_record_later(std::move(r));
}

bool hub::resend_control_ack(sp const& p, std::string const& id) {
  if (id.empty()) return false;
  auto const* ack = control_acks_.find(flight_key("a:" + p->agent, id));
  if (ack == nullptr) return false;
  p->send(*ack);
  return true;
}

void hub::remember_control_ack(sp const& p, std::string const& id,
                               std::shared_ptr<std::string const> ack,
                               std::shared_ptr<bool> failed) {
  if (id.empty()) return;
  auto key = flight_key("a:" + p->agent, id);
  control_acks_.put(key, ack);
  // Kept in the store as well, so a re-sent close or transfer gets the same ack after a restart.
  // The ack goes out only once the close or assign event it answers has been committed (a
  // barrier behind it in the writer's queue) and then this record has been written (or could
  // not be): an acked close survives a crash.
  store::qa_record r;
  r.kind = "control_ack";
  r.id = key;
  r.agent = p->agent;
  r.created = clock_();
  r.body = *ack;
  store::write_op w;
  w.barrier = true;
  w.done = [self = shared_from_this(), p, id, ack, r = std::move(r),
            failed = std::move(failed)](store::write_result const&) {
    if (failed && *failed) {
      // Not committed, so not acknowledged (nor kept for a re-send).
      return self->run([self, p, id, key = r.id] {
        self->control_acks_.erase(key);
        self->send_error(p, id, "unavailable", "not stored; the change may be lost on a restart");
      });
    }
    asio::post(self->db_, [self, p, ack, r] {
      try {
        self->store_.put_record(r);
      } catch (std::exception const& e) {
        self->log_store_failure(store_access::write, "an ack was not kept", {}, e.what());
      }
      self->run([p, ack] { p->send(ack); });
    });
  };
  store_.submit(std::move(w));
}

void hub::stored_control_ack(sp const& p, std::string const& id, std::function<void()> otherwise) {
  if (id.empty()) return otherwise();
  auto self = shared_from_this();
  auto key = flight_key("a:" + p->agent, id);
  asio::post(db_, [self, p, key, otherwise = std::move(otherwise)] {
    std::optional<store::qa_record> r;
    try {
      r = self->store_.find_record("control_ack", key);
    } catch (std::exception const& e) {
      self->log_store_failure(store_access::read, "cannot read a stored ack", {}, e.what());
    }
    self->run([self, p, key, r, otherwise] {
      if (!r) return otherwise();
      auto ack = std::make_shared<std::string const>(r->body);
      self->control_acks_.put(key, ack);
      p->send(ack);
    });
  });
}

void hub::agent_transfer(sp const& p, wire::transfer_frame const& f) {
  if (resend_control_ack(p, f.id)) return;
  routing::commands out;
  auto err = router_.transfer(f.chat, p->agent, f.to, clock_(), out);
  if (err != routing::route_error::none) {
    static char const* const messages[] = {"",
                                           "no such chat or agent",
                                           "not allowed",
                                           "the target agent has no free capacity",
                                           "the target agent is not online",
                                           "the chat is already yours"};
    return stored_control_ack(p, f.id, [self = shared_from_this(), p, f, err] {
      self->send_error(p, f.id, routing::to_string(err), messages[static_cast<int>(err)]);
    });
  }
  events_failed_ = std::make_shared<bool>(false);
  apply(out);
  remember_control_ack(p, f.id, frame_text(wire::ack_frame{f.id, f.chat, std::nullopt}),
                       std::exchange(events_failed_, nullptr));
}

void hub::agent_close(sp const& p, wire::close_frame const& f) {
  if (f.chat.empty()) return send_error(p, f.id, "bad_request", "\"chat\" is required");
  if (resend_control_ack(p, f.id)) return;
  auto it = chats_.find(f.chat);
  if (it == chats_.end())
    return stored_control_ack(p, f.id, [self = shared_from_this(), p, id = f.id] {
      self->send_error(p, id, "not_found", "no such open chat");
    });
  if (it->second.agent != p->agent)
    return send_error(p, f.id, "forbidden", "this chat is not yours");
  events_failed_ = std::make_shared<bool>(false);
  close_chat(f.chat, p->agent, "agent");
  remember_control_ack(p, f.id, frame_text(wire::ack_frame{f.id, f.chat, std::nullopt}),
                       std::exchange(events_failed_, nullptr));
}

// ----------------------------------------------------------------- resume

void hub::resume(sp const& p, wire::resume_frame const& f) {
  if (f.after < 0) return send_error(p, std::nullopt, "resync", "after must be >= 0; resync");
  // An open chat must be the agent's now; a closed one is checked against its last holder
  // below (a chat that closed while its agent was away can still be caught up on).
  if (auto it = chats_.find(f.chat);
      p->role == peer::kind::agent && it != chats_.end() && it->second.agent != p->agent)
    return send_error(p, std::nullopt, "forbidden", "this chat is not yours");
  if (p->resuming.count(f.chat)) return;  // one replay at a time per chat
  p->resuming[f.chat];
  std::int64_t known = 0;
  if (auto it = chats_.find(f.chat); it != chats_.end()) known = it->second.last_seq;
  auto self = shared_from_this();
  asio::post(db_, [self, p, f, known] {
    std::optional<store::chat_row> row;
    std::vector<store::message_row> rows;
    bool failed = false;
    try {
      row = self->store_.find_chat(f.chat);
      if (row) rows = self->store_.messages_after(f.chat, f.after);
    } catch (std::exception const& e) {
      self->log_store_failure(store_access::read, "cannot read a transcript to resume", f.chat,
                              e.what());
      failed = true;
    }
    self->run([self, p, f, known, row, rows = std::move(rows), failed] {
      auto buffered = std::move(p->resuming[f.chat]);
      p->resuming.erase(f.chat);
      auto flush = [&](std::int64_t above) {
        for (auto const& [seq, text] : buffered)
          if (seq > above) p->send(text);
      };
      if (failed) {
        self->send_error(p, std::nullopt, "unavailable", "the transcript could not be read");
        return flush(0);
      }
      if (!row) {
        self->send_error(p, std::nullopt, "not_found", "no such chat");
        return flush(0);
      }
      bool const mine = p->role == peer::kind::agent
                            ? (self->chats_.count(f.chat) > 0 || row->agent == p->agent)
                            : (row->merchant == p->merchant && row->buyer == p->buyer);
      if (!mine) {
        self->send_error(p, std::nullopt, "forbidden", "this chat is not yours");
        return flush(0);
      }
      std::int64_t last = std::max(known, row->last_seq);
      if (f.after > last) {
        self->send_error(p, std::nullopt, "resync",
                         "after is beyond the last message (" + std::to_string(last) +
                             "); drop local state and resync from 0");
        return flush(0);
      }
      std::int64_t sent = f.after;
      bool to_buyer = p->role == peer::kind::buyer;
      for (auto const& m : rows) {
        if (!m.seq) continue;
        // Every delivered message, the buyer's own included (from "buyer"), so a replay has no
        // gaps in seq; only an agent sees the verdicts.
        wire::message_frame mf{f.chat, *m.seq, m.sender == "system" ? "system" : m.sender,
                               m.text, m.ts,   std::nullopt};
        if (!to_buyer) mf.verdict = parse_json(m.verdict_json);
        p->send(frame_text(mf));
        sent = std::max(sent, *m.seq);
      }
      flush(sent);
    });
  });
}

// ------------------------------------------------------------- committing

void hub::log_store_failure(store_access access, char const* what, std::string const& chat,
                            std::string const& error) {
  auto& n = access == store_access::read ? counters_.store_read_failures : counters_.store_failures;
  if (n++ % 1000 != 0) return;
  if (chat.empty())
    std::fprintf(stderr, "kefud: %s: %s\n", what, error.c_str());
  else
    std::fprintf(stderr, "kefud: %s (chat %s): %s\n", what, chat.c_str(), error.c_str());
}

void hub::on_message_committed(std::string const& chat_id, store::message_op const& op,
                               store::write_result const& r, std::vector<sp> const& waiters,
                               bool opening) {
  if (counts_as_reply(op)) reply_landed(chat_id);
  auto it = chats_.find(chat_id);
  // Not stored, or a re-send of a message stored before: it entered the chat's window when it
  // was checked and must come out again (only delivered messages belong there, each once).
  if ((!r.ok || r.duplicate) && it != chats_.end() && entered_window(op))
    it->second.window.withdraw(
        op.text, op.sender == "agent" ? compliance::role::agent : compliance::role::buyer);
  if (!r.ok) {
    log_store_failure(store_access::write, "a message was not stored", chat_id, r.error);
    for (auto const& w : waiters)
      // The database's own words stay in the server's log, not in a client's frame.
      send_error(w, op.client_id, "unavailable", "not stored; send it again");
    if (opening && it != chats_.end() && !it->second.committed) {
      buyer_chat_.erase(buyer_key(it->second.merchant, it->second.buyer));
      idle_.erase({it->second.idle_deadline, chat_id});
      chats_.erase(it);
    }
    return;
  }
  if (r.duplicate) {
    for (auto const& w : waiters) {
      if (r.blocked) {
        wire::blocked_frame b{op.client_id, r.chat, json::object{}};
        if (auto v = parse_json(r.verdict_json)) b.verdict = *v;
        w->send(frame_text(b));
      } else {
        w->send(frame_text(wire::ack_frame{op.client_id, r.chat, r.seq}));
      }
    }
    if (opening && it != chats_.end() && !it->second.committed) {
      // The opening frame was a re-send of an old message: no new chat.
      buyer_chat_.erase(buyer_key(it->second.merchant, it->second.buyer));
      idle_.erase({it->second.idle_deadline, chat_id});
      chats_.erase(it);
    }
    return;
  }
  if (r.blocked) {
    counters_.messages_blocked++;
    if (it != chats_.end()) {
      count_block(it->second.merchant, op.agent, clock_());
      note_recent({{"kind", "violation"},
                   {"action", "block"},
                   {"chat", chat_id},
                   {"merchant", it->second.merchant},
                   {"agent", op.agent},
                   {"verdict", parse_json(op.verdict_json).value_or(json::object{})},
                   {"at", op.ts}});
    }
    wire::blocked_frame b{op.client_id, chat_id, json::object{}};
    if (auto v = parse_json(r.verdict_json.empty() ? op.verdict_json : r.verdict_json))
      b.verdict = *v;
    for (auto const& w : waiters) w->send(frame_text(b));
    return;
  }
  for (auto const& w : waiters) w->send(frame_text(wire::ack_frame{op.client_id, chat_id, r.seq}));
  ms_t ts = r.ts ? r.ts : op.ts;
  auto type = sla_type_of(op.sender);
  feed_clock(chat_id, it == chats_.end() ? std::string() : it->second.merchant, type, ts, op.agent);
  if (it == chats_.end()) return;  // closed meanwhile: stored, readable by resume
  auto& c = it->second;
  delivered d{r.seq.value_or(0), op.sender,           op.agent,
              op.text,           r.ts ? r.ts : op.ts, op.verdict_json};
  deliver(c, d);
  if (!op.verdict_json.empty()) {
    auto v = parse_json(op.verdict_json);
    if (op.sender == "buyer" && v && !c.agent.empty() && asks_off_platform(*v))
      send_to_agent(c.agent, c.id, frame_text(wire::warning_frame{c.id, d.seq, *v}), d.seq);
    note_recent({{"kind", "violation"},
                 {"action", op.sender == "buyer" ? "buyer_warning" : "warn"},
                 {"chat", c.id},
                 {"merchant", c.merchant},
                 {"agent", op.sender == "buyer" ? c.agent : op.agent},
                 {"verdict", v.value_or(json::object{})},
                 {"at", d.ts}});
  }
  if (opening && !c.committed) {
    c.committed = true;
    apply(router_.open_chat(c.id, c.merchant, c.buyer, clock_()));
  }
}

void hub::deliver(chat& c, delivered const& d) {
  c.last_seq = std::max(c.last_seq, d.seq);
  c.history.push_back(d);
  // Only the recent part is kept for `assigned`; older messages are one
  // `resume` away in the database.
  if (c.history.size() > 2 * history_keep)
    c.history.erase(c.history.begin(), c.history.end() - history_keep);
  counters_.messages_routed++;
  wire::message_frame mf{c.id, d.seq, d.from, d.text, d.ts, std::nullopt};
  if (d.from == "buyer") {
    mf.verdict = parse_json(d.verdict_json);
    if (!c.agent.empty()) send_to_agent(c.agent, c.id, frame_text(mf), d.seq);
    return;
  }
  auto text = frame_text(mf);
  send_to_buyer(c, text, d.seq);
  if (d.from != "agent" && !c.agent.empty()) send_to_agent(c.agent, c.id, text, d.seq);
}

// --------------------------------------------------------------- commands

void hub::apply(routing::commands const& cs) {
  for (auto const& cmd : cs) {
    if (auto const* a = std::get_if<routing::assigned>(&cmd)) {
      on_assigned(*a);
    } else if (auto const* q = std::get_if<routing::queued>(&cmd)) {
      auto it = chats_.find(q->chat);
      if (it != chats_.end())
        send_to_buyer(it->second, frame_text(wire::queued_frame{q->chat, q->position}));
    } else if (auto const* u = std::get_if<routing::unassigned>(&cmd)) {
      send_to_agent(u->agent, u->chat, frame_text(wire::unassigned_frame{u->chat, u->reason}));
    }
  }
}

void hub::on_assigned(routing::assigned const& a) {
  auto it = chats_.find(a.chat);
  if (it == chats_.end()) return;
  auto& c = it->second;
  // A new holder starts with a clean slate for split detection.
  if (!a.previous.empty() && a.previous != a.agent) c.window.clear();
  c.agent = a.agent;
  store_event(c.id, "assign", a.agent, a.reason, true, false, false, {}, sla::event_type::assign);
  if (auto p = agents_.find(a.agent); p != agents_.end())
    for (auto const& conn : p->second) send_assigned(conn, c);
  if (c.greeted) return;
  c.greeted = true;
  // Off-platform requests the buyer made while the chat waited for its first agent: that agent
  // is warned now, as it would have been had it held the chat then.
  for (auto const& d : c.history) {
    if (d.from != "buyer" || d.verdict_json.empty()) continue;
    if (auto v = parse_json(d.verdict_json); v && asks_off_platform(*v))
      send_to_agent(a.agent, c.id, frame_text(wire::warning_frame{c.id, d.seq, *v}), d.seq);
  }
  auto m = dir_.merchant(c.merchant);
  if (!m || m->greeting_mode != "auto") return;
  // A merchant without a greeting of its own gets its platform's (seed 004's 开头语).
  std::string tmpl = m->greeting;
  if (tmpl.empty())
    if (auto eng = rules_.engine_for(c.merchant, m->row.platform)) tmpl = eng->greeting_template();
  if (tmpl.empty()) return;
  auto u = dir_.user(a.agent);
  store::message_op op;
  op.chat = c.id;
  op.sender = "auto";
  op.agent = a.agent;
  op.text = compliance::fill_template(tmpl, m->row.name, u ? u->name : a.agent);
  op.ts = clock_();
  store::write_op w;
  w.message = op;
  w.done = [self = shared_from_this(), op](store::write_result const& r) {
    self->from_writer([self, op, r] { self->on_message_committed(op.chat, op, r, {}, false); });
  };
  store_.submit(std::move(w));
}

void hub::send_assigned(sp const& agent_peer, chat const& c) {
  json::array history;
  for (auto const& d : c.history) {
    json::object m{{"seq", d.seq}, {"from", d.from}, {"text", d.text}, {"ts", d.ts}};
    if (!d.agent.empty()) m["agent"] = d.agent;
    if (auto v = parse_json(d.verdict_json)) m["verdict"] = *v;
    history.push_back(std::move(m));
  }
  json::object chat_obj{
      {"id", c.id},         {"merchant", c.merchant}, {"buyer", c.buyer},
      {"opened", c.opened}, {"last_seq", c.last_seq}, {"history", std::move(history)}};
  agent_peer->send(text_of({{"type", "assigned"}, {"chat", std::move(chat_obj)}}));
}

void hub::close_chat(std::string chat_id, std::string const& by, std::string const& reason) {
  auto it = chats_.find(chat_id);
  if (it == chats_.end()) return;
  chat c = std::move(it->second);
  chats_.erase(it);
  buyer_chat_.erase(buyer_key(c.merchant, c.buyer));
  idle_.erase({c.idle_deadline, chat_id});
  store_event(chat_id, "close", by, reason, false, true, false, {}, sla::event_type::close);
  recently_closed_.put(chat_id, buyer_key(c.merchant, c.buyer));
  send_to_buyer(c, frame_text(wire::closed_frame{chat_id}));
  send_to_buyer(c, frame_text(wire::rate_request_frame{chat_id}));
  apply(router_.close_chat(chat_id, clock_()));
}

void hub::store_event(std::string const& chat_id, std::string const& kind, std::string const& agent,
                      std::string const& data, bool set_agent, bool set_closed, bool set_rating,
                      std::function<void(store::write_result const&)> done,
                      std::optional<sla::event_type> clock_event) {
  store::chat_event_op ev;
  ev.ev.chat = chat_id;
  ev.ev.kind = kind;
  ev.ev.agent = agent;
  ev.ev.data = data;
  ev.ev.ts = clock_();
  ev.set_agent = set_agent;
  ev.set_closed = set_closed;
  ev.set_rating = set_rating;
  std::string merchant;
  if (auto it = chats_.find(chat_id); it != chats_.end()) merchant = it->second.merchant;
  store::write_op w;
  w.done = [self = shared_from_this(), done = std::move(done), clock_event, chat_id, merchant,
            ts = ev.ev.ts, agent, failed = events_failed_](store::write_result const& r) {
    if (!r.ok) {
      self->log_store_failure(store_access::write, "a chat event was not stored", chat_id, r.error);
      if (failed) *failed = true;  // read by the frame's ack, later on this same writer thread
    }
    if (!done && !clock_event) return;
    self->from_writer([self, done, r, clock_event, chat_id, merchant, ts, agent] {
      // The clock sees events in the order they were stored, like a replay.
      if (r.ok && clock_event) self->feed_clock(chat_id, merchant, *clock_event, ts, agent);
      if (done) done(r);
      self->arm_timer();
    });
  };
  w.chat_event = std::move(ev);
  store_.submit(std::move(w));
}

// ---------------------------------------------------------------- SLA clocks

sla::chat_clock hub::new_clock(std::string const& merchant) const {
  auto m = dir_.merchant(merchant);
  sla::warning_offsets warn;
  warn.at_ms[sla::index(sla::threshold::reply)] = cfg_.sla_warning_ms;
  return sla::chat_clock(m ? m->sla_policy : sla::merchant_policy{}, warn);
}

void hub::reply_in_flight(std::string const& chat_id, ms_t sent) {
  auto it = clocks_.find(chat_id);
  if (it == clocks_.end()) return;
  auto& cs = it->second;
  cs.reply_sent = cs.replies_in_flight == 0 ? sent : std::min(cs.reply_sent, sent);
  ++cs.replies_in_flight;
}

void hub::reply_landed(std::string const& chat_id) {
  auto it = clocks_.find(chat_id);
  if (it == clocks_.end() || it->second.replies_in_flight == 0) return;
  if (--it->second.replies_in_flight == 0) schedule_alarm(chat_id);  // whatever was held back
}

void hub::feed_clock(std::string const& chat_id, std::string const& merchant, sla::event_type type,
                     ms_t ts, std::string const& agent) {
  auto it = clocks_.find(chat_id);
  if (it == clocks_.end()) {
    if (merchant.empty() || type == sla::event_type::close) return;
    it = clocks_.emplace(chat_id, clock_state{new_clock(merchant), {}}).first;
  }
  auto u = it->second.clock.apply(type, ts, agent);
  for (auto const& a : u.due) push_alert(chat_id, a);
  std::string holder;
  if (auto c = chats_.find(chat_id); c != chats_.end()) holder = c->second.agent;
  switch (u.what) {
    case sla::change::opened:
    case sla::change::answered:
      if (!holder.empty()) send_clock(holder, chat_id);
      break;
    case sla::change::assigned:
      if (!agent.empty()) send_clock(agent, chat_id);
      break;
    case sla::change::closed:
      if (it->second.alarm) alarms_.erase({*it->second.alarm, chat_id});
      clocks_.erase(it);
      return;
    default:
      break;
  }
  schedule_alarm(chat_id);
}

void hub::send_clock(std::string const& agent, std::string const& chat_id) {
  auto it = clocks_.find(chat_id);
  if (it == clocks_.end()) return;
  auto const& clock = it->second.clock;
  json::object f{{"type", "clock"}, {"chat", chat_id}};
  if (auto d = clock.current_deadlines(); d && clock.pending()) {
    f["turn_started"] = clock.pending()->start;
    f["deadlines"] = json::value_from(*d);
  } else {
    f["turn_started"] = nullptr;
    f["deadlines"] = nullptr;
  }
  send_to_agent(agent, chat_id, text_of(f));
}

void hub::push_alert(std::string const& chat_id, sla::alert const& a) {
  std::string holder;
  if (auto c = chats_.find(chat_id); c != chats_.end()) holder = c->second.agent;
  json::object frame{{"type", "sla"}, {"chat", chat_id}};
  auto fields = json::value_from(a);
  for (auto const& kv : fields.as_object()) frame[kv.key()] = kv.value();
  if (!holder.empty()) send_to_agent(holder, chat_id, text_of(frame));
  if (a.kind == sla::alert_kind::miss) {
    counters_.sla_misses++;
    // The board's day figures show it at once, as the spec asks: the refresh starts now, and
    // snapshots wait for it rather than show the turn as not missed past its deadline.
    today_stale_ = true;
    if (!boards_.empty() && !today_refreshing_) refresh_today(clock_());
    std::string merchant;
    if (auto c = chats_.find(chat_id); c != chats_.end()) merchant = c->second.merchant;
    note_recent({{"kind", "miss"},
                 {"chat", chat_id},
                 {"merchant", merchant},
                 {"agent", holder},
                 {"threshold", sla::to_string(a.which)},
                 {"at", a.at}});
    store_event(chat_id, "sla_miss", holder, std::string(sla::to_string(a.which)), false, false,
                false);
  }
}

void hub::schedule_alarm(std::string const& chat_id) {
  auto it = clocks_.find(chat_id);
  if (it == clocks_.end()) return;
  auto next = it->second.clock.next_alarm();
  if (next == it->second.alarm) return;
  if (it->second.alarm) alarms_.erase({*it->second.alarm, chat_id});
  it->second.alarm = next;
  if (next) alarms_.insert({*next, chat_id});
}

// ---------------------------------------------------------------- sending

void hub::send_error(sp const& p, std::optional<std::string> id, std::string const& code,
                     std::string const& message) {
  p->send(frame_text(wire::error_frame{std::move(id), code, message}));
}

void hub::send_to(sp const& p, std::string const& chat,
                  std::shared_ptr<std::string const> const& text, std::int64_t seq) {
  if (seq > 0) {
    if (auto it = p->resuming.find(chat); it != p->resuming.end()) {
      it->second.emplace_back(seq, text);
      return;
    }
  }
  p->send(text);
}

void hub::send_to_buyer(chat const& c, std::shared_ptr<std::string const> const& text,
                        std::int64_t seq) {
  auto it = buyers_.find(buyer_key(c.merchant, c.buyer));
  if (it != buyers_.end())
    for (auto const& p : it->second) send_to(p, c.id, text, seq);
}

void hub::send_to_agent(std::string const& agent, std::string const& chat,
                        std::shared_ptr<std::string const> const& text, std::int64_t seq) {
  auto it = agents_.find(agent);
  if (it != agents_.end())
    for (auto const& p : it->second) send_to(p, chat, text, seq);
}

// ------------------------------------------------------------- compliance

compliance::verdict hub::check_agent_text(chat& c, std::string const& agent,
                                          std::string const& text, bool read_only) {
  auto m = dir_.merchant(c.merchant);
  auto eng = rules_.engine_for(c.merchant, m ? m->row.platform : std::string());
  if (!eng) return {};
  auto v = eng->check(text, compliance::role::agent, &c.window);
  // greeting_mode "agent": the first human message must follow the template.
  if (m && m->greeting_mode == "agent" && !c.human_greeted) {
    auto u = dir_.user(agent);
    compliance::merge_into(
        v, eng->check_greeting(m->greeting, m->row.name, u ? u->name : agent, text));
  }
  if (!read_only && v.act != compliance::action::block) {
    // Enters the window now, not at commit, so the next message sees it.
    c.window.push(text, compliance::role::agent);
    c.human_greeted = true;
  }
  return v;
}

void hub::check(std::string merchant, compliance::role role, std::string text, std::string chat_id,
                std::string agent, std::function<void(std::optional<compliance::verdict>)> cb) {
  run([this, merchant = std::move(merchant), role, text = std::move(text),
       chat_id = std::move(chat_id), agent = std::move(agent), cb = std::move(cb)] {
    auto m = dir_.merchant(merchant);
    if (!m) return cb(std::nullopt);
    auto it = chat_id.empty() ? chats_.end() : chats_.find(chat_id);
    // An agent reads the window of a chat it holds only.
    if (it != chats_.end() && !agent.empty() && it->second.agent != agent) it = chats_.end();
    if (it != chats_.end() && it->second.merchant == merchant) {
      if (role == compliance::role::agent)
        return cb(
            check_agent_text(it->second, agent.empty() ? it->second.agent : agent, text, true));
      auto eng = rules_.engine_for(merchant, m->row.platform);
      return cb(eng ? eng->check(text, role, &it->second.window) : compliance::verdict{});
    }
    auto eng = rules_.engine_for(merchant, m->row.platform);
    cb(eng ? eng->check(text, role, nullptr) : compliance::verdict{});
  });
}

void hub::count_block(std::string const& merchant, std::string const& agent, ms_t now) {
  auto m = dir_.merchant(merchant);
  if (!m || agent.empty()) return;
  // Merchant policy: {"suspension": {"blocks": N, "window_s": S}} (seed 000 §6.4).
  auto const* pol = m->settings.if_contains("suspension");
  if (!pol || !pol->is_object()) return;
  auto const* n = pol->as_object().if_contains("blocks");
  auto const* w = pol->as_object().if_contains("window_s");
  if (!n || !n->is_int64() || n->as_int64() <= 0) return;
  ms_t window = (w && w->is_number()) ? static_cast<ms_t>(w->to_number<double>() * 1000) : 3600'000;
  auto& q = blocks_[{merchant, agent}];
  q.push_back(now);
  while (!q.empty() && q.front() < now - window) q.pop_front();
  if (static_cast<std::int64_t>(q.size()) >= n->as_int64() &&
      suspended_.insert({merchant, agent}).second) {
    q.clear();
    persist_suspension(merchant, agent, true, now);
    send_to_agent(agent, {}, suspended_frame(merchant));
    note_recent({{"kind", "suspension"}, {"merchant", merchant}, {"agent", agent}, {"at", now}});
  }
}

// A suspension lasts until a manager lifts it, restarts included: it is kept as a record.
void hub::persist_suspension(std::string const& merchant, std::string const& agent, bool active,
                             ms_t at) {
  store::qa_record r;
  r.kind = "suspension";
  r.id = merchant + "/" + agent;
  r.merchant = merchant;
  r.agent = agent;
  r.created = at;
  r.body = json_text(json::object{{"active", active}, {"at", at}});
  put_record_later(std::move(r));
}

// Stores a record on the DB pool: the hub strand never waits for the database.
void hub::put_record_later(store::qa_record r) {
  asio::post(db_, [self = shared_from_this(), r = std::move(r)] {
    try {
      self->store_.put_record(r);
    } catch (std::exception const& e) {
      std::fprintf(stderr, "kefud: %s %s not stored: %s\n", r.kind.c_str(), r.id.c_str(), e.what());
    }
  });
}

std::shared_ptr<std::string const> hub::suspended_frame(std::string const& merchant) {
  return text_of(json::object{
      {"type", "suspended"}, {"merchant", merchant}, {"reason", "repeated blocked messages"}});
}

void hub::lift_suspension(std::string agent, std::string merchant) {
  run([this, agent = std::move(agent), merchant = std::move(merchant)] {
    if (suspended_.erase({merchant, agent})) {
      persist_suspension(merchant, agent, false, clock_());
      send_to_agent(agent, {}, text_of({{"type", "unsuspended"}, {"merchant", merchant}}));
    }
    blocks_.erase({merchant, agent});
    board_dirty_ = true;
  });
}

void hub::merchant_policy_changed(std::string merchant) {
  run([this, merchant = std::move(merchant)] {
    auto m = dir_.merchant(merchant);
    if (!m) return;
    for (auto& [chat_id, cs] : clocks_) {
      auto c = chats_.find(chat_id);
      if (c == chats_.end() || c->second.merchant != merchant) continue;
      if (cs.clock.policy() == m->sla_policy) continue;
      cs.clock.set_policy(m->sla_policy);
      if (cs.clock.pending() && !c->second.agent.empty()) send_clock(c->second.agent, chat_id);
      schedule_alarm(chat_id);
    }
    arm_timer();
  });
}

// ------------------------------------------------------------------ board

void hub::note_recent(json::object item) {
  // The board is a manager's view: personal data in an excerpt is masked
  // there as in every other QA and manager view.
  if (auto* v = item.if_contains("verdict"); v && v->is_object())
    if (auto* vs = v->as_object().if_contains("violations"); vs && vs->is_array())
      for (auto& x : vs->as_array())
        if (auto* e = x.is_object() ? x.as_object().if_contains("excerpt") : nullptr;
            e && e->is_string())
          *e = qa::mask_text(e->as_string(), {});
  recent_.push_front(std::move(item));
  if (recent_.size() > 50) recent_.pop_back();
  board_dirty_ = true;
}

json::object hub::board_snapshot(peer const& p, ms_t now) const {
  bool all = false;
  for (auto const& m : p.scope) all = all || m == "*";
  auto visible = [&](std::string const& merchant) {
    return all || std::find(p.scope.begin(), p.scope.end(), merchant) != p.scope.end();
  };
  json::object queues;
  for (auto const& m : dir_.merchants())
    if (visible(m.row.id)) queues[m.row.id] = router_.queue_length(m.row.id);
  // Oldest waiting turn per chat, with its service-hours elapsed time.
  json::array turns;
  std::unordered_map<std::string, ms_t> oldest_by_agent;
  for (auto const& [chat_id, cs] : clocks_) {
    auto const& pending = cs.clock.pending();
    auto c = chats_.find(chat_id);
    if (!pending || c == chats_.end() || !visible(c->second.merchant)) continue;
    ms_t elapsed = sla::elapsed(cs.clock.policy(), pending->start, now);
    json::object t{
        {"chat", chat_id},
        {"merchant", c->second.merchant},
        {"buyer", c->second.buyer},
        {"agent", c->second.agent.empty() ? json::value(nullptr) : json::value(c->second.agent)},
        {"turn_started", pending->start},
        {"elapsed_ms", elapsed},
        {"first", pending->first}};
    if (auto d = cs.clock.current_deadlines()) t["deadlines"] = json::value_from(*d);
    turns.push_back(std::move(t));
    if (!c->second.agent.empty()) {
      auto& o = oldest_by_agent[c->second.agent];
      o = std::max(o, elapsed);
    }
  }
  json::array agents;
  for (auto const& a : router_.agents()) {
    bool show = all;
    for (auto const& m : a.merchants) show = show || m == "*" || visible(m);
    if (!show) continue;
    auto u = dir_.user(a.id);
    std::string status = a.connected
                             ? (a.status == routing::agent_status::online ? "online" : "away")
                         : a.grace_until ? "reconnecting"
                                         : "offline";
    // Only the chats of the viewer's merchants: what a shared agent does for another merchant
    // is that merchant's business.
    std::size_t chats = all ? a.chats.size() : 0;
    if (!all)
      for (auto const& id : a.chats)
        if (auto c = chats_.find(id); c != chats_.end() && visible(c->second.merchant)) ++chats;
    json::object o{{"id", a.id},
                   {"name", u ? u->name : a.id},
                   {"status", status},
                   {"chats", chats},
                   {"capacity", a.capacity}};
    json::array suspended;
    for (auto const& [m, ag] : suspended_)
      if (ag == a.id && visible(m)) suspended.emplace_back(m);
    o["suspended"] = std::move(suspended);
    auto it = oldest_by_agent.find(a.id);
    o["oldest_wait_ms"] =
        it == oldest_by_agent.end() ? json::value(nullptr) : json::value(it->second);
    agents.push_back(std::move(o));
  }
  json::object today{{"by_merchant", json::object{}}, {"by_agent", json::object{}}};
  if (auto const* bm = today_.if_contains("by_merchant"); bm && bm->is_object())
    for (auto const& kv : bm->as_object())
      if (visible(kv.key())) today["by_merchant"].as_object()[kv.key()] = kv.value();
  // Per agent over the viewer's merchants only (computed for each open board's scope).
  if (auto const* in = today_.if_contains("by_agent_in"); in && in->is_object())
    if (auto const* ba = in->as_object().if_contains(scope_key(p.scope)); ba && ba->is_object())
      today["by_agent"] = *ba;
  json::array recent;
  for (auto const& r : recent_) {
    auto const* m = r.if_contains("merchant");
    if (m && m->is_string() && !m->as_string().empty() && !visible(std::string(m->as_string())))
      continue;
    recent.push_back(r);
  }
  return {{"type", "board"},
          {"at", now},
          {"queues", std::move(queues)},
          {"agents", std::move(agents)},
          {"turns", std::move(turns)},
          {"today", std::move(today)},
          {"recent", std::move(recent)},
          {"satisfaction_target", 0.97}};
}

// Runs every 250 ms while a board is open: a snapshot when something changed
// (or each second, for the elapsed times), today's numbers every 5 s.
void hub::board_tick() {
  if (boards_.empty() || stopped_) {
    board_running_ = false;
    return;
  }
  ms_t now = clock_();
  bool const due = board_ticks_ % 20 == 0 || today_stale_ ||
                   (today_changed_ && board_ticks_ - today_refresh_tick_ >= 4);
  if (due && !today_refreshing_) refresh_today(now);
  // A miss's refresh is in flight: hold the snapshots a tick or two for its figures.
  bool const hold = today_refreshing_ && today_for_miss_ && board_ticks_ - today_refresh_tick_ < 4;
  if (!hold && (board_dirty_ || board_ticks_ % 4 == 0)) {
    board_dirty_ = false;
    for (auto const& b : boards_) {
      if (now - b->board_sent < 250) {  // just opened: its snapshot is this fresh
        board_dirty_ = true;            // it gets the change at the next tick
        continue;
      }
      b->board_sent = now;
      b->send(text_of(board_snapshot(*b, now)));
    }
  }
  ++board_ticks_;
  arm_board_timer();
}

void hub::arm_board_timer() {
  board_timer_.expires_after(std::chrono::milliseconds(250));
  board_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->board_tick();
  });
}

// Today's figures for every open board's scope, computed on the DB pool.
void hub::refresh_today(ms_t now) {
  auto self = shared_from_this();
  std::vector<std::vector<std::string>> scopes;
  for (auto const& b : boards_) scopes.push_back(b->scope);
  today_for_miss_ = today_stale_;
  today_stale_ = false;
  today_changed_ = false;
  today_refreshing_ = true;
  today_refresh_tick_ = board_ticks_;
  asio::post(db_, [self, now, scopes = std::move(scopes)] {
    std::optional<json::object> stats;
    try {
      stats = today_stats(self->store_, self->dir_, now, scopes);
    } catch (std::exception const& e) {
      self->log_store_failure(store_access::read, "cannot compute the board's figures of today", {},
                              e.what());
    }
    self->run([self, stats = std::move(stats)]() mutable {
      self->today_refreshing_ = false;
      self->today_for_miss_ = false;
      if (!stats) return;
      self->today_ = std::move(*stats);
      self->board_dirty_ = true;
    });
  });
}

// ----------------------------------------------------------------- timers

void hub::update_gauges() {
  // Runs after every frame: keep it O(1). The costlier gauges are computed
  // when /metrics asks (queue_snapshot).
  board_dirty_ = true;
  today_changed_ = true;
  counters_.open_chats = static_cast<std::int64_t>(chats_.size());
}

void hub::arm_timer() {
  if (stopped_) return;
  std::optional<ms_t> next = router_.next_deadline();
  if (!idle_.empty() && (!next || idle_.begin()->first < *next)) next = idle_.begin()->first;
  if (!alarms_.empty() && (!next || alarms_.begin()->first < *next)) next = alarms_.begin()->first;
  if (!next) {
    if (armed_for_ != 0) {
      armed_for_ = 0;
      timer_.cancel();
    }
    return;
  }
  if (*next == armed_for_) return;
  armed_for_ = *next;
  ms_t delay = std::max<ms_t>(0, *next - clock_());
  timer_.expires_after(std::chrono::milliseconds(delay));
  timer_.async_wait([self = shared_from_this(), at = *next](boost::system::error_code ec) {
    if (ec) return;
    if (self->armed_for_ == at) self->on_timer();
  });
}

void hub::on_timer() {
  armed_for_ = 0;
  if (stopped_) return;
  ms_t now = clock_();
  apply(router_.tick(now));
  while (!alarms_.empty() && alarms_.begin()->first <= now) {
    std::string chat_id = alarms_.begin()->second;
    alarms_.erase(alarms_.begin());
    auto it = clocks_.find(chat_id);
    if (it == clocks_.end()) continue;
    it->second.alarm.reset();
    auto& cs = it->second;
    if (cs.replies_in_flight > 0) {
      // Only what fell due before the reply was sent; the rest waits for its commit, which
      // answers the turn or (should the write fail) reschedules the alarm.
      if (cs.reply_sent > 0)
        for (auto const& a : cs.clock.fire(std::min(now, cs.reply_sent - 1)))
          push_alert(chat_id, a);
      continue;
    }
    for (auto const& a : cs.clock.fire(now)) push_alert(chat_id, a);
    schedule_alarm(chat_id);
  }
  while (!idle_.empty() && idle_.begin()->first <= now) {
    std::string chat_id = idle_.begin()->second;
    idle_.erase(idle_.begin());
    auto it = chats_.find(chat_id);
    if (it == chats_.end() || !it->second.committed) continue;
    it->second.idle_deadline = 0;
    close_chat(chat_id, "", "idle");
  }
  update_gauges();
  arm_timer();
}

}  // namespace kefu::app
