#pragma once
// The compliance engines kefud runs: one per merchant, built from its
// platform's rule pack plus the merchant's overrides, rebuilt when an admin
// edits the merchant (no restart). Thread-safe; engines are immutable and
// shared.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/app/directory.hpp"
#include "server/core/compliance/engine.hpp"

namespace kefu::app {

class rules {
 public:
  // Loads every platform pack from `dir`; returns an error message or "".
  std::string load(std::string const& dir);

  // Validates a merchant's settings as compliance overrides; "" when fine.
  std::string validate(merchant_info const& m) const;
  // Builds (or rebuilds) the merchant's engine; returns an error message or "".
  std::string rebuild(merchant_info const& m);
  // Reads the platform packs again from the directory load() used and rebuilds every merchant's
  // engine on them, all at once: a broken pack changes nothing and its error is returned.
  // Merchants whose overrides no longer fit keep their platform's default (listed in `warnings`).
  // The merchants are read from `dir` once no rebuild() is under way, so an edit that lands
  // while reloading is neither lost nor overwritten.
  std::string reload(directory const& dir, std::vector<std::string>* warnings = nullptr);
  // Platform → pack version now in force.
  std::map<std::string, std::string> versions() const;
  // The merchant's engine; the platform default when it has none.
  std::shared_ptr<compliance::engine const> engine_for(std::string const& merchant,
                                                       std::string const& platform) const;
  // The default engine of a platform (kuaishou when unknown).
  std::shared_ptr<compliance::engine const> platform_engine(std::string const& platform) const;

 private:
  mutable std::mutex mu_;  // the maps engine_for() reads; held only to read or swap them
  // One load(), rebuild() or reload() at a time, held for the whole build; packs_ changes only
  // under it (and mu_), so a builder may read it holding this alone.
  std::mutex build_mu_;
  std::string dir_;
  std::map<std::string, compliance::rule_pack> packs_;
  std::map<std::string, std::shared_ptr<compliance::engine const>> defaults_;
  std::map<std::string, std::shared_ptr<compliance::engine const>> merchants_;
};

}  // namespace kefu::app
