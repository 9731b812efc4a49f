#pragma once
// kefud's configuration: defaults, the JSON config file and command-line
// flags. Any error here is fatal at start-up (kefud exits non-zero).

#include <cstdint>
#include <string>
#include <vector>

#include "server/net/server.hpp"

namespace kefu::app {

struct config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string db = "sqlite:var/kefu.db";
  std::int64_t grace_ms = 60'000;                   // an agent's chats survive a drop this long
  std::int64_t buyer_idle_close_ms = 1'800'000;     // a silent buyer's chat closes after this
  std::int64_t sla_warning_ms = 20'000;             // pre-breach warning, into the reply clock
  std::int64_t retention_days = 180;                // transcripts closed longer ago are purged
  std::int64_t retention_interval_ms = 86'400'000;  // how often the purge job runs
  std::int64_t session_ttl_ms = 7LL * 24 * 3600 * 1000;
  std::vector<std::string> console_origins;  // extra origins allowed for cookie connections
  std::string console_dir;                   // static files of the web console
  std::string rules_dir;                     // rule packs; empty = the built-in default
  int io_threads = 2;
  int db_threads = 2;
  net::limits limits;
};

// Parses a JSON config file into `cfg`. Returns an error message or "".
std::string load_config_file(std::string const& path, config& cfg);
// Parses "HOST:PORT" ("[::1]:80" for IPv6). Returns an error message or "".
std::string parse_listen(std::string const& s, config& cfg);

}  // namespace kefu::app
