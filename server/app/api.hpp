#pragma once
// The application's face to the network layer: REST endpoints, WebSocket
// upgrade decisions (authentication, Origin checks) and static console files.
// Database work runs on the DB thread pool, never on an I/O thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "server/app/config.hpp"
#include "server/app/directory.hpp"
#include "server/app/hub.hpp"
#include "server/app/rules.hpp"
#include "server/core/qa/sampling.hpp"
#include "server/core/qa/scorecard.hpp"
#include "server/core/sla/engine.hpp"
#include "server/net/server.hpp"
#include "server/store/store.hpp"

namespace kefu::app {

class api : public net::app_handler, public std::enable_shared_from_this<api> {
 public:
  api(boost::asio::thread_pool& db, store::store& st, directory& dir, rules& rl,
      std::shared_ptr<hub> h, config const& cfg, std::function<std::size_t()> connections);

  void on_http(net::http_request req, std::function<void(net::http_response)> respond) override;
  void on_upgrade(net::http_request req,
                  std::function<void(net::upgrade_decision)> decide) override;

 private:
  struct caller {
    store::user user;
    bool via_cookie = false;
    std::string session;  // hash of the token: a socket opened with it ends with it
  };
  using respond_fn = std::function<void(net::http_response)>;

  // Resolves the bearer token or session cookie; the callback runs on the DB pool.
  void authenticate(net::http_request const& req, std::function<void(std::optional<caller>)> cb);

  void route(net::http_request const& req, std::optional<caller> const& who,
             respond_fn const& respond);
  void login(net::http_request const& req, respond_fn const& respond);
  void logout(net::http_request const& req, respond_fn const& respond);
  void create_merchant(net::http_request const& req, respond_fn const& respond);
  void update_merchant(std::string const& id, net::http_request const& req,
                       respond_fn const& respond);
  void create_agent(net::http_request const& req, respond_fn const& respond);
  void update_agent(std::string const& id, net::http_request const& req, respond_fn const& respond);
  void get_chat(caller const& who, std::string const& id, net::http_request const& req,
                respond_fn const& respond);

  // QA (qa_api.cpp).
  struct chat_view {
    store::chat_row row;
    boost::json::object transcript;  // unmasked
    qa::transcript_facts facts;
    qa::candidate candidate;
  };
  chat_view load_chat_view(store::chat_row const& row);
  bool qa_route(caller const& who, net::http_request const& req, respond_fn const& respond);
  void export_sample(caller const& who, store::qa_record const& sample,
                     net::http_request const& req, respond_fn const& respond);
  qa::scorecard scorecard_for(std::string const& merchant);
  void audit(std::string const& actor, std::string const& action, std::string const& target,
             boost::json::object detail);

 public:
  // Purges transcripts older than the retention period and audits it.
  std::size_t run_retention(std::string const& actor);

 private:
  void get_events(caller const& who, net::http_request const& req, respond_fn const& respond);
  void compliance_check(caller const& who, net::http_request const& req, respond_fn const& respond);
  void reload_rules(respond_fn const& respond);
  std::optional<std::pair<std::int64_t, std::int64_t>> report_window(caller const& who,
                                                                     net::http_request const& req,
                                                                     respond_fn const& respond);
  void get_sla(caller const& who, net::http_request const& req, respond_fn const& respond);
  void get_satisfaction(caller const& who, net::http_request const& req, respond_fn const& respond);
  void get_price_guide(caller const& who, net::http_request const& req, respond_fn const& respond);
  // Stored SLA events of the chats opened in [from, to) that `who` may see.
  std::vector<sla::event> sla_events(caller const& who, std::int64_t from, std::int64_t to,
                                     std::string const& merchant);

  // Why `who` may not act for `merchant`: 404 when there is no such merchant,
  // 403 when it exists outside the caller's scope; nullopt when allowed.
  std::optional<net::http_response> merchant_refusal(store::user const& u,
                                                     std::string const& merchant) const;

  net::http_response metrics();
  net::http_response static_file(std::string const& path);
  bool origin_allowed_for_console(net::http_request const& req) const;

  boost::asio::thread_pool& db_;
  store::store& store_;
  directory& dir_;
  rules& rules_;
  std::shared_ptr<hub> hub_;
  config const& cfg_;
  std::function<std::size_t()> connections_;
  // Serialises account updates on the pool's threads: the last-admin rule reads every user and
  // then writes one, and two admins stepping down at once must not both pass the count.
  std::mutex accounts_mu_;
};

net::http_response json_error(int status, std::string const& code, std::string const& message);
net::http_response json_ok(boost::json::value const& v, int status = 200);
std::int64_t now_ms();

}  // namespace kefu::app
