// kefu-load: a load generator for kefud. Creates merchants and agents over
// REST, then drives buyers and agents over WebSockets from one io_context and
// reports routed messages/s, latencies, errors and the server's memory and CPU.

#include <sys/resource.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

#include "server/tools/kefu-load/clients.hpp"
#include "server/tools/kefu-load/options.hpp"
#include "server/tools/kefu-load/probe.hpp"
#include "server/tools/kefu-load/setup.hpp"

namespace {

using namespace kefu::load;
using namespace std::chrono_literals;

// Each socket is a file descriptor: lift the soft limit as far as the hard
// one allows. Returns the limit in force afterwards.
rlim_t raise_nofile(rlim_t wanted) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < wanted && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = std::min(wanted, rl.rlim_max);
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

double ms(std::int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

double round_to(double v, int digits) {
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

json::object latency_json(histogram const& h) {
  return {{"count", h.count()},
          {"p50_ms", round_to(ms(h.quantile(0.50)), 3)},
          {"p99_ms", round_to(ms(h.quantile(0.99)), 3)},
          {"p999_ms", round_to(ms(h.quantile(0.999)), 3)},
          {"max_ms", round_to(ms(h.max()), 3)},
          {"mean_ms", round_to(h.mean() / 1e6, 3)}};
}

std::string latency_text(histogram const& h) {
  if (h.count() == 0) return "no samples";
  char buf[200];
  std::snprintf(buf, sizeof buf, "p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  (n=%llu)",
                ms(h.quantile(0.50)), ms(h.quantile(0.99)), ms(h.quantile(0.999)), ms(h.max()),
                static_cast<unsigned long long>(h.count()));
  return buf;
}

std::string fmt(char const* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

server_metrics scrape(options const& o) {
  try {
    // Short: an overloaded server must not stall the report.
    auto r = http_call(o, "GET", "/metrics", {}, {}, std::chrono::seconds(5));
    if (r.status == 200) return parse_metrics(r.body);
  } catch (std::exception const&) {
  }
  return {};
}

// Sleeps until `done()` holds, the counters stop moving for `quiet`, or `limit` passes.
template <class Done, class Progress>
void wait_for(Done done, Progress progress, std::chrono::milliseconds quiet,
              std::chrono::milliseconds limit) {
  auto start = std::chrono::steady_clock::now();
  auto last_change = start;
  auto last = progress();
  while (!done()) {
    auto now = std::chrono::steady_clock::now();
    if (now - start >= limit || now - last_change >= quiet) return;
    std::this_thread::sleep_for(10ms);
    auto p = progress();
    if (p != last) {
      last = p;
      last_change = std::chrono::steady_clock::now();
    }
  }
}

void sleep_until_ns(std::int64_t t) {
  auto d = t - now_ns();
  if (d > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(d));
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (auto err = parse_options(argc, argv, o); !err.empty()) {
    if (err == "help") {
      std::cout << usage_text;
      return 0;
    }
    std::cerr << "kefu-load: " << err << " (see --help)\n";
    return 2;
  }

  auto fds_needed = static_cast<rlim_t>(o.buyers + o.agents + o.idle + 64);
  auto fds = raise_nofile(fds_needed);
  if (fds < fds_needed)
    std::cerr << "kefu-load: warning: open-file limit " << fds << " is below the " << fds_needed
              << " sockets needed (raise `ulimit -n`)\n";

  // Capacity: every buyer of a merchant must fit with the merchant's agents.
  int capacity = o.capacity;
  if (o.buyers > 0) {
    int per_merchant = (o.buyers + o.merchants - 1) / o.merchants;
    int agents_per_merchant = o.agents / o.merchants;
    int needed = (per_merchant + agents_per_merchant - 1) / agents_per_merchant;
    if (capacity < 0) capacity = needed;
    if (capacity > 100) {
      std::cerr << "kefu-load: " << o.buyers << " buyers need " << needed
                << " chats per agent; the server allows 100: use --agents " << (o.buyers + 99) / 100
                << " or more\n";
      return 2;
    }
    if (capacity < needed)
      std::cerr << "kefu-load: warning: capacity " << capacity << " leaves some chats queued\n";
  }
  capacity = std::max(capacity, 1);

  fixture fx;
  try {
    fx = prepare(o, capacity);
  } catch (boost::system::system_error const& e) {
    std::cerr << "kefu-load: cannot reach " << o.url << ": " << e.code().message() << "\n";
    return 1;
  } catch (std::exception const& e) {
    std::cerr << "kefu-load: setup failed: " << e.what() << "\n";
    return 1;
  }

  asio::io_context ioc(o.threads);
  run_state rs(ioc, o);
  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> io_threads;
  for (int i = 0; i < o.threads; ++i) io_threads.emplace_back([&ioc] { ioc.run(); });

  std::vector<std::shared_ptr<connection>> everyone;
  json::object out;
  out["config"] = json::object{{"buyers", o.buyers},
                               {"agents", o.agents},
                               {"merchants", o.merchants},
                               {"capacity", capacity},
                               {"idle", o.idle},
                               {"mode", o.rate ? "open" : "closed"},
                               {"rate", o.rate ? json::value(*o.rate) : json::value(nullptr)},
                               {"think_ms", o.think_ms},
                               {"messages", o.messages},
                               {"duration_s", o.duration_s},
                               {"warmup_s", o.warmup_s},
                               {"size", o.size},
                               {"threads", o.threads},
                               {"setup_s", round_to(fx.seconds, 2)}};
  std::vector<std::string> text;  // the human summary, line by line
  auto line = [&](std::string const& label, std::string const& body) {
    std::string l = label;
    l.resize(std::max<std::size_t>(l.size(), 10), ' ');
    text.push_back(l + "  " + body);
  };
  {
    std::string mode =
        o.rate ? "open loop at " + fmt("%.0f", *o.rate) + " msg/s"
               : "closed loop, think " + fmt("%.0f", o.think_ms) + " ms" +
                     (o.messages ? ", " + std::to_string(o.messages) + " messages per buyer" : "");
    if (o.buyers > 0)
      text.push_back("kefu-load: " + std::to_string(o.buyers) + " buyers, " +
                     std::to_string(o.agents) + " agents x " + std::to_string(capacity) +
                     " chats, " + std::to_string(o.merchants) + " merchant(s); " + mode + "; " +
                     fmt("%.1f", o.duration_s) + " s (warmup " + fmt("%.1f", o.warmup_s) + " s)");
    else
      text.push_back("kefu-load: " + std::to_string(o.idle) + " idle buyer connections");
    line("setup", std::to_string(fx.merchants.size()) + " merchant(s), " +
                      std::to_string(fx.agents.size()) + " agents logged in, " +
                      fmt("%.1f", fx.seconds) + " s");
  }

  auto const pid = o.server_pid;
  auto rss_mib = [](process_sample const& s) { return static_cast<double>(s.rss_kib) / 1024.0; };
  auto baseline = sample_process(pid);
  json::object server;
  if (pid && !baseline.ok)
    std::cerr << "kefu-load: warning: cannot read /proc/" << pid << " (memory not reported)\n";

  // Idle connections first, on a quiet server, so that the RSS delta is theirs.
  if (o.idle > 0) {
    std::vector<std::shared_ptr<connection>> idle;
    for (int i = 0; i < o.idle; ++i)
      idle.push_back(std::make_shared<buyer>(rs, fx.merchants[i % fx.merchants.size()],
                                             fx.channel_keys[i % fx.merchants.size()],
                                             rs.run_id + "-i" + std::to_string(i)));
    auto before = sample_process(pid);
    auto r = launch(idle, o.connect_parallel, 120s);
    std::this_thread::sleep_for(1s);  // let the server finish registering them
    auto after = sample_process(pid);
    everyone.insert(everyone.end(), idle.begin(), idle.end());
    json::object j{
        {"opened", r.ok}, {"failed", r.failed + r.unfinished}, {"seconds", round_to(r.seconds, 2)}};
    std::string body = std::to_string(r.ok) + "/" + std::to_string(o.idle) + " idle buyer " +
                       "connections in " + fmt("%.1f", r.seconds) + " s";
    if (before.ok && after.ok && r.ok > 0) {
      double per = static_cast<double>(after.rss_kib - before.rss_kib) / static_cast<double>(r.ok);
      j["rss_before_kib"] = before.rss_kib;
      j["rss_after_kib"] = after.rss_kib;
      j["kib_per_connection"] = round_to(per, 2);
      body += "; server RSS " + fmt("%.1f", rss_mib(before)) + " -> " +
              fmt("%.1f", rss_mib(after)) + " MiB = " + fmt("%.2f", per) +
              " KiB per idle connection";
    }
    out["idle"] = std::move(j);
    line("idle", body);
  }

  // Agents: connect, go online.
  std::vector<std::shared_ptr<connection>> agents;
  for (auto const& a : fx.agents) agents.push_back(std::make_shared<agent>(rs, a.token));
  auto ar = launch(agents, o.connect_parallel, 60s);
  wait_for([&] { return rs.c.agents_online.load() >= ar.ok; },
           [&] { return rs.c.agents_online.load(); }, 10s, 30s);
  everyone.insert(everyone.end(), agents.begin(), agents.end());

  // Buyers: connect all before any message, so the window sees a steady state.
  std::vector<std::shared_ptr<buyer>> buyers;
  std::vector<std::shared_ptr<connection>> buyer_conns;
  for (int i = 0; i < o.buyers; ++i) {
    auto m = static_cast<std::size_t>(i) % fx.merchants.size();
    buyers.push_back(std::make_shared<buyer>(rs, fx.merchants[m], fx.channel_keys[m],
                                             rs.run_id + "-" + std::to_string(i)));
    buyer_conns.push_back(buyers.back());
  }
  auto br = launch(buyer_conns, o.connect_parallel, 180s);
  everyone.insert(everyone.end(), buyer_conns.begin(), buyer_conns.end());
  auto connected = sample_process(pid);
  out["connect"] = json::object{{"agents_online", rs.c.agents_online.load()},
                                {"agents_failed", ar.failed + ar.unfinished},
                                {"buyers_connected", br.ok},
                                {"buyers_failed", br.failed + br.unfinished},
                                {"buyers_seconds", round_to(br.seconds, 2)},
                                {"handshake", latency_json(rs.connect)}};
  if (o.agents > 0 || o.buyers > 0)
    line("connect", std::to_string(rs.c.agents_online.load()) + "/" + std::to_string(o.agents) +
                        " agents online; " + std::to_string(br.ok) + "/" +
                        std::to_string(o.buyers) + " buyers in " + fmt("%.1f", br.seconds) +
                        " s (handshake p50 " + fmt("%.1f", ms(rs.connect.quantile(0.5))) +
                        " ms, p99 " + fmt("%.1f", ms(rs.connect.quantile(0.99))) + " ms)");

  // The run.
  std::shared_ptr<ticker> pace;
  auto t0 = now_ns();
  bool const load_run = o.buyers > 0;  // else only the idle connections were measured
  auto duration_ns = load_run ? static_cast<std::int64_t>(o.duration_s * 1e9) : 0;
  rs.window_from = t0 + (load_run ? static_cast<std::int64_t>(o.warmup_s * 1e9) : 0);
  rs.sending = true;
  if (o.buyers > 0) {
    if (o.rate) {
      pace = std::make_shared<ticker>(
          rs, *o.rate, std::numeric_limits<std::uint64_t>::max(),
          [&buyers, next = std::size_t(0)](std::uint64_t, std::int64_t t) mutable {
            // Round robin over the buyers that are connected.
            for (std::size_t tries = 0; tries < buyers.size(); ++tries) {
              auto& b = buyers[next++ % buyers.size()];
              if (b->is_open()) return b->send_scheduled(t);
            }
          });
    } else {
      double rate = o.ramp_s > 0 ? o.buyers / o.ramp_s : 1e12;
      pace = std::make_shared<ticker>(
          rs, rate, buyers.size(),
          [&buyers](std::uint64_t k, std::int64_t) { buyers[k]->begin(); });
    }
    pace->start(t0);
  }
  sleep_until_ns(rs.window_from.load());
  auto m0 = scrape(o);
  auto s0 = sample_process(pid);
  auto self0 = self_cpu_seconds();
  auto w0 = now_ns();
  auto all_done = [&] { return !o.rate && o.messages > 0 && rs.c.buyers_done.load() >= br.ok; };
  while (now_ns() < t0 + duration_ns && !all_done()) std::this_thread::sleep_for(5ms);
  auto w1 = now_ns();
  rs.window_to = w1;
  rs.sending = false;
  auto self1 = self_cpu_seconds();
  auto s1 = sample_process(pid);
  auto m1 = scrape(o);
  double window_s = std::max(1e-9, static_cast<double>(w1 - w0) / 1e9);

  // Drain: let what is in flight arrive, so that losses are real losses.
  auto settled = [&] {
    auto& c = rs.c;
    return c.buyer_acks.load() >= c.buyer_sent.load() &&
           c.agent_acks.load() >= c.agent_sent.load() &&
           c.agent_received.load() >= c.buyer_acks.load() &&
           c.replies_received.load() >= c.agent_acks.load();
  };
  auto moving = [&] {
    auto& c = rs.c;
    return c.buyer_acks.load() + c.agent_received.load() + c.agent_acks.load() +
           c.replies_received.load() + c.error_frames.load();
  };
  wait_for(settled, moving, 2s, std::chrono::milliseconds(static_cast<int>(o.drain_s * 1000)));
  auto loaded = sample_process(pid);

  // Close every chat of the run (frees the agents' capacity for the next
  // run), then every connection.
  std::uint64_t with_chat = 0;
  rs.closing = true;
  for (auto const& b : buyers)
    if (b->has_chat()) {
      ++with_chat;
      b->close_chat();
    }
  wait_for([&] { return rs.c.chats_closed.load() >= with_chat; },
           [&] { return rs.c.chats_closed.load(); }, 3s, 20s);
  auto disconnects_during_run = rs.c.disconnects.load();
  for (auto const& c : everyone) c->close();
  wait_for([&] { return rs.c.finished.load() >= everyone.size(); },
           [&] { return rs.c.finished.load(); }, 3s, 15s);
  work.reset();
  ioc.stop();
  for (auto& t : io_threads) t.join();

  // ---------------------------------------------------------------- report
  auto& c = rs.c;
  double to_agent_rate = static_cast<double>(c.to_agent_window.load()) / window_s;
  double to_buyer_rate = static_cast<double>(c.to_buyer_window.load()) / window_s;
  double acks_rate = static_cast<double>(c.acks_window.load()) / window_s;
  double routed_rate = to_agent_rate + to_buyer_rate;
  out["window_s"] = round_to(window_s, 3);
  out["routed_per_s"] = round_to(routed_rate, 1);
  out["to_agent_per_s"] = round_to(to_agent_rate, 1);
  out["to_buyer_per_s"] = round_to(to_buyer_rate, 1);
  out["acks_per_s"] = round_to(acks_rate, 1);
  if (pace && o.rate)
    out["offered_per_s"] =
        round_to(static_cast<double>(pace->issued()) / (static_cast<double>(w1 - t0) / 1e9), 1);
  out["latency"] = json::object{{"buyer_to_agent", latency_json(rs.to_agent)},
                                {"round_trip", latency_json(rs.round_trip)},
                                {"buyer_ack", latency_json(rs.buyer_ack)},
                                {"agent_ack", latency_json(rs.agent_ack)}};
  std::int64_t undelivered = static_cast<std::int64_t>(c.buyer_acks.load()) -
                             static_cast<std::int64_t>(c.agent_received.load());
  out["totals"] = json::object{{"buyer_sent", c.buyer_sent.load()},
                               {"buyer_acks", c.buyer_acks.load()},
                               {"agent_received", c.agent_received.load()},
                               {"agent_sent", c.agent_sent.load()},
                               {"agent_acks", c.agent_acks.load()},
                               {"replies_received", c.replies_received.load()},
                               {"greetings", c.greetings.load()},
                               {"undelivered", std::max<std::int64_t>(0, undelivered)}};
  out["chats"] = json::object{{"opened", with_chat},
                              {"assigned", c.assigned.load()},
                              {"answered", c.chats_answered.load()},
                              {"closed", c.chats_closed.load()},
                              {"queued_frames", c.queued.load()},
                              {"stale_closed", c.foreign_closed.load()}};
  json::object errors;
  std::uint64_t error_total = 0;
  for (auto const& [what, n] : rs.errors.snapshot()) {
    errors[what] = n;
    error_total += n;
  }
  out["errors"] = json::object{{"total", error_total},
                               {"connect_failures", c.connect_failures.load()},
                               {"disconnects", disconnects_during_run},
                               {"error_frames", c.error_frames.load()},
                               {"by_kind", std::move(errors)}};
  double client_cpu = (self1 - self0) / window_s;
  out["client_cpu_cores"] = round_to(client_cpu, 2);

  if (load_run) {
    line("routed",
         fmt("%.0f", routed_rate) + " messages/s in the window (buyer->agent " +
             fmt("%.0f", to_agent_rate) + "/s + agent->buyer " + fmt("%.0f", to_buyer_rate) +
             "/s); acks " + fmt("%.0f", acks_rate) + "/s; window " + fmt("%.1f", window_s) + " s" +
             (out.contains("offered_per_s")
                  ? "; offered " + fmt("%.0f", out["offered_per_s"].as_double()) + " buyer msg/s"
                  : ""));
    line("latency", "buyer->agent  " + latency_text(rs.to_agent));
    line("", "round trip    " + latency_text(rs.round_trip));
    line("", "buyer ack     " + latency_text(rs.buyer_ack));
    line("", "agent ack     " + latency_text(rs.agent_ack));
    line("chats", std::to_string(with_chat) + " opened, " + std::to_string(c.assigned.load()) +
                      " assigned, " + std::to_string(c.chats_answered.load()) + " answered, " +
                      std::to_string(c.chats_closed.load()) + " closed at the end; " +
                      std::to_string(c.queued.load()) + " queued frames" +
                      (c.foreign_closed ? "; " + std::to_string(c.foreign_closed.load()) +
                                              " stale chats of earlier runs closed"
                                        : ""));
    line("totals", "buyers sent " + std::to_string(c.buyer_sent.load()) + ", acked " +
                       std::to_string(c.buyer_acks.load()) + "; agents got " +
                       std::to_string(c.agent_received.load()) + ", replied " +
                       std::to_string(c.agent_sent.load()) + ", acked " +
                       std::to_string(c.agent_acks.load()) + "; buyers got " +
                       std::to_string(c.replies_received.load()) + " replies" +
                       (undelivered > 0 ? "; " + std::to_string(undelivered) +
                                              " acked but never reached an agent"
                                        : ""));
  }
  if (error_total == 0) {
    line("errors", "none");
  } else {
    bool first = true;
    for (auto const& [what, n] : rs.errors.snapshot()) {
      line(first ? "errors" : "", std::to_string(n) + " x " + what);
      first = false;
    }
  }

  if (pid && baseline.ok) {
    server["pid"] = pid;
    server["rss_start_kib"] = baseline.rss_kib;
    server["rss_connected_kib"] = connected.rss_kib;
    if (loaded.ok) server["rss_loaded_kib"] = loaded.rss_kib;
    std::string body = "RSS " + fmt("%.1f", rss_mib(baseline)) + " MiB at start, " +
                       fmt("%.1f", rss_mib(connected)) + " MiB connected";
    if (load_run && loaded.ok)
      body += ", " + fmt("%.1f", rss_mib(loaded)) + " MiB with the chats open";
    if (o.buyers > 0 && loaded.ok) {
      double per = static_cast<double>(loaded.rss_kib - baseline.rss_kib) / o.buyers;
      server["kib_per_chat"] = round_to(per, 2);
      body += " (" + fmt("%.1f", per) + " KiB per buyer with its chat)";
    }
    line("server", body);
    if (load_run && s0.ok && s1.ok) {
      double cores = (s1.cpu_s - s0.cpu_s) / window_s;
      json::array threads;
      std::string per_thread;
      for (double d : thread_cpu_deltas(s0, s1)) {
        if (d / window_s < 0.01) continue;
        threads.push_back(round_to(d / window_s, 2));
        per_thread += (per_thread.empty() ? "" : " ") + fmt("%.2f", d / window_s);
      }
      server["cpu_cores"] = round_to(cores, 2);
      server["thread_cpu_cores"] = std::move(threads);
      line("", "CPU " + fmt("%.2f", cores) + " cores in the window (busiest threads: " +
                   (per_thread.empty() ? "none" : per_thread) + "); load generator " +
                   fmt("%.2f", client_cpu) + " cores");
    }
  } else if (load_run) {
    line("client", "CPU " + fmt("%.2f", client_cpu) + " cores in the window");
  }
  if (load_run && m0.ok && m1.ok) {
    double commits = m1.commits - m0.commits;
    double writes = m1.writes - m0.writes;
    server["routed_per_s"] = round_to((m1.routed - m0.routed) / window_s, 1);
    server["commits_per_s"] = round_to(commits / window_s, 1);
    server["writes_per_commit"] = commits > 0 ? round_to(writes / commits, 2) : 0.0;
    server["commit_mean_ms"] =
        commits > 0 ? round_to((m1.commit_sum - m0.commit_sum) / commits * 1000, 3) : 0.0;
    line("", "metrics: " + fmt("%.0f", (m1.routed - m0.routed) / window_s) + " routed/s, " +
                 fmt("%.0f", commits / window_s) + " commits/s of " +
                 fmt("%.1f", commits > 0 ? writes / commits : 0) + " writes, mean commit " +
                 fmt("%.2f", commits > 0 ? (m1.commit_sum - m0.commit_sum) / commits * 1000 : 0) +
                 " ms");
  }
  if (!server.empty()) out["server"] = std::move(server);

  if (o.json) {
    std::cout << json::serialize(out) << std::endl;
  } else {
    for (auto const& l : text) std::cout << l << "\n";
    std::cout.flush();
  }
  return 0;
}
