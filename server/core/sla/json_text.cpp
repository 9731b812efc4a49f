#include "server/core/sla/json_text.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>

namespace kefu::sla {
namespace json = boost::json;

std::string format_number(double d) {
  if (!std::isfinite(d)) return "null";  // JSON has no inf / nan
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, res.ptr);
}

namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace

void append_text(std::string& out, const json::value& v, floats style) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_: {
      const std::string n = format_number(v.get_double());
      out += n;
      // 25.0, not 25: a parser that keeps JSON's number types still reads a double.
      if (style == floats::keep_point && std::isfinite(v.get_double()) &&
          n.find_first_of(".e") == std::string::npos)
        out += ".0";
      break;
    }
    case json::kind::string:
      append_string(out, v.get_string());
      break;
    case json::kind::array: {
      out += '[';
      bool sep = false;
      for (const auto& e : v.get_array()) {
        if (sep) out += ',';
        sep = true;
        append_text(out, e, style);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool sep = false;
      for (const auto& kv : v.get_object()) {
        if (sep) out += ',';
        sep = true;
        append_string(out, kv.key());
        out += ':';
        append_text(out, kv.value(), style);
      }
      out += '}';
      break;
    }
  }
}

std::string to_text(const json::value& v, floats style) {
  std::string out;
  append_text(out, v, style);
  return out;
}

}  // namespace kefu::sla
