#include "server/net/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <mutex>
#include <unordered_map>

namespace kefu::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

http_request to_view(http::request<http::string_body> const& req, std::string remote) {
  http_request v;
  v.method = std::string(req.method_string());
  v.target = std::string(req.target());
  v.remote = std::move(remote);
  auto parsed = boost::urls::parse_origin_form(req.target());
  if (parsed) {
    v.path = std::string(parsed->path());
    for (auto const& p : parsed->params()) v.query[p.key] = p.has_value ? p.value : std::string();
  } else {
    v.path = std::string(req.target());
  }
  for (auto const& f : req) v.headers[lower(f.name_string())] = std::string(f.value());
  v.body = req.body();
  return v;
}

http::response<http::string_body> to_beast(http_response const& r, unsigned version,
                                           bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "kefud");
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  for (auto const& [k, v] : r.headers) res.insert(k, v);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  return res;
}

http_response error_response(int status, std::string const& code, std::string const& message) {
  return {status,
          "application/json",
          R"({"error":{"code":")" + code + R"(","message":")" + message + "\"}}",
          {}};
}

}  // namespace

// Shared state of one server: the registry of live WebSocket sessions.
struct server::impl : std::enable_shared_from_this<server::impl> {
  asio::io_context& ioc;
  std::shared_ptr<app_handler> handler;
  limits lim;
  tcp::acceptor acceptor;
  asio::steady_timer backoff;
  std::atomic<std::uint64_t> next_id{1};
  mutable std::mutex mu;
  std::unordered_map<std::uint64_t, std::weak_ptr<ws_connection>> sockets;

  impl(asio::io_context& c, std::shared_ptr<app_handler> h, limits l)
      : ioc(c), handler(std::move(h)), lim(std::move(l)), acceptor(c), backoff(c) {}

  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);
};

// ---------------------------------------------------------------- WebSocket

class ws_session : public ws_connection, public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(tcp::socket&& socket, std::shared_ptr<server::impl> srv,
             std::shared_ptr<ws_handler> handler)
      : ws_(std::move(socket)),
        srv_(std::move(srv)),
        handler_(std::move(handler)),
        id_(srv_->next_id++),
        tokens_(srv_->lim.rate_burst),
        last_refill_(std::chrono::steady_clock::now()) {}

  ~ws_session() override {
    std::lock_guard lock(srv_->mu);
    srv_->sockets.erase(id_);
  }

  void run(http::request<http::string_body> req) {
    auto const& lim = srv_->lim;
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = lim.ws_handshake_timeout;
    timeouts.idle_timeout = lim.ws_idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.read_message_max(lim.ws_read_message_max);
    // permessage-deflate stays off: compression costs memory per socket and
    // opens compression side channels; chat frames are small.
    websocket::permessage_deflate pmd;
    pmd.server_enable = false;
    pmd.client_enable = false;
    ws_.set_option(pmd);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "kefud"); }));
    {
      std::lock_guard lock(srv_->mu);
      srv_->sockets[id_] = weak_from_this();
    }
    ws_.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
  }

  void send(std::shared_ptr<std::string const> text) override {
    // Frames from other threads gather in an outbox; only the first of a
    // burst posts to the strand, which then takes them all.
    bool first = false;
    {
      std::lock_guard lock(outbox_mu_);
      first = outbox_.empty();
      outbox_.push_back(std::move(text));
    }
    if (!first) return;
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      std::vector<std::shared_ptr<std::string const>> batch;
      {
        std::lock_guard lock(self->outbox_mu_);
        batch.swap(self->outbox_);
      }
      for (auto& t : batch) self->on_send(std::move(t));
    });
  }

  void close(std::uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
      self->on_send(nullptr, code, reason);
    });
  }

  std::uint64_t id() const override { return id_; }

 private:
  void on_accept(error_code ec) {
    if (ec) return;  // handshake failed or timed out: nothing was opened
    opened_ = true;
    handler_->on_open(shared_from_this());
    if (!queue_.empty()) do_write();
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
  }

  void on_read(error_code ec, std::size_t) {
    if (ec) {
      // message_too_big: Beast has already failed the connection with 1009.
      finish();
      return;
    }
    if (!allow_frame()) {
      // Each refused frame is answered (up to the flood limit, after which the socket closes).
      auto const& lim = srv_->lim;
      if (!closing_ && lim.rate_limited && refused_ <= lim.flood_close_after) {
        auto data = buffer_.data();
        on_send(std::make_shared<std::string const>(lim.rate_limited(
            ws_.got_text() ? std::string_view(static_cast<char const*>(data.data()), data.size())
                           : std::string_view())));
      }
      buffer_.consume(buffer_.size());
      if (closing_) return;
      do_read();
      return;
    }
    if (ws_.got_text()) {
      auto data = buffer_.data();
      handler_->on_text(std::string_view(static_cast<char const*>(data.data()), data.size()));
    } else {
      handler_->on_binary();
    }
    buffer_.consume(buffer_.size());
    do_read();
  }

  // Token bucket over inbound frames.
  bool allow_frame() {
    auto const& lim = srv_->lim;
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - last_refill_).count();
    last_refill_ = now;
    tokens_ = std::min(lim.rate_burst, tokens_ + elapsed * lim.rate_per_second);
    // A flood is forgiven only once the client has backed off long enough for the bucket to
    // fill again: a client that keeps sending faster than the rate gets some frames through
    // as tokens trickle back, and those must not wipe its count of refused ones.
    if (tokens_ >= lim.rate_burst) refused_ = 0;
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return true;
    }
    ++refused_;
    if (refused_ > lim.flood_close_after)
      on_send(nullptr, static_cast<std::uint16_t>(websocket::close_code::policy_error),
              "rate limit");
    return false;
  }

  // A null frame means "close with code" after what is queued.
  void on_send(std::shared_ptr<std::string const> text, std::uint16_t code = 0,
               std::string reason = {}) {
    if (closing_ || dead_) return;
    if (!text) {
      closing_ = true;
      close_code_ = code;
      close_reason_ = std::move(reason);
    } else if (queue_.size() >= srv_->lim.write_queue_max) {
      // The peer stopped reading: drop it rather than buffer without bound.
      drop();
      return;
    }
    queue_.push_back(std::move(text));
    if (queue_.size() > 1 || !opened_) return;
    do_write();
  }

  void do_write() {
    auto const& front = queue_.front();
    if (!front) {
      ws_.async_close(
          websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_reason_),
          beast::bind_front_handler(&ws_session::on_close_sent, shared_from_this()));
      return;
    }
    ws_.text(true);
    ws_.async_write(asio::buffer(*front),
                    beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
  }

  void on_write(error_code ec, std::size_t) {
    if (ec) {
      drop();
      return;
    }
    queue_.pop_front();
    if (!queue_.empty()) do_write();
  }

  void on_close_sent(error_code) {
    queue_.clear();
    // The pending read completes with `closed` once the peer answers (or the
    // close timeout fires) and runs finish().
  }

  void drop() {
    if (dead_) return;
    dead_ = true;
    queue_.clear();
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    dead_ = true;
    queue_.clear();
    if (opened_) handler_->on_close();
    // The handler may hold this session through the application's peer
    // object; dropping it here breaks that cycle so the session is freed.
    handler_.reset();
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::shared_ptr<server::impl> srv_;
  std::shared_ptr<ws_handler> handler_;
  std::uint64_t id_;
  std::deque<std::shared_ptr<std::string const>> queue_;
  std::mutex outbox_mu_;
  std::vector<std::shared_ptr<std::string const>> outbox_;
  bool opened_ = false;
  bool closing_ = false;
  bool dead_ = false;
  bool finished_ = false;
  std::uint16_t close_code_ = 1000;
  std::string close_reason_;
  double tokens_;
  std::chrono::steady_clock::time_point last_refill_;
  int refused_ = 0;
};

// --------------------------------------------------------------------- HTTP

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket&& socket, std::shared_ptr<server::impl> srv)
      : stream_(std::move(socket)), srv_(std::move(srv)) {
    error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&http_session::do_read, shared_from_this()));
  }

 private:
  void do_read() {
    parser_.emplace();
    // Beast counts only part of the header against its own limit, so it gets
    // headroom and the exact limit (start line to the blank line) is checked
    // on the bytes the header actually took.
    parser_->header_limit(static_cast<std::uint32_t>(srv_->lim.http_header_limit * 2 + 1024));
    parser_->body_limit(srv_->lim.http_body_limit);
    stream_.expires_after(srv_->lim.http_read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&http_session::on_header, shared_from_this()));
  }

  void on_header(error_code ec, std::size_t header_bytes) {
    if (!ec && header_bytes > srv_->lim.http_header_limit) ec = http::error::header_limit;
    if (ec || parser_->is_done()) return on_read(ec, header_bytes);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_shutdown();
    if (ec == http::error::body_limit)
      return reply_and_close(error_response(413, "too_large", "request body too large"));
    if (ec == http::error::header_limit)
      return reply_and_close(error_response(431, "too_large", "request headers too large"));
    if (ec == beast::error::timeout) return do_shutdown();
    if (ec) {
      if (&ec.category() == &make_error_code(http::error::bad_method).category())
        return reply_and_close(error_response(400, "bad_request", "malformed HTTP request"));
      return do_shutdown();
    }
    req_ = parser_->release();
    auto view = to_view(req_, remote_);
    auto self = shared_from_this();
    if (websocket::is_upgrade(req_)) {
      // Refused here rather than by the handshake, whose own answers are plain text.
      if (req_[http::field::sec_websocket_version] != "13") {
        auto r = error_response(426, "bad_request", "Sec-WebSocket-Version must be 13");
        r.headers.emplace_back("Sec-WebSocket-Version", "13");
        return reply_and_close(std::move(r));
      }
      if (auto key = req_[http::field::sec_websocket_key]; key.empty() || key.size() > 24)
        return reply_and_close(
            error_response(400, "bad_request", "Sec-WebSocket-Key is missing or malformed"));
      stream_.expires_never();
      srv_->handler->on_upgrade(std::move(view), [self](upgrade_decision d) {
        asio::post(self->stream_.get_executor(),
                   [self, d = std::move(d)]() mutable { self->on_decision(std::move(d)); });
      });
      return;
    }
    stream_.expires_never();
    srv_->handler->on_http(std::move(view), [self](http_response r) {
      if (r.producer) return self->stream(std::move(r));
      asio::post(self->stream_.get_executor(),
                 [self, r = std::move(r)]() mutable { self->write(std::move(r), false); });
    });
  }

  // A chunked response: the header and every chunk are written on the strand
  // while the producer waits on the calling thread.
  class sink final : public chunk_sink {
   public:
    explicit sink(std::shared_ptr<http_session> s) : s_(std::move(s)) {}
    bool write(std::string_view data) override {
      if (failed_ || data.empty()) return !failed_;
      return run([s = s_, chunk = std::make_shared<std::string>(data)](auto done) {
        asio::async_write(s->stream_, http::make_chunk(asio::buffer(*chunk)),
                          [chunk, done](error_code ec, std::size_t) { done(!ec); });
      });
    }
    bool finish() {
      if (failed_) return false;
      return run([s = s_](auto done) {
        asio::async_write(s->stream_, http::make_chunk_last(),
                          [done](error_code ec, std::size_t) { done(!ec); });
      });
    }
    template <class Start>
    bool run(Start start) {
      std::promise<bool> p;
      auto f = p.get_future();
      auto done = [pp = std::make_shared<std::promise<bool>>(std::move(p))](bool ok) {
        pp->set_value(ok);
      };
      asio::post(s_->stream_.get_executor(), [start, done] { start(done); });
      // A stalled client (or a stopped server) must not hold the producer forever.
      bool ok = f.wait_for(std::chrono::seconds(60)) == std::future_status::ready && f.get();
      if (!ok) failed_ = true;
      return ok;
    }

   private:
    std::shared_ptr<http_session> s_;
    bool failed_ = false;
  };

  void stream(http_response r) {
    auto self = shared_from_this();
    auto res = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(r.status), req_.version());
    res->set(http::field::server, "kefud");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    for (auto const& [k, v] : r.headers) res->insert(k, v);
    res->keep_alive(req_.keep_alive());
    res->chunked(true);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    sink out(self);
    bool ok = out.run([self, res, sr](auto done) {
      http::async_write_header(self->stream_, *sr,
                               [res, sr, done](error_code ec, std::size_t) { done(!ec); });
    });
    if (ok) r.producer(out);
    ok = ok && out.finish();
    asio::post(stream_.get_executor(), [self, ok, keep = req_.keep_alive()] {
      if (!ok || !keep) return self->do_shutdown();
      self->do_read();
    });
  }

  void on_decision(upgrade_decision d) {
    if (!d.accept) return reply_and_close(std::move(d.refusal));
    auto ws = std::make_shared<ws_session>(stream_.release_socket(), srv_, std::move(d.accept));
    ws->run(std::move(req_));
  }

  void reply_and_close(http_response r) { write(std::move(r), true); }

  void write(http_response r, bool force_close) {
    bool keep = !force_close && req_.keep_alive();
    res_ = std::make_shared<http::response<http::string_body>>(to_beast(r, req_.version(), keep));
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(
        stream_, *res_,
        beast::bind_front_handler(&http_session::on_write, shared_from_this(), !keep));
  }

  void on_write(bool close, error_code ec, std::size_t) {
    res_.reset();
    if (ec) return;
    if (close) return do_shutdown();
    do_read();
  }

  void do_shutdown() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<server::impl> srv_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> req_;
  std::shared_ptr<http::response<http::string_body>> res_;
  std::string remote_;
};

// ------------------------------------------------------------------ listener

void server::impl::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc),
                        beast::bind_front_handler(&impl::on_accept, shared_from_this()));
}

void server::impl::on_accept(error_code ec, tcp::socket socket) {
  if (!acceptor.is_open()) return;
  if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
      ec == asio::error::no_memory) {
    // Out of file descriptors: accepting again at once would spin. Back off
    // and let connections close first.
    backoff.expires_after(std::chrono::milliseconds(100));
    backoff.async_wait([self = shared_from_this()](error_code wait_ec) {
      if (!wait_ec) self->do_accept();
    });
    return;
  }
  if (!ec) {
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<http_session>(std::move(socket), shared_from_this())->run();
  }
  do_accept();
}

server::server(asio::io_context& ioc, std::shared_ptr<app_handler> handler, limits lim)
    : impl_(std::make_shared<impl>(ioc, std::move(handler), std::move(lim))) {}

server::~server() {
  stop_accepting();
}

void server::listen(std::string const& host, std::uint16_t port) {
  auto address = asio::ip::make_address(host);
  tcp::endpoint ep{address, port};
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  impl_->do_accept();
}

std::uint16_t server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::string server::host() const {
  return impl_->acceptor.local_endpoint().address().to_string();
}

void server::stop_accepting() {
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    error_code ignored;
    impl->acceptor.close(ignored);
  });
}

void server::close_all(std::uint16_t code, std::string const& reason) {
  std::vector<std::shared_ptr<ws_connection>> live;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [id, w] : impl_->sockets)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->close(code, reason);
}

std::size_t server::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->sockets.size();
}

}  // namespace kefu::net
