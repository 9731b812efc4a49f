#include "server/core/sla/event.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <cmath>

namespace kefu::sla {
namespace json = boost::json;

std::string_view to_string(event_type t) {
  switch (t) {
    case event_type::buyer:
      return "buyer";
    case event_type::agent:
      return "agent";
    case event_type::automated:
      return "auto";
    case event_type::assign:
      return "assign";
    case event_type::close:
      return "close";
  }
  return "buyer";
}

std::optional<event_type> parse_event_type(std::string_view s) {
  if (s == "buyer") return event_type::buyer;
  if (s == "agent") return event_type::agent;
  if (s == "auto") return event_type::automated;
  if (s == "assign") return event_type::assign;
  if (s == "close") return event_type::close;
  return std::nullopt;
}

namespace {

result<std::string> string_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return error{"missing field \"" + std::string(key) + "\""};
  if (!v->is_string()) return error{"field \"" + std::string(key) + "\" must be a string"};
  return std::string(v->get_string());
}

}  // namespace

result<event> parse_event(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr) return error{"expected a JSON object"};
  event e;

  const json::value* ts = o->if_contains("ts");
  if (ts == nullptr) return error{"missing field \"ts\""};
  if (ts->is_int64()) {
    e.ts = ts->get_int64();
  } else if (ts->is_uint64() && ts->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    e.ts = static_cast<std::int64_t>(ts->get_uint64());
  } else if (ts->is_double() && std::isfinite(ts->get_double()) &&
             ts->get_double() == std::trunc(ts->get_double()) &&
             std::fabs(ts->get_double()) < 9.0e15) {
    e.ts = static_cast<std::int64_t>(ts->get_double());
  } else {
    return error{"field \"ts\" must be an integer (epoch milliseconds)"};
  }

  auto type = string_field(*o, "type");
  if (!type) return type.err();
  auto kind = parse_event_type(*type);
  if (!kind) {
    return error{"unknown type \"" + *type + "\" (expected buyer, agent, auto, assign or close)"};
  }
  e.type = *kind;

  auto chat = string_field(*o, "chat");
  if (!chat) return chat.err();
  e.chat = std::move(*chat);
  auto merchant = string_field(*o, "merchant");
  if (!merchant) return merchant.err();
  e.merchant = std::move(*merchant);

  if (e.type == event_type::agent || e.type == event_type::assign) {
    auto agent = string_field(*o, "agent");
    if (!agent) return error{agent.message() + " (required on \"" + *type + "\" lines)"};
    e.agent = std::move(*agent);
  }
  return e;
}

result<event> parse_event_line(std::string_view line) {
  // Lines are small: decode into a stack buffer and throw it away.
  unsigned char buf[2048];
  json::monotonic_resource mr(buf, sizeof buf);
  boost::system::error_code ec;
  json::value v = json::parse(line, ec, &mr);
  if (ec) return error{"not valid JSON (" + ec.message() + ")"};
  return parse_event(v);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const event& e) {
  json::object o;
  o["ts"] = e.ts;
  o["chat"] = e.chat;
  o["merchant"] = e.merchant;
  o["type"] = to_string(e.type);
  if (e.type == event_type::agent || e.type == event_type::assign) o["agent"] = e.agent;
  jv = std::move(o);
}

json::result<event> tag_invoke(const json::try_value_to_tag<event>&, const json::value& jv) {
  auto r = parse_event(jv);
  if (!r) return make_error_code(json::error::not_exact);
  return std::move(*r);
}

}  // namespace kefu::sla
