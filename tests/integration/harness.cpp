#include "tests/integration/harness.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

namespace kefu::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http_ns = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kefu-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string fresh_db_url(std::string const& dir) {
  char const* backend = std::getenv("KEFU_TEST_BACKEND");
  if (!backend || std::string(backend) != "pg") return "sqlite:" + dir + "/kefu.db";
  char const* pg = std::getenv("KEFU_TEST_PG_URL");
  if (!pg || !*pg) {
    std::fprintf(stderr, "KEFU_TEST_PG_URL is not set: skipping the PostgreSQL run\n");
    std::exit(77);
  }
  // One database per kefud instance: created through the server's admin URL.
  static std::atomic<int> counter{0};
  std::string name = "kefu_it_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  std::string base = pg;
  std::string cmd = "psql -q \"" + base + "\" -c 'CREATE DATABASE " + name + "' >/dev/null";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot create database " + name);
  auto slash = base.rfind('/');
  return base.substr(0, slash + 1) + name;
}

bool on_postgresql() {
  char const* backend = std::getenv("KEFU_TEST_BACKEND");
  return backend && std::string(backend) == "pg";
}

kefud::kefud(json::object config, std::string const& sqlite_options)
    : config_(std::move(config)), dir_(make_temp_dir()) {
  db_url_ = fresh_db_url(dir_);
  if (!on_postgresql()) db_url_ += sqlite_options;
  start();
}

kefud::~kefud() {
  if (pid_ > 0) kill9();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void kefud::start() {
  {
    std::ofstream cfg(dir_ + "/config.json");
    cfg << json::serialize(config_);
  }
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // A crashed test must not leave its server behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    if (chdir(dir_.c_str()) != 0) _exit(127);
    setenv("KEFU_ADMIN_PASSWORD", "admin-password", 1);
    std::string cfg = dir_ + "/config.json";
    execl(KEFUD_PATH, "kefud", "--listen", "127.0.0.1:0", "--db", db_url_.c_str(), "--config",
          cfg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  pid_ = pid;
  // Wait for the single "listening on http://HOST:PORT" line.
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);
  auto colon = line.rfind(':');
  if (line.rfind("listening on http://", 0) != 0 || colon == std::string::npos) {
    kill9();
    throw std::runtime_error("kefud did not start: '" + line + "'");
  }
  port_ = static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
}

int kefud::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void kefud::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

json::value http_result::json() const {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  return ec ? json::value() : v;
}

http_result http(unsigned short port, std::string const& method, std::string const& target,
                 std::string const& body,
                 std::vector<std::pair<std::string, std::string>> const& headers) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http_ns::request<http_ns::string_body> req{http_ns::string_to_verb(method), target, 11};
  req.set(http_ns::field::host, "127.0.0.1:" + std::to_string(port));
  for (auto const& [k, v] : headers) req.set(k, v);
  if (!body.empty()) {
    req.body() = body;
    req.set(http_ns::field::content_type, "application/json");
  }
  req.prepare_payload();
  http_ns::write(stream, req);
  beast::flat_buffer buf;
  http_ns::response_parser<http_ns::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  http_ns::read(stream, buf, parser);
  auto res = parser.release();
  http_result r;
  r.status = static_cast<int>(res.result_int());
  r.body = res.body();
  for (auto const& f : res) r.headers[lower(std::string(f.name_string()))] = std::string(f.value());
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return r;
}

std::string login(unsigned short port, std::string const& user, std::string const& password) {
  auto r = http(port, "POST", "/api/login",
                json::serialize(json::object{{"username", user}, {"password", password}}));
  if (r.status != 200) throw std::runtime_error("login failed: " + r.body);
  return std::string(r.json().at("token").as_string());
}

demo_setup setup(unsigned short port, std::vector<std::string> const& merchants,
                 std::vector<std::string> const& agents, int capacity,
                 json::object merchant_extra) {
  demo_setup s;
  s.admin_token = login(port, "admin", "admin-password");
  std::vector<std::pair<std::string, std::string>> auth{
      {"Authorization", "Bearer " + s.admin_token}};
  for (auto const& m : merchants) {
    json::object o = merchant_extra;
    o["id"] = m;
    o["name"] = "店铺" + m;
    o["platform"] = "kuaishou";
    if (!o.contains("greeting")) o["greeting"] = "您好，{merchant}客服{agent}为您服务";
    auto r = http(port, "POST", "/api/merchants", json::serialize(o), auth);
    if (r.status != 201) throw std::runtime_error("merchant: " + r.body);
    s.channel_keys[m] = std::string(r.json().at("channel_key").as_string());
  }
  json::array ms;
  for (auto const& m : merchants) ms.emplace_back(m);
  for (auto const& a : agents) {
    json::object o{{"id", a},         {"name", "客服" + a}, {"password", "pw-" + a + "-secret"},
                   {"role", "agent"}, {"merchants", ms},    {"capacity", capacity}};
    auto r = http(port, "POST", "/api/agents", json::serialize(o), auth);
    if (r.status != 201) throw std::runtime_error("agent: " + r.body);
  }
  return s;
}

std::string buyer_target(std::string const& merchant, std::string const& buyer,
                         std::string const& key) {
  return "/ws/buyer?merchant=" + merchant + "&buyer=" + buyer + "&key=" + key;
}

int connect_online_agent(ws_client& agent, unsigned short port, std::string const& user,
                         std::string const& password) {
  auto token = login(port, user, password);
  int const rc = agent.connect(port, "/ws/agent", {{"Authorization", "Bearer " + token}});
  if (rc == 0) agent.send(json::object{{"type", "status"}, {"status", "online"}});
  return rc;
}

ws_client::~ws_client() {
  if (ws_ && !closed_) {
    beast::error_code ec;
    beast::get_lowest_layer(*ws_).socket().close(ec);
  }
}

int ws_client::connect(unsigned short port, std::string const& target,
                       std::vector<std::pair<std::string, std::string>> const& headers) {
  ws_.emplace(ioc_);
  beast::get_lowest_layer(*ws_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  ws_->set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (auto const& [k, v] : headers) req.set(k, v);
  }));
  ws_->read_message_max(64 * 1024 * 1024);
  websocket::response_type res;
  beast::error_code ec;
  ws_->handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
  if (ec) {
    closed_ = true;
    return res.result_int() ? static_cast<int>(res.result_int()) : -1;
  }
  return 0;
}

void ws_client::send(std::string const& text) {
  if (closed_) return;
  // One read and one write may be in flight; run until this write is done.
  auto data = std::make_shared<std::string>(text);
  bool done = false;
  ws_->text(true);
  ws_->async_write(asio::buffer(*data), [&, data](beast::error_code ec, std::size_t) {
    done = true;
    if (ec) closed_ = true;
  });
  while (!done) {
    ioc_.restart();
    ioc_.run_one();
  }
}

void ws_client::start_read() {
  reading_ = true;
  ws_->async_read(buf_, [this](beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec) {
      closed_ = true;
      close_code_ = ws_->reason().code;
      return;
    }
    auto data = buf_.data();
    std::string text(static_cast<char const*>(data.data()), data.size());
    buf_.consume(buf_.size());
    boost::system::error_code jec;
    auto v = json::parse(text, jec);
    frames_.push_back(jec ? json::value(text) : v);
    start_read();
  });
}

std::optional<json::value> ws_client::read(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (frames_.empty() && !closed_) {
    if (!reading_) start_read();
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    ioc_.restart();
    ioc_.run_one_for(left);
  }
  if (frames_.empty()) return std::nullopt;
  auto v = std::move(frames_.front());
  frames_.pop_front();
  return v;
}

bool ws_client::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    if (!reading_) start_read();
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return false;
    ioc_.restart();
    ioc_.run_one_for(left);
  }
  return true;
}

std::optional<json::value> ws_client::read_type(std::string const& type,
                                                std::chrono::milliseconds timeout) {
  // A frame of this type skipped by an earlier call comes first.
  for (auto it = skipped.begin(); it != skipped.end(); ++it) {
    if (it->is_object() && it->as_object().contains("type") &&
        it->as_object().at("type").as_string() == type) {
      auto v = std::move(*it);
      skipped.erase(it);
      return v;
    }
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto v = read(left);
    if (!v) return std::nullopt;
    if (v->is_object() && v->as_object().contains("type") &&
        v->as_object().at("type").as_string() == type)
      return v;
    skipped.push_back(*v);
  }
}

void ws_client::close() {
  if (!ws_ || closed_) return;
  beast::error_code ec;
  beast::get_lowest_layer(*ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
  beast::get_lowest_layer(*ws_).socket().close(ec);
  closed_ = true;
}

}  // namespace kefu::test
