#pragma once
// The REST side of a run: merchants and agents created (or found again) and
// the agents logged in, before any WebSocket is opened. Also fetches /metrics.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "server/tools/kefu-load/options.hpp"

namespace kefu::load {

struct http_reply {
  int status = 0;
  std::string body;
};

// One request on a fresh connection, run to completion on the calling thread
// within `limit`. Throws when the server cannot be reached or does not answer.
http_reply http_call(options const& o, std::string const& method, std::string const& target,
                     std::string const& body = {}, std::string const& token = {},
                     std::chrono::seconds limit = std::chrono::seconds(60));

struct agent_login {
  std::string id;
  std::string token;
  std::size_t merchant = 0;  // index into fixture::merchants
};

struct fixture {
  std::vector<std::string> merchants;     // ids
  std::vector<std::string> channel_keys;  // same order
  std::vector<agent_login> agents;
  int capacity = 0;
  double seconds = 0;  // wall time the setup took (password hashing dominates)
};

// Creates or updates (--setup) or only looks up (--no-setup) `o.merchants`
// merchants and `o.agents` agents with `capacity` chats each, and logs every
// agent in. Throws std::runtime_error with a readable message on failure.
fixture prepare(options const& o, int capacity);

}  // namespace kefu::load
