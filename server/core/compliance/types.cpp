#include "server/core/compliance/types.hpp"

#include <algorithm>
#include <array>

namespace kefu::compliance {

namespace {
constexpr std::array<std::string_view, category_count> category_names = {
    "contact", "payment",       "link",         "solicit", "counterfeit",
    "abuse",   "impersonation", "exaggeration", "rude",    "greeting"};
constexpr std::array<std::string_view, 3> action_names = {"allow", "warn", "block"};
constexpr std::array<std::string_view, 2> role_names = {"agent", "buyer"};
}  // namespace

std::string_view to_string(category c) noexcept {
  return category_names[static_cast<std::size_t>(c)];
}
std::string_view to_string(action a) noexcept {
  return action_names[static_cast<std::size_t>(a)];
}
std::string_view to_string(role r) noexcept {
  return role_names[static_cast<std::size_t>(r)];
}

std::optional<category> parse_category(std::string_view s) noexcept {
  for (std::size_t i = 0; i < category_names.size(); ++i)
    if (category_names[i] == s) return static_cast<category>(i);
  return std::nullopt;
}
std::optional<action> parse_action(std::string_view s) noexcept {
  for (std::size_t i = 0; i < action_names.size(); ++i)
    if (action_names[i] == s) return static_cast<action>(i);
  return std::nullopt;
}
std::optional<role> parse_role(std::string_view s) noexcept {
  for (std::size_t i = 0; i < role_names.size(); ++i)
    if (role_names[i] == s) return static_cast<role>(i);
  return std::nullopt;
}

bool checked_for_buyer(category c) noexcept {
  return c == category::contact || c == category::payment || c == category::link ||
         c == category::solicit || c == category::abuse;
}

void merge_into(verdict& a, verdict const& b) {
  a.act = std::max(a.act, b.act);
  a.violations.insert(a.violations.end(), b.violations.begin(), b.violations.end());
  std::stable_sort(a.violations.begin(), a.violations.end(),
                   [](violation const& x, violation const& y) { return x.start < y.start; });
  if (a.pack.empty()) a.pack = b.pack;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, category c) {
  jv = boost::json::string(to_string(c));
}
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, action a) {
  jv = boost::json::string(to_string(a));
}
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, violation const& v) {
  boost::json::object o;
  o["category"] = to_string(v.cat);
  o["rule"] = v.rule;
  o["start"] = v.start;
  o["end"] = v.end;
  o["excerpt"] = v.excerpt;
  if (!v.suggestion.empty()) o["suggestion"] = v.suggestion;
  jv = std::move(o);
}
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, verdict const& v) {
  boost::json::object o;
  o["action"] = to_string(v.act);
  boost::json::array arr;
  for (auto const& x : v.violations) arr.push_back(boost::json::value_from(x));
  o["violations"] = std::move(arr);
  o["pack"] = v.pack.str();
  jv = std::move(o);
}

namespace {
template <class T>
boost::json::result<T> parse_enum(boost::json::value const& jv,
                                  std::optional<T> (*parse)(std::string_view) noexcept) {
  if (auto const* s = jv.if_string())
    if (auto r = parse(*s)) return *r;
  return boost::json::make_error_code(boost::json::error::not_string);
}
}  // namespace

boost::json::result<category> tag_invoke(boost::json::try_value_to_tag<category>,
                                         boost::json::value const& jv) {
  return parse_enum<category>(jv, &parse_category);
}
boost::json::result<action> tag_invoke(boost::json::try_value_to_tag<action>,
                                       boost::json::value const& jv) {
  return parse_enum<action>(jv, &parse_action);
}
boost::json::result<role> tag_invoke(boost::json::try_value_to_tag<role>,
                                     boost::json::value const& jv) {
  return parse_enum<role>(jv, &parse_role);
}

namespace {
boost::json::error_code bad_shape() {
  return boost::json::make_error_code(boost::json::error::syntax);
}

bool get_string(boost::json::object const& o, char const* key, std::string& out, bool required) {
  auto const* v = o.if_contains(key);
  if (v == nullptr) return !required;
  auto const* s = v->if_string();
  if (s == nullptr) return false;
  out.assign(s->data(), s->size());
  return true;
}
}  // namespace

boost::json::result<violation> tag_invoke(boost::json::try_value_to_tag<violation>,
                                          boost::json::value const& jv) {
  auto const* o = jv.if_object();
  if (o == nullptr) return bad_shape();
  violation v;
  auto const* c = o->if_contains("category");
  if (c == nullptr) return bad_shape();
  auto cat = boost::json::try_value_to<category>(*c);
  if (!cat) return cat.error();
  v.cat = *cat;
  auto const* st = o->if_contains("start");
  auto const* en = o->if_contains("end");
  if (st == nullptr || en == nullptr) return bad_shape();
  auto start = boost::json::try_value_to<std::uint32_t>(*st);
  auto end = boost::json::try_value_to<std::uint32_t>(*en);
  if (!start || !end || *end < *start) return bad_shape();
  v.start = *start;
  v.end = *end;
  if (!get_string(*o, "rule", v.rule, true) || !get_string(*o, "excerpt", v.excerpt, false) ||
      !get_string(*o, "suggestion", v.suggestion, false))
    return bad_shape();
  return v;
}

boost::json::result<verdict> tag_invoke(boost::json::try_value_to_tag<verdict>,
                                        boost::json::value const& jv) {
  auto const* o = jv.if_object();
  if (o == nullptr) return bad_shape();
  verdict v;
  auto const* a = o->if_contains("action");
  if (a == nullptr) return bad_shape();
  auto act = boost::json::try_value_to<action>(*a);
  if (!act) return act.error();
  v.act = *act;
  if (auto const* arr = o->if_contains("violations")) {
    auto const* list = arr->if_array();
    if (list == nullptr) return bad_shape();
    for (auto const& x : *list) {
      auto one = boost::json::try_value_to<violation>(x);
      if (!one) return one.error();
      v.violations.push_back(std::move(*one));
    }
  }
  std::string pack;
  if (!get_string(*o, "pack", pack, false)) return bad_shape();
  v.pack = pack_name(std::move(pack));
  return v;
}

std::string to_json(verdict const& v) {
  return boost::json::serialize(boost::json::value_from(v));
}

}  // namespace kefu::compliance
