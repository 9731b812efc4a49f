#pragma once
// Report building shared by the REST API and the live board: stored chat
// events turned into the SLA engine's input, merchant policies, and today's
// numbers. Blocking (reads the database): call from the DB pool.

#include <boost/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "server/app/directory.hpp"
#include "server/core/sla/engine.hpp"
#include "server/store/store.hpp"

namespace kefu::app {

using merchant_filter = std::function<bool(std::string const& merchant)>;

sla::policy_book policies(directory const& dir);

// The kefu-sla events of the chats opened in [from, to) whose merchant passes `keep`.
std::vector<sla::event> load_sla_events(store::store& st, std::int64_t from, std::int64_t to,
                                        merchant_filter const& keep);

// Satisfaction of rated chats: satisfied / rated (null when none rated).
boost::json::object satisfaction_json(std::int64_t rated, std::int64_t satisfied);

// Today's SLA metrics and satisfaction, per merchant and per agent, where
// "today" is each merchant's local calendar day: {"by_merchant": {...}, "by_agent": {...}}.
boost::json::object today_stats(store::store& st, directory const& dir, std::int64_t now);

}  // namespace kefu::app
