#pragma once
// What the load generator can see of the server besides its sockets: memory
// and CPU from /proc (same machine), counters from /metrics.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kefu::load {

struct process_sample {
  bool ok = false;
  std::int64_t rss_kib = 0;
  double cpu_s = 0;                    // user + system, all threads
  std::map<int, double> thread_cpu_s;  // per thread id
};

// Reads /proc/PID/status and /proc/PID/{,task/*/}stat; ok=false if unreadable.
process_sample sample_process(int pid);

// CPU seconds per thread between two samples, largest first.
std::vector<double> thread_cpu_deltas(process_sample const& before, process_sample const& after);

// User + system CPU seconds of this process.
double self_cpu_seconds();

// The counters of /metrics that a load run compares before and after.
struct server_metrics {
  bool ok = false;
  double routed = 0;       // kefu_messages_routed_total
  double writes = 0;       // kefu_store_writes_total
  double commits = 0;      // kefu_commit_latency_seconds_count
  double commit_sum = 0;   // kefu_commit_latency_seconds_sum
  double connections = 0;  // kefu_connections
};

server_metrics parse_metrics(std::string const& text);

}  // namespace kefu::load
