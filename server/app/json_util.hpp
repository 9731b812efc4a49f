#pragma once
// Small helpers for untrusted text shared by the API, the QA endpoints and
// the hub: nothing here throws.

#include "server/core/sla/json_text.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kefu::app {

// JSON text for clients, exports and stored records: doubles in plain decimals that still read
// back as doubles (25.0, 0.5), not Boost.JSON's exponent form (2.5E1, 5E-1).
inline std::string json_text(boost::json::value const& v) {
  return sla::to_text(v, sla::floats::keep_point);
}

// Parses JSON; nullopt when the text is empty or not JSON.
inline std::optional<boost::json::value> parse_json(std::string_view text) {
  if (text.empty()) return std::nullopt;
  boost::json::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) return std::nullopt;
  return v;
}

// A decimal epoch-milliseconds query parameter (an optional leading '-').
inline std::optional<std::int64_t> parse_ms(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  std::int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return s[0] == '-' ? -v : v;
}

// Whether a verdict object (compliance::to_json) holds a violation whose category passes `pred`.
template <class Pred>
bool verdict_has(boost::json::value const& verdict, Pred&& pred) {
  auto const* vs = verdict.is_object() ? verdict.as_object().if_contains("violations") : nullptr;
  if (!vs || !vs->is_array()) return false;
  for (auto const& x : vs->as_array()) {
    auto const* c = x.is_object() ? x.as_object().if_contains("category") : nullptr;
    if (c && c->is_string() && pred(std::string_view(c->as_string()))) return true;
  }
  return false;
}

}  // namespace kefu::app
