#pragma once
// UTF-8 and character classes shared by masking and the scorecard's phrase
// checks. Everything works on code points so no UTF-8 sequence is ever cut.

#include <string>
#include <string_view>

namespace kefu::qa::text {

// Decodes UTF-8; every byte that does not start a valid sequence (stray
// continuation bytes, overlong forms, surrogates, values past U+10FFFF,
// truncated sequences) becomes U+FFFD.
std::u32string decode(std::string_view s);
std::string encode(std::u32string_view s);

inline bool is_ascii_letter(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
}
inline bool is_ascii_alnum(char32_t c) {
  return is_ascii_letter(c) || (c >= U'0' && c <= U'9');
}
// Han ideographs: the unified block, extension A, compatibility ideographs and
// the supplementary-plane extensions.
inline bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}
// 0-9 for ASCII and full-width digits, -1 otherwise.
inline int digit_value(char32_t c) {
  if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
  if (c >= 0xFF10 && c <= 0xFF19) return static_cast<int>(c - 0xFF10);
  return -1;
}
bool is_space(char32_t c);

// For comparing phrases as people type them: full-width ASCII folded to
// ASCII, ASCII lower-cased, and whitespace, punctuation, symbols, emoji and
// invisible format characters dropped.
std::u32string fold_for_match(std::u32string_view s);

}  // namespace kefu::qa::text
