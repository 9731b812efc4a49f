#include "server/app/rules.hpp"

namespace kefu::app {

namespace {

using packs = std::map<std::string, compliance::rule_pack>;
using engines = std::map<std::string, std::shared_ptr<compliance::engine const>>;

auto read_packs(std::string const& dir) {
  return compliance::load_all_rule_packs(dir.empty() ? compliance::default_rules_dir()
                                                     : std::filesystem::path(dir));
}

engines defaults_of(packs const& p) {
  engines out;
  for (auto const& [platform, pack] : p)
    out[platform] = std::make_shared<compliance::engine const>(pack);
  return out;
}

// The merchant's engine on its platform's pack with its overrides; null and `error` set when
// its settings do not parse or its platform has no pack.
std::shared_ptr<compliance::engine const> merchant_engine(packs const& p, merchant_info const& m,
                                                          std::string& error) {
  auto ov = compliance::parse_merchant_settings(m.row.settings_json, m.row.id);
  if (!ov) {
    error = ov.error;
    return nullptr;
  }
  auto pack = p.find(m.row.platform);
  if (pack == p.end()) {
    error = "no rule pack for platform " + m.row.platform;
    return nullptr;
  }
  return std::make_shared<compliance::engine const>(pack->second, *ov);
}

}  // namespace

std::string rules::load(std::string const& dir) {
  auto packs = read_packs(dir);
  if (!packs) return "rule packs: " + packs.error;
  auto defaults = defaults_of(*packs);
  std::lock_guard build(build_mu_);
  std::lock_guard lock(mu_);
  dir_ = dir;
  packs_ = std::move(*packs);
  defaults_ = std::move(defaults);
  return {};
}

std::string rules::reload(directory const& directory, std::vector<std::string>* warnings) {
  std::lock_guard build(build_mu_);
  auto const merchants = directory.merchants();
  std::string dir;
  {
    std::lock_guard lock(mu_);
    dir = dir_;
  }
  auto packs = read_packs(dir);
  if (!packs) return "rule packs: " + packs.error;
  // Everything is built before anything is swapped in: checks in flight keep the engines
  // they hold, new checks see only the new ones.
  auto defaults = defaults_of(*packs);
  engines built;
  for (auto const& m : merchants) {
    std::string error;
    if (auto e = merchant_engine(*packs, m, error))
      built[m.row.id] = std::move(e);
    else if (warnings)
      warnings->push_back(m.row.id + ": " + error);
  }
  std::lock_guard lock(mu_);
  packs_ = std::move(*packs);
  defaults_ = std::move(defaults);
  merchants_ = std::move(built);
  return {};
}

std::map<std::string, std::string> rules::versions() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::string> out;
  for (auto const& [platform, pack] : packs_) out[platform] = pack.version;
  return out;
}

std::string rules::validate(merchant_info const& m) const {
  auto ov = compliance::parse_merchant_settings(m.row.settings_json, m.row.id);
  return ov ? std::string() : ov.error;
}

std::string rules::rebuild(merchant_info const& m) {
  // Built under build_mu_ only (packs_ changes only under it too): checks, which take mu_,
  // are not held up while the engine compiles.
  std::lock_guard build(build_mu_);
  std::string error;
  auto e = merchant_engine(packs_, m, error);
  if (!e) return error;
  std::lock_guard lock(mu_);
  merchants_[m.row.id] = std::move(e);
  return {};
}

std::shared_ptr<compliance::engine const> rules::platform_engine(
    std::string const& platform) const {
  std::lock_guard lock(mu_);
  auto it = defaults_.find(platform);
  if (it != defaults_.end()) return it->second;
  it = defaults_.find("kuaishou");
  return it == defaults_.end() ? nullptr : it->second;
}

std::shared_ptr<compliance::engine const> rules::engine_for(std::string const& merchant,
                                                            std::string const& platform) const {
  {
    std::lock_guard lock(mu_);
    auto it = merchants_.find(merchant);
    if (it != merchants_.end()) return it->second;
  }
  return platform_engine(platform);
}

}  // namespace kefu::app
