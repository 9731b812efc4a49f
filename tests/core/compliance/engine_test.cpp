#include "server/core/compliance/engine.hpp"

#define BOOST_TEST_MODULE compliance_engine
#include <boost/test/unit_test.hpp>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>

namespace cc = kefu::compliance;

namespace kefu::compliance {
std::ostream& operator<<(std::ostream& o, action a) {
  return o << to_string(a);
}
std::ostream& operator<<(std::ostream& o, category c) {
  return o << to_string(c);
}
}  // namespace kefu::compliance

namespace {

cc::rule_pack const& pack(std::string const& platform = "kuaishou") {
  static std::map<std::string, cc::rule_pack> packs;
  auto it = packs.find(platform);
  if (it == packs.end()) {
    auto p = cc::load_rule_pack(KEFU_RULES_DIR_FOR_TESTS, platform);
    BOOST_REQUIRE_MESSAGE(p, p.error);
    it = packs.emplace(platform, *p).first;
  }
  return it->second;
}

cc::engine const& engine(std::string const& platform = "kuaishou") {
  static std::map<std::string, std::unique_ptr<cc::engine>> engines;
  auto& e = engines[platform];
  if (!e) e = std::make_unique<cc::engine>(pack(platform));
  return *e;
}

cc::verdict check(std::string_view text, cc::role r = cc::role::agent,
                  cc::chat_window const* w = nullptr) {
  return engine().check(text, r, w);
}

std::set<std::string> cats(cc::verdict const& v) {
  std::set<std::string> s;
  for (auto const& x : v.violations) s.insert(std::string(cc::to_string(x.cat)));
  return s;
}

// Every reported span must be exactly the typed slice.
void spans_match(std::string_view text, cc::verdict const& v) {
  auto const cps = cc::decode_utf8(text);
  for (auto const& x : v.violations) {
    BOOST_TEST(x.start < x.end);
    BOOST_TEST(x.end <= cps.size());
    BOOST_TEST(x.excerpt == cc::encode_utf8(cps.substr(x.start, x.end - x.start)));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_verdict_names_the_pack) {
  for (auto const* p : {"kuaishou", "taobao", "tencent"}) {
    auto const v = engine(p).check("您好", cc::role::agent);
    BOOST_TEST(v.act == cc::action::allow);
    BOOST_TEST(v.pack.str().find(p) == 0u);
  }
}

BOOST_AUTO_TEST_CASE(verdict_json_shape) {
  auto const v = check("我管不了");
  auto const j = boost::json::parse(cc::to_json(v)).as_object();
  BOOST_TEST(j.at("action").as_string() == "warn");
  auto const& x = j.at("violations").as_array().at(0).as_object();
  BOOST_TEST(x.at("category").as_string() == "rude");
  BOOST_TEST(x.at("start").as_int64() == 0);
  BOOST_TEST(x.at("end").as_int64() == 4);
  BOOST_TEST(x.at("excerpt").as_string() == "我管不了");
  BOOST_TEST(!x.at("suggestion").as_string().empty());
  BOOST_TEST(!x.at("rule").as_string().empty());
  BOOST_TEST(j.contains("pack"));
  auto const c = boost::json::parse(cc::to_json(check("13800138000"))).as_object();
  BOOST_TEST(!c.at("violations").as_array().at(0).as_object().contains("suggestion"));
}

BOOST_AUTO_TEST_CASE(spans_are_code_points_of_the_original) {
  std::string const t = "😀😀亲，加我微信 abc_123456 哦";
  auto const v = check(t);
  BOOST_TEST(v.act == cc::action::block);
  BOOST_REQUIRE(v.violations.size() == 1u);
  BOOST_TEST(v.violations[0].start == 4u);
  BOOST_TEST(v.violations[0].excerpt == "加我微信 abc_123456");
  spans_match(t, v);
  for (std::string const s :
       {"1\u03013\u03018\u03010013😀8000", "电话：１３８\u200b００１３８０００", "🇨🇳13800138000🇨🇳",
        "加\u200d微\uFE0F信"}) {
    auto const w = check(s);
    BOOST_TEST(w.act == cc::action::block, s);
    spans_match(s, w);
  }
}

BOOST_AUTO_TEST_CASE(contact_details) {
  for (auto const* s : {"13800138000",
                        "+86 138 0013 8000",
                        "8613800138000",
                        "1 3 8-0013-8000",
                        "一三八零零一三八零零零",
                        "壹叁捌零零壹叁捌零零零",
                        "幺三八洞洞幺三八洞洞洞",
                        "①③⑧⓪⓪①③⑧⓪⓪⓪",
                        "❶❸❽⓿⓿❶❸❽⓿⓿⓿",
                        "➀➂➇00➀➂➇000",
                        "⑴⑶⑻00⑴⑶⑻000",
                        "¹³⁸⁰⁰¹³⁸⁰⁰⁰",
                        "l38OO13800O",
                        "0571-88886666",
                        "qq 123456789",
                        "扣扣：87654321",
                        "微信号 abc_123456",
                        "ＶＸ：ｈｅｌｌｏ１２３",
                        "wxid_a1b2c3d4e5",
                        "kefu2024@163.com",
                        "zhangsan888 是我微信"}) {
    auto const v = check(s);
    BOOST_TEST(v.act == cc::action::block, s);
    BOOST_TEST(cats(v) == std::set<std::string>{"contact"}, s);
    spans_match(s, v);
  }
}

BOOST_AUTO_TEST_CASE(eleven_versus_twelve_digits) {
  BOOST_TEST(check("13800138000").act == cc::action::block);
  BOOST_TEST(check("138001380001").act == cc::action::allow);
  BOOST_TEST(check("1380013800").act == cc::action::allow);
}

BOOST_AUTO_TEST_CASE(add_me_without_id_is_solicit_with_id_is_contact) {
  BOOST_TEST(cats(check("加我微信")) == std::set<std::string>{"solicit"});
  BOOST_TEST(cats(check("加我微信 abc_123456")) == std::set<std::string>{"contact"});
  BOOST_TEST(cats(check("加我微信13800138000")) == std::set<std::string>{"contact"});
  BOOST_TEST(cats(check("加 微·信")) == std::set<std::string>{"solicit"});
  BOOST_TEST(cats(check("薇信")) == std::set<std::string>{"solicit"});
  // Invitations chained in front of the id are taken in too, whatever order they were found in.
  for (std::string_view t :
       {"加我微信，微信号 kefu8888", "加微信？那加我扣扣 12345678", "加我微信：wx13800138000"}) {
    auto const v = check(t);
    BOOST_TEST_CONTEXT(t) {
      BOOST_TEST(cats(v) == std::set<std::string>{"contact"});
      BOOST_TEST_REQUIRE(v.violations.size() == 1u);
      BOOST_TEST(v.violations[0].start == 0u);
    }
  }
}

// Long messages made of one piece repeated thousands of times (a WebSocket frame may carry
// 64 KiB) are checked in full: every repetition is found and the verdict is the same as for
// one piece. (The lookups behind them are windowed; before, such messages took minutes.)
BOOST_AUTO_TEST_CASE(long_repetitive_messages_are_checked_in_full) {
  auto repeat = [](std::string_view piece, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += piece;
    return s;
  };
  auto const digits = repeat("1 ", 8000) + "1 3 8 0 0 1 3 8 0 0 0";
  auto v = check(digits);
  BOOST_TEST(v.act == cc::action::block);
  BOOST_TEST(cats(v) == std::set<std::string>{"contact"});
  v = check(repeat("加我微信 abc_123456 聊，", 2000));
  BOOST_TEST(v.violations.size() == 2000u);
  BOOST_TEST(cats(v) == std::set<std::string>{"contact"});
  v = check(repeat("我是快手官方客服", 4000));
  BOOST_TEST(cats(v) == std::set<std::string>{"impersonation"});
  // One endless id-like token: read once, not once per cue inside it.
  BOOST_TEST(check(repeat("wx_", 8000)).violations.size() < 10u);
  v = check(repeat("不加微信，", 4000) + "加我微信");
  BOOST_TEST(cats(v) == std::set<std::string>{"solicit"});
  spans_match(digits, check(digits));
}

BOOST_AUTO_TEST_CASE(bank_cards_and_payment) {
  BOOST_TEST(cats(check("6222020200001234562")) == std::set<std::string>{"payment"});
  BOOST_TEST(check("6222020200001234567").act == cc::action::allow);  // Luhn fails
  BOOST_TEST(cats(check("卡号 6222020200001234567")) == std::set<std::string>{"payment"});
  BOOST_TEST(cats(check("支付宝 13800138000")) == std::set<std::string>{"payment"});
  BOOST_TEST(cats(check("V我50")) == std::set<std::string>{"payment"});
  BOOST_TEST(cats(check("扫码付款")) == std::set<std::string>{"payment"});
}

BOOST_AUTO_TEST_CASE(numbers_that_pass) {
  for (auto const* s : {"订单号 3721456987412365",
                        "3721456987412365",
                        "SF1234567890123",
                        "YT8812345678901",
                        "JDVA12345678901",
                        "2024-11-22",
                        "20241122",
                        "13:38",
                        "¥138.00",
                        "138-142",
                        "第138-142页",
                        "价格 13800",
                        "13800元",
                        "1732252680123",
                        "RTX4090",
                        "型号 XR-2000",
                        "SKU: AB-13800138000",
                        "2024-11-22 13:38",
                        "3.5mm",
                        "库存 12345 件"}) {
    BOOST_TEST(check(s).act == cc::action::allow, s);
  }
}

// A mobile number stays one behind a label or one glued letter: 单号, 工号 or a stray "a" are
// how phones are passed off as something else. Real codes keep their letters and lengths.
BOOST_AUTO_TEST_CASE(mobile_numbers_in_disguise) {
  for (std::string_view s :
       {"订单号 13800138000", "我的工号13800138000", "会员号 13800138000", "手机号 a13800138000",
        "联系我 k13800138000", "加我 13800138000k", "ok2 13800138000"}) {
    BOOST_TEST_CONTEXT(s) {
      BOOST_TEST(cats(check(s)) == std::set<std::string>{"contact"});
    }
  }
  // A glued letter does not bring a label's protection back either.
  for (std::string_view s : {"编码13800138000A", "单号 13800138000k", "我的工号13800138000a"})
    BOOST_TEST(cats(check(s)) == std::set<std::string>{"contact"}, s);
  for (std::string_view s :
       {"rtx4090", "订单号 3721456987412365", "SF1234567890123", "型号 XR-2000"})
    BOOST_TEST(check(s).act == cc::action::allow, s);
  // Price words in front of a number that is not a price phrase do not hide it.
  BOOST_TEST(cats(check("客服电话仅 4008001234")) == std::set<std::string>{"contact"});
  // A run of thousands of code-like groups is read without recursion (it once overflowed the
  // stack); a phone chained into a code (AB-13800138000) stays part of the code.
  std::string codes = "a-";
  for (int i = 0; i < 21000; ++i) codes += "1o-";
  BOOST_TEST(check(codes).act == cc::action::allow);
}

// Prices of 1688, denials naming the app they refuse, and what reads as an invitation.
BOOST_AUTO_TEST_CASE(review_cases_prices_denials_and_invitations) {
  for (std::string_view s :
       {"这款卖1688，包邮", "1688一套", "才1688哦", "1688起", "发货地址：1688号",
        "亲，不支持支付宝转账，请在平台下单", "我们不接受微信转账", "不能用支付宝转账哦",
        "我们是快手官方授权店铺", "我是官方店客服"})
    BOOST_TEST(check(s).act == cc::action::allow, s);
  BOOST_TEST(cats(check("去1688买更便宜")) == std::set<std::string>{"link"});
  BOOST_TEST(cats(check("要不加我微信聊")) == std::set<std::string>{"solicit"});
  BOOST_TEST(cats(check("要不私下交易吧")) == std::set<std::string>{"solicit"});
  // A-not-A questions ask, they do not deny.
  for (std::string_view s : {"你要不要加我微信", "要不要私下交易", "能不能支付宝转账给我",
                             "可不可以微信转账", "为什么不用支付宝转账"})
    BOOST_TEST(check(s).act == cc::action::block, s);
  // Handing a case over to colleagues is no payment.
  for (std::string_view s :
       {"我帮您转到我们主管那里处理", "已经给您转到我们的客服了", "这个问题我转到我们的同事处理",
        "帮您转到我们仓库核实", "我转给我们的仓库同事看下"})
    BOOST_TEST(check(s).act == cc::action::allow, s);
  BOOST_TEST(cats(check("留个联系方式")) == std::set<std::string>{"solicit"});
  BOOST_TEST(cats(check("手机同微信")) == std::set<std::string>{"solicit"});
  BOOST_TEST(cats(check("我是快手官方授权客服")) == std::set<std::string>{"impersonation"});
  BOOST_TEST(cats(check("我代表快手")) == std::set<std::string>{"impersonation"});
  BOOST_TEST(cats(check("快手官方客服提醒您")) == std::set<std::string>{"impersonation"});
  BOOST_TEST(cats(check("钱转给我们的支付宝就行")) == std::set<std::string>{"payment"});
  BOOST_TEST(cats(check("钱直接转到我们老板微信上")) == std::set<std::string>{"payment"});
  BOOST_TEST(cats(check("扫我这个码付款")) == std::set<std::string>{"payment"});
  BOOST_TEST(cats(check("微信支付账号 kefu8888")) == std::set<std::string>{"contact"});
  // A condition (no WeChat, no discount) is an invitation, though it holds the denial 不加微信.
  BOOST_TEST(cats(check("不加微信不给优惠")) == std::set<std::string>{"solicit"});
  BOOST_TEST(cats(check("你不加我微信就没优惠")) == std::set<std::string>{"solicit"});
  BOOST_TEST(check("我们不加微信的哦").act == cc::action::allow);
}

BOOST_AUTO_TEST_CASE(links_against_the_platform) {
  BOOST_TEST(check("https://www.kuaishou.com/x").act == cc::action::allow);
  BOOST_TEST(check("kwai://myorder").act == cc::action::allow);
  BOOST_TEST(check("shop.kwaixiaodian.com").act == cc::action::allow);
  BOOST_TEST(cats(check("https://evilkuaishou.com")) == std::set<std::string>{"link"});
  BOOST_TEST(cats(check("www.mystore.com")) == std::set<std::string>{"link"});
  BOOST_TEST(cats(check("item.taobao.com")) == std::set<std::string>{"link"});
  BOOST_TEST(engine("taobao").check("item.taobao.com", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(cats(check("复制￥AbCd1234￥打开")) == std::set<std::string>{"link"});
  BOOST_TEST(engine("taobao").check("复制￥AbCd1234￥", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(cats(check("拼多多更便宜")) == std::set<std::string>{"link"});
}

BOOST_AUTO_TEST_CASE(allow_list_and_denials_win) {
  for (auto const* s : {"我们不卖高仿", "抱歉，平台规定不能加微信，我们在这里为您服务",
                        "不能私下交易哦", "我们没有淘宝店", "我不是平台客服"}) {
    BOOST_TEST(check(s).act == cc::action::allow, s);
  }
  BOOST_TEST(check("可以用微信支付吗", cc::role::buyer).act == cc::action::allow);
  BOOST_TEST(check("高仿的").act == cc::action::block);
}

BOOST_AUTO_TEST_CASE(words_with_digit_characters_pass) {
  for (auto const* s : {"我们一定参加", "陆续发货", "十分感谢", "一一回复", "第一时间处理"})
    BOOST_TEST(check(s).act == cc::action::allow, s);
}

BOOST_AUTO_TEST_CASE(categories_and_actions) {
  BOOST_TEST(cats(check("这是高仿")) == std::set<std::string>{"counterfeit"});
  BOOST_TEST(cats(check("你是傻逼吗")) == std::set<std::string>{"abuse"});
  BOOST_TEST(cats(check("我是快手官方客服")) == std::set<std::string>{"impersonation"});
  auto const e = check("全网最低价");
  BOOST_TEST(e.act == cc::action::warn);
  BOOST_TEST(cats(e) == std::set<std::string>{"exaggeration"});
  auto const r = check("这不是我的工作！");
  BOOST_TEST(r.act == cc::action::warn);
  BOOST_TEST(!r.violations.at(0).suggestion.empty());
}

BOOST_AUTO_TEST_CASE(buyers_are_warned_never_blocked) {
  auto const v = check("加我微信 abc_123456", cc::role::buyer);
  BOOST_TEST(v.act == cc::action::warn);
  BOOST_TEST(cats(v) == std::set<std::string>{"contact"});
  BOOST_TEST(check("全网最低吗", cc::role::buyer).act == cc::action::allow);
  BOOST_TEST(check("你们是高仿吗", cc::role::buyer).act == cc::action::allow);
  BOOST_TEST(check("我管不了", cc::role::buyer).act == cc::action::allow);
  BOOST_TEST(check("傻逼", cc::role::buyer).act == cc::action::warn);
}

BOOST_AUTO_TEST_CASE(splits_across_messages) {
  cc::chat_window w;
  for (auto const* part : {"我的手机", "138 0013"}) {
    auto const v = check(part, cc::role::agent, &w);
    BOOST_TEST(v.act == cc::action::allow);
    w.push(part, cc::role::agent);
  }
  auto const v = check("8000", cc::role::agent, &w);
  BOOST_TEST(v.act == cc::action::block);
  BOOST_REQUIRE(v.violations.size() == 1u);
  BOOST_TEST(v.violations[0].start == 0u);
  BOOST_TEST(v.violations[0].end == 4u);
  BOOST_TEST(v.violations[0].excerpt == "8000");
  // Checking does not change the window; the same check gives the same answer.
  BOOST_TEST(check("8000", cc::role::agent, &w).act == cc::action::block);
  // The buyer's side has its own run.
  BOOST_TEST(check("8000", cc::role::buyer, &w).act == cc::action::allow);
  // Without the window the fragment is innocent.
  BOOST_TEST(check("8000").act == cc::action::allow);

  cc::chat_window p;
  p.push("加我", cc::role::agent);
  auto const s = check("，微信", cc::role::agent, &p);
  BOOST_TEST(cats(s) == std::set<std::string>{"solicit"});
  BOOST_TEST(s.violations.at(0).excerpt == "微信");
  // An address's own punctuation is part of what the second message carries.
  cc::chat_window at;
  at.push("kefu", cc::role::agent);
  auto const m = check("@163.com", cc::role::agent, &at);
  BOOST_REQUIRE(m.violations.size() == 1u);
  BOOST_TEST(m.violations[0].excerpt == "@163.com");
  BOOST_TEST(m.violations[0].start == 0u);
  cc::chat_window ph;
  ph.push("138-0013-", cc::role::agent);
  auto const n = check("-8000 好的", cc::role::agent, &ph);
  BOOST_REQUIRE(n.violations.size() == 1u);
  BOOST_TEST(n.violations[0].excerpt == "-8000");

  // At most depth previous messages count.
  cc::chat_window d;
  for (auto const* part : {"13", "80", "01"}) d.push(part, cc::role::agent);
  BOOST_TEST(check("38000", cc::role::agent, &d).act == cc::action::allow);

  // A message taken back (not stored after all) no longer completes anything.
  cc::chat_window b;
  for (auto const* part : {"我的手机", "138 0013"}) b.push(part, cc::role::agent);
  b.push("好的", cc::role::buyer);
  b.withdraw("138 0013", cc::role::agent);
  b.withdraw("138 0013", cc::role::buyer);  // not the buyer's: nothing happens
  BOOST_TEST(check("8000", cc::role::agent, &b).act == cc::action::allow);
  BOOST_TEST(b.recent(cc::role::agent).size() == 1u);
  BOOST_TEST(b.recent(cc::role::buyer).size() == 1u);

  // Taking back the newest lets the message it pushed out count again (a re-send found to be a
  // duplicate): 微信 / 是 / kefu8888 is whole though 是 was pushed twice.
  cc::chat_window r;
  for (auto const* part : {"我的微信", "是", "是"}) r.push(part, cc::role::agent);
  BOOST_TEST(r.recent(cc::role::agent).size() == 2u);
  BOOST_TEST(check("kefu8888", cc::role::agent, &r).act == cc::action::allow);
  r.withdraw("是", cc::role::agent);
  BOOST_TEST(check("kefu8888", cc::role::agent, &r).act == cc::action::block);
}

BOOST_AUTO_TEST_CASE(overrides_validate_with_clear_errors) {
  BOOST_TEST(!cc::parse_overrides("{"));
  auto bad_key = cc::parse_overrides(R"({"merchant":"m1","acts":{}})");
  BOOST_TEST(!bad_key);
  BOOST_TEST(bad_key.error.find("acts") != std::string::npos);
  auto bad_cat = cc::parse_overrides(R"({"actions":{"spam":"block"}})");
  BOOST_TEST(bad_cat.error.find("spam") != std::string::npos);
  auto bad_act = cc::parse_overrides(R"({"actions":{"rude":"ban"}})");
  BOOST_TEST(bad_act.error.find("ban") != std::string::npos);
  BOOST_TEST(!cc::parse_overrides(R"({"phrases":{"rude":"not a list"}})"));
  BOOST_TEST(!cc::parse_overrides(R"([1,2])"));
  BOOST_TEST(static_cast<bool>(cc::parse_overrides(R"({"merchant":"m1"})")));
}

// Dots written as (.), [dot] or the word dot before a known TLD make a host; an at in brackets
// makes an address. The span is what the agent typed, brackets included.
BOOST_AUTO_TEST_CASE(bracketed_and_spelled_dots) {
  auto v = engine().check("官网 linshop(.)com 下单", cc::role::agent);
  BOOST_REQUIRE_EQUAL(v.violations.size(), 1u);
  BOOST_TEST(v.violations[0].rule == "link.domain");
  BOOST_TEST(v.violations[0].excerpt == "linshop(.)com");
  BOOST_TEST(v.violations[0].start == 3u);
  v = engine().check("资料发 abc123[at]163[dot]com", cc::role::agent);
  BOOST_REQUIRE_EQUAL(v.violations.size(), 1u);
  BOOST_TEST(v.violations[0].rule == "contact.email");
  BOOST_TEST(v.violations[0].excerpt == "abc123[at]163[dot]com");
  BOOST_TEST(engine().check("linshop dot com", cc::role::agent).act == cc::action::block);
  // No TLD after it, no host: prose and prices stay prose.
  BOOST_TEST(engine().check("I got a dot on my shirt", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(engine().check("价格3.5(.)元", cc::role::agent).act == cc::action::allow);
}

// Typed a character at a time, spaces around the @, brackets around an area code, digits as
// words: each reported whole, as typed.
BOOST_AUTO_TEST_CASE(spaced_bracketed_and_worded_details) {
  struct want {
    char const* text;
    char const* rule;
    char const* excerpt;
  };
  for (auto const& w : {
           want{"去 m y s h o p . c o m 下单", "link.domain", "m y s h o p . c o m"},
           want{"https://m y s h o p.com", "link.url", "https://m y s h o p.com"},
           want{"邮箱 k e f u @ 1 6 3 . c o m", "contact.email", "k e f u @ 1 6 3 . c o m"},
           want{"发到 kefu @163.com 就行", "contact.email", "kefu @163.com"},
           want{"电话(138)00138000", "contact.mobile", "(138)00138000"},
           want{"打我电话：13800138000", "contact.mobile", "打我电话：13800138000"},
           want{"手机 yao san ba ling ling yao san ba ling ling ling", "contact.mobile",
                "yao san ba ling ling yao san ba ling ling ling"},
       }) {
    auto const v = check(w.text);
    BOOST_TEST_CONTEXT(w.text) {
      BOOST_REQUIRE_EQUAL(v.violations.size(), 1u);
      BOOST_TEST(v.violations[0].rule == w.rule);
      BOOST_TEST(v.violations[0].excerpt == w.excerpt);
      spans_match(w.text, v);
    }
  }
  for (char const* text :
       {"好 的 o k . 谢 谢", "尺码 S . M . L 都有", "We have one two three sizes"})
    BOOST_TEST(check(text).act == cc::action::allow, text);
}

// "=滚" in a pack: the word as a clause of its own, never inside another word.
BOOST_AUTO_TEST_CASE(whole_clause_phrases) {
  for (char const* t : {"滚", "滚！", "白嫖怪，滚", "滚，不卖你了", "好的。滚"}) {
    BOOST_TEST_CONTEXT(t) {
      auto const v = engine().check(t, cc::role::agent);
      BOOST_TEST(v.act == cc::action::block);
      BOOST_TEST(v.violations.back().excerpt == "滚");
    }
  }
  for (char const* t : {"滚筒洗衣机", "滚动播放", "这款有滚边设计", "滚 筒"})
    BOOST_TEST_CONTEXT(t) {
      BOOST_TEST(engine().check(t, cc::role::agent).act == cc::action::allow);
    }
}

// Handles after other chat apps' names, and after Alipay's when they carry a digit, _ or - in
// the same clause.
BOOST_AUTO_TEST_CASE(messenger_and_alipay_handles) {
  auto v = engine().check("telegram: @lin_kefu88", cc::role::agent);
  BOOST_REQUIRE_EQUAL(v.violations.size(), 1u);
  BOOST_TEST(v.violations[0].rule == "contact.messenger_id");
  v = engine().check("亲，zfb：lin_pay88，付完截图", cc::role::agent);
  BOOST_REQUIRE_EQUAL(v.violations.size(), 1u);
  BOOST_TEST(v.violations[0].rule == "payment.alipay_account");
  BOOST_TEST(v.violations[0].excerpt == "zfb：lin_pay88");
  BOOST_TEST(engine().check("支付宝 huabei 可以用吗", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(engine().check("您用微信还是支付宝？，kefu_88 是我的工号", cc::role::agent).act ==
             cc::action::allow);
  BOOST_TEST(engine().check("坐飞机可以带这个充电宝吗", cc::role::agent).act == cc::action::allow);
}

// Anti-fraud warnings name what they warn against; a warning that is denied, glued on or only
// names fraud afterwards excuses nothing.
BOOST_AUTO_TEST_CASE(warnings_against_fraud) {
  for (char const* t : {"如果有人冒充客服加您QQ，千万不要理会",
                        "骗子常说“加微信给您退款”，千万别信", "如果有人让你扫码付款，一定是诈骗",
                        "提醒：所有交易请在快手内完成，私下转账出了问题平台无法保障",
                        "提醒您：本店不会以任何理由要求您向个人账户转账。"})
    BOOST_TEST_CONTEXT(t) {
      BOOST_TEST(engine().check(t, cc::role::agent).act == cc::action::allow);
    }
  for (char const* t :
       {"放心，我们不是骗子，加我微信", "平台客服不会要求您加微信或转账，谨防诈骗V我50",
        "加微详聊，任何让您转账的都是骗子", "加我微信聊，诈骗的都是别人",
        "加 微·信，平台客服不会要求您加微信或转账，谨防诈骗"})
    BOOST_TEST_CONTEXT(t) {
      BOOST_TEST(engine().check(t, cc::role::agent).act == cc::action::block);
    }
  // A warning in an earlier message of the chat excuses nothing in this one.
  cc::chat_window w;
  w.push("谨防诈骗", cc::role::agent);
  BOOST_TEST(engine().check("加我微信", cc::role::agent, &w).act == cc::action::block);
  // Concrete details are never excused.
  BOOST_TEST(engine().check("骗子才用这个号 13800138000", cc::role::agent).act ==
             cc::action::block);
}

BOOST_AUTO_TEST_CASE(merchant_policy) {
  auto ov = cc::parse_overrides(R"({
    "merchant": "m1", "version": 3,
    "actions": {"exaggeration": "block", "rude": "allow"},
    "phrases": {"counterfeit": ["原单"], "abuse": ["蠢材"]},
    "allow": {"phrases": ["高仿对比图"], "domains": ["m1shop.com"]},
    "official_contacts": ["400-028-8810", "800012345", "kefu@m1shop.com", "13900139000"],
    "greeting_strict": true
  })");
  BOOST_REQUIRE_MESSAGE(ov, ov.error);
  cc::engine const e(pack("tencent"), *ov);
  BOOST_TEST(e.version().find("+m1@3") != std::string::npos);
  BOOST_TEST(e.check("全网最低价", cc::role::agent).act == cc::action::block);
  BOOST_TEST(e.check("我管不了", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(e.check("这是原单", cc::role::agent).act == cc::action::block);
  BOOST_TEST(e.check("蠢材", cc::role::agent).violations.at(0).rule == "merchant.abuse");
  BOOST_TEST(e.check("请看高仿对比图", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(e.check("www.m1shop.com", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(e.check("客服热线 400-028-8810", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(e.check("企业QQ 800012345", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(e.check("邮箱 kefu@m1shop.com", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(e.check("13900139000", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(e.check("企业QQ 800012346", cc::role::agent).act == cc::action::block);
  // Inviting the buyer to the merchant's own official contact is no solicitation.
  BOOST_TEST(e.check("请加企业QQ 800012345", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(e.check("加我QQ 800012346", cc::role::agent).act == cc::action::block);
  // The registered QQ or phone offered as a WeChat account is not what was registered.
  BOOST_TEST(e.check("加我微信 800012345", cc::role::agent).act == cc::action::block);
  BOOST_TEST(e.check("vx：13900139000", cc::role::agent).act == cc::action::block);
  BOOST_TEST(e.check("13900139000 微信同号", cc::role::agent).act == cc::action::block);
  BOOST_TEST(e.check("电话 13900139000", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(e.check("13800138000", cc::role::agent).act == cc::action::block);
  // Strict greeting policy blocks.
  auto const g = e.check_greeting("您好，{merchant}很高兴为您服务", "小米", "小美", "在吗");
  BOOST_TEST(g.act == cc::action::block);
}

BOOST_AUTO_TEST_CASE(denials_after_the_phrase_close_their_clause) {
  BOOST_TEST(check("高仿品我们一律不卖").act == cc::action::allow);
  BOOST_TEST(check("私下交易是不允许的哦").act == cc::action::allow);
  // Not a denial: the clause goes on (不卖给别人), or the denial is in another clause.
  BOOST_TEST(check("高仿不卖给别人只卖给你").act == cc::action::block);
  BOOST_TEST(check("这款高仿，不卖太贵").act == cc::action::block);
}

BOOST_AUTO_TEST_CASE(greeting_template) {
  std::string const t = "您好，{merchant}客服{agent}很高兴为您服务，请问有什么可以帮您？";
  BOOST_TEST(!cc::check_greeting_template(
      t, "小米旗舰店", "小美", "您好！小米旗舰店 客服小美 很高兴为您服务~请问有什么可以帮您"));
  BOOST_TEST(!cc::check_greeting_template(
      t, "小米旗舰店", "小美",
      "亲，您好，小米旗舰店客服小美很高兴为您服务，请问有什么可以帮您？这款有现货"));
  BOOST_TEST(!cc::check_greeting_template(
      t, "", "", "您好，某店客服阿强很高兴为您服务，请问有什么可以帮您？"));
  BOOST_TEST(!cc::check_greeting_template(
      t, "小米旗艦店", "小美", "您好，小米旗舰店客服小美很高興為您服務，請問有什麼可以幫您？"));
  auto const miss = cc::check_greeting_template(t, "小米旗舰店", "小美", "在的，亲");
  BOOST_REQUIRE(miss.has_value());
  BOOST_TEST(miss->start == 0u);
  BOOST_TEST(miss->end == 4u);
  BOOST_TEST(miss->excerpt == "在的，亲");
  BOOST_TEST(miss->suggestion == "您好，小米旗舰店客服小美很高兴为您服务，请问有什么可以帮您？");
  BOOST_TEST(
      cc::check_greeting_template(t, "小米旗舰店", "小美",
                                  "您好，华为旗舰店客服小美很高兴为您服务，请问有什么可以帮您？")
          .has_value());
  BOOST_TEST(!cc::check_greeting_template("", "m", "a", "anything"));
  // The agent may greet with a work nickname instead of the name on its account.
  BOOST_TEST(!cc::check_greeting_template(
      t, "小米旗舰店", "Agent a3", "您好，小米旗舰店客服小王很高兴为您服务，请问有什么可以帮您？"));
  auto const w = engine().check_greeting(t, "小米旗舰店", "小美", "在吗");
  BOOST_TEST(w.act == cc::action::warn);
  BOOST_TEST(cats(w) == std::set<std::string>{"greeting"});
}

BOOST_AUTO_TEST_CASE(rule_packs_load_and_fail_clearly) {
  BOOST_TEST(!cc::load_rule_pack(KEFU_RULES_DIR_FOR_TESTS, "nowhere"));
  BOOST_TEST(!cc::load_rule_pack(KEFU_RULES_DIR_FOR_TESTS, "../etc"));
  auto bad =
      cc::parse_rule_pack(R"({"version":"x","rules":[{"id":"r","category":"nope","phrases":[]}]})");
  BOOST_TEST(!bad);
  BOOST_TEST(bad.error.find("nope") != std::string::npos);
  BOOST_TEST(!cc::parse_rule_pack("not json"));
  BOOST_TEST(!cc::parse_rule_pack(R"({"version":"x","mystery":1})"));
  auto ok = cc::parse_rule_pack(
      R"({"version":"t-1","rules":[{"id":"x.y","category":"abuse","phrases":["坏蛋"]}]})");
  BOOST_REQUIRE_MESSAGE(ok, ok.error);
  cc::engine const e(*ok);
  auto const v = e.check("你个坏 蛋", cc::role::agent);
  BOOST_TEST(v.act == cc::action::block);
  BOOST_TEST(v.pack == "t-1");
  BOOST_TEST(v.violations.at(0).excerpt == "坏 蛋");
  // A pack round-trips through its JSON form.
  auto const again = cc::parse_rule_pack(boost::json::serialize(boost::json::value_from(*ok)));
  BOOST_TEST(static_cast<bool>(again));
}

// A pack's own data: words that excuse a rule, the platform's published contacts, other apps'
// add-friend and payment links, warnings that reach to the end of their sentence.
BOOST_AUTO_TEST_CASE(pack_excuses_officials_app_links_and_sentence_warnings) {
  auto pack = cc::parse_rule_pack(R"({"version": "t-2",
    "rules": [{"id": "c.real", "category": "counterfeit", "phrases": ["跟真的一样"],
               "excused_by": ["仿真花"]},
              {"id": "p.transfer", "category": "payment", "phrases": ["转账"]}],
    "negation": {"cautions_sentence": ["冒充"], "categories": ["payment"]},
    "official_contacts": ["4009100100"],
    "allowed_domains": ["qq.com"],
    "contact_links": ["qm.qq.com", "work.weixin.qq.com/ca"],
    "payment_links": ["qr.alipay.com"]})");
  BOOST_REQUIRE_MESSAGE(pack, pack.error);
  cc::engine const e(*pack);
  auto act = [&](std::string_view t) { return e.check(t, cc::role::agent).act; };
  BOOST_TEST(act("这个包跟真的一样") == cc::action::block);
  BOOST_TEST(act("这束仿真花，摆在家里跟真的一样") == cc::action::allow);
  // The excuse is the message's own, not an earlier one's in the window.
  cc::chat_window w;
  w.push("这是仿真花", cc::role::agent);
  BOOST_TEST(e.check("这个包跟真的一样", cc::role::agent, &w).act == cc::action::block);
  BOOST_TEST(act("官方热线 4009100100") == cc::action::allow);
  BOOST_TEST(act("打我电话 4009100101") == cc::action::block);
  auto const link = e.check("点这里加我 https://qm.qq.com/q/a8B3kd9 谢谢", cc::role::agent);
  BOOST_REQUIRE_EQUAL(link.violations.size(), 1u);
  BOOST_TEST(link.violations[0].rule == "contact.app_link");
  BOOST_TEST(link.violations[0].excerpt == "https://qm.qq.com/q/a8B3kd9");
  BOOST_TEST(
      e.check("https://work.weixin.qq.com/ca/cawcde1", cc::role::agent).violations.at(0).rule ==
      "contact.app_link");
  BOOST_TEST(act("https://work.weixin.qq.com/ 下载企业微信") == cc::action::allow);
  BOOST_TEST(e.check("https://qr.alipay.com/fkx123", cc::role::agent).violations.at(0).cat ==
             cc::category::payment);
  BOOST_TEST(act("有人冒充客服，以退款为由，让您转账") == cc::action::allow);
  BOOST_TEST(act("有人冒充客服。请给我转账") == cc::action::block);
  // Each key survives the JSON round trip.
  auto const again = cc::parse_rule_pack(boost::json::serialize(boost::json::value_from(*pack)));
  BOOST_REQUIRE_MESSAGE(again, again.error);
  BOOST_TEST(again->rules.at(0).excused_by == std::vector<std::string>{"仿真花"});
  BOOST_TEST(again->contact_links.size() == 2u);
  BOOST_TEST(again->payment_links.size() == 1u);
  BOOST_TEST(again->official_contacts.size() == 1u);
  BOOST_TEST(again->negation.cautions_sentence.size() == 1u);
}

BOOST_AUTO_TEST_CASE(untrusted_text_never_throws) {
  std::string junk;
  for (int i = 0; i < 512; ++i) junk.push_back(static_cast<char>((i * 37 + 11) & 0xFF));
  BOOST_CHECK_NO_THROW(check(junk));
  BOOST_CHECK_NO_THROW(check(""));
  BOOST_CHECK_NO_THROW(check(std::string(10000, '1')));
  BOOST_CHECK_NO_THROW(check(std::string(3000, '@') + "a.com"));
}

BOOST_AUTO_TEST_CASE(engines_from_overrides_text) {
  auto all = cc::load_all_rule_packs(KEFU_RULES_DIR_FOR_TESTS);
  BOOST_REQUIRE_MESSAGE(all, all.error);
  BOOST_TEST(all->size() == 3u);
  auto plain = cc::make_engine(all->at("taobao"));
  BOOST_REQUIRE_MESSAGE(plain, plain.error);
  BOOST_TEST((*plain)->check("拼多多", cc::role::agent).act == cc::action::block);
  auto strict = cc::make_engine(all->at("taobao"), R"({"actions": {"link": "warn"}})");
  BOOST_REQUIRE_MESSAGE(strict, strict.error);
  BOOST_TEST((*strict)->check("拼多多", cc::role::agent).act == cc::action::warn);
  auto bad = cc::make_engine(all->at("taobao"), R"({"actions": {"link": "maybe"}})");
  BOOST_TEST(!bad);
  BOOST_TEST(bad.error.find("actions.link") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(overrides_from_merchant_settings) {
  auto ov = cc::parse_merchant_settings(R"({
    "greeting": "您好，{merchant}很高兴为您服务", "greeting_mode": "agent", "thresholds": null,
    "service_scope": "full",
    "official_contacts": {"enterprise_qq": "800012345", "service_phone": ["400-028-8810"]},
    "compliance": {"actions": {"exaggeration": "block"}, "greeting_strict": true}
  })",
                                        "m9");
  BOOST_REQUIRE_MESSAGE(ov, ov.error);
  BOOST_TEST(ov->merchant == "m9");
  BOOST_TEST(ov->official_contacts.size() == 2u);
  BOOST_TEST(ov->greeting_mode == "agent");
  cc::engine const e(pack("tencent"), *ov);
  BOOST_TEST(e.check("企业QQ 800012345", cc::role::agent).act == cc::action::allow);
  BOOST_TEST(e.check("全网最低", cc::role::agent).act == cc::action::block);
  BOOST_TEST(e.greeting_template() == "您好，{merchant}很高兴为您服务");
  auto bad = cc::parse_merchant_settings(R"({"compliance": {"actions": {"x": "block"}}})", "m9");
  BOOST_TEST(!bad);
  BOOST_TEST(!cc::parse_merchant_settings("[]", "m9"));
}

BOOST_AUTO_TEST_CASE(verdicts_read_back_from_json) {
  auto const v = check("加我微信 abc_123456，我管不了");
  auto const back = boost::json::try_value_to<cc::verdict>(boost::json::parse(cc::to_json(v)));
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->act == v.act);
  BOOST_TEST(back->pack == v.pack);
  BOOST_REQUIRE(back->violations.size() == v.violations.size());
  BOOST_TEST(back->violations[1].suggestion == v.violations[1].suggestion);
  BOOST_TEST(!boost::json::try_value_to<cc::verdict>(boost::json::parse(R"({"action":"nope"})")));
  BOOST_TEST(!boost::json::try_value_to<cc::verdict>(boost::json::parse(R"([])")));
}
