#include "server/core/compliance/normalize.hpp"

#define BOOST_TEST_MODULE compliance_normalize
#include <boost/test/unit_test.hpp>

#include <string>

namespace cc = kefu::compliance;

namespace {

cc::folded_text fold(std::string_view s) {
  cc::folded_text ft;
  ft.append_segment(cc::decode_utf8(s));
  ft.finish();
  return ft;
}

// The significant folded characters, as UTF-8.
std::string sig_text(cc::folded_text const& ft) {
  std::string out;
  for (auto i : ft.sig) cc::append_utf8(out, ft.units[i].c);
  return out;
}

// Digits recognised inside digit-like runs ('.' for everything else that is significant).
std::string digits(cc::folded_text const& ft) {
  std::string out;
  for (auto i : ft.sig)
    out.push_back(ft.digit[i] >= 0 ? static_cast<char>('0' + ft.digit[i]) : '.');
  return out;
}

// The decoding rule, one byte at a time: a well-formed sequence (surrogates included) is one
// code point; anything else is U+FFFD for its first byte.
std::u32string reference_decode(std::string_view s) {
  std::u32string out;
  auto const* p = reinterpret_cast<unsigned char const*>(s.data());
  for (std::size_t i = 0; i < s.size();) {
    unsigned const b0 = p[i];
    std::size_t const len = b0 < 0x80             ? 1
                            : (b0 & 0xE0) == 0xC0 ? 2
                            : (b0 & 0xF0) == 0xE0 ? 3
                            : (b0 & 0xF8) == 0xF0 ? 4
                                                  : 0;
    char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (p[i + k] & 0xC0) == 0x80;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    static constexpr char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= least[len] && cp <= 0x10FFFF;
    out.push_back(ok ? cp : 0xFFFD);
    i += ok ? len : 1;
  }
  return out;
}

}  // namespace

// The decoder takes sixteen bytes at a time where it can; whatever the mix of ASCII, Chinese,
// other lengths and broken sequences, and wherever they fall against those blocks, it must
// agree with the one-byte-at-a-time rule.
BOOST_AUTO_TEST_CASE(block_decoder_agrees_with_the_byte_rule) {
  static constexpr std::string_view pieces[] = {"a",
                                                "7",
                                                "abcdefgh",
                                                "0123456789abcdef",
                                                "中",
                                                "微信",
                                                "，",
                                                "\xEF\xBC\x91",
                                                "é",
                                                "\xF0\x9F\x98\x80",
                                                "\xE0\xA4\x85",
                                                "\xE0\x80\x80",
                                                "\xED\x9F\xBF",
                                                "\xED\xA0\x80",
                                                "\xED\xBF\xBF",
                                                "\xE4\xB8",
                                                "\xE4",
                                                "\x80",
                                                "\xFF",
                                                "\xC0\xAF",
                                                "\xF4\x90\x80\x80",
                                                "\xEF\xBF\xBF",
                                                "\xE1\x80\x80",
                                                "\xE4\xB8\x41",
                                                "\xE4\x41\xB8"};
  unsigned x = 7;
  auto next = [&] {
    x = x * 1103515245u + 12345u;
    return (x >> 8) & 0xFFFF;
  };
  std::u32string got;
  for (int round = 0; round < 5000; ++round) {
    std::string s;
    std::size_t const parts = next() % 48;
    // Some inputs are long runs of one shape (ideographs, ASCII), which the blocks take whole.
    std::size_t const alphabet = next() % 4 == 0 ? 7 : std::size(pieces);
    for (std::size_t k = 0; k < parts; ++k) s += pieces[next() % alphabet];
    cc::decode_utf8_into(s, got);
    auto const want = reference_decode(s);
    BOOST_TEST_REQUIRE((got == want), "input of " << s.size() << " bytes, round " << round);
    // Appending after earlier text decodes the same.
    std::u32string appended = U"前";
    cc::decode_utf8_append(s, appended);
    BOOST_TEST_REQUIRE((appended == U"前" + want));
  }
}

BOOST_AUTO_TEST_CASE(utf8_round_trip_and_invalid_bytes) {
  std::string const s = "a中😀\xF0\x9F\x87\xA8";
  auto const cps = cc::decode_utf8(s);
  BOOST_TEST(cps.size() == 4u);
  BOOST_TEST(cc::encode_utf8(cps) == s);
  auto const bad = cc::decode_utf8(
      "a\xFF"
      "b\xC3");
  BOOST_TEST(bad.size() == 4u);
  BOOST_TEST(static_cast<std::uint32_t>(bad[1]) == 0xFFFDu);
  // An encoded lone surrogate counts as one code point.
  BOOST_TEST(cc::decode_utf8("\xED\xA0\x80x").size() == 2u);
}

// Cyrillic and Greek letters drawn like Latin ones are read as those (vх with a Cyrillic х).
BOOST_AUTO_TEST_CASE(latin_lookalikes_from_other_scripts) {
  BOOST_TEST(sig_text(fold("v\u0445 w\u0435ch\u0430t \u03BD\u0445")) == "vxwechatvx");
  BOOST_TEST(sig_text(fold("\u0425")) == "x");  // capital Х folds to х, then to x
}

BOOST_AUTO_TEST_CASE(width_case_and_traditional_fold) {
  BOOST_TEST(sig_text(fold("ＷＸ１３８")) == "wx138");
  BOOST_TEST(sig_text(fold("VX Wx")) == "vxwx");
  BOOST_TEST(sig_text(fold("聯繫電話")) == "联系电话");
  BOOST_TEST(sig_text(fold("高倣貨")) == "高仿货");
  BOOST_TEST(sig_text(fold("轉賬 掃碼 紅包 銀行帳號")) == "转账扫码红包银行帐号");
  BOOST_TEST(sig_text(fold("微信號")) == "微信号");
}

BOOST_AUTO_TEST_CASE(invisible_and_emoji_are_skipped) {
  auto const ft = fold("加\u200b微\uFE0F😀信\u200d");
  BOOST_TEST(sig_text(ft) == "加微信");
  // Each unit points at the code point it came from.
  BOOST_TEST(ft.units[ft.sig[0]].src == 0u);
  BOOST_TEST(ft.units[ft.sig[1]].src == 2u);
  BOOST_TEST(ft.units[ft.sig[2]].src == 5u);
  // Combining marks vanish too.
  BOOST_TEST(sig_text(fold("微\u0301信")) == "微信");
}

// A few pictographs stand for a word (闲🐟 is 闲鱼): they fold to it, every unit pointing at the
// pictograph, where other emoji are dropped.
BOOST_AUTO_TEST_CASE(pictographs_that_stand_for_words) {
  auto const ft = fold("闲🐟 发个🧧 ➕我 🐧");
  BOOST_TEST(sig_text(ft) == "闲鱼发个红包加我企鹅");
  BOOST_TEST(ft.units[ft.sig[1]].src == 1u);
  BOOST_TEST(ft.units[ft.sig[4]].src == 5u);   // 红
  BOOST_TEST(ft.units[ft.sig[5]].src == 5u);   // 包
  BOOST_TEST(ft.units[ft.sig[6]].src == 7u);   // 加
  BOOST_TEST(ft.units[ft.sig[8]].src == 10u);  // 企
  BOOST_TEST(sig_text(fold("好的😀👍")) == "好的");
}

BOOST_AUTO_TEST_CASE(noise_is_kept_but_not_significant) {
  auto const ft = fold("加 微·信");
  BOOST_TEST(sig_text(ft) == "加微信");
  BOOST_TEST(ft.units.size() == 5u);
  BOOST_TEST((ft.units[1].kind == cc::unit_kind::noise));
}

BOOST_AUTO_TEST_CASE(digit_forms_fold_inside_runs) {
  BOOST_TEST(digits(fold("一三八零零一三八零零零")) == "13800138000");
  BOOST_TEST(digits(fold("壹叁捌零零壹叁捌零零零")) == "13800138000");
  BOOST_TEST(digits(fold("幺三八洞洞幺三八洞洞洞")) == "13800138000");
  BOOST_TEST(digits(fold("幺两三四拐勾")) == "123479");
  BOOST_TEST(digits(fold("①③⑧⓪⓪")) == "13800");
  BOOST_TEST(digits(fold("❶❸❽⓿⓿")) == "13800");
  BOOST_TEST(digits(fold("➀➂➇")) == "138");
  BOOST_TEST(digits(fold("¹³⁸")) == "138");
  BOOST_TEST(digits(fold("１３８")) == "138");
  BOOST_TEST(digits(fold("l38OO13800O")) == "13800138000");
  BOOST_TEST(digits(fold("138零零13八000")) == "13800138000");
  // A group of one digit and look-alike letters next to a run (138 0013 8OOO).
  BOOST_TEST(digits(fold("138 0013 8OOO")) == "13800138000");
  BOOST_TEST(digits(fold("l38 OOl3 8OOO")) == "13800138000");
  // Look-alike letters among Chinese digits, with no Arabic digit at all.
  BOOST_TEST(digits(fold("一三八OO一三八OOO")) == "13800138000");
  // Decimal digits of other scripts fold to digits.
  BOOST_TEST(digits(fold("١٣٨٠٠")) == "13800");
  BOOST_TEST(digits(fold("१३८")) == "138");
}

BOOST_AUTO_TEST_CASE(digit_words_stay_words_outside_runs) {
  BOOST_TEST(digits(fold("参加")) == "..");
  BOOST_TEST(digits(fold("陆续")) == "..");
  BOOST_TEST(digits(fold("一定")) == "..");
  BOOST_TEST(digits(fold("十分")) == "..");
  BOOST_TEST(digits(fold("两三天")) == "...");
  // Letters count as digits only inside digit runs.
  BOOST_TEST(digits(fold("hello")) == ".....");
  BOOST_TEST(digits(fold("lol 123")) == "...123");
  BOOST_TEST(digits(fold("model1100")) == ".....1100");
  // A letter group with one digit and mixed letters next to nothing digit-like stays letters.
  BOOST_TEST(digits(fold("size 8 ol")) == "....8..");
}

BOOST_AUTO_TEST_CASE(segments_are_joined_by_a_boundary) {
  cc::folded_text ft;
  ft.append_segment(cc::decode_utf8("一三八"));
  ft.append_segment(cc::decode_utf8("零零一三"));
  ft.append_segment(cc::decode_utf8("八零零零"));
  ft.finish();
  BOOST_TEST(ft.segment_begin.size() == 3u);
  BOOST_TEST(ft.segment_begin[2] == 7u);
  BOOST_TEST(digits(ft) == "13800138000");
}

BOOST_AUTO_TEST_CASE(pattern_folding_drops_noise) {
  BOOST_TEST(cc::encode_utf8(cc::fold_pattern("加 微·信！")) == "加微信");
  BOOST_TEST(cc::encode_utf8(cc::fold_pattern("ＶＸ")) == "vx");
  BOOST_TEST(cc::fold_pattern("，。！").empty());
}

BOOST_AUTO_TEST_CASE(sig_of_is_the_inverse_of_sig_across_segments) {
  cc::folded_text ft;
  ft.append_segment(cc::decode_utf8("加 微·信 ①③⑧"));
  ft.append_segment(cc::decode_utf8("ＡＢ，c"));
  ft.finish();
  BOOST_TEST_REQUIRE(ft.sig_of.size() == ft.units.size());
  std::size_t significant = 0;
  for (std::size_t u = 0; u < ft.units.size(); ++u) {
    if (ft.units[u].kind == cc::unit_kind::sig) {
      BOOST_TEST_REQUIRE(ft.sig_of[u] == static_cast<std::int32_t>(significant));
      BOOST_TEST(ft.sig[significant] == u);
      ++significant;
    } else {
      BOOST_TEST(ft.sig_of[u] == -1);
    }
  }
  BOOST_TEST(significant == ft.sig.size());
  // Digit forms carry their value; whether they count is the run's business.
  BOOST_TEST(ft.units[ft.sig[3]].form == 1);
  BOOST_TEST(ft.units[ft.sig[0]].form == -1);
}

// The AVX-512 fold (where this processor has it) and the scalar one give the same folded text,
// unit for unit, and feed the automaton the same characters: random texts mixing ASCII, CJK,
// full-width and traditional forms, digit forms, removed and astral characters and multi-unit
// folds, at every length around the 16-lane blocks, over one segment or several.
BOOST_AUTO_TEST_CASE(vector_and_scalar_folds_agree) {
  if (!cc::vector_fold_available()) {
    BOOST_TEST_MESSAGE("no AVX-512 here: the scalar fold is the only one");
    return;
  }
  static constexpr std::u32string_view pieces[] = {
      U"a",  U"Z",  U"7",  U"0",  U" ",  U".",      U"@",      U"_", U"-",  U"，", U"。", U"加",
      U"微", U"信", U"號", U"倣", U"Ａ", U"１",     U"①",      U"❶", U"⑴",  U"¹",  U"一", U"叁",
      U"幺", U"拐", U"点", U"艾", U"¥",  U"\u200B", U"\uFE0F", U"😀", U"𠀀", U"ﬁ",  U"㈱", U"丨",
      U"o",  U"l",  U"t",  U"\n", U"\t", U"\x01",   U"Ⅻ",      U"ｶ", U"참"};
  cc::ac_matcher m;
  for (auto p : {U"微信", U"加微", U"138", U"ab", U"fi", U"株", U"一三"}) m.add(p);
  m.build();
  unsigned x = 2024;
  auto next = [&] {
    x = x * 1103515245u + 12345u;
    return (x >> 8) & 0xFFFFu;
  };
  auto fold_with = [&](bool vector, std::vector<std::u32string> const& segs,
                       std::vector<cc::ac_matcher::match>& raw) {
    cc::set_vector_fold(vector);
    cc::folded_text ft;
    raw.clear();
    auto scan = m.start(raw);
    for (auto const& s : segs) ft.append_segment(s, &scan);
    ft.finish();
    cc::set_vector_fold(true);
    return ft;
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::u32string> segs(1 + next() % 3);
    for (auto& s : segs) {
      std::size_t const len = next() % 70;
      // Some texts are plain ideographs and letters only, so whole blocks take the vector path.
      std::size_t const alphabet = next() % 4 == 0 ? 13 : std::size(pieces);
      for (std::size_t k = 0; k < len; ++k) s += pieces[next() % alphabet];
    }
    std::vector<cc::ac_matcher::match> raw_v, raw_s;
    auto const v = fold_with(true, segs, raw_v);
    auto const s = fold_with(false, segs, raw_s);
    BOOST_TEST_REQUIRE((v.original == s.original));
    BOOST_TEST_REQUIRE(v.units.size() == s.units.size());
    for (std::size_t u = 0; u < v.units.size(); ++u) {
      BOOST_TEST_REQUIRE((v.units[u].c == s.units[u].c));
      BOOST_TEST_REQUIRE(v.units[u].src == s.units[u].src);
      BOOST_TEST_REQUIRE((v.units[u].kind == s.units[u].kind));
      BOOST_TEST_REQUIRE(v.units[u].form == s.units[u].form);
    }
    BOOST_TEST_REQUIRE((v.digit == s.digit));
    BOOST_TEST_REQUIRE((std::vector<std::uint32_t>(v.sig.begin(), v.sig.end()) ==
                        std::vector<std::uint32_t>(s.sig.begin(), s.sig.end())));
    BOOST_TEST_REQUIRE((std::u32string(v.sig_chars.begin(), v.sig_chars.end()) ==
                        std::u32string(s.sig_chars.begin(), s.sig_chars.end())));
    BOOST_TEST_REQUIRE((std::vector<std::int32_t>(v.sig_of.begin(), v.sig_of.end()) ==
                        std::vector<std::int32_t>(s.sig_of.begin(), s.sig_of.end())));
    BOOST_TEST_REQUIRE((v.segment_begin == s.segment_begin));
    BOOST_TEST_REQUIRE(v.traits == s.traits);
    BOOST_TEST_REQUIRE((v.digit_units == s.digit_units));
    BOOST_TEST_REQUIRE(raw_v.size() == raw_s.size());
    for (std::size_t k = 0; k < raw_v.size(); ++k) {
      BOOST_TEST_REQUIRE(raw_v[k].pattern == raw_s[k].pattern);
      BOOST_TEST_REQUIRE(raw_v[k].end == raw_s[k].end);
    }
  }
}
