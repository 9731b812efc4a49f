#pragma once
// The SLA engine in one include: policies and service hours, the turn rules,
// live clocks, replay reports and the price guide. See docs/sla.md.

#include "server/core/sla/clock.hpp"
#include "server/core/sla/event.hpp"
#include "server/core/sla/hours.hpp"
#include "server/core/sla/json_text.hpp"
#include "server/core/sla/policy.hpp"
#include "server/core/sla/price_guide.hpp"
#include "server/core/sla/report.hpp"
#include "server/core/sla/result.hpp"
#include "server/core/sla/turns.hpp"
