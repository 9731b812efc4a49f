#include "server/app/api.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "server/app/auth.hpp"
#include "server/app/json_util.hpp"

namespace kefu::app {

namespace asio = boost::asio;
namespace json = boost::json;
using net::http_request;
using net::http_response;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http_response json_error(int status, std::string const& code, std::string const& message) {
  json::object err{{"code", code}, {"message", message}};
  return {status, "application/json", json_text(json::object{{"error", std::move(err)}}), {}};
}

http_response json_ok(json::value const& v, int status) {
  return {status, "application/json", json_text(v), {}};
}

namespace {

// The methods a path answers, for a 405 with its Allow header; empty for a path the server does
// not serve (that is a 404, or a console file). `{}` stands for one path segment (an id).
std::string_view methods_for(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> routes[] = {
      {"/healthz", "GET, HEAD"},
      {"/metrics", "GET, HEAD"},
      {"/api/login", "POST"},
      {"/api/logout", "POST"},
      {"/api/me", "GET"},
      {"/api/rules", "GET"},
      {"/api/rules/reload", "POST"},
      {"/api/merchants", "GET, POST"},
      {"/api/merchants/{}", "GET, PATCH"},
      {"/api/agents", "GET, POST"},
      {"/api/agents/{}", "PATCH"},
      {"/api/agents/{}/unsuspend", "POST"},
      {"/api/chats/{}", "GET"},
      {"/api/events", "GET"},
      {"/api/sla", "GET"},
      {"/api/compliance/check", "POST"},
      {"/api/reports/satisfaction", "GET"},
      {"/api/reports/price-guide", "GET"},
      {"/api/qa/samples", "GET, POST"},
      {"/api/qa/samples/{}", "GET"},
      {"/api/qa/samples/{}/export", "GET"},
      {"/api/qa/weekly", "GET"},
      {"/api/qa/scorecards", "GET, PUT"},
      {"/api/qa/reviews", "GET, POST"},
      {"/api/qa/scores", "GET"},
      {"/api/qa/appeals", "GET, POST"},
      {"/api/qa/appeals/{}/resolve", "POST"},
      {"/api/audit", "GET"},
      {"/api/admin/retention", "POST"},
  };
  auto matches = [](std::string_view pattern, std::string_view p) {
    while (!pattern.empty()) {
      if (pattern.substr(0, 2) == "{}") {
        auto const seg = p.find('/');
        if (seg == 0) return false;  // an empty id
        p = seg == std::string_view::npos ? std::string_view{} : p.substr(seg);
        pattern.remove_prefix(2);
        continue;
      }
      if (p.empty() || p.front() != pattern.front()) return false;
      p.remove_prefix(1);
      pattern.remove_prefix(1);
    }
    return p.empty();
  };
  for (auto const& [pattern, methods] : routes)
    if (matches(pattern, path)) return methods;
  return {};
}

bool method_listed(std::string_view methods, std::string_view method) {
  for (std::size_t b = 0; b < methods.size();) {
    auto e = methods.find(", ", b);
    if (e == std::string_view::npos) e = methods.size();
    if (methods.substr(b, e - b) == method) return true;
    b = e + 2;
  }
  return false;
}

std::string cookie_value(std::string const& header, std::string const& name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    auto part = header.substr(pos, end - pos);
    auto b = part.find_first_not_of(' ');
    if (b != std::string::npos) part = part.substr(b);
    if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 &&
        part[name.size()] == '=')
      return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return {};
}

// Names go into greetings, boards and every list: a page's worth is plenty.
constexpr std::size_t max_name_bytes = 300;

bool valid_name(std::string_view n) {
  return !n.empty() && n.size() <= max_name_bytes;
}

bool valid_id(std::string const& s) {
  if (s.empty() || s.size() > 64) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

json::object user_json(store::user const& u) {
  json::array ms;
  for (auto const& m : u.merchants) ms.emplace_back(m);
  json::array perms;  // what the account may do beyond its role (unmask)
  for (auto const& p : u.permissions) perms.emplace_back(p);
  return {{"id", u.id},          {"name", u.name},         {"role", u.role},
          {"merchants", ms},     {"capacity", u.capacity}, {"permissions", perms},
          {"created", u.created}};
}

// Platform → version of the rule pack in force.
json::object packs_json(rules const& r) {
  json::object packs;
  for (auto const& [platform, version] : r.versions()) packs[platform] = version;
  return packs;
}

json::object merchant_json(merchant_info const& m, bool with_key) {
  json::object o = m.settings;
  o["id"] = m.row.id;
  o["name"] = m.row.name;
  o["platform"] = m.row.platform;
  if (!o.contains("greeting_mode")) o["greeting_mode"] = "auto";
  if (with_key) o["channel_key"] = m.row.channel_key;
  o["created"] = m.row.created;
  return o;
}

// scheme://host[:port] with nothing after it: what a browser sends as Origin.
bool looks_like_origin(std::string_view o) {
  auto const sep = o.find("://");
  if (o.size() > 255 || (o.substr(0, sep) != "http" && o.substr(0, sep) != "https")) return false;
  auto const host = o.substr(sep + 3);
  if (host.empty()) return false;
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
          c == '[' || c == ']'))
      return false;
  return true;
}

// Validates the optional merchant fields and copies them into `settings`.
std::string merchant_settings(json::object const& in, json::object& settings) {
  static char const* const fixed[] = {"id",          "name",    "platform",
                                      "channel_key", "created", "rotate_channel_key"};
  for (auto const& [k, given] : in) {
    std::string key(k);
    bool skip = false;
    for (auto const* f : fixed) skip = skip || key == f;
    if (skip) continue;
    // The flat policy objects merge into what is set (a PATCH of {"thresholds": {"reply_s": 20}}
    // keeps the other thresholds; a key set to null goes back to its default); every other field
    // is replaced whole.
    json::value v = given;
    if ((key == "thresholds" || key == "suspension") && given.is_object()) {
      auto const* cur = settings.if_contains(k);
      json::object merged = cur != nullptr && cur->is_object() ? cur->get_object() : json::object{};
      for (auto const& [sk, sv] : given.get_object()) {
        if (sv.is_null())
          merged.erase(sk);
        else
          merged[sk] = sv;
      }
      v = std::move(merged);
    }
    if (key == "greeting" || key == "closing") {
      if (!v.is_string()) return key + " must be a string";
      if (v.get_string().size() > 2000) return key + " is too long";
    } else if (key == "greeting_mode") {
      if (!v.is_string() || (v.get_string() != "auto" && v.get_string() != "agent"))
        return "greeting_mode must be auto or agent";
    } else if (key == "service_scope") {
      if (!v.is_string() || (v.get_string() != "presale" && v.get_string() != "full"))
        return "service_scope must be presale or full";
    } else if (key == "allowed_origins") {
      if (!v.is_array() || v.get_array().size() > 100)
        return "allowed_origins must be an array of at most 100 origins";
      for (auto const& o : v.get_array())
        if (!o.is_string() || !looks_like_origin(o.get_string()))
          return "allowed_origins: each entry is an origin such as https://shop.example";
    } else if (key == "thresholds") {
      if (!v.is_null())
        if (auto t = sla::parse_thresholds(v); !t) return t.message();
    } else if (key == "service_hours") {
      if (!v.is_null())
        if (auto h = sla::parse_service_hours(v); !h) return h.message();
    } else if (key == "official_contacts") {
      if (!v.is_object() && !v.is_array() && !v.is_null())
        return "official_contacts must be an object or an array";
    } else if (key == "compliance") {
      if (!v.is_object() && !v.is_null()) return key + " must be an object";
    } else if (key == "suspension") {
      if (v.is_null()) {
      } else if (!v.is_object()) {
        return "suspension must be an object {\"blocks\": N, \"window_s\": S}";
      } else {
        for (auto const& [sk, sv] : v.get_object()) {
          if (sk == "blocks") {
            if (!sv.is_int64() || sv.get_int64() < 1)
              return "suspension.blocks must be a positive integer";
          } else if (sk == "window_s") {
            if (!sv.is_number() || !(sv.to_number<double>() > 0))
              return "suspension.window_s must be a positive number";
          } else {
            return "unknown suspension field \"" + std::string(sk) + "\"";
          }
        }
      }
    } else {
      // A typo (thresholdz) must not pass as a policy that silently does nothing.
      return "unknown merchant field \"" + key + "\"";
    }
    settings[k] = v;
  }
  return {};
}

std::string content_type_for(std::string const& path) {
  auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "wav") return "audio/wav";
  return "application/octet-stream";
}

// Runs a DB task and turns a store failure into a 503, never a crash.
template <class F>
void on_pool(asio::thread_pool& pool, std::function<void(http_response)> respond, F&& f) {
  asio::post(pool, [respond = std::move(respond), f = std::forward<F>(f)]() mutable {
    try {
      f(respond);
    } catch (store::store_error const& e) {
      if (e.constraint_violation)
        respond(json_error(409, "conflict", "already exists"));
      else
        respond(json_error(503, "unavailable", "database error"));
    } catch (std::exception const& e) {
      respond(json_error(500, "internal", "internal error"));
    }
  });
}

// ------------------------------------------------------------- WebSockets

class ws_peer_handler : public net::ws_handler {
 public:
  ws_peer_handler(std::shared_ptr<hub> h, std::shared_ptr<peer> p)
      : hub_(std::move(h)), peer_(std::move(p)) {}

  void on_open(std::shared_ptr<net::ws_connection> const& conn) override {
    peer_->conn = conn;
    if (peer_->role == peer::kind::buyer)
      hub_->buyer_open(peer_);
    else if (peer_->role == peer::kind::agent)
      hub_->agent_open(peer_);
    else
      hub_->board_open(peer_);
  }

  void on_text(std::string_view text) override {
    if (peer_->role == peer::kind::board) {
      // The board is read-only; anything sent is answered, nothing is done.
      peer_->send(std::make_shared<std::string const>(wire::to_text(
          wire::error_frame{std::nullopt, "bad_request", "the board takes no frames"})));
      return;
    }
    auto parsed = wire::parse_inbound(text);
    if (auto* err = std::get_if<wire::parse_error>(&parsed)) {
      peer_->send(std::make_shared<std::string const>(
          wire::to_text(wire::error_frame{err->id, err->code, err->message})));
      return;
    }
    hub_->frame(peer_, std::get<wire::inbound>(std::move(parsed)));
  }

  void on_binary() override {
    peer_->send(std::make_shared<std::string const>(
        wire::to_text(wire::error_frame{std::nullopt, "bad_request", "frames must be JSON text"})));
  }

  void on_close() override { hub_->peer_closed(peer_); }

 private:
  std::shared_ptr<hub> hub_;
  std::shared_ptr<peer> peer_;
};

net::upgrade_decision refuse(int status, std::string const& code, std::string const& message) {
  net::upgrade_decision d;
  d.refusal = json_error(status, code, message);
  return d;
}

}  // namespace

api::api(asio::thread_pool& db, store::store& st, directory& dir, rules& rl, std::shared_ptr<hub> h,
         config const& cfg, std::function<std::size_t()> connections)
    : db_(db),
      store_(st),
      dir_(dir),
      rules_(rl),
      hub_(std::move(h)),
      cfg_(cfg),
      connections_(std::move(connections)) {}

void api::authenticate(http_request const& req, std::function<void(std::optional<caller>)> cb) {
  std::string token;
  bool via_cookie = false;
  auto authz = req.header("authorization");
  if (authz.size() > 7 &&
      (authz.compare(0, 7, "Bearer ") == 0 || authz.compare(0, 7, "bearer ") == 0))
    token = authz.substr(7);
  if (token.empty()) {
    token = cookie_value(req.header("cookie"), "kefu_session");
    via_cookie = !token.empty();
  }
  if (token.empty() || token.size() > 256) {
    asio::post(db_, [cb = std::move(cb)] { cb(std::nullopt); });
    return;
  }
  asio::post(db_, [this, self = shared_from_this(), token, via_cookie, cb = std::move(cb)] {
    auto now = now_ms();
    auto u = dir_.by_token(token, now);
    if (!u) {
      // Sessions made before a restart are only in the database.
      try {
        if (auto s = store_.find_session(token_hash(token)); s && s->expires > now) {
          dir_.put_session(*s);
          u = dir_.by_token(token, now);
        }
      } catch (std::exception const&) {
      }
    }
    if (!u) return cb(std::nullopt);
    cb(caller{*u, via_cookie, token_hash(token)});
  });
}

bool api::origin_allowed_for_console(http_request const& req) const {
  auto origin = req.header("origin");
  if (origin.empty()) return false;
  // The console's own page. kefud speaks plain HTTP and is usually reached through a proxy that
  // terminates TLS: when the proxy says which scheme the page was served over, only that scheme
  // is the console's (an http:// page on the same host is another origin); without it either is.
  auto const host = req.header("host");
  // The first proxy's word counts (a chain of proxies appends theirs after a comma).
  std::string proto;
  for (char ch : req.header("x-forwarded-proto")) {
    if (ch == ',') break;
    if (ch != ' ' && ch != '\t')
      proto += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  if (proto == "http" || proto == "https") {
    if (origin == proto + "://" + host) return true;
  } else if (origin == "http://" + host || origin == "https://" + host) {
    return true;
  }
  for (auto const& o : cfg_.console_origins)
    if (o == origin) return true;
  return false;
}

// ---------------------------------------------------------------- upgrade

void api::on_upgrade(http_request req, std::function<void(net::upgrade_decision)> decide) {
  if (req.path == "/ws/buyer") {
    auto merchant = req.param("merchant");
    auto buyer = req.param("buyer");
    auto key = req.param("key");
    auto m = dir_.merchant(merchant);
    if (merchant.empty() || buyer.empty() || key.empty())
      return decide(refuse(400, "bad_request", "merchant, buyer and key are required"));
    if (buyer.size() > 128) return decide(refuse(400, "bad_request", "buyer id is too long"));
    if (!m || !secret_equal(m->row.channel_key, key))
      return decide(refuse(403, "forbidden", "unknown merchant or wrong channel key"));
    auto origin = req.header("origin");
    // A request that carries Origin, even an empty one, is held to the merchant's list.
    if (req.headers.count("origin") != 0) {
      bool ok = false;
      for (auto const& o : m->allowed_origins) ok = ok || o == origin;
      if (!ok) return decide(refuse(403, "forbidden", "origin not allowed for this merchant"));
    }
    auto p = std::make_shared<peer>();
    p->role = peer::kind::buyer;
    p->merchant = merchant;
    p->buyer = buyer;
    net::upgrade_decision d;
    d.accept = std::make_shared<ws_peer_handler>(hub_, p);
    return decide(std::move(d));
  }
  if (req.path == "/ws/agent") {
    auto self = shared_from_this();
    authenticate(req, [self, req, decide = std::move(decide)](std::optional<caller> who) {
      if (!who) return decide(refuse(401, "unauthorized", "login required"));
      if (who->via_cookie && !self->origin_allowed_for_console(req))
        return decide(refuse(403, "forbidden", "cross-origin WebSocket refused"));
      if (who->user.role != "agent")
        return decide(refuse(403, "forbidden", "only agents take chats"));
      auto p = std::make_shared<peer>();
      p->role = peer::kind::agent;
      p->agent = who->user.id;
      p->user = who->user.id;
      p->session = who->session;
      net::upgrade_decision d;
      d.accept = std::make_shared<ws_peer_handler>(self->hub_, p);
      decide(std::move(d));
    });
    return;
  }
  if (req.path == "/ws/board") {
    auto self = shared_from_this();
    authenticate(req, [self, req, decide = std::move(decide)](std::optional<caller> who) {
      if (!who) return decide(refuse(401, "unauthorized", "login required"));
      if (who->via_cookie && !self->origin_allowed_for_console(req))
        return decide(refuse(403, "forbidden", "cross-origin WebSocket refused"));
      auto const& role = who->user.role;
      if (role != "manager" && role != "qa" && role != "admin")
        return decide(refuse(403, "forbidden", "the board is for managers and QA"));
      auto p = std::make_shared<peer>();
      p->role = peer::kind::board;
      p->scope = role == "admin" ? std::vector<std::string>{"*"} : who->user.merchants;
      p->user = who->user.id;
      p->session = who->session;
      net::upgrade_decision d;
      d.accept = std::make_shared<ws_peer_handler>(self->hub_, p);
      decide(std::move(d));
    });
    return;
  }
  decide(refuse(404, "not_found", "no such WebSocket endpoint"));
}

// ------------------------------------------------------------------- HTTP

void api::on_http(http_request req, respond_fn respond) {
  // A path the server serves, asked with a method it does not answer there: 405 and what it
  // does answer, before any login (the answer tells nothing about the caller's rights).
  if (auto const allow = methods_for(req.path);
      !allow.empty() && !method_listed(allow, req.method)) {
    auto r = json_error(405, "method_not_allowed", req.method + " is not allowed on " + req.path);
    r.headers.emplace_back("Allow", std::string(allow));
    return respond(std::move(r));
  }
  if (req.path == "/healthz") return respond(json_ok(json::object{{"status", "ok"}}));
  if (req.path == "/metrics") {
    auto self = shared_from_this();
    return hub_->queue_snapshot([self, respond](std::map<std::string, std::size_t> queues) {
      auto r = self->metrics();
      std::string q =
          "# HELP kefu_queue_length Chats waiting for an agent.\n"
          "# TYPE kefu_queue_length gauge\n";
      for (auto const& [m, n] : queues)
        q += "kefu_queue_length{merchant=\"" + m + "\"} " + std::to_string(n) + "\n";
      r.body += q;
      respond(std::move(r));
    });
  }
  if (req.path == "/api/login" && req.method == "POST") return login(req, respond);
  if (req.path.rfind("/api/", 0) != 0) {
    if (req.method != "GET" && req.method != "HEAD")
      return respond(json_error(405, "method_not_allowed", "method not allowed"));
    auto self = shared_from_this();
    auto path = req.path;
    asio::post(db_, [self, path, respond] { respond(self->static_file(path)); });
    return;
  }
  auto self = shared_from_this();
  auto shared_req = std::make_shared<http_request const>(std::move(req));
  authenticate(*shared_req, [self, shared_req, respond](std::optional<caller> who) {
    try {
      self->route(*shared_req, who, respond);
    } catch (store::store_error const& e) {
      respond(e.constraint_violation ? json_error(409, "conflict", "already exists")
                                     : json_error(503, "unavailable", "database error"));
    } catch (std::exception const&) {
      respond(json_error(500, "internal", "internal error"));
    }
  });
}

std::optional<http_response> api::merchant_refusal(store::user const& u,
                                                   std::string const& merchant) const {
  if (!dir_.merchant(merchant)) return json_error(404, "not_found", "no such merchant");
  if (!in_scope(u, merchant)) return json_error(403, "forbidden", "merchant outside your scope");
  return std::nullopt;
}

// Runs on the DB pool.
void api::route(http_request const& req, std::optional<caller> const& who,
                respond_fn const& respond) {
  if (!who) return respond(json_error(401, "unauthorized", "login required"));
  auto const& u = who->user;
  // Cookie-authenticated writes from a browser must come from the console's
  // own origin (browsers always send Origin on such requests); a client that
  // is not a browser sends none and may use the cookie like a token.
  if (who->via_cookie && req.method != "GET" && req.method != "HEAD" &&
      !req.header("origin").empty() && !origin_allowed_for_console(req))
    return respond(json_error(403, "forbidden", "cross-origin request refused"));
  auto const& path = req.path;
  auto const& method = req.method;
  auto is_admin = u.role == "admin";

  if (path == "/api/logout" && method == "POST") return logout(req, respond);
  if (path == "/api/me" && method == "GET") return respond(json_ok(user_json(u)));

  if (path == "/api/rules/reload" && method == "POST") {
    if (!is_admin) return respond(json_error(403, "forbidden", "admins only"));
    return reload_rules(respond);
  }
  if (path == "/api/rules" && method == "GET")
    return respond(json_ok(json::object{{"packs", packs_json(rules_)}}));
  if (path == "/api/merchants") {
    if (method == "POST") {
      if (!is_admin) return respond(json_error(403, "forbidden", "admins only"));
      return create_merchant(req, respond);
    }
    if (method == "GET") {
      json::array out;
      for (auto const& m : dir_.merchants())
        if (in_scope(u, m.row.id)) out.push_back(merchant_json(m, is_admin));
      return respond(json_ok(json::object{{"merchants", std::move(out)}}));
    }
  }
  if (path.rfind("/api/merchants/", 0) == 0) {
    auto id = path.substr(15);
    if (method == "GET") {
      if (auto no = merchant_refusal(u, id)) return respond(std::move(*no));
      return respond(json_ok(merchant_json(*dir_.merchant(id), is_admin)));
    }
    if (method == "PATCH") {
      if (!is_admin) return respond(json_error(403, "forbidden", "admins only"));
      return update_merchant(id, req, respond);
    }
  }
  if (path == "/api/agents") {
    if (method == "POST") {
      if (!is_admin) return respond(json_error(403, "forbidden", "admins only"));
      return create_agent(req, respond);
    }
    if (method == "GET") {
      json::array out;
      if (u.role == "agent") {
        // Agents see only their colleagues' ids and names: enough to pick a
        // transfer target.
        for (auto const& x : dir_.users()) {
          if (x.role != "agent" || x.id == u.id) continue;
          bool shared = false;
          for (auto const& m : x.merchants) shared = shared || m == "*" || in_scope(u, m);
          if (shared) out.push_back(json::object{{"id", x.id}, {"name", x.name}, {"role", x.role}});
        }
        return respond(json_ok(json::object{{"agents", std::move(out)}}));
      }
      for (auto const& x : dir_.users()) {
        bool visible = is_admin;
        for (auto const& m : x.merchants) visible = visible || m == "*" || in_scope(u, m);
        if (!visible) continue;
        if (is_admin) {
          out.push_back(user_json(x));
          continue;
        }
        // A shared agent's other merchants are not the viewer's business.
        auto shown = x;
        std::erase_if(shown.merchants,
                      [&](std::string const& m) { return m != "*" && !in_scope(u, m); });
        out.push_back(user_json(shown));
      }
      return respond(json_ok(json::object{{"agents", std::move(out)}}));
    }
  }
  if (path.rfind("/api/agents/", 0) == 0 && path.size() > 22 &&
      path.compare(path.size() - 10, 10, "/unsuspend") == 0 && method == "POST") {
    if (u.role != "manager" && !is_admin)
      return respond(json_error(403, "forbidden", "managers only"));
    auto agent = path.substr(12, path.size() - 22);
    json::error_code ec;
    auto body = json::parse(req.body, ec);
    auto const* m = (!ec && body.is_object()) ? body.as_object().if_contains("merchant") : nullptr;
    if (!m || !m->is_string())
      return respond(json_error(400, "bad_request", "merchant is required"));
    std::string merchant(m->as_string());
    if (auto no = merchant_refusal(u, merchant)) return respond(std::move(*no));
    if (!dir_.user(agent)) return respond(json_error(404, "not_found", "no such agent"));
    hub_->lift_suspension(agent, merchant);
    return respond(json_ok(json::object{{"ok", true}}));
  }
  if (path.rfind("/api/agents/", 0) == 0 && method == "PATCH") {
    if (!is_admin) return respond(json_error(403, "forbidden", "admins only"));
    return update_agent(path.substr(12), req, respond);
  }
  if (path.rfind("/api/chats/", 0) == 0 && method == "GET")
    return get_chat(*who, path.substr(11), req, respond);
  if (qa_route(*who, req, respond)) return;
  if (path == "/api/events" && method == "GET") return get_events(*who, req, respond);
  if (path == "/api/sla" && method == "GET") return get_sla(*who, req, respond);
  if (path == "/api/compliance/check" && method == "POST")
    return compliance_check(*who, req, respond);
  if (path == "/api/reports/satisfaction" && method == "GET")
    return get_satisfaction(*who, req, respond);
  if (path == "/api/reports/price-guide" && method == "GET")
    return get_price_guide(*who, req, respond);
  respond(json_error(404, "not_found", "no such endpoint"));
}

void api::login(http_request const& req, respond_fn const& reply) {
  auto self = shared_from_this();
  on_pool(db_, reply, [self, body = req.body](respond_fn const& respond) {
    json::error_code ec;
    auto v = json::parse(body, ec);
    auto const* o = ec ? nullptr : v.if_object();
    auto const* un = o ? o->if_contains("username") : nullptr;
    auto const* pw = o ? o->if_contains("password") : nullptr;
    if (!un || !pw || !un->is_string() || !pw->is_string())
      return respond(json_error(400, "bad_request", "username and password are required"));
    auto u = self->dir_.user(std::string(un->get_string()));
    // Verify against a dummy hash when the user is unknown so timing does not tell.
    static std::string const dummy = hash_password(random_hex(8));
    bool ok = verify_password(u ? u->password_hash : dummy, std::string(pw->get_string()));
    if (!u || !ok) return respond(json_error(401, "unauthorized", "wrong username or password"));
    auto token = new_token();
    store::login_session s{token_hash(token), u->id, now_ms(),
                           now_ms() + self->cfg_.session_ttl_ms};
    self->store_.insert_session(s);
    self->dir_.put_session(s);
    auto r = json_ok(json::object{{"token", token}, {"role", u->role}, {"user", user_json(*u)}});
    r.headers.emplace_back("Set-Cookie", "kefu_session=" + token +
                                             "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                             std::to_string(self->cfg_.session_ttl_ms / 1000));
    respond(std::move(r));
  });
}

void api::logout(http_request const& req, respond_fn const& respond) {
  std::string token;
  auto authz = req.header("authorization");
  if (authz.size() > 7) token = authz.substr(7);
  if (token.empty()) token = cookie_value(req.header("cookie"), "kefu_session");
  auto h = token_hash(token);
  store_.delete_session(h);
  dir_.drop_session(h);
  hub_->end_sessions(h, {});
  auto r = json_ok(json::object{{"ok", true}});
  r.headers.emplace_back("Set-Cookie",
                         "kefu_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  respond(std::move(r));
}

void api::create_merchant(http_request const& req, respond_fn const& respond) {
  json::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec || !v.is_object())
    return respond(json_error(400, "bad_request", "body must be a JSON object"));
  auto const& o = v.get_object();
  auto str = [&](char const* k) -> std::string {
    auto const* p = o.if_contains(k);
    return p && p->is_string() ? std::string(p->get_string()) : std::string();
  };
  store::merchant m;
  m.id = str("id");
  m.name = str("name");
  m.platform = str("platform");
  if (!valid_id(m.id))
    return respond(json_error(400, "bad_request", "id must be 1-64 letters, digits, _ - ."));
  if (!valid_name(m.name))
    return respond(json_error(400, "bad_request", "name is required (at most 300 bytes)"));
  if (m.platform != "kuaishou" && m.platform != "taobao" && m.platform != "tencent")
    return respond(json_error(400, "bad_request", "platform must be kuaishou, taobao or tencent"));
  json::object settings;
  if (auto err = merchant_settings(o, settings); !err.empty())
    return respond(json_error(400, "bad_request", err));
  m.settings_json = json_text(settings);
  m.channel_key = random_hex(16);
  m.created = now_ms();
  if (auto err = rules_.validate(merchant_info::from_row(m)); !err.empty())
    return respond(json_error(400, "bad_request", err));
  if (dir_.merchant(m.id)) return respond(json_error(409, "conflict", "merchant exists"));
  store_.insert_merchant(m);
  dir_.put_merchant(m);
  rules_.rebuild(*dir_.merchant(m.id));
  respond(json_ok(merchant_json(*dir_.merchant(m.id), true), 201));
}

void api::update_merchant(std::string const& id, http_request const& req,
                          respond_fn const& respond) {
  auto cur = dir_.merchant(id);
  if (!cur) return respond(json_error(404, "not_found", "no such merchant"));
  json::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec || !v.is_object())
    return respond(json_error(400, "bad_request", "body must be a JSON object"));
  auto const& o = v.get_object();
  store::merchant m = cur->row;
  // What the server owns may be sent back unchanged (a client that PATCHes what it read), but
  // not changed: a new channel key is asked for, never chosen.
  if (auto const* p = o.if_contains("id"); p && !(p->is_string() && p->get_string() == id))
    return respond(json_error(400, "bad_request", "id cannot change"));
  if (auto const* p = o.if_contains("created");
      p && !(p->is_int64() && p->get_int64() == cur->row.created))
    return respond(json_error(400, "bad_request", "created cannot change"));
  if (auto const* p = o.if_contains("channel_key");
      p && !(p->is_string() && p->get_string() == cur->row.channel_key))
    return respond(json_error(400, "bad_request",
                              "channel_key is issued by the server: send "
                              "\"rotate_channel_key\": true for a new one"));
  if (auto const* p = o.if_contains("rotate_channel_key")) {
    if (!p->is_bool())
      return respond(json_error(400, "bad_request", "rotate_channel_key must be true or false"));
    if (p->get_bool()) m.channel_key = random_hex(16);
  }
  if (auto const* p = o.if_contains("name")) {
    if (!p->is_string() || !valid_name(p->get_string()))
      return respond(json_error(400, "bad_request", "name must be a string of 1 to 300 bytes"));
    m.name = std::string(p->get_string());
  }
  if (auto const* p = o.if_contains("platform")) {
    if (!p->is_string() || (p->get_string() != "kuaishou" && p->get_string() != "taobao" &&
                            p->get_string() != "tencent"))
      return respond(
          json_error(400, "bad_request", "platform must be kuaishou, taobao or tencent"));
    m.platform = std::string(p->get_string());
  }
  json::object settings = cur->settings;
  if (auto err = merchant_settings(o, settings); !err.empty())
    return respond(json_error(400, "bad_request", err));
  m.settings_json = json_text(settings);
  if (auto err = rules_.validate(merchant_info::from_row(m)); !err.empty())
    return respond(json_error(400, "bad_request", err));
  store_.update_merchant(m);
  dir_.put_merchant(m);
  // The new rules apply to the next message, without a restart; the open chats' clocks follow
  // the new SLA policy at once.
  rules_.rebuild(*dir_.merchant(id));
  hub_->merchant_policy_changed(id);
  respond(json_ok(merchant_json(*dir_.merchant(id), true)));
}

namespace {

std::string agent_fields(json::object const& o, store::user& u, bool creating) {
  for (auto const& [k, v] : o) {
    std::string key(k);
    if (key == "id") {
      if (!creating) continue;
      if (!v.is_string() || !valid_id(std::string(v.get_string())))
        return "id must be 1-64 letters, digits, _ - .";
      u.id = std::string(v.get_string());
    } else if (key == "name") {
      if (!v.is_string() || !valid_name(v.get_string()))
        return "name must be a string of 1 to 300 bytes";
      u.name = std::string(v.get_string());
    } else if (key == "password") {
      if (!v.is_string() || v.get_string().empty() || v.get_string().size() > 256)
        return "password must be a string of 1 to 256 characters";
      u.password_hash = hash_password(std::string(v.get_string()));
    } else if (key == "role") {
      if (!v.is_string() || (v.get_string() != "agent" && v.get_string() != "qa" &&
                             v.get_string() != "manager" && v.get_string() != "admin"))
        return "role must be agent, qa, manager or admin";
      u.role = std::string(v.get_string());
    } else if (key == "merchants") {
      if (!v.is_array()) return "merchants must be an array of merchant ids";
      u.merchants.clear();
      for (auto const& m : v.get_array()) {
        if (!m.is_string()) return "merchants must be an array of merchant ids";
        std::string id(m.get_string());
        if (std::find(u.merchants.begin(), u.merchants.end(), id) == u.merchants.end())
          u.merchants.push_back(std::move(id));
      }
    } else if (key == "permissions") {
      if (!v.is_array()) return "permissions must be an array";
      u.permissions.clear();
      for (auto const& p : v.get_array()) {
        if (!p.is_string() || p.get_string() != "unmask")
          return "the only permission is \"unmask\"";
        u.permissions.emplace_back(p.get_string());
      }
    } else if (key == "capacity") {
      if (!v.is_int64() || v.get_int64() < 0 || v.get_int64() > 100)
        return "capacity must be an integer from 0 to 100";
      u.capacity = static_cast<int>(v.get_int64());
    } else {
      return "unknown agent field \"" + key + "\"";
    }
  }
  return {};
}

}  // namespace

void api::create_agent(http_request const& req, respond_fn const& respond) {
  json::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec || !v.is_object())
    return respond(json_error(400, "bad_request", "body must be a JSON object"));
  store::user u;
  u.role = "agent";
  if (auto err = agent_fields(v.get_object(), u, true); !err.empty())
    return respond(json_error(400, "bad_request", err));
  if (u.id.empty() || u.password_hash.empty())
    return respond(json_error(400, "bad_request", "id and password are required"));
  if (u.name.empty()) u.name = u.id;
  for (auto const& m : u.merchants)
    if (m != "*" && !dir_.merchant(m))
      return respond(json_error(400, "bad_request", "unknown merchant " + m));
  if (dir_.user(u.id)) return respond(json_error(409, "conflict", "user exists"));
  u.created = now_ms();
  store_.insert_user(u);
  dir_.put_user(u);
  hub_->agent_changed(u);
  respond(json_ok(user_json(u), 201));
}

void api::update_agent(std::string const& id, http_request const& req, respond_fn const& respond) {
  std::unique_lock lock(accounts_mu_);
  auto cur = dir_.user(id);
  if (!cur) return respond(json_error(404, "not_found", "no such user"));
  json::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec || !v.is_object())
    return respond(json_error(400, "bad_request", "body must be a JSON object"));
  store::user u = *cur;
  if (auto err = agent_fields(v.get_object(), u, false); !err.empty())
    return respond(json_error(400, "bad_request", err));
  for (auto const& m : u.merchants)
    if (m != "*" && !dir_.merchant(m))
      return respond(json_error(400, "bad_request", "unknown merchant " + m));
  if (cur->role == "admin" && u.role != "admin") {
    std::size_t admins = 0;
    for (auto const& x : dir_.users()) admins += x.role == "admin";
    if (admins <= 1)
      return respond(json_error(409, "conflict", "the last admin cannot give up the role"));
  }
  store_.update_user(u);
  // A new password (or a new role) ends every login made with the old one.
  if (u.password_hash != cur->password_hash || u.role != cur->role) {
    store_.delete_sessions_of(u.id);
    dir_.drop_sessions_of(u.id);
    hub_->end_sessions({}, u.id);
  }
  dir_.put_user(u);
  lock.unlock();
  hub_->agent_changed(u);
  respond(json_ok(user_json(u)));
}

void api::get_events(caller const& who, http_request const& req, respond_fn const& respond) {
  auto const& u = who.user;
  if (u.role == "agent") return respond(json_error(403, "forbidden", "not for agents"));
  auto from = parse_ms(req.param("from"));
  auto to = parse_ms(req.param("to"));
  if (!from || !to)
    return respond(json_error(400, "bad_request", "from and to (epoch ms) are required"));
  // Streamed: rows go out as they are read, in 64 KiB chunks, so memory stays
  // flat however long the window.
  http_response r{200, "application/x-ndjson", {}, {}};
  auto self = shared_from_this();
  r.producer = [self, user = u, from = *from, to = *to](net::chunk_sink& sink) {
    std::string buf;
    bool alive = true;
    auto flush = [&](bool force) {
      if (alive && (force || buf.size() >= 64 * 1024)) {
        alive = sink.write(buf);
        buf.clear();
      }
    };
    try {
      // The same stored-row translation the reports and kefu-sla replay use.
      for_each_sla_event(
          self->store_, from, to, [&](std::string const& m) { return in_scope(user, m); },
          [&](sla::event const& e) {
            if (!alive) return;
            buf += json_text(json::value_from(e));
            buf += '\n';
            flush(false);
          });
    } catch (std::exception const&) {
      // Headers are out already: a cut stream is the only honest signal left.
      return;
    }
    flush(true);
  };
  respond(std::move(r));
}

void api::compliance_check(caller const& who, http_request const& req, respond_fn const& respond) {
  json::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec || !v.is_object())
    return respond(json_error(400, "bad_request", "body must be a JSON object"));
  auto const& o = v.get_object();
  auto str = [&](char const* k, std::string& out) {
    auto const* p = o.if_contains(k);
    if (!p) return true;
    if (!p->is_string()) return false;
    out = std::string(p->get_string());
    return true;
  };
  std::string merchant, role_name = "agent", text, chat;
  if (!str("merchant", merchant) || !str("role", role_name) || !str("chat", chat) ||
      !o.contains("text") || !str("text", text) || merchant.empty())
    return respond(json_error(400, "bad_request", "merchant and text (strings) are required"));
  auto role = compliance::parse_role(role_name);
  if (!role) return respond(json_error(400, "bad_request", "role must be agent or buyer"));
  if (auto no = merchant_refusal(who.user, merchant)) return respond(std::move(*no));
  // An agent checks against its own chat's window only.
  std::string agent = who.user.role == "agent" ? who.user.id : std::string();
  hub_->check(merchant, *role, text, chat, agent,
              [respond](std::optional<compliance::verdict> verdict) {
                if (!verdict) return respond(json_error(404, "not_found", "no such merchant"));
                respond({200, "application/json", compliance::to_json(*verdict), {}});
              });
}

// Reads the platform rule packs again (an admin edited shared/rules) and rebuilds every
// merchant's engine, without a restart. A broken pack is refused with its error and changes
// nothing. Built on the pool: reading and compiling the packs takes milliseconds.
void api::reload_rules(respond_fn const& respond) {
  auto self = shared_from_this();
  on_pool(db_, respond, [self](respond_fn const& reply) {
    std::vector<std::string> warnings;
    auto err = self->rules_.reload(self->dir_, &warnings);
    if (!err.empty()) return reply(json_error(400, "bad_request", err));
    json::array w;
    for (auto& s : warnings) w.emplace_back(s);
    reply(json_ok(json::object{{"packs", packs_json(self->rules_)}, {"warnings", std::move(w)}}));
  });
}

std::vector<sla::event> api::sla_events(caller const& who, std::int64_t from, std::int64_t to,
                                        std::string const& merchant) {
  return load_sla_events(store_, from, to, [&](std::string const& m) {
    return in_scope(who.user, m) && (merchant.empty() || m == merchant);
  });
}

// The role check and [from, to) window every report takes; answers and
// returns nullopt when the request cannot be served.
std::optional<std::pair<std::int64_t, std::int64_t>> api::report_window(caller const& who,
                                                                        http_request const& req,
                                                                        respond_fn const& respond) {
  if (who.user.role == "agent") {
    respond(json_error(403, "forbidden", "not for agents"));
    return std::nullopt;
  }
  auto from = parse_ms(req.param("from"));
  auto to = parse_ms(req.param("to"));
  if (!from || !to || *from > *to) {
    respond(json_error(400, "bad_request", "from and to (epoch ms, from <= to) are required"));
    return std::nullopt;
  }
  return std::pair(*from, *to);
}

void api::get_sla(caller const& who, http_request const& req, respond_fn const& respond) {
  auto window = report_window(who, req, respond);
  if (!window) return;
  auto [from, to] = *window;
  auto g = sla::parse_group(req.has_param("group") ? req.param("group") : "merchant");
  if (!g) return respond(json_error(400, "bad_request", "group must be merchant, agent or day"));
  auto merchant = req.param("merchant");
  if (!merchant.empty())
    if (auto no = merchant_refusal(who.user, merchant)) return respond(std::move(*no));
  auto events = sla_events(who, from, to, merchant);
  // The same computation as kefu-sla --as-of min(to, now) over /api/events.
  auto report = sla::compute(events, policies(dir_), std::min(to, now_ms()));
  if (req.param("format") == "csv") {
    http_response r{200, "text/csv; charset=utf-8", sla::to_csv(report, *g), {}};
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"sla-" +
                                                      std::string(sla::to_string(*g)) + ".csv\"");
    return respond(std::move(r));
  }
  respond({200, "application/json", sla::serialize(report, *g), {}});
}

// Ratings of the chats opened in [from, to): satisfied / rated against 97 %
// (seed 004), overall and by merchant, agent (holder at close) or local day.
void api::get_satisfaction(caller const& who, http_request const& req, respond_fn const& respond) {
  auto window = report_window(who, req, respond);
  if (!window) return;
  auto [from, to] = *window;
  auto g = req.has_param("group") ? req.param("group") : std::string("merchant");
  if (g != "merchant" && g != "agent" && g != "day")
    return respond(json_error(400, "bad_request", "group must be merchant, agent or day"));
  auto merchant = req.param("merchant");
  if (!merchant.empty())
    if (auto no = merchant_refusal(who.user, merchant)) return respond(std::move(*no));
  auto book = policies(dir_);
  struct tally {
    std::int64_t rated = 0, satisfied = 0, neutral = 0, unsatisfied = 0;
    json::object to_json() const {
      auto o = satisfaction_json(rated, satisfied);
      o["neutral"] = neutral;
      o["unsatisfied"] = unsatisfied;
      auto const& r = o["satisfaction_rate"];
      o["below_target"] = r.is_double() ? json::value(r.as_double() < 0.97) : json::value(nullptr);
      return o;
    }
  };
  tally overall;
  std::map<std::string, tally> by;
  for (auto const& c : store_.chats_opened(from, to, merchant)) {
    if (!in_scope(who.user, c.merchant) || !c.rating) continue;
    std::string key =
        g == "merchant" ? c.merchant
        : g == "agent"
            ? c.agent
            : sla::day_key(sla::local_day(c.opened, book.of(c.merchant).utc_offset_min()));
    for (auto* t : {&overall, &by[key]}) {
      t->rated++;
      t->satisfied += *c.rating == "satisfied";
      t->neutral += *c.rating == "neutral";
      t->unsatisfied += *c.rating == "unsatisfied";
    }
  }
  json::object groups;
  for (auto const& [k, t] : by) groups[k] = t.to_json();
  respond(json_ok(json::object{
      {"overall", overall.to_json()}, {"by_" + g, std::move(groups)}, {"target", 0.97}}));
}

void api::get_price_guide(caller const& who, http_request const& req, respond_fn const& respond) {
  auto window = report_window(who, req, respond);
  if (!window) return;
  auto [from, to] = *window;
  auto merchant = req.param("merchant");
  if (!merchant.empty())
    if (auto no = merchant_refusal(who.user, merchant)) return respond(std::move(*no));
  auto events = sla_events(who, from, to, merchant);
  auto book = policies(dir_);
  auto chats = sla::replay(events, book, std::min(to, now_ms()));
  respond(json_ok(sla::price_report(chats, book)));
}

http_response api::metrics() {
  auto const& c = hub_->counters();
  auto st = store_.stats();
  std::ostringstream o;
  o << "# HELP kefu_connections Open WebSocket connections.\n# TYPE kefu_connections gauge\n"
    << "kefu_connections " << connections_() << "\n"
    << "# HELP kefu_open_chats Chats open now.\n# TYPE kefu_open_chats gauge\n"
    << "kefu_open_chats " << c.open_chats.load() << "\n"
    << "# HELP kefu_queued_chats Chats waiting for an agent, all merchants.\n"
    << "# TYPE kefu_queued_chats gauge\nkefu_queued_chats " << c.queued_chats.load() << "\n"
    << "# HELP kefu_agents_online Agents connected and online.\n# TYPE kefu_agents_online gauge\n"
    << "kefu_agents_online " << c.agents_online.load() << "\n"
    << "# HELP kefu_messages_routed_total Messages stored and delivered.\n"
    << "# TYPE kefu_messages_routed_total counter\nkefu_messages_routed_total "
    << c.messages_routed.load() << "\n"
    << "# HELP kefu_messages_blocked_total Agent messages blocked by compliance.\n"
    << "# TYPE kefu_messages_blocked_total counter\nkefu_messages_blocked_total "
    << c.messages_blocked.load() << "\n"
    << "# HELP kefu_sla_misses_total SLA thresholds passed by waiting turns, live.\n"
    << "# TYPE kefu_sla_misses_total counter\nkefu_sla_misses_total " << c.sla_misses.load() << "\n"
    << "# HELP kefu_store_failures_total Writes the database refused.\n"
    << "# TYPE kefu_store_failures_total counter\nkefu_store_failures_total "
    << c.store_failures.load() << "\n"
    << "# HELP kefu_store_read_failures_total Reads of the database that failed.\n"
    << "# TYPE kefu_store_read_failures_total counter\nkefu_store_read_failures_total "
    << c.store_read_failures.load() << "\n"
    << "# HELP kefu_commit_latency_seconds Group-commit transaction latency.\n"
    << "# TYPE kefu_commit_latency_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < st.bucket_bounds.size() && i < st.bucket_counts.size(); ++i) {
    cumulative = st.bucket_counts[i];
    o << "kefu_commit_latency_seconds_bucket{le=\"" << st.bucket_bounds[i] << "\"} " << cumulative
      << "\n";
  }
  o << "kefu_commit_latency_seconds_bucket{le=\"+Inf\"} " << st.transactions << "\n"
    << "kefu_commit_latency_seconds_sum " << st.latency_sum << "\n"
    << "kefu_commit_latency_seconds_count " << st.transactions << "\n"
    << "# HELP kefu_store_writes_total Writes committed by the group-commit writer.\n"
    << "# TYPE kefu_store_writes_total counter\nkefu_store_writes_total " << st.writes << "\n"
    << "# HELP kefu_sqlite_wal_frames Pages in SQLite's write-ahead log (0 on PostgreSQL).\n"
    << "# TYPE kefu_sqlite_wal_frames gauge\nkefu_sqlite_wal_frames " << st.wal_frames << "\n"
    << "# HELP kefu_sqlite_checkpoints_total WAL checkpoints completed.\n"
    << "# TYPE kefu_sqlite_checkpoints_total counter\nkefu_sqlite_checkpoints_total "
    << st.checkpoints << "\n"
    << "# HELP kefu_sqlite_checkpoint_failures_total WAL checkpoints that failed (not busy).\n"
    << "# TYPE kefu_sqlite_checkpoint_failures_total counter\n"
    << "kefu_sqlite_checkpoint_failures_total " << st.checkpoint_failures << "\n";
  return {200, "text/plain; version=0.0.4; charset=utf-8", o.str(), {}};
}

http_response api::static_file(std::string const& path) {
  namespace fs = std::filesystem;
  if (cfg_.console_dir.empty()) return json_error(404, "not_found", "no console configured");
  std::string rel = path == "/" ? "index.html" : path.substr(1);
  if (rel.find("..") != std::string::npos || rel.find('\\') != std::string::npos)
    return json_error(404, "not_found", "not found");
  fs::path file = fs::path(cfg_.console_dir) / rel;
  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "index.html";
  std::ifstream in(file, std::ios::binary);
  if (!in) return json_error(404, "not_found", "not found");
  std::stringstream ss;
  ss << in.rdbuf();
  http_response r{200, content_type_for(file.string()), ss.str(), {}};
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace kefu::app
