#include "shared/wire/frames.hpp"

namespace kefu::wire {

namespace {

// Reads a required string member; sets `missing` to its name when absent or
// not a string.
bool get_string(json::object const& o, char const* key, std::string& out) {
  auto const* v = o.if_contains(key);
  if (!v || !v->is_string()) return false;
  out.assign(v->get_string().begin(), v->get_string().end());
  return true;
}

template <class T>
json::result<T> fail() {
  return json::result<T>(boost::system::in_place_error, make_error_code(json::error::not_found));
}

}  // namespace

json::result<send_frame> tag_invoke(json::try_value_to_tag<send_frame>, json::value const& jv) {
  send_frame f;
  auto const* o = jv.if_object();
  if (!o || !get_string(*o, "id", f.id) || !get_string(*o, "text", f.text))
    return fail<send_frame>();
  get_string(*o, "chat", f.chat);
  return f;
}

json::result<close_frame> tag_invoke(json::try_value_to_tag<close_frame>, json::value const& jv) {
  close_frame f;
  auto const* o = jv.if_object();
  if (!o || !get_string(*o, "id", f.id)) return fail<close_frame>();
  get_string(*o, "chat", f.chat);
  return f;
}

json::result<rate_frame> tag_invoke(json::try_value_to_tag<rate_frame>, json::value const& jv) {
  rate_frame f;
  auto const* o = jv.if_object();
  if (!o || !get_string(*o, "score", f.score)) return fail<rate_frame>();
  get_string(*o, "chat", f.chat);
  return f;
}

json::result<status_frame> tag_invoke(json::try_value_to_tag<status_frame>, json::value const& jv) {
  status_frame f;
  auto const* o = jv.if_object();
  if (!o || !get_string(*o, "status", f.status)) return fail<status_frame>();
  return f;
}

json::result<transfer_frame> tag_invoke(json::try_value_to_tag<transfer_frame>,
                                        json::value const& jv) {
  transfer_frame f;
  auto const* o = jv.if_object();
  if (!o || !get_string(*o, "id", f.id) || !get_string(*o, "chat", f.chat) ||
      !get_string(*o, "to", f.to))
    return fail<transfer_frame>();
  return f;
}

json::result<resume_frame> tag_invoke(json::try_value_to_tag<resume_frame>, json::value const& jv) {
  resume_frame f;
  auto const* o = jv.if_object();
  if (!o || !get_string(*o, "chat", f.chat)) return fail<resume_frame>();
  auto const* after = o->if_contains("after");
  if (!after) return fail<resume_frame>();
  if (after->is_int64()) {
    f.after = after->get_int64();
  } else if (after->is_uint64() && after->get_uint64() <= INT64_MAX) {
    f.after = static_cast<std::int64_t>(after->get_uint64());
  } else if (after->is_double() &&
             after->get_double() ==
                 static_cast<double>(static_cast<std::int64_t>(after->get_double()))) {
    f.after = static_cast<std::int64_t>(after->get_double());
  } else {
    return fail<resume_frame>();
  }
  return f;
}

namespace {

template <class T>
std::variant<inbound, parse_error> convert(json::value const& v, char const* need,
                                           std::optional<std::string> id) {
  auto r = json::try_value_to<T>(v);
  if (!r)
    return parse_error{"bad_request", std::string("missing or invalid field; need ") + need, id};
  return inbound{std::move(*r)};
}

}  // namespace

namespace {
std::optional<std::string> id_of(json::object const& o) {
  if (auto const* idv = o.if_contains("id"); idv && idv->is_string())
    return std::string(idv->get_string());
  return std::nullopt;
}
}  // namespace

std::optional<std::string> frame_id(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  auto const* o = ec ? nullptr : v.if_object();
  return o ? id_of(*o) : std::nullopt;
}

std::variant<inbound, parse_error> parse_inbound(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return parse_error{"bad_request", "not JSON: " + ec.message(), std::nullopt};
  auto const* o = v.if_object();
  if (!o) return parse_error{"bad_request", "a frame must be a JSON object", std::nullopt};
  std::optional<std::string> const id = id_of(*o);
  std::string type;
  if (!get_string(*o, "type", type)) return parse_error{"bad_request", "missing \"type\"", id};
  if (type == "send") return convert<send_frame>(v, "id, text (string)", id);
  if (type == "close") return convert<close_frame>(v, "id", id);
  if (type == "rate") return convert<rate_frame>(v, "chat, score", id);
  if (type == "status") return convert<status_frame>(v, "status", id);
  if (type == "transfer") return convert<transfer_frame>(v, "id, chat, to", id);
  if (type == "resume") return convert<resume_frame>(v, "chat, after (integer)", id);
  return parse_error{"bad_request", "unknown type \"" + type + "\"", id};
}

// ---- outbound ----

void tag_invoke(json::value_from_tag, json::value& jv, ack_frame const& f) {
  json::object o;
  o["type"] = "ack";
  o["id"] = f.id;
  if (!f.chat.empty()) o["chat"] = f.chat;
  if (f.seq) o["seq"] = *f.seq;
  jv = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& jv, message_frame const& f) {
  json::object o;
  o["type"] = "message";
  o["chat"] = f.chat;
  o["seq"] = f.seq;
  o["from"] = f.from;
  o["text"] = f.text;
  o["ts"] = f.ts;
  if (f.verdict) o["verdict"] = *f.verdict;
  jv = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& jv, queued_frame const& f) {
  jv = {{"type", "queued"}, {"chat", f.chat}, {"position", f.position}};
}

void tag_invoke(json::value_from_tag, json::value& jv, closed_frame const& f) {
  jv = {{"type", "closed"}, {"chat", f.chat}};
}

void tag_invoke(json::value_from_tag, json::value& jv, rate_request_frame const& f) {
  jv = {{"type", "rate_request"}, {"chat", f.chat}};
}

void tag_invoke(json::value_from_tag, json::value& jv, blocked_frame const& f) {
  json::object o;
  o["type"] = "blocked";
  o["id"] = f.id;
  if (!f.chat.empty()) o["chat"] = f.chat;
  o["verdict"] = f.verdict;
  jv = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& jv, warning_frame const& f) {
  jv = {{"type", "warning"}, {"chat", f.chat}, {"seq", f.seq}, {"verdict", f.verdict}};
}

void tag_invoke(json::value_from_tag, json::value& jv, unassigned_frame const& f) {
  jv = {{"type", "unassigned"}, {"chat", f.chat}, {"reason", f.reason}};
}

void tag_invoke(json::value_from_tag, json::value& jv, error_frame const& f) {
  json::object o;
  o["type"] = "error";
  if (f.id)
    o["id"] = *f.id;
  else
    o["id"] = nullptr;
  o["code"] = f.code;
  o["message"] = f.message;
  jv = std::move(o);
}

}  // namespace kefu::wire
