#pragma once
// kefu-load's command line.

#include <cstdint>
#include <optional>
#include <string>

namespace kefu::load {

struct options {
  std::string url;  // http://127.0.0.1:PORT
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string admin_password;
  std::string agent_password = "load-agent-password";
  std::string prefix = "load";  // ids of the merchants and agents it creates

  int buyers = 100;
  int agents = -1;  // -1: enough for every buyer's chat at capacity 100
  int merchants = 1;
  int capacity = -1;  // -1: ceil(buyers per merchant / agents per merchant)
  int idle = 0;

  double duration_s = 10;
  std::optional<double> rate;  // open loop, messages/s over all buyers
  double think_ms = 0;         // closed loop: pause between a reply and the next message
  int messages = 0;            // closed loop: messages per buyer, 0 = until the end
  double ramp_s = 1;           // closed loop: first messages spread over this
  double warmup_s = 1;         // left out of rates and latencies
  double drain_s = 10;         // after the end: wait this long for what is in flight
  int size = 64;               // bytes of text per buyer message

  int threads = 1;
  int connect_parallel = 256;
  int server_pid = 0;
  bool setup = true;
  bool json = false;
};

// Parses argv into `out`. Returns "" on success, "help" for --help, else an
// error message.
std::string parse_options(int argc, char** argv, options& out);
extern char const* const usage_text;

}  // namespace kefu::load
