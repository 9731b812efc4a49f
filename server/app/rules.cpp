#include "server/app/rules.hpp"

namespace kefu::app {

std::string rules::load(std::string const& dir) {
  auto packs = compliance::load_all_rule_packs(dir.empty() ? compliance::default_rules_dir()
                                                           : std::filesystem::path(dir));
  if (!packs) return "rule packs: " + packs.error;
  std::map<std::string, std::shared_ptr<compliance::engine const>> defaults;
  for (auto const& [platform, pack] : *packs)
    defaults[platform] = std::make_shared<compliance::engine const>(pack);
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
  auto packs = compliance::load_all_rule_packs(dir.empty() ? compliance::default_rules_dir()
                                                           : std::filesystem::path(dir));
  if (!packs) return "rule packs: " + packs.error;
  // Everything is built before anything is swapped in: checks in flight keep the engines
  // they hold, new checks see only the new ones.
  std::map<std::string, std::shared_ptr<compliance::engine const>> defaults, built;
  for (auto const& [platform, pack] : *packs)
    defaults[platform] = std::make_shared<compliance::engine const>(pack);
  for (auto const& m : merchants) {
    auto ov = compliance::parse_merchant_settings(m.row.settings_json, m.row.id);
    auto pack = packs->find(m.row.platform);
    if (!ov || pack == packs->end()) {
      if (warnings)
        warnings->push_back(m.row.id + ": " +
                            (ov ? "no rule pack for platform " + m.row.platform : ov.error));
      continue;
    }
    built[m.row.id] = std::make_shared<compliance::engine const>(pack->second, *ov);
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
  auto ov = compliance::parse_merchant_settings(m.row.settings_json, m.row.id);
  if (!ov) return ov.error;
  std::lock_guard build(build_mu_);
  std::lock_guard lock(mu_);
  auto pack = packs_.find(m.row.platform);
  if (pack == packs_.end()) return "no rule pack for platform " + m.row.platform;
  merchants_[m.row.id] = std::make_shared<compliance::engine const>(pack->second, *ov);
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
