#include "server/core/compliance/normalize.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <utility>

namespace kefu::compliance {

namespace {

char32_t decode_one(std::string_view s, std::size_t& i) {
  auto const b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    auto const b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms and values past U+10FFFF are not code points.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return cp;
}

icu::Normalizer2 const* nfkc_cf() {
  static icu::Normalizer2 const* const n = [] {
    UErrorCode st = U_ZERO_ERROR;
    auto const* p = icu::Normalizer2::getNFKCCasefoldInstance(st);
    return U_SUCCESS(st) ? p : nullptr;
  }();
  return n;
}

// Characters dropped entirely: invisible, combining or pictographic.
bool is_removed(char32_t c) {
  if (c < 0x80) return c < 0x20 && c != '\n' && c != '\t' && c != '\r';
  if (c >= 0x4E00 && c <= 0x9FFF) return false;
  auto const uc = static_cast<UChar32>(c);
  if (c == 0x200D || c == 0x20E3) return true;  // joiner, keycap
  if (u_hasBinaryProperty(uc, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return true;
  if (u_hasBinaryProperty(uc, UCHAR_VARIATION_SELECTOR)) return true;
  if (u_hasBinaryProperty(uc, UCHAR_EXTENDED_PICTOGRAPHIC)) return true;
  if (u_hasBinaryProperty(uc, UCHAR_EMOJI_MODIFIER)) return true;
  if (u_hasBinaryProperty(uc, UCHAR_REGIONAL_INDICATOR)) return true;
  auto const gc = u_charType(uc);
  return gc == U_NON_SPACING_MARK || gc == U_ENCLOSING_MARK || gc == U_FORMAT_CHAR ||
         gc == U_CONTROL_CHAR || (c >= 0xE0000 && c <= 0xE007F);
}

// Dingbat and enclosed digits that NFKC leaves alone: value, or -1.
int dingbat_digit(char32_t c) {
  if (c >= 0x2776 && c <= 0x277F) return static_cast<int>(c - 0x2776 + 1);   // ❶..❿
  if (c >= 0x2780 && c <= 0x2789) return static_cast<int>(c - 0x2780 + 1);   // ➀..➉
  if (c >= 0x278A && c <= 0x2793) return static_cast<int>(c - 0x278A + 1);   // ➊..➓
  if (c >= 0x24F5 && c <= 0x24FE) return static_cast<int>(c - 0x24F5 + 1);   // ⓵..⓾
  if (c >= 0x24EB && c <= 0x24F4) return static_cast<int>(c - 0x24EB + 11);  // ⓫..⓴
  if (c == 0x24FF || c == 0x1F10B || c == 0x1F10C) return 0;                 // ⓿ 🄋 🄌
  return -1;
}

void append_number(std::u32string& out, int v) {
  if (v >= 10) out.push_back(U'0' + static_cast<char32_t>(v / 10));
  out.push_back(U'0' + static_cast<char32_t>(v % 10));
}

}  // namespace

namespace {

// Pictographs written in place of the word they picture (闲🐟 for 闲鱼, 发个🧧 for a red
// packet, ➕我微信 for 加我微信): folded to that word instead of being dropped with the other emoji.
std::u32string_view pictured_word(char32_t c) {
  switch (c) {
    case 0x1F9E7:  // red envelope
      return U"红包";
    case 0x1F41F:  // fish, tropical fish, blowfish
    case 0x1F420:
    case 0x1F421:
      return U"鱼";
    case 0x1F427:  // penguin (QQ's mascot)
      return U"企鹅";
    case 0x2795:  // heavy plus sign
      return U"加";
    case 0x2708:  // airplane (Telegram's logo)
      return U"飞机";
    case 0x1F4DE:  // telephone receiver, black telephone
    case 0x260E:
      return U"电话";
    case 0x1F4F1:  // mobile phone
      return U"手机";
    case 0x1F4B0:  // money bag
      return U"钱";
    default:
      return {};
  }
}

// Cyrillic and Greek letters drawn like Latin ones (vх with a Cyrillic х, ѵх), read as the
// Latin letter: ids and app names are Latin, and no Chinese service text needs those scripts.
char32_t latin_lookalike(char32_t c) {
  // Cyrillic а е к м о р с у х ѕ і ј ѵ ԁ ԛ ԝ, Greek α ι κ ν ο ρ τ υ χ, and small capitals
  // (ᴠx, ᴡx: letters NFKC leaves as they are).
  static constexpr std::pair<char32_t, char32_t> table[] = {
      {0x0262, 'g'}, {0x026A, 'i'}, {0x0274, 'n'}, {0x0280, 'r'}, {0x028F, 'y'}, {0x0299, 'b'},
      {0x029C, 'h'}, {0x029F, 'l'}, {0x03B1, 'a'}, {0x03B9, 'i'}, {0x03BA, 'k'}, {0x03BD, 'v'},
      {0x03BF, 'o'}, {0x03C1, 'p'}, {0x03C4, 't'}, {0x03C5, 'u'}, {0x03C7, 'x'}, {0x0430, 'a'},
      {0x0435, 'e'}, {0x043A, 'k'}, {0x043C, 'm'}, {0x043E, 'o'}, {0x0440, 'p'}, {0x0441, 'c'},
      {0x0443, 'y'}, {0x0445, 'x'}, {0x0455, 's'}, {0x0456, 'i'}, {0x0458, 'j'}, {0x0475, 'v'},
      {0x0501, 'd'}, {0x051B, 'q'}, {0x051D, 'w'}, {0x1D00, 'a'}, {0x1D04, 'c'}, {0x1D05, 'd'},
      {0x1D07, 'e'}, {0x1D0A, 'j'}, {0x1D0B, 'k'}, {0x1D0D, 'm'}, {0x1D0F, 'o'}, {0x1D18, 'p'},
      {0x1D1B, 't'}, {0x1D1C, 'u'}, {0x1D20, 'v'}, {0x1D21, 'w'}, {0x1D22, 'z'}, {0xA730, 'f'},
      {0xA731, 's'}};
  if (c < 0x0262 || c > 0xA731) return c;
  for (auto const& [from, to] : table)
    if (from == c) return to;
  return c;
}

void fold_slow(char32_t c, std::u32string& out) {
  if (c == 0x4E28) {  // 丨: written as a divider (139丨1234), never as a word here
    out.push_back(U'|');
    return;
  }
  if (c < 0x80) {
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    if (c == '\r') c = '\n';
    if (c < 0x20 && c != '\n' && c != '\t') return;
    out.push_back(c);
    return;
  }
  if (c >= 0x4E00 && c <= 0x9FFF) {  // common ideographs: NFKC-inert
    out.push_back(to_simplified(c));
    return;
  }
  if (auto const w = pictured_word(c); !w.empty()) {
    out += w;
    return;
  }
  // Letters in squares and circles (🅥🅧, 🆀🆀, 🄰): the letter, not an emoji to drop.
  for (char32_t const first : {char32_t{0x1F130}, char32_t{0x1F150}, char32_t{0x1F170}})
    if (c >= first && c < first + 26) {
      out.push_back(U'a' + (c - first));
      return;
    }
  if (is_removed(c)) return;
  if (int d = dingbat_digit(c); d >= 0) {
    append_number(out, d);
    return;
  }
  // Decimal digits of every script (١٣٨ Arabic-Indic, १३८ Devanagari …): NFKC leaves them alone.
  if (u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER) {
    out.push_back(U'0' + static_cast<char32_t>(u_charDigitValue(static_cast<UChar32>(c))));
    return;
  }
  auto const* n = nfkc_cf();
  auto const uc = static_cast<UChar32>(c);
  if (n == nullptr || n->isInert(uc)) {
    out.push_back(latin_lookalike(to_simplified(c)));
    return;
  }
  UErrorCode st = U_ZERO_ERROR;
  icu::UnicodeString src(uc);
  icu::UnicodeString dst = n->normalize(src, st);
  if (U_FAILURE(st)) {
    out.push_back(c);
    return;
  }
  for (int32_t i = 0; i < dst.length();) {
    UChar32 x = dst.char32At(i);
    i += U16_LENGTH(x);
    auto const cx = static_cast<char32_t>(x);
    if (is_removed(cx)) continue;
    out.push_back(latin_lookalike(to_simplified(cx)));
  }
}

bool is_noise_slow(char32_t c) {
  if (c < 0x80) return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_ascii_digit(c));
  if (is_han(c)) return false;
  return !u_isalnum(static_cast<UChar32>(c));
}

unsigned trait_of(char32_t f) {
  if (f < 0x80) {
    if (f == 'o' || f == 'l' || f == 'i') return trait_alpha | trait_lookalike;
    if (f == 't') return trait_alpha | trait_t;
    if (f == '_') return trait_underscore;
    if (f == ' ') return trait_space;
    if (f >= 'a' && f <= 'z') return trait_alpha;
    if (f >= '0' && f <= '9') return trait_digit;
    if (f == '@') return trait_at;
    if (f == '.' || f == ':') return trait_dot;
    return f == '$' ? trait_currency : 0u;
  }
  if (f == 0xB7 || f == 0x3002 || f == 0x70B9) return trait_dot;
  if (f == 0x827E) return trait_ai;
  if ((f >= 0xA2 && f <= 0xA5) || (f >= 0x20A0 && f <= 0x20CF)) return trait_currency;
  return 0;
}

// What the hot path needs to know of a folded character, in one table entry: its text_trait
// bits (info_traits), whether it is noise, and its value as a digit form plus one (info_form).
constexpr std::uint16_t info_noise = 1u << 5;
constexpr unsigned info_form = 0xF00u;  // digit value + 1
constexpr unsigned info_traits =
    0x1Fu | trait_lookalike | trait_ai | trait_underscore | trait_t | trait_space;

std::uint16_t char_info(char32_t f) {
  auto v = static_cast<std::uint16_t>(trait_of(f));
  if (is_noise_slow(f)) v |= info_noise;
  int const d = is_ascii_digit(f) ? static_cast<int>(f - '0') : f >= 0x3007 ? chinese_digit(f) : -1;
  return static_cast<std::uint16_t>(v | ((d + 1) << 8));
}

// Every BMP code point folded once, at first use: the hot path is then a table lookup instead
// of an ICU call and a binary search per character.
struct bmp_fold_table {
  static constexpr std::uint32_t removed = 0xFFFFFFFFu;
  static constexpr std::uint32_t multi = 0x80000000u;  // | offset << 8 | length
  std::vector<std::uint32_t> map;
  std::vector<std::uint16_t> info;  // char_info() of BMP code points (as folded characters)
  std::u32string pool;
  // What the text fold needs of a code point in one load: the folded BMP character (low 16
  // bits) and its char_info (high 16), or `slow` for removed, multi-unit and astral folds.
  static constexpr std::uint32_t slow = 0xFFFFFFFFu;
  std::vector<std::uint32_t> fast;

  bmp_fold_table() : map(0x10000), info(0x10000), fast(0x10000, slow) {
    std::u32string tmp;
    for (char32_t c = 0; c < 0x10000; ++c) {
      info[c] = char_info(c);
      tmp.clear();
      fold_slow(c, tmp);
      if (tmp.empty()) {
        map[c] = removed;
      } else if (tmp.size() == 1) {
        map[c] = tmp[0];
      } else {
        map[c] = multi | (static_cast<std::uint32_t>(pool.size()) << 8) |
                 static_cast<std::uint32_t>(tmp.size());
        pool += tmp;
      }
    }
    for (char32_t c = 0; c < 0x10000; ++c) {
      std::uint32_t const v = map[c];
      if (v == removed || (v & multi) || v >= 0x10000) continue;
      fast[c] = v | (static_cast<std::uint32_t>(info[v]) << 16);
    }
  }
};

bmp_fold_table const& bmp_fold() {
  static bmp_fold_table const table;
  return table;
}

}  // namespace

void fold_code_point(char32_t c, std::u32string& out) {
  if (c >= 0x10000) {
    fold_slow(c, out);
    return;
  }
  auto const& t = bmp_fold();
  std::uint32_t const v = t.map[c];
  if (v == bmp_fold_table::removed) return;
  if (v & bmp_fold_table::multi) {
    out.append(t.pool, (v >> 8) & 0x7FFFFF, v & 0xFF);
    return;
  }
  out.push_back(static_cast<char32_t>(v));
}

bool is_noise_folded(char32_t c) {
  if (c < 0x10000) return (bmp_fold().info[c] & info_noise) != 0;
  return is_noise_slow(c);
}

void decode_utf8_into(std::string_view s, std::u32string& out) {
  out.clear();
  decode_utf8_append(s, out);
}

namespace {

// The decoder for one position: ASCII and well-formed three-byte sequences (CJK) at once,
// anything else through decode_one. Returns one past the code point written.
char32_t* decode_step(std::string_view s, std::size_t& i, char32_t* o) {
  auto const* p = reinterpret_cast<unsigned char const*>(s.data());
  std::size_t const n = s.size();
  unsigned const b0 = p[i];
  if (b0 < 0x80) {
    *o++ = b0;
    ++i;
    return o;
  }
  if ((b0 & 0xF0) == 0xE0 && b0 != 0xE0 && b0 != 0xED && i + 2 < n) {
    unsigned const b1 = p[i + 1];
    unsigned const b2 = p[i + 2];
    if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80) {
      *o++ = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
      i += 3;
      return o;
    }
  }
  *o++ = decode_one(s, i);  // everything else, encoded surrogates included
  return o;
}

#if defined(__x86_64__)
// Sixteen bytes at a time: a run of ASCII is widened in one go, and up to four well-formed
// three-byte sequences (nearly all Chinese text) are gathered into lanes, checked and decoded
// together. What neither covers goes one code point at a time through decode_step. Every store
// stays inside the buffer: the output never runs ahead of the input, and 16 input bytes remain.
__attribute__((target("ssse3"))) char32_t* decode_ssse3(std::string_view s, std::size_t& pos,
                                                        char32_t* o) {
  auto const* p = reinterpret_cast<unsigned char const*>(s.data());
  std::size_t const n = s.size();
  std::size_t i = pos;
  __m128i const zero = _mm_setzero_si128();
  __m128i const gather = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
  __m128i const shape = _mm_set1_epi32(0xC0C0F0);
  __m128i const want = _mm_set1_epi32(0x8080E0);
  __m128i const lead = _mm_set1_epi32(0xFF);
  __m128i const e0 = _mm_set1_epi32(0xE0);
  __m128i const ed = _mm_set1_epi32(0xED);
  __m128i const m0f = _mm_set1_epi32(0x0F);
  __m128i const m3f00 = _mm_set1_epi32(0x3F00);
  __m128i const m3f = _mm_set1_epi32(0x3F);
  while (i + 16 <= n) {
    __m128i const x = _mm_loadu_si128(reinterpret_cast<__m128i const*>(p + i));
    auto const high = static_cast<unsigned>(_mm_movemask_epi8(x));
    if (high != 0xFFFFu && (high & 1u) == 0) {  // ASCII first: widen all 16, keep the run
      unsigned const run = high == 0 ? 16u : static_cast<unsigned>(__builtin_ctz(high));
      __m128i const lo = _mm_unpacklo_epi8(x, zero);
      __m128i const hi = _mm_unpackhi_epi8(x, zero);
      auto* q = reinterpret_cast<__m128i*>(o);
      _mm_storeu_si128(q, _mm_unpacklo_epi16(lo, zero));
      _mm_storeu_si128(q + 1, _mm_unpackhi_epi16(lo, zero));
      _mm_storeu_si128(q + 2, _mm_unpacklo_epi16(hi, zero));
      _mm_storeu_si128(q + 3, _mm_unpackhi_epi16(hi, zero));
      o += run;
      i += run;
      continue;
    }
    __m128i const l = _mm_shuffle_epi8(x, gather);  // b0 | b1 << 8 | b2 << 16 per lane
    __m128i const b0 = _mm_and_si128(l, lead);
    __m128i const bad = _mm_or_si128(_mm_cmpeq_epi32(b0, e0), _mm_cmpeq_epi32(b0, ed));
    __m128i const ok = _mm_andnot_si128(bad, _mm_cmpeq_epi32(_mm_and_si128(l, shape), want));
    auto const okm = static_cast<unsigned>(_mm_movemask_epi8(ok));
    unsigned const lanes = okm == 0xFFFFu ? 4u : static_cast<unsigned>(__builtin_ctz(~okm)) / 4;
    if (lanes == 0) {
      o = decode_step(s, i, o);
      continue;
    }
    __m128i const cp = _mm_or_si128(_mm_or_si128(_mm_slli_epi32(_mm_and_si128(l, m0f), 12),
                                                 _mm_srli_epi32(_mm_and_si128(l, m3f00), 2)),
                                    _mm_and_si128(_mm_srli_epi32(l, 16), m3f));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), cp);
    o += lanes;
    i += 3 * lanes;
  }
  pos = i;
  return o;
}

bool have_ssse3() {
  static bool const yes = __builtin_cpu_supports("ssse3");
  return yes;
}
#endif

}  // namespace

void decode_utf8_append(std::string_view s, std::u32string& out) {
  // Never more code points than bytes: size once, write through a pointer, trim at the end.
  std::size_t const old = out.size();
  out.resize(old + s.size());
  char32_t* o = out.data() + old;
  std::size_t i = 0;
#if defined(__x86_64__)
  if (have_ssse3()) o = decode_ssse3(s, i, o);
#endif
  while (i < s.size()) o = decode_step(s, i, o);
  out.resize(static_cast<std::size_t>(o - out.data()));
}

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  decode_utf8_into(s, out);
  return out;
}

namespace {

// Writes c as UTF-8 at o; returns one past the last byte written.
unsigned char* put_utf8(unsigned char* o, char32_t c) noexcept {
  if (c < 0x80) {
    *o++ = static_cast<unsigned char>(c);
  } else if (c < 0x800) {
    *o++ = static_cast<unsigned char>(0xC0 | (c >> 6));
    *o++ = static_cast<unsigned char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    *o++ = static_cast<unsigned char>(0xE0 | (c >> 12));
    *o++ = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
    *o++ = static_cast<unsigned char>(0x80 | (c & 0x3F));
  } else {
    *o++ = static_cast<unsigned char>(0xF0 | (c >> 18));
    *o++ = static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3F));
    *o++ = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
    *o++ = static_cast<unsigned char>(0x80 | (c & 0x3F));
  }
  return o;
}

}  // namespace

void append_utf8(std::string& out, char32_t c) {
  unsigned char buf[4];
  out.append(reinterpret_cast<char const*>(buf), static_cast<std::size_t>(put_utf8(buf, c) - buf));
}

std::string encode_utf8(std::u32string_view s) {
  // Sized for the worst case once, written through a pointer, trimmed at the end.
  std::string out(s.size() * 4, '\0');
  auto* const b = reinterpret_cast<unsigned char*>(out.data());
  auto* o = b;
  for (char32_t c : s) o = put_utf8(o, c);
  out.resize(static_cast<std::size_t>(o - b));
  return out;
}

std::u32string fold_pattern(std::string_view utf8) {
  std::u32string folded;
  for (char32_t c : decode_utf8(utf8)) fold_code_point(c, folded);
  std::u32string out;
  for (char32_t c : folded)
    if (!is_noise_folded(c)) out.push_back(c);
  return out;
}

void folded_text::clear() {
  traits = 0;
  form_pos_.clear();
  digit_units.clear();
  original.clear();
  units.clear();
  digit.clear();
  sig.clear();
  sig_chars.clear();
  sig_of.clear();
  segment_begin.clear();
  last_segment_unit = 0;
}

// The rare code points the fast table does not cover (removed, several units, astral), out of
// line so the common loop keeps its state in registers. Returns the new unit count.
std::size_t folded_text::append_slow(char32_t c, std::uint32_t src, std::size_t nu, std::size_t& ns,
                                     unsigned& tr) {
  auto const& t = bmp_fold();
  std::u32string tmp;  // stays empty for removed code points
  fold_code_point(c, tmp);
  if (tmp.size() > 1) {  // one slot is already counted for this code point
    units.resize(units.size() + tmp.size() - 1);
    sig.resize(sig.size() + tmp.size() - 1);
    sig_chars.resize(sig.size());
    sig_of.resize(sig_of.size() + tmp.size() - 1);
  }
  for (char32_t f : tmp) {
    std::uint32_t const in = f < 0x10000 ? t.info[f] : char_info(f);
    bool const noise = (in & info_noise) != 0;
    tr |= in & info_traits;
    sig_of[nu] = noise ? -1 : static_cast<std::int32_t>(ns);
    if (!noise) {
      sig_chars[ns] = f;
      sig[ns++] = static_cast<std::uint32_t>(nu);
    }
    if ((in & info_form) != 0) form_pos_.push_back(static_cast<std::uint32_t>(nu));
    units[nu++] = {f, src, noise ? unit_kind::noise : unit_kind::sig,
                   static_cast<std::int8_t>(((in & info_form) >> 8) - 1)};
  }
  return nu;
}

std::uint32_t folded_text::begin_segment() {
  auto const base = static_cast<std::uint32_t>(original.size());
  if (!segment_begin.empty()) {
    units.push_back({U'\x1E', base, unit_kind::boundary, -1});
    sig_of.push_back(-1);
  }
  segment_begin.push_back(base);
  last_segment_unit = static_cast<std::uint32_t>(units.size());
  return base;
}

void folded_text::append_segment(std::u32string_view text, ac_matcher::cursor* scan) {
  auto const base = begin_segment();
  original.append(text);
  fold_from(base, scan);
}

void folded_text::append_segment_utf8(std::string_view text, ac_matcher::cursor* scan) {
  auto const base = begin_segment();
  decode_utf8_append(text, original);
  fold_from(base, scan);
}

void folded_text::fold_from(std::uint32_t base, ac_matcher::cursor* scan) {
  if (scan != nullptr)
    fold_run<true>(base, scan);
  else
    fold_run<false>(base, nullptr);
}

#if defined(__x86_64__)
namespace {

// Where the fold writes, for the vector loop below.
struct fold_sinks {
  unit* units;
  std::uint32_t* sig;
  char32_t* sig_chars;
  std::int32_t* sig_of;
  std::uint32_t* forms;
};

// Permutation indices that interleave three vectors of 16 dwords (the character, the source
// index and the kind/form word of 16 units) into the 48 dwords of 16 `unit`s.
struct unit_interleave {
  alignas(64) std::int32_t pair[3][16];  // from (character, source): lane or 16 + lane
  alignas(64) std::int32_t word[3][16];  // from the kind/form word: lane
  std::uint16_t word_lanes[3] = {};      // which output lanes take the word
  constexpr unit_interleave() : pair{}, word{} {
    for (int k = 0; k < 3; ++k)
      for (int j = 0; j < 16; ++j) {
        int const e = 16 * k + j, u = e / 3, f = e % 3;
        pair[k][j] = f == 0 ? u : 16 + u;
        word[k][j] = u;
        if (f == 2) word_lanes[k] = static_cast<std::uint16_t>(word_lanes[k] | (1u << j));
      }
  }
};
static_assert(sizeof(unit) == 12 && offsetof(unit, src) == 4 && offsetof(unit, kind) == 8 &&
              offsetof(unit, form) == 9);
static_assert(static_cast<int>(unit_kind::sig) == 0 && static_cast<int>(unit_kind::noise) == 1);
constexpr unit_interleave interleave{};

// A mask of the first k (at most 16) lanes.
constexpr __mmask16 first_lanes(std::size_t k) {
  return static_cast<__mmask16>((1u << k) - 1u);
}

// Sixteen code points at a time: one gather from the fold table, then the units, the
// significant indices and characters (compressed), the unit → significant map (expanded) and
// the digit-form positions, each written with one store; the last block of a segment is a
// masked one. Stops at the first block holding a code point the table does not cover (astral,
// removed, several units); the scalar loop takes that one. Stores are masked to what is
// written, so nothing lands past the buffers, which hold one unit per code point left.
// (GCC 12 warns about the undefined source vectors inside its own AVX-512 intrinsics.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,popcnt"))) std::size_t fold_blocks_avx512(
    char32_t const* text, std::size_t i, std::size_t n, std::uint32_t base,
    std::uint32_t const* fast, fold_sinks const& out, std::size_t& nu, std::size_t& ns,
    std::size_t& nf, unsigned& traits) {
  __m512i const iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i const all_ones = _mm512_set1_epi32(-1);
  __m512i const low16 = _mm512_set1_epi32(0xFFFF);
  __m512i const astral = _mm512_set1_epi32(0x10000);
  __m512i const noise_bit = _mm512_set1_epi32(info_noise);
  __m512i const form_bits = _mm512_set1_epi32(static_cast<int>(info_form));
  __m512i const one = _mm512_set1_epi32(1);
  __m512i const byte = _mm512_set1_epi32(0xFF);
  __m512i const pair0 = _mm512_load_si512(interleave.pair[0]);
  __m512i const pair1 = _mm512_load_si512(interleave.pair[1]);
  __m512i const pair2 = _mm512_load_si512(interleave.pair[2]);
  __m512i const word0 = _mm512_load_si512(interleave.word[0]);
  __m512i const word1 = _mm512_load_si512(interleave.word[1]);
  __m512i const word2 = _mm512_load_si512(interleave.word[2]);
  __m512i seen = _mm512_setzero_si512();
  while (i < n) {
    std::size_t const lanes = std::min<std::size_t>(16, n - i);
    __mmask16 const valid = first_lanes(lanes);
    __m512i const c = _mm512_maskz_loadu_epi32(valid, text + i);
    if (_mm512_mask_cmpge_epu32_mask(valid, c, astral) != 0) break;
    __m512i const v = _mm512_mask_i32gather_epi32(all_ones, valid, c, fast, 4);
    if (_mm512_mask_cmpeq_epi32_mask(valid, v, all_ones) != 0) break;
    __m512i const info = _mm512_maskz_srli_epi32(valid, v, 16);
    __m512i const folded = _mm512_and_si512(v, low16);
    __mmask16 const noise = _mm512_mask_test_epi32_mask(valid, info, noise_bit);
    auto const sigm = static_cast<__mmask16>(valid & ~noise);
    __mmask16 const form = _mm512_test_epi32_mask(info, form_bits);
    seen = _mm512_or_si512(seen, info);
    __m512i const unit_index = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(nu)), iota);
    __m512i const src = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(base + i)), iota);
    // Significant units get ns, ns + 1, … in order; noise gets -1.
    __m512i const rank = _mm512_maskz_expand_epi32(
        sigm, _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(ns)), iota));
    auto const nsig = static_cast<std::size_t>(__builtin_popcount(sigm));
    auto const nform = static_cast<std::size_t>(__builtin_popcount(form));
    _mm512_mask_storeu_epi32(out.sig_of + nu, valid, _mm512_mask_mov_epi32(all_ones, sigm, rank));
    _mm512_mask_storeu_epi32(out.sig + ns, first_lanes(nsig),
                             _mm512_maskz_compress_epi32(sigm, unit_index));
    _mm512_mask_storeu_epi32(out.sig_chars + ns, first_lanes(nsig),
                             _mm512_maskz_compress_epi32(sigm, folded));
    _mm512_mask_storeu_epi32(out.forms + nf, first_lanes(nform),
                             _mm512_maskz_compress_epi32(form, unit_index));
    // kind (sig 0, noise 1) in byte 0, the digit-form value (-1 for none) in byte 1.
    __m512i const value =
        _mm512_sub_epi32(_mm512_srli_epi32(_mm512_and_si512(info, form_bits), 8), one);
    __m512i const word = _mm512_or_si512(_mm512_maskz_mov_epi32(noise, one),
                                         _mm512_slli_epi32(_mm512_and_si512(value, byte), 8));
    auto* u = reinterpret_cast<std::int32_t*>(out.units + nu);
    std::size_t const dwords = 3 * lanes;
    _mm512_mask_storeu_epi32(
        u, first_lanes(std::min<std::size_t>(dwords, 16)),
        _mm512_mask_permutexvar_epi32(_mm512_permutex2var_epi32(folded, pair0, src),
                                      interleave.word_lanes[0], word0, word));
    if (dwords > 16)
      _mm512_mask_storeu_epi32(
          u + 16, first_lanes(std::min<std::size_t>(dwords - 16, 16)),
          _mm512_mask_permutexvar_epi32(_mm512_permutex2var_epi32(folded, pair1, src),
                                        interleave.word_lanes[1], word1, word));
    if (dwords > 32)
      _mm512_mask_storeu_epi32(
          u + 32, first_lanes(dwords - 32),
          _mm512_mask_permutexvar_epi32(_mm512_permutex2var_epi32(folded, pair2, src),
                                        interleave.word_lanes[2], word2, word));
    nu += lanes;
    ns += nsig;
    nf += nform;
    i += lanes;
  }
  traits |= static_cast<unsigned>(_mm512_reduce_or_epi32(seen)) & info_traits;
  return i;
}
#pragma GCC diagnostic pop

bool have_avx512() {
  static bool const yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return yes;
}

}  // namespace
#endif

namespace {
std::atomic<bool> vector_fold_on{true};
}  // namespace

void set_vector_fold(bool on) noexcept {
  vector_fold_on.store(on, std::memory_order_relaxed);
}

bool vector_fold_available() noexcept {
#if defined(__x86_64__)
  return have_avx512();
#else
  return false;
#endif
}

template <bool Scan>
void folded_text::fold_run(std::uint32_t base, ac_matcher::cursor* scan) {
  std::u32string_view const text = std::u32string_view(original).substr(base);
  // Written through indices into vectors sized for one unit per code point (the common case);
  // the rare multi-unit folds grow them on the way. Trimmed to what was written at the end.
  std::size_t nu = units.size();
  std::size_t ns = sig.size();
  std::size_t const first_sig = ns;
  units.resize(nu + text.size());
  sig.resize(ns + text.size());
  sig_chars.resize(ns + text.size());
  sig_of.resize(nu + text.size());
  unsigned tr = traits;
  std::uint32_t const* fast = bmp_fold().fast.data();
  char32_t const* in_text = text.data();
  std::size_t const n = text.size();
  // Positions of digit forms, for finish(): written for every unit, kept for forms only.
  std::size_t nf = form_pos_.size();
  form_pos_.resize(nf + n);
#if defined(__x86_64__)
  bool const vector = have_avx512() && vector_fold_on.load(std::memory_order_relaxed);
#else
  bool const vector = false;
#endif
  for (std::size_t i = 0; i < n;) {
#if defined(__x86_64__)
    if (vector)
      i = fold_blocks_avx512(
          in_text, i, n, base, fast,
          {units.data(), sig.data(), sig_chars.data(), sig_of.data(), form_pos_.data()}, nu, ns, nf,
          tr);
#endif
    // One code point at a time: the tail, and a block the vector loop stopped at, up to and
    // including the code point that stopped it.
    std::size_t const limit = vector ? std::min(n, i + 16) : n;
    {
      // State in locals whose address is never taken, so the stores through the unit pointers
      // cannot alias it and it stays in registers.
      unit* U = units.data();
      std::uint32_t* S = sig.data();
      char32_t* SC = sig_chars.data();
      std::int32_t* O = sig_of.data();
      std::uint32_t* F = form_pos_.data();
      for (; i < limit; ++i) {
        char32_t const c = in_text[i];
        std::uint32_t const v = c < 0x10000 ? fast[c] : bmp_fold_table::slow;
        if (v == bmp_fold_table::slow) break;
        std::uint32_t const info = v >> 16;
        bool const noise = (info & info_noise) != 0;
        tr |= info & info_traits;
        O[nu] = noise ? -1 : static_cast<std::int32_t>(ns);
        S[ns] = static_cast<std::uint32_t>(nu);
        SC[ns] = static_cast<char32_t>(v & 0xFFFFu);
        ns += noise ? 0 : 1;
        F[nf] = static_cast<std::uint32_t>(nu);
        nf += (info & info_form) != 0 ? 1 : 0;
        U[nu] = {static_cast<char32_t>(v & 0xFFFFu), base + static_cast<std::uint32_t>(i),
                 noise ? unit_kind::noise : unit_kind::sig,
                 static_cast<std::int8_t>(((info & info_form) >> 8) - 1)};
        ++nu;
      }
    }
    if (i < limit) {
      form_pos_.resize(nf);
      nu = append_slow(in_text[i], base + static_cast<std::uint32_t>(i), nu, ns, tr);
      nf = form_pos_.size();
      form_pos_.resize(nf + n - i);
      ++i;
    }
  }
  form_pos_.resize(nf);
  units.resize(nu);
  sig.resize(ns);
  sig_chars.resize(ns);
  sig_of.resize(nu);
  traits = tr;
  // The automaton over this segment's significant characters, in one tight loop of its own.
  if constexpr (Scan) scan->feed_all(sig_chars.data() + first_sig, ns - first_sig, first_sig);
}

namespace {

bool lookalike_letter(char32_t c) {
  return c == 'o' || c == 'l' || c == 'i';
}
int lookalike_value(char32_t c) {
  return c == 'o' ? 0 : 1;
}

}  // namespace

void folded_text::finish() {
  std::size_t const n = units.size();
  digit.assign(n, -1);
  digit_units.clear();
  if (form_pos_.empty()) return;  // no digit forms at all
  auto& pos = form_pos_;          // candidates, in order: the digit forms, then also marked letters
  // Letters can stand for digits only when there are look-alike letters and digit forms at all
  // (Arabic or Chinese: 一三八OO一三八OOO).
  bool const letters = (traits & trait_alpha) && (traits & trait_lookalike);
  if (letters) mark_letters();
  // Runs: candidates separated by at most three noise units. Weak forms count as digits only
  // when the run holds at least five candidates.
  constexpr std::size_t max_gap = 3;
  constexpr std::size_t min_weak_run = 5;
  auto joined = [&](std::uint32_t a, std::uint32_t b) {
    if (b - a - 1 > max_gap) return false;
    for (std::uint32_t k = a + 1; k < b; ++k)
      if (units[k].kind == unit_kind::sig) return false;
    return true;
  };
  for (std::size_t i = 0; i < pos.size();) {
    std::size_t j = i;
    while (j + 1 < pos.size() && joined(pos[j], pos[j + 1])) ++j;
    bool const weak_ok = j - i + 1 >= min_weak_run;
    for (std::size_t t = i; t <= j; ++t) {
      std::uint32_t const k = pos[t];
      if (is_ascii_digit(units[k].c) || weak_ok) {
        digit[k] = letters ? cand_[k] : units[k].form;
        digit_units.push_back(k);
        traits |= trait_digit_run;
      }
    }
    i = j + 1;
  }
}

void folded_text::mark_letters() {
  std::size_t const n = units.size();
  // Candidate digit value per unit, before deciding whether its run is digit-like.
  auto& cand = cand_;
  cand.resize(n);
  for (std::size_t i = 0; i < n; ++i) cand[i] = units[i].form;
  // Letters standing for digits: inside an alphanumeric token made of digits and look-alikes
  // (l38OO13800O), or a short token of look-alikes next to digits (138 OO 138 OOO,
  // 1 3 8 O O 1), which spreads along a spaced-out run in both directions.
  auto is_an = [&](std::size_t k) {
    return units[k].kind == unit_kind::sig &&
           (is_ascii_alpha(units[k].c) || is_ascii_digit(units[k].c));
  };
  auto mark = [&](std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k)
      if (!is_ascii_digit(units[k].c))
        cand[k] = static_cast<std::int8_t>(lookalike_value(units[k].c));
  };
  auto& loose = loose_;  // letter-only look-alike tokens: [begin, end)
  loose.clear();
  for (std::size_t i = 0; i < n;) {
    if (!is_an(i)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    std::size_t digits = 0, letters = 0;
    bool all_look = true;
    while (j < n && is_an(j)) {
      if (is_ascii_digit(units[j].c)) {
        ++digits;
      } else {
        ++letters;
        if (!lookalike_letter(units[j].c)) all_look = false;
      }
      ++j;
    }
    if (letters > 0 && all_look) {
      if (digits >= 2 || (digits > 0 && digits * 2 >= digits + letters))
        mark(i, j);
      else if (letters <= 4)  // letters only, or one digit among up to four (8OOO)
        loose.emplace_back(i, j);
    }
    i = j;
  }
  // The nearest significant unit (at most one noise unit away) is a digit or a marked letter.
  auto digit_near = [&](std::ptrdiff_t from, int step) {
    for (int hops = 0; hops < 2; ++hops, from += step) {
      if (from < 0 || from >= static_cast<std::ptrdiff_t>(n)) return false;
      auto const& u = units[static_cast<std::size_t>(from)];
      if (u.kind == unit_kind::sig)  // any digit form: 一3九l二3 as much as 13l8
        return is_ascii_digit(u.c) || cand[static_cast<std::size_t>(from)] >= 0;
    }
    return false;
  };
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t t = 0; t < loose.size(); ++t) {
      auto const [b, e] = pass == 0 ? loose[t] : loose[loose.size() - 1 - t];
      std::size_t first_letter = b;  // marked already (by the other pass)?
      while (first_letter < e && is_ascii_digit(units[first_letter].c)) ++first_letter;
      if (cand[first_letter] >= 0) continue;
      bool const before = digit_near(static_cast<std::ptrdiff_t>(b) - 1, -1);
      bool const after = digit_near(static_cast<std::ptrdiff_t>(e), 1);
      // With digits on one side only, a word (lol) stays a word; OOO, 8OOO or a lone l does not.
      bool one_letter = true;
      char32_t letter = 0;
      for (std::size_t k = b; k < e; ++k) {
        if (is_ascii_digit(units[k].c)) continue;
        if (letter == 0) letter = units[k].c;
        one_letter = one_letter && units[k].c == letter;
      }
      if ((before && after) || ((before || after) && one_letter)) mark(b, e);
    }
  }

  form_pos_.clear();
  for (std::size_t k = 0; k < n; ++k)
    if (cand[k] >= 0) form_pos_.push_back(static_cast<std::uint32_t>(k));
}

}  // namespace kefu::compliance
