#include "server/tools/kefu-load/setup.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <exception>
#include <stdexcept>

namespace kefu::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

asio::awaitable<http_reply> request(options const& o, http::verb method, std::string target,
                                    std::string body, std::string token,
                                    std::chrono::seconds limit = std::chrono::seconds(60)) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(limit);
  co_await stream.async_connect(tcp::endpoint(asio::ip::make_address(o.host), o.port),
                                asio::use_awaitable);
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, o.host + ":" + std::to_string(o.port));
  req.set(http::field::user_agent, "kefu-load");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
  }
  req.keep_alive(false);
  req.prepare_payload();
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return http_reply{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

// Runs `task` to completion on a private io_context; rethrows what it threw.
template <class T>
T run_sync(asio::awaitable<T> task) {
  asio::io_context ioc(1);
  std::exception_ptr failure;
  T result{};
  asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    result = std::move(value);
  });
  ioc.run();
  if (failure) std::rethrow_exception(failure);
  return result;
}

std::string error_text(http_reply const& r) {
  json::error_code ec;
  auto v = json::parse(r.body, ec);
  if (!ec && v.is_object())
    if (auto const* e = v.get_object().if_contains("error"); e && e->is_object())
      if (auto const* m = e->get_object().if_contains("message"); m && m->is_string())
        return "HTTP " + std::to_string(r.status) + ": " + std::string(m->get_string());
  return "HTTP " + std::to_string(r.status);
}

std::string string_field(std::string const& body, char const* key) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  auto const* f = v.get_object().if_contains(key);
  return f && f->is_string() ? std::string(f->get_string()) : std::string();
}

struct setup_run {
  options const& o;
  int capacity;
  fixture& out;
  std::string admin_token;
  std::size_t next_agent = 0;  // single-threaded context: no lock needed

  asio::awaitable<http_reply> call(http::verb m, std::string target, std::string body,
                                   std::string token) {
    co_return co_await request(o, m, std::move(target), std::move(body), std::move(token));
  }

  // Returns the login response's body (token and user).
  asio::awaitable<std::string> login(std::string user, std::string password) {
    // Built before the co_await: GCC 12 cannot keep an initializer list alive across one.
    std::string body = json::serialize(json::object{{"username", user}, {"password", password}});
    auto r = co_await call(http::verb::post, "/api/login", std::move(body), {});
    if (r.status != 200) {
      if (r.status == 401)
        throw std::runtime_error("login as " + user +
                                 " refused: wrong password (an agent left by an earlier run "
                                 "with another --agent-password? use another --prefix)");
      throw std::runtime_error("login as " + user + " failed: " + error_text(r));
    }
    co_return r.body;
  }

  asio::awaitable<void> merchants() {
    admin_token = string_field(co_await login("admin", o.admin_password), "token");
    for (int i = 0; i < o.merchants; ++i) {
      std::string id = o.prefix + "-m" + std::to_string(i);
      std::string key;
      if (o.setup) {
        json::object body{{"id", id},
                          {"name", "Load merchant " + std::to_string(i)},
                          {"platform", "kuaishou"},
                          {"greeting", "Hello, this is {agent} of {merchant}. How can I help?"}};
        auto r =
            co_await call(http::verb::post, "/api/merchants", json::serialize(body), admin_token);
        if (r.status == 201 || r.status == 200)
          key = string_field(r.body, "channel_key");
        else if (r.status != 409)
          throw std::runtime_error("creating merchant " + id + " failed: " + error_text(r));
      }
      if (key.empty()) {
        auto r = co_await call(http::verb::get, "/api/merchants/" + id, {}, admin_token);
        if (r.status != 200)
          throw std::runtime_error("merchant " + id + ": " + error_text(r) +
                                   (o.setup ? "" : " (run once with --setup)"));
        key = string_field(r.body, "channel_key");
      }
      if (key.empty()) throw std::runtime_error("merchant " + id + " has no channel_key");
      out.merchants.push_back(id);
      out.channel_keys.push_back(key);
    }
    out.agents.resize(static_cast<std::size_t>(o.agents));
  }

  // Without --setup nothing was updated: an agent left with a smaller
  // capacity or another merchant would silently queue chats.
  void check_reused(agent_login const& a, std::string const& body) {
    json::error_code ec;
    auto v = json::parse(body, ec);
    auto const* user = !ec && v.is_object() ? v.get_object().if_contains("user") : nullptr;
    if (!user || !user->is_object()) return;
    auto const& u = user->get_object();
    auto const* cap = u.if_contains("capacity");
    if (cap && cap->is_int64() && cap->get_int64() < capacity)
      throw std::runtime_error("agent " + a.id + " has capacity " +
                               std::to_string(cap->get_int64()) + ", this run needs " +
                               std::to_string(capacity) + " (run with --setup)");
    bool serves = false;
    if (auto const* ms = u.if_contains("merchants"); ms && ms->is_array())
      for (auto const& m : ms->get_array())
        serves = serves || (m.is_string() &&
                            (m.get_string() == out.merchants[a.merchant] || m.get_string() == "*"));
    if (!serves)
      throw std::runtime_error("agent " + a.id + " does not serve merchant " +
                               out.merchants[a.merchant] + " (run with --setup)");
  }

  // One of a few concurrent workers: the server hashes passwords on its DB
  // pool, so a handful of requests in flight keeps it busy without queueing.
  asio::awaitable<void> agent_worker() {
    while (next_agent < out.agents.size()) {
      std::size_t i = next_agent++;
      auto& a = out.agents[i];
      a.id = o.prefix + "-a" + std::to_string(i);
      a.merchant = i % out.merchants.size();
      json::array scope{json::value(out.merchants[a.merchant])};
      if (o.setup) {
        json::object body{{"id", a.id},
                          {"name", "Load agent " + std::to_string(i)},
                          {"password", o.agent_password},
                          {"role", "agent"},
                          {"merchants", scope},
                          {"capacity", capacity}};
        auto r = co_await call(http::verb::post, "/api/agents", json::serialize(body), admin_token);
        if (r.status == 409) {
          // Left by an earlier run: bring its scope and capacity up to date.
          json::object patch{{"merchants", scope}, {"capacity", capacity}};
          r = co_await call(http::verb::patch, "/api/agents/" + a.id, json::serialize(patch),
                            admin_token);
        }
        if (r.status != 200 && r.status != 201)
          throw std::runtime_error("setting up agent " + a.id + " failed: " + error_text(r));
      }
      auto body = co_await login(a.id, o.agent_password);
      a.token = string_field(body, "token");
      if (!o.setup) check_reused(a, body);
    }
  }
};

}  // namespace

http_reply http_call(options const& o, std::string const& method, std::string const& target,
                     std::string const& body, std::string const& token,
                     std::chrono::seconds limit) {
  return run_sync(request(o, http::string_to_verb(method), target, body, token, limit));
}

fixture prepare(options const& o, int capacity) {
  auto started = std::chrono::steady_clock::now();
  fixture out;
  out.capacity = capacity;
  setup_run run{o, capacity, out, {}};
  asio::io_context ioc(1);
  std::exception_ptr failure;
  auto note = [&](std::exception_ptr e) {
    if (e && !failure) failure = e;
  };
  asio::co_spawn(ioc, run.merchants(), note);
  ioc.run();
  if (failure) std::rethrow_exception(failure);
  if (!out.agents.empty()) {
    ioc.restart();
    for (int w = 0; w < 4; ++w)
      asio::co_spawn(ioc, run.agent_worker(), [&](std::exception_ptr e) {
        note(e);
        if (e) ioc.stop();  // one failure ends the setup
      });
    ioc.run();
    if (failure) std::rethrow_exception(failure);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace kefu::load
