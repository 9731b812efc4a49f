#pragma once
// `kefu-check --bench`: throughput and per-message latency of the engine on a generated mix.

#include "server/core/compliance/engine.hpp"

#include <ostream>

namespace kefu::tools {

int run_bench(compliance::rule_pack const& pack, std::ostream& out, int seconds_hint);

}  // namespace kefu::tools
