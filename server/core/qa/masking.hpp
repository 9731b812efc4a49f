#pragma once
// Masking buyers' personal data in QA and manager views and in exports
// (qa.md, Privacy; seed 003 on data security). Unmasked text is a separate
// permission, so masking is the default and errs towards hiding: a house
// number may be lost inside a masked address, but a phone number must not
// survive.
//
// What is masked, and how (offsets and lengths are in Unicode code points):
//   mobile     138****8000: first 3 and last 4 digits kept; a +86 / 0086
//              prefix and separators (spaces, dashes) are kept as written
//   landline   0571-****8888: area code and last 4 digits kept
//   id_card    110***********002X: first 3 and last 4 kept (18 or 15 chars)
//   bank_card  6222 **** **** 1234: first 4 and last 4 kept
//   email      z***@example.com: first character of the local part kept
//   address    浙江省杭州市***: province and city kept, the rest becomes ***;
//              also without 省/市 when the city is one of the province's
//              (浙江杭州西湖区… → 浙江杭州***); parts may be separated by single
//              spaces (浙江省 杭州市 西湖区… → 浙江省 杭州市 ***)
//   name       张**: first character kept, one * per further character
//
// Chinese numerals count as digits inside a run of seven or more (一三八零零…).
//
// Look-alikes are left alone: order and tracking numbers (an order cue such
// as 订单号 or 运单 before them — unless shaped like a mobile number —, a
// courier letter prefix glued to them, or a
// length and structure no personal number has), prices and decimals, dates
// and times, digits glued to letters (model numbers) unless the letters say
// phone or WeChat (vx138…, Tel138…) or a phone cue comes before.
//
// Text is UTF-8 in and out; an invalid byte becomes U+FFFD, so the output is
// always valid UTF-8 and no sequence is ever cut.

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::qa {

enum class pii_kind : std::uint8_t { mobile, landline, id_card, bank_card, email, address, name };

// "mobile" | "landline" | "id_card" | "bank_card" | "email" | "address" | "name".
std::string_view to_string(pii_kind k);

struct mask_options {
  // The buyer's profile name(s): every occurrence is masked wherever it
  // appears. Names shorter than two code points are ignored (masking every
  // occurrence of one character would destroy the text).
  std::vector<std::string> names;
};

// One piece of personal data found in a text.
struct pii_span {
  pii_kind kind;
  std::size_t start = 0;    // code points into the text
  std::size_t end = 0;      // exclusive
  std::string replacement;  // UTF-8 that replaces [start, end) when masking
};

// The spans mask_text() replaces, in text order, never overlapping.
std::vector<pii_span> find_pii(std::string_view text, const mask_options& options);

// The text with every span of find_pii() replaced.
std::string mask_text(std::string_view text, const mask_options& options);

// Whether mask_text() would change anything.
bool would_mask(std::string_view text, const mask_options& options);

// Masks a transcript object (GET /api/chats/{id} shape) in place: the "text"
// of every element of "messages" and "blocked", and the "excerpt" of every
// violation under their "verdict"."violations". A violation's "start"/"end"
// are moved onto the masked text (a span inside a collapsed address or e-mail
// widens to the whole replacement) and its excerpt becomes the masked slice;
// an excerpt that is not the slice it claims is masked on its own. Anything
// that is not of the expected type is left as it is.
// Names given after a cue anywhere in the transcript are masked in all of it (the buyer says
// 收件人：李四 once; the agent's 好的李四 later gives it away as much). Returns the options it
// masked with (`options` plus those names), for text that goes with the transcript (a
// reviewer's comment).
mask_options mask_transcript(boost::json::object& transcript, const mask_options& options);

}  // namespace kefu::qa
