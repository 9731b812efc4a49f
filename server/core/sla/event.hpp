#pragma once
// One line of a chat's history in the replay format of sla.md
// ({"ts", "chat", "merchant", "type", "agent"?}).

#include "server/core/sla/result.hpp"

#include <boost/json/system_error.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kefu::sla {

enum class event_type : std::uint8_t {
  buyer,      // a buyer message
  agent,      // a message typed by a human agent
  automated,  // "auto": sent by the system on the agent's behalf; never answers
  assign,     // the chat is now held by `agent`
  close,      // the chat ended
};

std::string_view to_string(event_type t);  // "buyer" | "agent" | "auto" | "assign" | "close"
std::optional<event_type> parse_event_type(std::string_view s);

struct event {
  std::int64_t ts = 0;  // epoch ms
  std::string chat;
  std::string merchant;
  event_type type = event_type::buyer;
  std::string agent;  // assign: the new holder; agent: who typed it; otherwise unused

  friend bool operator==(const event&, const event&) = default;
};

// Validates one decoded line: an object with integer "ts", string "chat",
// "merchant" and "type", and a string "agent" on assign / agent lines. Other
// keys (text, seq, ...) are ignored.
result<event> parse_event(const boost::json::value& v);
// Same, from the text of one line.
result<event> parse_event_line(std::string_view line);

void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const event& e);
boost::json::result<event> tag_invoke(const boost::json::try_value_to_tag<event>&,
                                      const boost::json::value& jv);

}  // namespace kefu::sla
