#include "server/tools/kefu-load/probe.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kefu::load {

namespace {

// utime + stime of a /proc/.../stat line, in seconds; negative if unreadable.
double stat_cpu(std::filesystem::path const& file) {
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) return -1;
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(line.substr(close + 1));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i)
    if (i == 14 || i == 15) ticks += std::strtod(f.c_str(), nullptr);
  static double const hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  return ticks / hz;
}

}  // namespace

process_sample sample_process(int pid) {
  process_sample s;
  if (pid <= 0) return s;
  std::filesystem::path dir = "/proc/" + std::to_string(pid);
  std::ifstream status(dir / "status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) {
      s.rss_kib = std::strtoll(line.c_str() + 6, nullptr, 10);
      s.ok = true;
    }
  if (!s.ok) return s;
  s.cpu_s = std::max(0.0, stat_cpu(dir / "stat"));
  std::error_code ec;
  for (auto const& e : std::filesystem::directory_iterator(dir / "task", ec)) {
    double c = stat_cpu(e.path() / "stat");
    if (c >= 0) s.thread_cpu_s[std::atoi(e.path().filename().c_str())] = c;
  }
  return s;
}

std::vector<double> thread_cpu_deltas(process_sample const& before, process_sample const& after) {
  std::vector<double> out;
  for (auto const& [tid, cpu] : after.thread_cpu_s) {
    auto it = before.thread_cpu_s.find(tid);
    out.push_back(cpu - (it == before.thread_cpu_s.end() ? 0.0 : it->second));
  }
  std::sort(out.rbegin(), out.rend());
  return out;
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](timeval const& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

server_metrics parse_metrics(std::string const& text) {
  server_metrics m;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    std::string name = line.substr(0, space);
    double v = std::strtod(line.c_str() + space + 1, nullptr);
    if (name == "kefu_messages_routed_total") {
      m.routed = v;
      m.ok = true;
    } else if (name == "kefu_store_writes_total") {
      m.writes = v;
    } else if (name == "kefu_commit_latency_seconds_count") {
      m.commits = v;
    } else if (name == "kefu_commit_latency_seconds_sum") {
      m.commit_sum = v;
    } else if (name == "kefu_connections") {
      m.connections = v;
    }
  }
  return m;
}

}  // namespace kefu::load
