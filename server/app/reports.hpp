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

// The SLA event type of a stored message's sender; system messages count as auto.
sla::event_type sla_type_of(std::string_view sender);

// One chat's SLA events in stored order, from its delivered messages and its
// assign / close events (blocked messages are not events).
std::vector<sla::event> chat_sla_events(store::chat_row const& chat,
                                        std::vector<store::message_row> const& messages,
                                        std::vector<store::chat_event_row> const& events);

// Streams the kefu-sla events of the chats opened in [from, to) whose
// merchant passes `keep`, in stored (ts, arrival) order.
void for_each_sla_event(store::store& st, std::int64_t from, std::int64_t to,
                        merchant_filter const& keep,
                        std::function<void(sla::event const&)> const& each);

// The kefu-sla events of the chats opened in [from, to) whose merchant passes `keep`.
std::vector<sla::event> load_sla_events(store::store& st, std::int64_t from, std::int64_t to,
                                        merchant_filter const& keep);

// Satisfaction of rated chats: satisfied / rated (null when none rated).
boost::json::object satisfaction_json(std::int64_t rated, std::int64_t satisfied);

// The key of a board viewer's merchant scope in today_stats' "by_agent_in" ("*" for all).
std::string scope_key(std::vector<std::string> const& scope);

// Today's SLA metrics and satisfaction, per merchant and per agent, where "today" is each
// merchant's local calendar day: {"by_merchant": {...}, "by_agent_in": {scope key: {...}}}.
// An agent's figures count only the chats of the merchants in each scope, so a manager of m1
// never reads what a shared agent did for m2.
boost::json::object today_stats(store::store& st, directory const& dir, std::int64_t now,
                                std::vector<std::vector<std::string>> const& scopes);

}  // namespace kefu::app
