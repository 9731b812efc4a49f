#pragma once
// Small pure predicates behind the number detectors, exposed for unit tests.

#include <string>
#include <string_view>

namespace kefu::compliance {

// Luhn checksum over ASCII digits (false for anything else).
bool luhn_valid(std::string_view digits) noexcept;
// A Chinese mobile number: 11 digits starting 1[3-9], optionally prefixed 86 or 0086. Returns
// the 11-digit form (a view into `digits`), or an empty view.
std::string_view mobile_number(std::string_view digits) noexcept;
// A Chinese landline (0 + 2–3 digit area code + 7–8 digits) or a 400/800 service number.
// `example_ok`: a subscriber number may also start with 1. None is allocated that way, but
// 010-12345678 is how people write a number down (as an example, or to slip one through); the
// caller allows it only where the area code stands as a group of its own, not inside a date.
bool landline_number(std::string_view digits, bool example_ok = false) noexcept;
// The area code's length in a landline's digits (0 + 2 or 3 digits: 010 and 02x are short).
std::size_t landline_area_length(std::string_view digits) noexcept;
// 16–19 digits, Luhn-valid, with a card issuer prefix (UnionPay 62, Visa 4, Mastercard 51–55 and
// 22–27, JCB 35, Discover 60/65).
bool bank_card_number(std::string_view digits) noexcept;
// A QQ number: 5–11 digits, no leading zero.
bool qq_number(std::string_view digits) noexcept;
// Contact value as compared with a merchant's official contacts: digits only for numbers (a
// mobile loses its 86 prefix), lower case without spaces otherwise.
std::string normalise_contact(std::string_view value);

}  // namespace kefu::compliance
