#include "server/core/compliance/detectors.hpp"

#include <cctype>

namespace kefu::compliance {

namespace {
bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace

bool luhn_valid(std::string_view digits) noexcept {
  if (!all_digits(digits)) return false;
  int sum = 0;
  bool dbl = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

std::string_view mobile_number(std::string_view d) noexcept {
  // Lengths first: most digit strings are not 11, 13 or 15 long.
  if (d.size() != 11 && d.size() != 13 && d.size() != 15) return {};
  if (!all_digits(d)) return {};
  if (d.size() == 15 && d.substr(0, 4) == "0086") d.remove_prefix(4);
  if (d.size() == 13 && d.substr(0, 2) == "86") d.remove_prefix(2);
  if (d.size() != 11 || d[0] != '1' || d[1] < '3') return {};
  return d;
}

std::size_t landline_area_length(std::string_view d) noexcept {
  return d.size() > 1 && (d[1] == '1' || d[1] == '2') ? 3 : 4;
}

// Each test below rejects most digit strings (order and tracking numbers, prices) by length and
// leading digits before the whole string is looked at.
bool landline_number(std::string_view d, bool example_ok) noexcept {
  if (d.size() < 10 || d.size() > 12) return false;
  if (d.size() == 10 && (d.substr(0, 3) == "400" || d.substr(0, 3) == "800")) return all_digits(d);
  if (d[0] != '0' || d[1] == '0' || !all_digits(d)) return false;
  // 010 and 02x have three-digit area codes, the rest four; subscriber numbers 7–8 digits.
  std::size_t const area = landline_area_length(d);
  std::size_t const rest = d.size() - area;
  return rest >= 7 && rest <= 8 && d[area] != '0' && (d[area] != '1' || example_ok);
}

bool bank_card_number(std::string_view d) noexcept {
  if (d.size() < 16 || d.size() > 19) return false;
  int const two = (d[0] - '0') * 10 + (d[1] - '0');
  bool const issuer = two == 62 || d[0] == '4' || (two >= 51 && two <= 55) ||
                      (two >= 22 && two <= 27) || two == 35 || two == 60 || two == 65;
  return issuer && luhn_valid(d);
}

bool qq_number(std::string_view d) noexcept {
  return d.size() >= 5 && d.size() <= 11 && d[0] != '0' && all_digits(d);
}

std::string normalise_contact(std::string_view v) {
  std::string digits;
  bool letters = false;
  for (char c : v) {
    if (c >= '0' && c <= '9') digits.push_back(c);
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '@' || c == '_') letters = true;
  }
  if (!letters && digits.size() >= 5) {
    if (auto m = mobile_number(digits); !m.empty()) return std::string(m);
    return digits;
  }
  std::string out;
  for (char c : v) {
    if (c == ' ' || c == '\t') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace kefu::compliance
