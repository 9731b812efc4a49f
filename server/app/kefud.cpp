// kefud: the Kefu server. HTTP and WebSocket on one port; SQLite or PostgreSQL.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <thread>
#include <vector>

#include "server/app/api.hpp"
#include "server/app/auth.hpp"
#include "server/app/config.hpp"
#include "server/app/directory.hpp"
#include "server/app/hub.hpp"
#include "server/net/server.hpp"
#include "server/store/store.hpp"
#include "shared/wire/frames.hpp"

namespace {

char const* const usage =
    "usage: kefud [--listen HOST:PORT] [--db URL] [--config FILE] [--console DIR]\n"
    "\n"
    "  --listen HOST:PORT  address to serve HTTP and WebSocket on (default 127.0.0.1:8080;\n"
    "                      port 0 picks a free port)\n"
    "  --db URL            sqlite:PATH (default sqlite:var/kefu.db) or postgresql://...\n"
    "  --config FILE       JSON configuration (see docs/operations.md)\n"
    "  --console DIR       directory of the web console's files\n"
    "  --rules DIR         directory of the compliance rule packs (default: shared/rules)\n"
    "  --help              this text\n"
    "\n"
    "KEFU_ADMIN_PASSWORD creates the first admin (user \"admin\") on an empty database.\n";

int fail(std::string const& message) {
  std::cerr << "kefud: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kefu;
  app::config cfg;
#ifdef KEFU_CONSOLE_DIR
  cfg.console_dir = KEFU_CONSOLE_DIR;
#endif
  std::string listen_flag, db_flag, console_flag, config_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    } else if (a == "--listen") {
      if (!value(listen_flag)) return fail("--listen needs HOST:PORT");
    } else if (a == "--db") {
      if (!value(db_flag)) return fail("--db needs a URL");
    } else if (a == "--config") {
      if (!value(config_file)) return fail("--config needs a file");
    } else if (a == "--rules") {
      if (!value(cfg.rules_dir)) return fail("--rules needs a directory");
    } else if (a == "--console") {
      if (!value(console_flag)) return fail("--console needs a directory");
    } else {
      std::cerr << usage;
      return fail("unknown argument " + a);
    }
  }
  // Flags win over the config file.
  if (!config_file.empty())
    if (auto err = app::load_config_file(config_file, cfg); !err.empty()) return fail(err);
  if (!listen_flag.empty())
    if (auto err = app::parse_listen(listen_flag, cfg); !err.empty()) return fail(err);
  if (!db_flag.empty()) cfg.db = db_flag;
  if (!console_flag.empty()) cfg.console_dir = console_flag;
  cfg.limits.rate_limited = [](std::string_view frame) {
    return wire::to_text(wire::error_frame{
        wire::frame_id(frame), "rate_limited",
        "too many frames; this one was dropped, send it again later or the connection is closed"});
  };

  // Every socket is a descriptor: take the hard limit, not the shell's default.
  if (rlimit rl{}; getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  std::unique_ptr<store::store> st;
  try {
    app::init_crypto();
    st = store::store::open(cfg.db, static_cast<std::size_t>(cfg.db_threads) + 2);
    if (st->count_users() == 0) {
      char const* pw = std::getenv("KEFU_ADMIN_PASSWORD");
      if (pw && *pw) {
        store::user admin;
        admin.id = "admin";
        admin.name = "Administrator";
        admin.role = "admin";
        admin.merchants = {"*"};
        admin.capacity = 0;
        admin.password_hash = app::hash_password(pw);
        admin.created = app::now_ms();
        st->insert_user(admin);
      } else {
        std::cerr << "kefud: warning: empty database and no KEFU_ADMIN_PASSWORD; "
                     "nobody can log in\n";
      }
    }
  } catch (std::exception const& e) {
    return fail(e.what());
  }

  app::directory dir;
  app::rules rules;
  if (auto err = rules.load(cfg.rules_dir); !err.empty()) return fail(err);
  boost::asio::io_context ioc(cfg.io_threads);
  boost::asio::thread_pool db(static_cast<std::size_t>(cfg.db_threads));
  std::shared_ptr<app::hub> hub;
  try {
    dir.load(*st);
    for (auto const& m : dir.merchants())
      if (auto err = rules.rebuild(m); !err.empty())
        std::cerr << "kefud: warning: merchant " << m.row.id
                  << " keeps its platform's default rules: " << err << "\n";
    hub = std::make_shared<app::hub>(ioc, db, *st, dir, rules, cfg, [] { return app::now_ms(); });
    hub->recover();
  } catch (std::exception const& e) {
    return fail(std::string("recovery failed: ") + e.what());
  }

  std::shared_ptr<net::server> srv;
  std::weak_ptr<net::server> weak_srv;
  auto api =
      std::make_shared<app::api>(db, *st, dir, rules, hub, cfg, [&weak_srv]() -> std::size_t {
        auto s = weak_srv.lock();
        return s ? s->connections() : 0;
      });
  srv = std::make_shared<net::server>(ioc, api, cfg.limits);
  weak_srv = srv;
  try {
    srv->listen(cfg.host, cfg.port);
  } catch (std::exception const& e) {
    return fail("cannot listen on " + cfg.host + ":" + std::to_string(cfg.port) + ": " + e.what());
  }
  std::string shown_host =
      cfg.host.find(':') != std::string::npos ? "[" + cfg.host + "]" : cfg.host;
  std::cout << "listening on http://" << shown_host << ":" << srv->port() << std::endl;

  // The retention job: first run a minute after start, then every interval.
  boost::asio::steady_timer retention(ioc);
  std::function<void(std::chrono::milliseconds)> schedule_retention =
      [&](std::chrono::milliseconds delay) {
        retention.expires_after(delay);
        retention.async_wait([&](boost::system::error_code ec) {
          if (ec) return;
          boost::asio::post(db, [&] {
            try {
              auto n = api->run_retention("system");
              if (n) std::cerr << "kefud: retention purged " << n << " chats\n";
            } catch (std::exception const& e) {
              std::cerr << "kefud: retention failed: " << e.what() << "\n";
            }
          });
          schedule_retention(std::chrono::milliseconds(cfg.retention_interval_ms));
        });
      };
  schedule_retention(
      std::chrono::milliseconds(std::min<std::int64_t>(60'000, cfg.retention_interval_ms)));

  // SIGHUP: read the rule packs again, as POST /api/rules/reload does.
  boost::asio::signal_set hup(ioc, SIGHUP);
  std::function<void()> await_hup = [&] {
    hup.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      boost::asio::post(db, [&] {
        std::vector<std::string> warnings;
        if (auto err = rules.reload(dir, &warnings); !err.empty())
          std::cerr << "kefud: SIGHUP: rule packs not reloaded: " << err << "\n";
        else
          std::cerr << "kefud: SIGHUP: rule packs reloaded\n";
        for (auto const& w : warnings)
          std::cerr << "kefud: warning: merchant " << w << " (platform default rules)\n";
      });
      await_hup();
    });
  };
  await_hup();

  // Shutdown: stop accepting, drain the writer (pending commits are acked),
  // close every socket with 1001, then let the I/O threads finish.
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  std::thread drainer;
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    srv->stop_accepting();
    hub->stop();
    retention.cancel();
    hup.cancel();
    drainer = std::thread([&] {
      st->stop_writer();
      // Give the acks just posted a moment to reach their sockets.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      srv->close_all(1001, "server shutting down");
      for (int i = 0; i < 50 && srv->connections() > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ioc.stop();
    });
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < cfg.io_threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  if (drainer.joinable()) drainer.join();
  db.join();
  return 0;
}
