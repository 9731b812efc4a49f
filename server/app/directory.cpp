#include "server/app/directory.hpp"

#include <mutex>

#include "server/app/auth.hpp"

namespace kefu::app {

namespace json = boost::json;

merchant_info merchant_info::from_row(store::merchant const& m) {
  merchant_info info;
  info.row = m;
  json::error_code ec;
  auto v = json::parse(m.settings_json, ec);
  if (!ec && v.is_object()) info.settings = v.get_object();
  auto str = [&](char const* key, std::string& out) {
    if (auto const* p = info.settings.if_contains(key); p && p->is_string())
      out = std::string(p->get_string());
  };
  str("greeting", info.greeting);
  str("greeting_mode", info.greeting_mode);
  str("closing", info.closing);
  if (auto const* p = info.settings.if_contains("allowed_origins"); p && p->is_array())
    for (auto const& o : p->get_array())
      if (o.is_string()) info.allowed_origins.emplace_back(o.get_string());
  if (auto policy = sla::parse_merchant_policy(json::value(info.settings)))
    info.sla_policy = *policy;
  return info;
}

void directory::load(store::store& st) {
  auto users = st.list_users();
  auto merchants = st.list_merchants();
  std::unique_lock lock(mu_);
  for (auto& u : users) users_[u.id] = std::move(u);
  for (auto& m : merchants)
    merchants_[m.id] = std::make_shared<merchant_info const>(merchant_info::from_row(m));
}

std::optional<store::user> directory::user(std::string const& id) const {
  std::shared_lock lock(mu_);
  auto it = users_.find(id);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

std::vector<store::user> directory::users() const {
  std::shared_lock lock(mu_);
  std::vector<store::user> out;
  for (auto const& [id, u] : users_) out.push_back(u);
  return out;
}

void directory::put_user(store::user const& u) {
  std::unique_lock lock(mu_);
  users_[u.id] = u;
}

std::shared_ptr<merchant_info const> directory::merchant(std::string const& id) const {
  std::shared_lock lock(mu_);
  auto it = merchants_.find(id);
  return it == merchants_.end() ? nullptr : it->second;
}

std::vector<merchant_info> directory::merchants() const {
  std::shared_lock lock(mu_);
  std::vector<merchant_info> out;
  for (auto const& [id, m] : merchants_) out.push_back(*m);
  return out;
}

void directory::put_merchant(store::merchant const& m) {
  std::unique_lock lock(mu_);
  merchants_[m.id] = std::make_shared<merchant_info const>(merchant_info::from_row(m));
}

std::optional<store::user> directory::by_token(std::string const& token, std::int64_t now) const {
  if (token.empty()) return std::nullopt;
  auto h = token_hash(token);
  std::shared_lock lock(mu_);
  auto it = sessions_.find(h);
  if (it == sessions_.end() || it->second.expires <= now) return std::nullopt;
  auto u = users_.find(it->second.user_id);
  if (u == users_.end()) return std::nullopt;
  return u->second;
}

void directory::put_session(store::login_session const& s) {
  std::unique_lock lock(mu_);
  sessions_[s.token_hash] = s;
}

void directory::drop_sessions_of(std::string const& user_id) {
  std::unique_lock lock(mu_);
  std::erase_if(sessions_, [&](auto const& kv) { return kv.second.user_id == user_id; });
}

void directory::drop_session(std::string const& h) {
  std::unique_lock lock(mu_);
  sessions_.erase(h);
}

bool in_scope(store::user const& u, std::string const& merchant) {
  if (u.role == "admin") return true;
  for (auto const& m : u.merchants)
    if (m == "*" || m == merchant) return true;
  return false;
}

}  // namespace kefu::app
