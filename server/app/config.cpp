#include "server/app/config.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

namespace kefu::app {

namespace json = boost::json;

std::string parse_listen(std::string const& s, config& cfg) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return "listen address must be HOST:PORT";
  std::string host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto ps = s.substr(colon + 1);
  auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
  if (ec != std::errc() || p != ps.data() + ps.size() || port > 65535)
    return "bad port in listen address: " + ps;
  cfg.host = host;
  cfg.port = static_cast<std::uint16_t>(port);
  return {};
}

namespace {

std::string want_int(json::value const& v, char const* key, std::int64_t min, std::int64_t max,
                     std::int64_t& out) {
  if (!v.is_int64() && !v.is_uint64()) return std::string(key) + " must be an integer";
  std::int64_t x = v.is_int64() ? v.get_int64() : static_cast<std::int64_t>(v.get_uint64());
  if (x < min || x > max)
    return std::string(key) + " must be between " + std::to_string(min) + " and " +
           std::to_string(max);
  out = x;
  return {};
}

}  // namespace

std::string load_config_file(std::string const& path, config& cfg) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read config file " + path;
  std::stringstream ss;
  ss << in.rdbuf();
  json::error_code ec;
  auto v = json::parse(ss.str(), ec);
  if (ec) return "config file " + path + " is not valid JSON: " + ec.message();
  if (!v.is_object()) return "config file must hold a JSON object";
  for (auto const& [k, val] : v.get_object()) {
    std::string key(k);
    std::int64_t n = 0;
    std::string err;
    if (key == "listen") {
      if (!val.is_string()) return "listen must be a string";
      err = parse_listen(std::string(val.get_string()), cfg);
    } else if (key == "db") {
      if (!val.is_string()) return "db must be a string";
      cfg.db = std::string(val.get_string());
    } else if (key == "console_dir") {
      if (!val.is_string()) return "console_dir must be a string";
      cfg.console_dir = std::string(val.get_string());
    } else if (key == "rules_dir") {
      if (!val.is_string()) return "rules_dir must be a string";
      cfg.rules_dir = std::string(val.get_string());
    } else if (key == "console_origins") {
      if (!val.is_array()) return "console_origins must be an array of strings";
      cfg.console_origins.clear();
      for (auto const& o : val.get_array()) {
        if (!o.is_string()) return "console_origins must be an array of strings";
        cfg.console_origins.emplace_back(o.get_string());
      }
    } else if (key == "grace_ms") {
      err = want_int(val, "grace_ms", 0, 86'400'000, cfg.grace_ms);
    } else if (key == "buyer_idle_close_ms") {
      err = want_int(val, "buyer_idle_close_ms", 1'000, 30LL * 86'400'000, cfg.buyer_idle_close_ms);
    } else if (key == "sla_warning_ms") {
      err = want_int(val, "sla_warning_ms", 0, 3'600'000, cfg.sla_warning_ms);
    } else if (key == "retention_days") {
      err = want_int(val, "retention_days", 1, 36'500, cfg.retention_days);
    } else if (key == "retention_interval_ms") {
      err = want_int(val, "retention_interval_ms", 1'000, 7LL * 86'400'000,
                     cfg.retention_interval_ms);
    } else if (key == "session_ttl_ms") {
      err = want_int(val, "session_ttl_ms", 60'000, 365LL * 86'400'000, cfg.session_ttl_ms);
    } else if (key == "io_threads") {
      if (!(err = want_int(val, "io_threads", 1, 64, n)).size()) cfg.io_threads = int(n);
    } else if (key == "db_threads") {
      if (!(err = want_int(val, "db_threads", 1, 64, n)).size()) cfg.db_threads = int(n);
    } else if (key == "ws_read_message_max") {
      if (!(err = want_int(val, key.c_str(), 128, 16 << 20, n)).size())
        cfg.limits.ws_read_message_max = std::size_t(n);
    } else if (key == "http_header_limit") {
      if (!(err = want_int(val, key.c_str(), 1024, 1 << 20, n)).size())
        cfg.limits.http_header_limit = std::size_t(n);
    } else if (key == "http_body_limit") {
      if (!(err = want_int(val, key.c_str(), 1024, 64 << 20, n)).size())
        cfg.limits.http_body_limit = std::size_t(n);
    } else if (key == "http_read_timeout_ms") {
      if (!(err = want_int(val, key.c_str(), 100, 600'000, n)).size())
        cfg.limits.http_read_timeout = std::chrono::milliseconds(n);
    } else if (key == "ws_handshake_timeout_ms") {
      if (!(err = want_int(val, key.c_str(), 100, 600'000, n)).size())
        cfg.limits.ws_handshake_timeout = std::chrono::milliseconds(n);
    } else if (key == "write_queue_max") {
      if (!(err = want_int(val, key.c_str(), 1, 1 << 20, n)).size())
        cfg.limits.write_queue_max = std::size_t(n);
    } else if (key == "rate_per_second" || key == "rate_burst") {
      if (!val.is_number()) return key + " must be a number";
      double d = val.to_number<double>();
      if (!(d > 0)) return key + " must be positive";
      (key == "rate_per_second" ? cfg.limits.rate_per_second : cfg.limits.rate_burst) = d;
    } else if (key == "flood_close_after") {
      if (!(err = want_int(val, key.c_str(), 0, 1 << 20, n)).size())
        cfg.limits.flood_close_after = int(n);
    } else {
      return "unknown config key \"" + key + "\"";
    }
    if (!err.empty()) return err;
  }
  return {};
}

}  // namespace kefu::app
