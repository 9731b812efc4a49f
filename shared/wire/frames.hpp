#pragma once
// Wire frames of the WebSocket protocol (docs/protocol.md), one struct per
// frame kind, with Boost.JSON conversions beside each type. Inbound frames
// come from untrusted clients: parse them only through parse_inbound(), which
// never throws.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace kefu::wire {

namespace json = boost::json;

// ---- client -> server ----
struct send_frame {
  std::string id;
  std::string chat;  // required from agents; optional from buyers
  std::string text;
};
struct close_frame {
  std::string id;
  std::string chat;
};
struct rate_frame {
  std::string chat;
  std::string score;  // satisfied | neutral | unsatisfied
};
struct status_frame {
  std::string status;  // online | away
};
struct transfer_frame {
  std::string id;
  std::string chat;
  std::string to;
};
struct resume_frame {
  std::string chat;
  std::int64_t after = 0;
};

using inbound =
    std::variant<send_frame, close_frame, rate_frame, status_frame, transfer_frame, resume_frame>;

// Why an inbound frame was refused; `id` echoes the client's id when it had one.
struct parse_error {
  std::string code = "bad_request";
  std::string message;
  std::optional<std::string> id;
};

// Parses one text frame. Never throws.
std::variant<inbound, parse_error> parse_inbound(std::string_view text);
// The client's id of a frame (a string "id" of a JSON object), if it has one. Never throws.
std::optional<std::string> frame_id(std::string_view text);

// ---- server -> client ----
struct ack_frame {
  std::string id;
  std::string chat;  // empty: omitted
  std::optional<std::int64_t> seq;
};
struct message_frame {
  std::string chat;
  std::int64_t seq = 0;
  std::string from;  // buyer | agent | auto | system
  std::string text;
  std::int64_t ts = 0;
  std::optional<json::value> verdict;
};
struct queued_frame {
  std::string chat;
  int position = 0;
};
struct closed_frame {
  std::string chat;
};
struct rate_request_frame {
  std::string chat;
};
struct blocked_frame {
  std::string id;
  std::string chat;
  json::value verdict;
};
struct warning_frame {
  std::string chat;
  std::int64_t seq = 0;
  json::value verdict;
};
struct unassigned_frame {
  std::string chat;
  std::string reason;
};
struct error_frame {
  std::optional<std::string> id;
  std::string code;
  std::string message;
};

void tag_invoke(json::value_from_tag, json::value& jv, ack_frame const& f);
void tag_invoke(json::value_from_tag, json::value& jv, message_frame const& f);
void tag_invoke(json::value_from_tag, json::value& jv, queued_frame const& f);
void tag_invoke(json::value_from_tag, json::value& jv, closed_frame const& f);
void tag_invoke(json::value_from_tag, json::value& jv, rate_request_frame const& f);
void tag_invoke(json::value_from_tag, json::value& jv, blocked_frame const& f);
void tag_invoke(json::value_from_tag, json::value& jv, warning_frame const& f);
void tag_invoke(json::value_from_tag, json::value& jv, unassigned_frame const& f);
void tag_invoke(json::value_from_tag, json::value& jv, error_frame const& f);

json::result<send_frame> tag_invoke(json::try_value_to_tag<send_frame>, json::value const& jv);
json::result<close_frame> tag_invoke(json::try_value_to_tag<close_frame>, json::value const& jv);
json::result<rate_frame> tag_invoke(json::try_value_to_tag<rate_frame>, json::value const& jv);
json::result<status_frame> tag_invoke(json::try_value_to_tag<status_frame>, json::value const& jv);
json::result<transfer_frame> tag_invoke(json::try_value_to_tag<transfer_frame>,
                                        json::value const& jv);
json::result<resume_frame> tag_invoke(json::try_value_to_tag<resume_frame>, json::value const& jv);

// Serialises any outbound frame.
template <class Frame>
std::string to_text(Frame const& f) {
  return json::serialize(json::value_from(f));
}

}  // namespace kefu::wire
