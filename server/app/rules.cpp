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
  packs_ = std::move(*packs);
  defaults_ = std::move(defaults);
  return {};
}

std::string rules::validate(merchant_info const& m) const {
  auto ov = compliance::parse_merchant_settings(m.row.settings_json, m.row.id);
  return ov ? std::string() : ov.error;
}

std::string rules::rebuild(merchant_info const& m) {
  auto ov = compliance::parse_merchant_settings(m.row.settings_json, m.row.id);
  if (!ov) return ov.error;
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
