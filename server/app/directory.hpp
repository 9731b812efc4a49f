#pragma once
// In-memory view of users, merchants and login sessions, loaded at start and
// written through by the admin API, so that authentication and routing never
// wait on the database. Thread-safe.

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/core/sla/policy.hpp"
#include "server/store/store.hpp"

namespace kefu::app {

struct merchant_info {
  store::merchant row;
  boost::json::object settings;  // parsed settings_json
  std::string greeting;          // template with {merchant} and {agent}
  std::string greeting_mode = "auto";
  std::string closing;
  std::vector<std::string> allowed_origins;
  // Thresholds and service hours, parsed once here rather than per chat or
  // per report (defaults when unset; the admin API refuses invalid ones).
  sla::merchant_policy sla_policy;

  static merchant_info from_row(store::merchant const& m);
};

class directory {
 public:
  void load(store::store& st);

  std::optional<store::user> user(std::string const& id) const;
  std::vector<store::user> users() const;
  void put_user(store::user const& u);

  // Shared and immutable: the hot path reads it without copying settings.
  std::shared_ptr<merchant_info const> merchant(std::string const& id) const;
  std::vector<merchant_info> merchants() const;
  void put_merchant(store::merchant const& m);

  // The user behind a bearer token, if the session is known and unexpired.
  std::optional<store::user> by_token(std::string const& token, std::int64_t now) const;
  void put_session(store::login_session const& s);
  void drop_session(std::string const& token_hash);
  void drop_sessions_of(std::string const& user_id);

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, store::user> users_;
  std::map<std::string, std::shared_ptr<merchant_info const>> merchants_;
  std::unordered_map<std::string, store::login_session> sessions_;
};

// Whether a user's merchant list covers `merchant` (admins cover all).
bool in_scope(store::user const& u, std::string const& merchant);

}  // namespace kefu::app
