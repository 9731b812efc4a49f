#include "server/tools/kefu-load/options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <type_traits>

namespace kefu::load {

char const* const usage_text =
    "usage: kefu-load --url http://127.0.0.1:PORT --admin-password PW [options]\n"
    "\n"
    "Opens BUYERS chats against a running kefud, answers them with AGENTS simulated\n"
    "agents and reports routed messages/s, latencies, errors and server memory.\n"
    "\n"
    "  --buyers N            buyer connections that each open a chat (default 100)\n"
    "  --agents M            agents answering them (default: ceil(N/100))\n"
    "  --merchants K         merchants the buyers and agents are spread over (default 1)\n"
    "  --capacity C          chats per agent (default: enough for every buyer; max 100)\n"
    "  --duration S          length of the run in seconds (default 10, max 600)\n"
    "  --rate R              open loop: R buyer messages/s in total, whatever the replies\n"
    "  --think MS            closed loop: pause after a reply before the next message (0)\n"
    "  --messages K          closed loop: stop each buyer after K replies (0 = run on)\n"
    "  --ramp S              closed loop: spread the buyers' first messages over S s (1)\n"
    "  --warmup S            seconds left out of rates and latencies (default 1)\n"
    "  --drain S             after the run, wait up to S s for messages in flight (10)\n"
    "  --size B              bytes of text per buyer message (default 64)\n"
    "  --idle K              also hold K idle buyer connections; with --server-pid,\n"
    "                        report the server's memory per idle connection\n"
    "  --server-pid PID      kefud's pid, to read its memory and CPU from /proc\n"
    "  --setup | --no-setup  create or update the merchants and agents (default), or\n"
    "                        only log in to ones a previous run created\n"
    "  --prefix P            id prefix of the merchants and agents (default load)\n"
    "  --agent-password PW   password of the agents it creates\n"
    "  --threads T           I/O threads of the load generator (default 1, max 4)\n"
    "  --connect-parallel P  handshakes in flight while connecting (default 256)\n"
    "  --json                print one JSON object instead of the summary\n"
    "\n"
    "KEFU_ADMIN_PASSWORD is used when --admin-password is not given. Only loopback\n"
    "addresses are accepted.\n";

namespace {

template <class T>
bool parse_number(std::string const& s, T& out) {
  if constexpr (std::is_floating_point_v<T>) {
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) return false;
    out = static_cast<T>(v);
    return true;
  } else {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
  }
}

// Accepts http://HOST:PORT[/] with a loopback HOST only: this tool must never
// be pointed at somebody else's server.
std::string parse_url(std::string const& url, options& o) {
  std::string rest = url;
  if (rest.rfind("http://", 0) != 0) return "--url must start with http://";
  rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::string host;
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      return "--url must be http://HOST:PORT";
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string::npos) return "--url must be http://HOST:PORT";
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  if (host.rfind("127.", 0) != 0 && host != "::1")
    return "--url must point at a loopback address (127.0.0.1 or [::1])";
  unsigned p = 0;
  if (!parse_number(port, p) || p == 0 || p > 65535) return "bad port in --url";
  o.host = host;
  o.port = static_cast<std::uint16_t>(p);
  o.url = url;
  return {};
}

}  // namespace

std::string parse_options(int argc, char** argv, options& o) {
  bool agents_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string v;
    auto need = [&](char const* what) -> std::string {
      if (i + 1 >= argc) return a + " needs " + what;
      v = argv[++i];
      return {};
    };
    auto integer = [&](int& out, long min, long max) -> std::string {
      if (auto e = need("a number"); !e.empty()) return e;
      long x = 0;
      if (!parse_number(v, x) || x < min || x > max)
        return a + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
      out = static_cast<int>(x);
      return {};
    };
    auto real = [&](double& out, double min, double max) -> std::string {
      if (auto e = need("a number"); !e.empty()) return e;
      double x = 0;
      if (!parse_number(v, x) || x < min || x > max)
        return a + " must be a number from " + std::to_string(min) + " to " + std::to_string(max);
      out = x;
      return {};
    };
    std::string err;
    if (a == "--help" || a == "-h") {
      return "help";
    } else if (a == "--url") {
      if ((err = need("http://127.0.0.1:PORT")).empty()) err = parse_url(v, o);
    } else if (a == "--admin-password") {
      if ((err = need("a password")).empty()) o.admin_password = v;
    } else if (a == "--agent-password") {
      if ((err = need("a password")).empty()) o.agent_password = v;
      if (err.empty() && o.agent_password.size() < 8) err = "--agent-password needs 8+ characters";
    } else if (a == "--prefix") {
      if ((err = need("a prefix")).empty()) o.prefix = v;
      for (char c : o.prefix)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
          err = "--prefix may hold letters, digits, - and _ only";
      if (err.empty() && (o.prefix.empty() || o.prefix.size() > 32))
        err = "--prefix must be 1 to 32 characters";
    } else if (a == "--buyers") {
      err = integer(o.buyers, 0, 50'000);
    } else if (a == "--agents") {
      err = integer(o.agents, 0, 5'000);
      agents_given = true;
    } else if (a == "--merchants") {
      err = integer(o.merchants, 1, 1'000);
    } else if (a == "--capacity") {
      err = integer(o.capacity, 1, 100);
    } else if (a == "--idle") {
      err = integer(o.idle, 0, 50'000);
    } else if (a == "--duration") {
      err = real(o.duration_s, 0.1, 600);
    } else if (a == "--rate") {
      double r = 0;
      if ((err = real(r, 0.1, 1e6)).empty()) o.rate = r;
    } else if (a == "--think") {
      err = real(o.think_ms, 0, 600'000);
    } else if (a == "--messages") {
      err = integer(o.messages, 0, 1'000'000);
    } else if (a == "--ramp") {
      err = real(o.ramp_s, 0, 600);
    } else if (a == "--warmup") {
      err = real(o.warmup_s, 0, 600);
    } else if (a == "--drain") {
      err = real(o.drain_s, 0, 120);
    } else if (a == "--size") {
      err = integer(o.size, 32, 16'000);
    } else if (a == "--threads") {
      err = integer(o.threads, 1, 4);
    } else if (a == "--connect-parallel") {
      err = integer(o.connect_parallel, 1, 10'000);
    } else if (a == "--server-pid") {
      err = integer(o.server_pid, 1, 1 << 30);
    } else if (a == "--setup") {
      o.setup = true;
    } else if (a == "--no-setup") {
      o.setup = false;
    } else if (a == "--json") {
      o.json = true;
    } else {
      err = "unknown argument " + a;
    }
    if (!err.empty()) return err;
  }
  if (o.url.empty()) return "--url is required";
  if (o.admin_password.empty())
    if (char const* env = std::getenv("KEFU_ADMIN_PASSWORD")) o.admin_password = env;
  if (o.admin_password.empty()) return "--admin-password (or KEFU_ADMIN_PASSWORD) is required";
  if (!agents_given) o.agents = o.buyers == 0 ? 0 : std::max(o.merchants, (o.buyers + 99) / 100);
  if (o.buyers > 0 && o.agents < o.merchants)
    return "--agents must be at least --merchants (every merchant needs an agent)";
  if (o.warmup_s >= o.duration_s) o.warmup_s = 0;
  return {};
}

}  // namespace kefu::load
