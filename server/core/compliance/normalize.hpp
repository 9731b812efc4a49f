#pragma once
// Normalisation that remembers where every folded character came from.
//
// The original text is decoded into code points. Each code point becomes zero or more folded
// units (NFKC with case folding via ICU, traditional → simplified, dingbat digits → digits);
// zero-width characters, variation selectors, combining marks and emoji become none (they are
// skipped, so they never split a match and never show up in a span on their own). Every unit
// keeps the index of the original code point it came from, so a match over units maps back to
// exactly what the user typed.
//
// Units are "significant" (letters, digits, ideographs) or "noise" (spaces, punctuation,
// symbols). Phrase matching runs over significant units and tolerates a little noise between
// them; the number/id detectors see the noise characters too (dots, dashes, @ …).
//
// Digit forms (一三八, 壹叁捌, 幺两拐洞勾, l/o inside digit runs) are folded only inside
// digit-like runs, recorded separately in `digit`, so 一定 or 陆续 stay words.

#include "server/core/common/chinese_digit.hpp"
#include "server/core/common/simplified.hpp"
#include "server/core/compliance/matcher.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kefu::compliance {

enum class unit_kind : std::uint8_t { sig, noise, boundary };

// Trivial on purpose (no member defaults): the fold sizes its buffers for a whole message and
// writes every field of every unit itself, so growing them must not initialise anything.
struct unit {
  char32_t c;
  std::uint32_t src;  // index of the original code point in folded_text::original
  unit_kind kind;
  // 0–9 when the character is a digit form (3, 三, 叁, 幺 …), else -1. Whether it stands for a
  // digit depends on its run; finish() decides (folded_text::digit).
  std::int8_t form;
};

// An allocator whose resize() leaves new trivial elements uninitialised (value-initialising
// them would write every slot twice): for buffers that are written in full right after.
template <class T>
struct uninit_allocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = uninit_allocator<U>;
  };
  uninit_allocator() = default;
  template <class U>
  uninit_allocator(uninit_allocator<U> const&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <class T>
using scratch_vector = std::vector<T, uninit_allocator<T>>;

// Which kinds of folded characters a text holds, so detectors with nothing to look at are
// skipped (no '@': no e-mail scan).
enum text_trait : unsigned {
  trait_alpha = 1u << 0,      // a–z
  trait_digit = 1u << 1,      // 0–9
  trait_at = 1u << 2,         // @
  trait_dot = 1u << 3,        // . : · 。 点
  trait_currency = 1u << 4,   // $ ¥ € … (share codes sit between two)
  trait_digit_run = 1u << 5,  // finish() found a digit-like run
  trait_lookalike = 1u << 6,  // o, l or i: letters that may stand for digits
  trait_ai = 1u << 7,         // 艾 (艾特: a spelled-out @)
  // Bits 8–11 of a character's table entry hold its digit value; these follow them.
  trait_underscore = 1u << 12,  // _ (wxid_…)
  trait_t = 1u << 13,           // t (at, dot)
  trait_space = 1u << 14,       // a space (letters typed one at a time)
};

struct folded_text {
  std::u32string original;                   // every segment's code points, concatenated
  scratch_vector<unit> units;                // folded stream; segment joints are boundary units
  std::vector<std::int8_t> digit;            // per unit: 0–9 inside a digit-like run, else -1
  scratch_vector<std::uint32_t> sig;         // indices of significant units, in order
  scratch_vector<char32_t> sig_chars;        // their characters (units[sig[i]].c), contiguous
  scratch_vector<std::int32_t> sig_of;       // per unit: its index in sig, -1 if not significant
  std::vector<std::uint32_t> segment_begin;  // original offset where each segment starts
  std::uint32_t last_segment_unit = 0;       // first unit of the last segment
  unsigned traits = 0;                       // text_trait bits over all units
  std::vector<std::uint32_t> digit_units;    // units with digit[u] >= 0, in order (finish())

  void clear();
  // Adds one message; segments after the first are joined by a boundary unit. With a `scan`,
  // every significant unit is fed to that automaton as it is folded (one pass instead of two;
  // the automaton's chain of loads then overlaps with the folding).
  void append_segment(std::u32string_view text, ac_matcher::cursor* scan = nullptr);
  void append_segment_utf8(std::string_view text,  // the same, decoding first
                           ac_matcher::cursor* scan = nullptr);
  // Computes the digit runs; call once after the last segment.
  void finish();

 private:
  std::uint32_t begin_segment();
  void mark_letters();
  void fold_from(std::uint32_t base, ac_matcher::cursor* scan);
  template <bool Scan>
  void fold_run(std::uint32_t base, ac_matcher::cursor* scan);
  std::size_t append_slow(char32_t c, std::uint32_t src, std::size_t nu, std::size_t& ns,
                          unsigned& tr);
  scratch_vector<std::uint32_t> form_pos_;  // units that are digit forms, in order
  std::vector<std::int8_t> cand_;           // scratch for finish(), kept to avoid reallocating
  std::vector<std::pair<std::size_t, std::size_t>> loose_;
};

// Whether the fold may use its AVX-512 loop where the processor has one (the default). Off, every
// code point goes through the scalar loop: for tests that hold the two to the same output.
void set_vector_fold(bool on) noexcept;
bool vector_fold_available() noexcept;

// UTF-8 helpers. Invalid bytes decode to U+FFFD one byte at a time; encoded surrogates count as
// one code point each so offsets stay stable for lone surrogates that slipped through JSON.
std::u32string decode_utf8(std::string_view s);
void decode_utf8_into(std::string_view s, std::u32string& out);  // reuses out's buffer
void decode_utf8_append(std::string_view s, std::u32string& out);
std::string encode_utf8(std::u32string_view s);
void append_utf8(std::string& out, char32_t c);

// Folds one code point into `out` (appends 0..n code points); used for text and patterns alike.
void fold_code_point(char32_t c, std::u32string& out);
// Folds a whole phrase and drops noise: the form phrase patterns are stored in.
std::u32string fold_pattern(std::string_view utf8);

bool is_noise_folded(char32_t c);  // classification of an already folded code point
// Inline: the detectors ask these of every unit they walk over.
inline bool is_ascii_alpha(char32_t c) noexcept {
  return (c | 0x20u) >= 'a' && (c | 0x20u) <= 'z';
}
inline bool is_ascii_digit(char32_t c) noexcept {
  return c >= '0' && c <= '9';
}
inline bool is_han(char32_t c) noexcept {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || c == 0x3007 ||
         (c >= 0x20000 && c <= 0x3134F);
}
// Value of a Chinese digit form (一 壹 幺 两 拐 洞 勾 〇 …) or -1.
using core::chinese_digit;
// Traditional → simplified for the table this project keeps; identity otherwise.
using core::to_simplified;

}  // namespace kefu::compliance
