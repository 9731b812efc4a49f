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
// The digit a character writes: ASCII and full-width digits, and the other forms a phone
// number is typed in to slip past a filter (①③⑧, ❶, ➀, ⑴, ⒈, ⓵, superscripts, subscripts).
inline int digit_value(char32_t c) {
  if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
  if (c >= 0xFF10 && c <= 0xFF19) return static_cast<int>(c - 0xFF10);
  if (c < 0xB2) return -1;
  struct run {
    char32_t first, last;
    int value_of_first;
  };
  static constexpr run runs[] = {
      {0x2460, 0x2468, 1},  // ①–⑨
      {0x2474, 0x247C, 1},  // ⑴–⑼
      {0x2488, 0x2490, 1},  // ⒈–⒐
      {0x24F5, 0x24FD, 1},  // ⓵–⓽
      {0x2776, 0x277E, 1},  // ❶–❾
      {0x2780, 0x2788, 1},  // ➀–➈
      {0x278A, 0x2792, 1},  // ➊–➒
      {0x2074, 0x2079, 4},  // ⁴–⁹
      {0x2080, 0x2089, 0},  // ₀–₉
  };
  for (auto const& r : runs)
    if (c >= r.first && c <= r.last) return r.value_of_first + static_cast<int>(c - r.first);
  switch (c) {
    case 0x24EA:  // ⓪
    case 0x24FF:  // ⓿
    case 0x2070:  // ⁰
    case 0x1F10B:
    case 0x1F10C:
      return 0;
    case 0xB9:
      return 1;  // ¹
    case 0xB2:
      return 2;  // ²
    case 0xB3:
      return 3;  // ³
    default:
      return -1;
  }
}
bool is_space(char32_t c);

// For comparing phrases as people type them: full-width ASCII folded to
// ASCII, ASCII lower-cased, traditional characters to simplified, and
// whitespace, punctuation, symbols, emoji and invisible format characters
// dropped.
std::u32string fold_for_match(std::u32string_view s);

}  // namespace kefu::qa::text
