#include "server/tools/kefu-load/clients.hpp"

#include <boost/asio/post.hpp>

#include <charconv>
#include <random>
#include <thread>

namespace kefu::load {

namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::string_view str(json::object const& o, char const* key) {
  auto const* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::int64_t num(json::object const& o, char const* key) {
  auto const* v = o.if_contains(key);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

// The integer right after `marker` in `s` ("t=123..." -> 123), or -1.
std::int64_t number_after(std::string_view s, std::string_view marker) {
  auto at = s.find(marker);
  if (at == std::string_view::npos) return -1;
  auto digits = s.substr(at + marker.size());
  std::int64_t v = -1;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return ec == std::errc() ? v : -1;
}

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      static char const hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
}

std::string make_run_id() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "r%08x", static_cast<unsigned>(rd()));
  return buf;
}

}  // namespace

// ------------------------------------------------------------- run state

void error_book::add(std::string const& what) {
  std::lock_guard lock(mu_);
  ++counts_[what];
}

std::map<std::string, std::uint64_t> error_book::snapshot() const {
  std::lock_guard lock(mu_);
  return counts_;
}

run_state::run_state(asio::io_context& ctx, options const& o)
    : ioc(ctx),
      opt(o),
      endpoint(asio::ip::make_address(o.host), o.port),
      host_header(o.host.find(':') != std::string::npos
                      ? "[" + o.host + "]:" + std::to_string(o.port)
                      : o.host + ":" + std::to_string(o.port)),
      run_id(make_run_id()),
      // "t=<19 digits> n=<counter> " takes about 30 bytes of the text.
      padding(static_cast<std::size_t>(std::max(0, o.size - 30)), 'x') {}

// ------------------------------------------------------------ connection

connection::connection(run_state& rs, std::string target, std::string token)
    : rs_(rs),
      ws_(asio::make_strand(rs.ioc)),
      target_(std::move(target)),
      token_(std::move(token)) {}

void connection::start(std::function<void(bool)> done) {
  on_strand([this, done = std::move(done)]() mutable {
    done_ = std::move(done);
    started_ = now_ns();
    if (closing_) return fail_start("");
    auto& stream = beast::get_lowest_layer(ws_);
    stream.expires_after(std::chrono::seconds(15));
    stream.async_connect(rs_.endpoint,
                         beast::bind_front_handler(&connection::on_connect, shared_from_this()));
  });
}

void connection::on_connect(beast::error_code ec) {
  if (ec) return fail_start("connect: " + ec.message());
  auto& stream = beast::get_lowest_layer(ws_);
  stream.expires_never();  // the WebSocket stream keeps its own timeouts from here on
  beast::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);  // latency is what is measured
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
  timeouts.handshake_timeout = std::chrono::seconds(15);
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([token = token_](websocket::request_type& r) {
    r.set(beast::http::field::user_agent, "kefu-load");
    if (!token.empty()) r.set(beast::http::field::authorization, "Bearer " + token);
  }));
  ws_.async_handshake(rs_.host_header, target_,
                      beast::bind_front_handler(&connection::on_handshake, shared_from_this()));
}

void connection::on_handshake(beast::error_code ec) {
  if (ec) return fail_start("handshake: " + ec.message());
  rs_.connect.record(now_ns() - started_);
  open_ = true;
  auto done = std::move(done_);
  done_ = nullptr;
  on_open();
  do_read();
  if (closing_) do_close();
  if (done) done(true);
}

void connection::fail_start(std::string const& what) {
  if (!closing_) {
    rs_.c.connect_failures++;
    rs_.errors.add(what);
  }
  finish();
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(false);
}

void connection::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&connection::on_read, shared_from_this()));
}

void connection::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (!closing_) {
      rs_.c.disconnects++;
      if (ec == websocket::error::closed)
        rs_.errors.add("closed by the server: " + std::to_string(ws_.reason().code) + " " +
                       std::string(ws_.reason().reason.data(), ws_.reason().reason.size()));
      else
        rs_.errors.add("disconnected: " + ec.message());
    }
    queue_.clear();
    return finish();
  }
  // Frames are small: parse into stack memory, no allocation for most of them.
  unsigned char scratch[4096];
  json::monotonic_resource mr(scratch, sizeof scratch);
  auto data = buffer_.data();
  json::error_code jec;
  auto v =
      json::parse(std::string_view(static_cast<char const*>(data.data()), data.size()), jec, &mr);
  if (!jec && v.is_object())
    on_frame(v.get_object());
  else
    rs_.errors.add("frame that is not a JSON object");
  buffer_.consume(buffer_.size());
  do_read();
}

void connection::send(std::string frame) {
  if (!open_ || closing_) return;
  queue_.push_back(std::move(frame));
  if (queue_.size() == 1) do_write();
}

void connection::do_write() {
  ws_.text(true);
  ws_.async_write(asio::buffer(queue_.front()),
                  beast::bind_front_handler(&connection::on_write, shared_from_this()));
}

void connection::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    // The pending read fails too and reports the disconnect.
    queue_.clear();
    return;
  }
  queue_.pop_front();
  if (!queue_.empty()) return do_write();
  if (closing_) do_close();
}

void connection::close() {
  on_strand([this] {
    if (closing_ || finished_) return;
    closing_ = true;
    if (!open_) {
      // Still connecting: abandon it.
      beast::get_lowest_layer(ws_).cancel();
      return;
    }
    if (queue_.empty()) do_close();
  });
}

void connection::do_close() {
  if (close_sent_ || finished_) return;
  close_sent_ = true;
  ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code ec) {
    // The pending read completes once the server answers; on failure, make it.
    if (ec) beast::get_lowest_layer(self->ws_).close();
  });
}

void connection::finish() {
  if (finished_) return;
  finished_ = true;
  open_ = false;
  rs_.c.finished++;
}

// ----------------------------------------------------------------- buyer

buyer::buyer(run_state& rs, std::string const& merchant, std::string const& key, std::string id)
    : connection(rs, "/ws/buyer?merchant=" + merchant + "&buyer=" + id + "&key=" + key, {}) {}

void buyer::begin() {
  on_strand([this] {
    if (!is_open() || active_) return;
    active_ = true;
    send_message(now_ns());
  });
}

void buyer::send_scheduled(std::int64_t t) {
  on_strand([this, t] {
    if (is_open()) send_message(t);
  });
}

void buyer::close_chat() {
  on_strand([this] {
    active_ = false;
    if (think_) think_->cancel();
    if (chat_.empty() || chat_closed_) return;
    std::string f = R"({"type":"close","id":"close","chat":)";
    append_quoted(f, chat_);
    f += '}';
    send(std::move(f));
  });
}

void buyer::send_message(std::int64_t t) {
  ++sent_;
  auto n = std::to_string(sent_);
  auto ts = std::to_string(t);
  std::string f;
  f.reserve(64 + rs_.padding.size());
  // The id carries the send time back in the ack; the text carries it to the agent.
  f += R"({"type":"send","id":")";
  f += n;
  f += '-';
  f += ts;
  f += R"(","text":"t=)";
  f += ts;
  f += " n=";
  f += n;
  f += ' ';
  f += rs_.padding;
  f += "\"}";
  rs_.c.buyer_sent++;
  send(std::move(f));
}

void buyer::on_frame(json::object const& f) {
  auto type = str(f, "type");
  auto now = now_ns();
  if (type == "ack") {
    rs_.c.buyer_acks++;
    if (rs_.in_window(now)) rs_.c.acks_window++;
    auto t = number_after(str(f, "id"), "-");
    if (t > 0 && rs_.in_window(t)) rs_.buyer_ack.record(now - t);
    if (chat_.empty()) {
      chat_ = std::string(str(f, "chat"));
      has_chat_ = !chat_.empty();
    }
  } else if (type == "message") {
    auto from = str(f, "from");
    if (from == "agent") {
      rs_.c.replies_received++;
      if (rs_.in_window(now)) rs_.c.to_buyer_window++;
      auto t = number_after(str(f, "text"), "t=");
      if (t > 0 && rs_.in_window(t)) rs_.round_trip.record(now - t);
      if (replies_ == 0) rs_.c.chats_answered++;
      on_reply();
    } else {
      rs_.c.greetings++;
    }
  } else if (type == "queued") {
    rs_.c.queued++;
  } else if (type == "closed") {
    if (!chat_closed_) rs_.c.chats_closed++;
    chat_closed_ = true;
  } else if (type == "error") {
    rs_.c.error_frames++;
    rs_.errors.add("buyer got error frame: " + std::string(str(f, "code")));
  }
}

void buyer::on_reply() {
  ++replies_;
  if (rs_.opt.rate || !active_) return;  // open loop: replies pace nothing
  if (rs_.opt.messages > 0 && replies_ >= static_cast<std::uint64_t>(rs_.opt.messages)) {
    active_ = false;
    rs_.c.buyers_done++;
    return;
  }
  if (!rs_.sending.load(std::memory_order_relaxed)) {
    active_ = false;
    return;
  }
  if (rs_.opt.think_ms <= 0) return send_message(now_ns());
  if (!think_) think_.emplace(executor());
  think_->expires_after(
      std::chrono::microseconds(static_cast<std::int64_t>(rs_.opt.think_ms * 1000)));
  think_->async_wait(
      [self = std::static_pointer_cast<buyer>(shared_from_this())](beast::error_code ec) {
        if (!ec && self->active_ && self->is_open() && self->rs_.sending.load())
          self->send_message(now_ns());
      });
}

// ----------------------------------------------------------------- agent

agent::agent(run_state& rs, std::string token) : connection(rs, "/ws/agent", std::move(token)) {}

void agent::on_open() {
  send(R"({"type":"status","status":"online"})");
}

void agent::on_frame(json::object const& f) {
  auto type = str(f, "type");
  if (type == "message") {
    if (str(f, "from") == "buyer")
      answer(std::string(str(f, "chat")), num(f, "seq"), str(f, "text"));
  } else if (type == "assigned") {
    auto const* c = f.if_contains("chat");
    if (!c || !c->is_object()) return;
    auto const& chat = c->get_object();
    std::string id(str(chat, "id"));
    if (str(chat, "buyer").rfind(rs_.run_id + "-", 0) != 0) {
      // A chat left open by an earlier run: close it so it frees the capacity.
      rs_.c.foreign_closed++;
      std::string out =
          R"({"type":"close","id":"stale-)" + std::to_string(++next_id_) + R"(","chat":)";
      append_quoted(out, id);
      out += '}';
      return send(std::move(out));
    }
    rs_.c.assigned++;
    answered_.try_emplace(id, 0);
    // The chat's opening message arrives inside the assignment, not as a message frame.
    if (auto const* h = chat.if_contains("history"); h && h->is_array())
      for (auto const& m : h->get_array())
        if (m.is_object() && str(m.get_object(), "from") == "buyer")
          answer(id, num(m.get_object(), "seq"), str(m.get_object(), "text"));
  } else if (type == "ack") {
    rs_.c.agent_acks++;
    auto now = now_ns();
    if (rs_.in_window(now)) rs_.c.acks_window++;
    auto t = number_after(str(f, "id"), "-");
    if (t > 0 && rs_.in_window(t)) rs_.agent_ack.record(now - t);
  } else if (type == "unassigned") {
    answered_.erase(std::string(str(f, "chat")));
  } else if (type == "status") {
    if (!online_ && str(f, "status") == "online") {
      online_ = true;
      rs_.c.agents_online++;
    }
  } else if (type == "error" || type == "blocked") {
    rs_.c.error_frames++;
    rs_.errors.add("agent got " + std::string(type) + " frame: " + std::string(str(f, "code")));
  }
}

void agent::answer(std::string const& chat, std::int64_t seq, std::string_view text) {
  // Chats handed over while the run closes them would be answered too late.
  if (rs_.closing.load(std::memory_order_relaxed)) return;
  auto& last = answered_[chat];
  if (seq <= last) return;  // already answered (a re-sent assignment repeats the history)
  last = seq;
  auto now = now_ns();
  rs_.c.agent_received++;
  if (rs_.in_window(now)) rs_.c.to_agent_window++;
  auto t = number_after(text, "t=");
  if (t > 0 && rs_.in_window(t)) rs_.to_agent.record(now - t);
  std::string f = R"({"type":"send","id":")" + std::to_string(++next_id_) + "-" +
                  std::to_string(now) + R"(","chat":)";
  append_quoted(f, chat);
  f += R"(,"text":"re t=)" + std::to_string(t) + "\"}";
  rs_.c.agent_sent++;
  send(std::move(f));
}

// ---------------------------------------------------------------- launch

namespace {

struct launch_state {
  std::vector<std::shared_ptr<connection>> conns;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> finished{0};
  std::atomic<std::size_t> ok{0};
};

void launch_next(std::shared_ptr<launch_state> const& st) {
  auto i = st->next.fetch_add(1);
  if (i >= st->conns.size()) return;
  st->conns[i]->start([st](bool ok) {
    if (ok) st->ok++;
    st->finished++;
    launch_next(st);  // keep `parallel` handshakes in flight
  });
}

}  // namespace

launch_result launch(std::vector<std::shared_ptr<connection>> const& conns, int parallel,
                     std::chrono::milliseconds timeout) {
  auto started = std::chrono::steady_clock::now();
  auto st = std::make_shared<launch_state>();
  st->conns = conns;
  auto first = std::min<std::size_t>(conns.size(), static_cast<std::size_t>(parallel));
  for (std::size_t i = 0; i < first; ++i) launch_next(st);
  auto deadline = started + timeout;
  while (st->finished.load() < conns.size() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  launch_result r;
  r.ok = st->ok.load();
  r.failed = st->finished.load() - r.ok;
  r.unfinished = conns.size() - st->finished.load();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (r.unfinished) st->next = conns.size();  // start no more
  return r;
}

// ---------------------------------------------------------------- ticker

ticker::ticker(run_state& rs, double rate, std::uint64_t limit, issue_fn issue)
    : rs_(rs),
      timer_(asio::make_strand(rs.ioc)),
      rate_(rate),
      limit_(limit),
      issue_(std::move(issue)) {}

void ticker::start(std::int64_t t0) {
  t0_ = t0;
  asio::post(timer_.get_executor(), [self = shared_from_this()] { self->tick(); });
}

void ticker::tick() {
  if (!rs_.sending.load()) return;
  double elapsed = static_cast<double>(std::max<std::int64_t>(0, now_ns() - t0_)) / 1e9;
  double due_now = std::min(elapsed * rate_ + 1, static_cast<double>(limit_));
  auto due = static_cast<std::uint64_t>(due_now);
  auto k = issued_.load(std::memory_order_relaxed);
  for (; k < due; ++k)
    issue_(k, t0_ + static_cast<std::int64_t>(static_cast<double>(k) * 1e9 / rate_));
  issued_.store(k, std::memory_order_relaxed);
  if (k >= limit_) return;
  timer_.expires_after(std::chrono::milliseconds(1));
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->tick();
  });
}

}  // namespace kefu::load
