#include "server/core/qa/masking.hpp"

#define BOOST_TEST_MODULE qa_masking
#include <boost/test/unit_test.hpp>

#include "server/core/qa/sampling.hpp"
#include "server/core/qa/text.hpp"

#include <boost/json/parse.hpp>

#include <string>
#include <vector>

using namespace kefu::qa;
namespace json = boost::json;

namespace {

std::string mask(std::string_view s, std::vector<std::string> names = {}) {
  return mask_text(s, mask_options{std::move(names)});
}

std::vector<pii_kind> kinds(std::string_view s, std::vector<std::string> names = {}) {
  std::vector<pii_kind> out;
  for (const auto& p : find_pii(s, mask_options{std::move(names)})) out.push_back(p.kind);
  return out;
}

// A string mask_text() must leave alone.
void untouched(std::string_view s) {
  BOOST_TEST(mask(s) == s);
  BOOST_TEST(!would_mask(s, {}));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(phones)

BOOST_AUTO_TEST_CASE(mobile_numbers) {
  BOOST_TEST(mask("13800138000") == "138****8000");
  BOOST_TEST(mask("我的手机是13800138000，谢谢") == "我的手机是138****8000，谢谢");
  BOOST_TEST(mask("电话 138 0013 8000") == "电话 138 **** 8000");
  BOOST_TEST(mask("138-0013-8000") == "138-****-8000");
  BOOST_TEST(mask("+86 138-0013-8000") == "+86 138-****-8000");
  BOOST_TEST(mask("+8613800138000") == "+86138****8000");
  BOOST_TEST(mask("0086 13800138000") == "0086 138****8000");
  BOOST_TEST(mask("（+86）15912345678") == "（+86）159****5678");
  BOOST_TEST(mask("手机号码：１３８００１３８０００") == "手机号码：１３８****８０００");
  BOOST_TEST(mask("😀13800138000😀") == "😀138****8000😀");
  BOOST_TEST(mask("数量 3 13800138000") == "数量 3 138****8000");
  BOOST_TEST(mask("两个号码13800138000和13900139000") == "两个号码138****8000和139****9000");
  BOOST_TEST((kinds("13800138000") == std::vector{pii_kind::mobile}));
}

BOOST_AUTO_TEST_CASE(spelled_in_chinese_numerals) {
  BOOST_TEST(mask("一三八零零一三八零零零") == "一三八****八零零零");
  BOOST_TEST(mask("手机壹叁捌零零壹叁捌零零零") == "手机壹叁捌****捌零零零");
  BOOST_TEST(mask("幺三八洞洞幺三8000") == "幺三八****8000");
  // A word after a number does not make it longer: each kind of digit is read on its own.
  BOOST_TEST(mask("打13800138000一下") == "打138****8000一下");
  BOOST_TEST(mask("我电话13800138000一直打不通") == "我电话138****8000一直打不通");
  BOOST_TEST(mask("13800138000两个号码都行") == "138****8000两个号码都行");
  BOOST_TEST(mask("身份证110105194912310029一张") == "身份证110***********0029一张");
  // Short runs are words and counts, not digits.
  untouched("一三五发货，两三件起批，七八成新");
  untouched("第一时间为您处理");
}

BOOST_AUTO_TEST_CASE(landlines) {
  BOOST_TEST(mask("座机0571-88888888转123") == "座机0571-****8888转123");
  BOOST_TEST(mask("电话：010-12345678") == "电话：010-****5678");
  BOOST_TEST(mask("电话：(010)12345678") == "电话：(010)****5678");
  BOOST_TEST(mask("0571 8888 8888") == "0571 **** 8888");
  BOOST_TEST(mask("02161234567") == "021****4567");
  // Without an area code only right after a phone cue.
  BOOST_TEST(mask("电话 88886666") == "电话 ****6666");
  untouched("库存 88886666 件");
  BOOST_TEST((kinds("0571-88888888") == std::vector{pii_kind::landline}));
}

BOOST_AUTO_TEST_CASE(glued_to_contact_letters) {
  // Letters that say phone or WeChat do not make a model number.
  BOOST_TEST(mask("vx13800138000") == "vx138****8000");
  BOOST_TEST(mask("Tel13800138000") == "Tel138****8000");
  BOOST_TEST(mask("加我VX13800138000") == "加我VX138****8000");
  BOOST_TEST(mask("TEL:13800138000") == "TEL:138****8000");
  BOOST_TEST(mask("phone0571-88888888") == "phone0571-****8888");
  // After a phone cue, letters glued behind do not hide it either.
  BOOST_TEST(mask("手机:13800138000abc") == "手机:138****8000abc");
  // Other letters still do: courier and model prefixes, a word merely
  // ending in one of them, letters behind without a cue.
  untouched("SF13800138000");
  untouched("iPhone13800138000");
  untouched("mytel13800138000");
  untouched("13800138000abc");
  // One letter glued on is a disguise, not a code.
  BOOST_TEST(mask("手机号 a13800138000") == "手机号 a138****8000");
  BOOST_TEST(mask("加我 13800138000k") == "加我 138****8000k");
  BOOST_TEST(mask("型号X13800138000") == "型号X138****8000");
}

// Digits written in the forms used to slip a number past a filter, and addresses with "at" and
// "dot" spelled out.
BOOST_AUTO_TEST_CASE(disguised_digits_and_spelled_addresses) {
  BOOST_TEST(mask("①③⑧⓪⓪①③⑧⓪⓪⓪") == "①③⑧****⑧⓪⓪⓪");
  BOOST_TEST(mask("电话¹³⁸⁰⁰¹³⁸⁰⁰⁰") == "电话¹³⁸****⁸⁰⁰⁰");
  BOOST_TEST(mask("❶❸❽0013❽000") == "❶❸❽****❽000");
  BOOST_TEST(mask("kefu at 163 dot com") == "k*** at 163 dot com");
  BOOST_TEST(mask("kefu艾特qq点com") == "k***艾特qq点com");
  BOOST_TEST(mask("kefu(at)qq(dot)com") == "k***(at)qq(dot)com");
  untouched("we are at home");
  untouched("第①步，第②步");
}

BOOST_AUTO_TEST_CASE(service_numbers_are_not_personal) {
  untouched("客服热线 400-820-8820");
  untouched("客服工号 10086");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(id_and_bank_cards)

BOOST_AUTO_TEST_CASE(id_cards) {
  BOOST_TEST(mask("身份证 11010519491231002X") == "身份证 110***********002X");
  BOOST_TEST(mask("身份证号：11010519491231002x") == "身份证号：110***********002x");
  // Region and birth date make it an ID even without a cue or a valid check digit.
  BOOST_TEST(mask("330106199003071234") == "330***********1234");
  BOOST_TEST(mask("老身份证 110105491231002") == "老身份证 110********1002");
  // With the cue, any 18-character number is taken as one.
  BOOST_TEST(mask("身份证号码 991234567890123456") == "身份证号码 991***********3456");
  BOOST_TEST((kinds("11010519491231002X") == std::vector{pii_kind::id_card}));
}

BOOST_AUTO_TEST_CASE(bank_cards) {
  BOOST_TEST(mask("6228480402564890018") == "6228***********0018");
  BOOST_TEST(mask("银行卡 6222 0202 0000 1234 567") == "银行卡 6222 **** **** ***4 567");
  BOOST_TEST(mask("信用卡4012888888881881") == "信用卡4012********1881");
  // A card cue is enough, whatever the checksum.
  BOOST_TEST(mask("卡号6222020200001234567") == "卡号6222***********4567");
  BOOST_TEST((kinds("6228480402564890018") == std::vector{pii_kind::bank_card}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(look_alikes)

BOOST_AUTO_TEST_CASE(order_and_tracking_numbers) {
  untouched("订单号 240512345678901234567");
  // …but not one shaped like a mobile number: a phone must not survive behind an order cue.
  BOOST_TEST(mask("订单号：13812345678") == "订单号：138****5678");
  untouched("您好，您的订单 3765432109876543 已发货");
  untouched("订单4012888888881881");
  untouched("订单号 110105194912310029");
  untouched("物流单号：773012345678901");
  untouched("运单号 SF1380013800012");
  untouched("快递单号 YT13800138000");
  untouched("京东 JD0012345678901");
  // Long numbers that are neither a card (no Luhn, no issuer) nor an ID.
  untouched("2024050112345678");
  untouched("1714521600000");
}

BOOST_AUTO_TEST_CASE(prices_dates_times_models) {
  untouched("价格12.50元，共13800138000.00元");
  untouched("价格 ¥138.00");
  untouched("￥13800138000");
  untouched("日期 2024-05-01 13:45");
  untouched("2024年5月1日下单");
  untouched("电话回访时间 2024-05-01");
  untouched("电话 20240501");
  untouched("18:30前发货");
  untouched("iPhone15 Pro 256G");
  untouched("折扣率 13800138000%");
  untouched("1,380,013,800");
}

BOOST_AUTO_TEST_CASE(a_cue_in_an_earlier_sentence_does_not_count) {
  // The order cue ends with the sentence; the mobile after it is masked.
  BOOST_TEST(mask("订单已发货，13800138000") == "订单已发货，138****8000");
  BOOST_TEST(mask("快递员电话13800138000") == "快递员电话138****8000");
}

BOOST_AUTO_TEST_CASE(plain_text) {
  untouched("");
  untouched("您好，请问有什么可以帮您？");
  untouched("我在北京市");
  untouched("浙江省杭州市发货");
  untouched("北京时间10点");
  untouched("去超市东区买菜");
  untouched("云南白药牙膏");
  untouched("四川菜馆在哪条街");
  untouched("我叫张");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emails)

BOOST_AUTO_TEST_CASE(keeps_first_character_and_domain) {
  BOOST_TEST(mask("我的邮箱是zhangsan@example.com") == "我的邮箱是z***@example.com");
  BOOST_TEST(mask("邮箱 Li.Si+shop@mail.qq.com。") == "邮箱 L***@mail.qq.com。");
  BOOST_TEST(mask("13800138000@163.com") == "1***@163.com");
  BOOST_TEST(mask("a@b.cn") == "a***@b.cn");
  BOOST_TEST((kinds("x@example.com") == std::vector{pii_kind::email}));
}

BOOST_AUTO_TEST_CASE(not_emails) {
  untouched("@客服小王");
  untouched("user@localhost");
  untouched("价格@3元");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(addresses)

BOOST_AUTO_TEST_CASE(province_and_city_kept) {
  BOOST_TEST(mask("浙江省杭州市西湖区文三路100号") == "浙江省杭州市***");
  // House, building and room numbers written apart belong to the address; what is said after
  // it, and a phone number, do not.
  BOOST_TEST(mask("浙江省杭州市西湖区文三路 123 号 5 幢 201") == "浙江省杭州市***");
  BOOST_TEST(mask("北京市朝阳区建国路88号 谢谢") == "北京市*** 谢谢");
  BOOST_TEST(mask("北京市朝阳区建国路88号 13800138000") == "北京市*** 138****8000");
  // A city written bare, with neither province nor 市, keeps its name when a district and a
  // street follow; talk about a district, or a city inside a word, is left alone.
  BOOST_TEST(mask("寄到广州天河区体育西路100号") == "寄到广州***");
  BOOST_TEST(mask("发往成都武侯区人民南路四段1号") == "发往成都***");
  untouched("深圳南山区的天气很好");
  untouched("孙中山纪念馆在越秀区中山路");
  BOOST_TEST(mask("地址：浙江省杭州市西湖区文三路100号，尽快发") ==
             "地址：浙江省杭州市***，尽快发");
  BOOST_TEST(mask("广东省深圳市南山区科技园1栋") == "广东省深圳市***");
  BOOST_TEST(mask("黑龙江省哈尔滨市南岗区西大直街92号") == "黑龙江省哈尔滨市***");
  BOOST_TEST((kinds("浙江省杭州市西湖区文三路100号") == std::vector{pii_kind::address}));
}

BOOST_AUTO_TEST_CASE(parts_separated_by_spaces) {
  BOOST_TEST(mask("浙江省 杭州市 西湖区 文三路100号") == "浙江省 杭州市 ***");
  BOOST_TEST(mask("浙江 杭州 西湖区 文三路100号") == "浙江 杭州 ***");
  BOOST_TEST(mask("地址 北京市 朝阳区 建国路88号 麻烦快点") == "地址 北京市 *** 麻烦快点");
  BOOST_TEST(mask("杭州市 西湖区 文三路1号") == "杭州市 ***");
  untouched("我在浙江 杭州 出差");
}

BOOST_AUTO_TEST_CASE(municipalities) {
  BOOST_TEST(mask("北京市朝阳区建国路88号") == "北京市***");
  BOOST_TEST(mask("上海市浦东新区世纪大道100号") == "上海市***");
  BOOST_TEST(mask("重庆渝中区解放碑步行街1号") == "重庆***");
}

BOOST_AUTO_TEST_CASE(autonomous_regions_and_prefectures) {
  BOOST_TEST(mask("内蒙古自治区呼和浩特市新城区中山路1号") == "内蒙古自治区呼和浩特市***");
  BOOST_TEST(mask("广西壮族自治区南宁市青秀区民族大道100号") == "广西壮族自治区南宁市***");
  BOOST_TEST(mask("新疆维吾尔自治区伊犁哈萨克自治州伊宁市解放路1号") ==
             "新疆维吾尔自治区伊犁哈萨克自治州***");
  BOOST_TEST(mask("内蒙古阿拉善盟阿拉善左旗巴彦浩特镇") == "内蒙古阿拉善盟***");
  BOOST_TEST(mask("黑龙江省大兴安岭地区漠河市北极村") == "黑龙江省大兴安岭地区***");
}

BOOST_AUTO_TEST_CASE(short_forms_and_city_first) {
  BOOST_TEST(mask("杭州市西湖区文三路100号") == "杭州市***");
  BOOST_TEST(mask("寄到苏州市工业园区星湖街328号") == "寄到苏州市***");
}

BOOST_AUTO_TEST_CASE(province_and_city_without_suffixes) {
  // The province's own cities are known, so the city is kept without 省/市.
  BOOST_TEST(mask("浙江杭州西湖区文三路1号") == "浙江杭州***");
  BOOST_TEST(mask("浙江杭州西湖区文三路100号") == "浙江杭州***");
  BOOST_TEST(mask("浙江省杭州西湖区文三路1号") == "浙江省杭州***");
  BOOST_TEST(mask("地址：江苏苏州工业园区星湖街328号，谢谢") == "地址：江苏苏州***，谢谢");
  BOOST_TEST(mask("广东深圳南山区科技园1栋") == "广东深圳***");
  BOOST_TEST(mask("黑龙江哈尔滨道里区中央大街1号") == "黑龙江哈尔滨***");
  BOOST_TEST(mask("内蒙古呼和浩特新城区中山路1号") == "内蒙古呼和浩特***");
  BOOST_TEST(mask("广西南宁青秀区民族大道100号") == "广西南宁***");
  BOOST_TEST(mask("新疆乌鲁木齐天山区解放路1号") == "新疆乌鲁木齐***");
  BOOST_TEST(mask("江西景德镇珠山区1号") == "江西景德镇***");
  BOOST_TEST(mask("湖北恩施州巴东县信陵镇1号") == "湖北恩施州***");
  BOOST_TEST(mask("浙江台州路桥区银座街1号") == "浙江台州***");
  BOOST_TEST((kinds("浙江杭州西湖区文三路1号") == std::vector{pii_kind::address}));
  // A district named like its city is not the city: only the province stays.
  BOOST_TEST(mask("安徽黄山区汤口镇1号") == "安徽***");
  // Another province's city is not taken for this one's.
  BOOST_TEST(mask("浙江苏州工业园区星湖街1号") == "浙江***");
}

BOOST_AUTO_TEST_CASE(province_and_city_in_passing) {
  untouched("浙江的天气不错");
  untouched("浙江杭州的天气不错");
  untouched("浙江杭州发货");
  untouched("浙江杭州西湖边的楼盘");
  untouched("我是广东深圳人");
  untouched("浙江杭州");
}

BOOST_AUTO_TEST_CASE(what_follows_an_address) {
  BOOST_TEST(mask("收货地址 北京市朝阳区建国路88号SOHO现代城 张三 13800138000") ==
             "收货地址 北京市*** 张三 138****8000");
  BOOST_TEST(mask("收货人张三浙江省杭州市西湖区文三路1号") == "收货人张**浙江省杭州市***");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(names)

BOOST_AUTO_TEST_CASE(after_a_cue) {
  BOOST_TEST(mask("我叫张三丰") == "我叫张**");
  BOOST_TEST(mask("我叫张三丰，电话13800138000") == "我叫张**，电话138****8000");
  BOOST_TEST(mask("收件人：王五 13900139000") == "收件人：王** 139****9000");
  BOOST_TEST(mask("姓名张三电话13800138000") == "姓名张**电话138****8000");
  BOOST_TEST(mask("收件人是欧阳娜娜") == "收件人是欧**");
  BOOST_TEST(mask("联系人：李雷，地址见订单") == "联系人：李**，地址见订单");
  BOOST_TEST(mask("收货人: 赵六的手机") == "收货人: 赵**的手机");
  BOOST_TEST(mask("姓名：Tom，电话") == "姓名：T**，电话");
  BOOST_TEST((kinds("我叫张三丰") == std::vector{pii_kind::name}));
}

BOOST_AUTO_TEST_CASE(cue_followed_by_something_else) {
  BOOST_TEST(mask("联系人电话13800138000") == "联系人电话138****8000");
  untouched("姓名：");
  untouched("请提供收件人姓名");
  untouched("收件人信息有误");
  untouched("收件人改成别人了");
  BOOST_TEST(mask("收件人姓名：张三") == "收件人姓名：张**");
  BOOST_TEST(mask("我叫李可欣") == "我叫李**");
}

BOOST_AUTO_TEST_CASE(profile_names_anywhere) {
  BOOST_TEST(mask("李四光你好，李四光的订单已发", {"李四光"}) == "李**你好，李**的订单已发");
  BOOST_TEST(mask("小明爱购物来了", {" 小明爱购物 "}) == "小**来了");
  BOOST_TEST(mask("Hi Alice", {"Alice"}) == "Hi A**");
  // One-character names would blank out ordinary text.
  BOOST_TEST(mask("王先生您好", {"王"}) == "王先生您好");
  BOOST_TEST(mask("没有这个人", {"李四光"}) == "没有这个人");
  BOOST_TEST(mask("我叫李四光", {"李四光"}) == "我叫李**");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(utf8)

BOOST_AUTO_TEST_CASE(never_breaks_a_sequence) {
  const std::string bad = "bad \xff\xfe 13800138000 \xe6\x88";
  const std::string out = mask(bad);
  BOOST_TEST(out == "bad \xEF\xBF\xBD\xEF\xBF\xBD 138****8000 \xEF\xBF\xBD\xEF\xBF\xBD");
  // Overlong and surrogate encodings are not decoded into characters.
  BOOST_TEST(mask("\xc0\xaf\xed\xa0\x80") ==
             "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

BOOST_AUTO_TEST_CASE(offsets_are_code_points) {
  const auto spans = find_pii("您好😀，电话13800138000", {});
  BOOST_REQUIRE(spans.size() == 1u);
  BOOST_TEST(spans[0].start == 6u);
  BOOST_TEST(spans[0].end == 17u);
  BOOST_TEST(spans[0].replacement == "138****8000");
}

BOOST_AUTO_TEST_CASE(random_input_is_safe) {
  // Random bytes and random mixes of the characters the detectors care
  // about: nothing throws, output is valid UTF-8, spans are ordered and in
  // range, and masking the masked text changes nothing more.
  rng r(314159);
  const std::vector<std::string> pieces{
      "1",      "3",    "8",  "0",    "6",    "X",    " ",    "-",    "+86",  "@",    ".",
      "com",    "a",    "省", "市",   "区",   "路",   "号",   "浙江", "北京", "杭州", "我叫",
      "收件人", "张",   "三", "订单", "电话", "，",   "：",   "😀",    "（",   "）",   "\xff",
      "身份证", "卡号", "vx", "Tel",  "广东", "深圳", "黄山", "街"};
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    const int n = static_cast<int>(r.below(40));
    for (int i = 0; i < n; ++i) {
      if (round % 3 == 0)
        s += static_cast<char>(r.below(256));
      else
        s += pieces[r.below(pieces.size())];
    }
    const mask_options opts{{"张三"}};
    const std::string out = mask_text(s, opts);
    BOOST_TEST(text::encode(text::decode(out)) == out);
    const auto spans = find_pii(s, opts);
    const std::size_t len = text::decode(s).size();
    for (std::size_t i = 0; i < spans.size(); ++i) {
      BOOST_TEST(spans[i].start < spans[i].end);
      BOOST_TEST(spans[i].end <= len);
      if (i > 0) BOOST_TEST(spans[i - 1].end <= spans[i].start);
    }
    BOOST_TEST(mask_text(out, opts) == out, "input: " << s);
  }
}

BOOST_AUTO_TEST_CASE(kinds_have_names) {
  BOOST_TEST(to_string(pii_kind::bank_card) == "bank_card");
  BOOST_TEST(to_string(pii_kind::id_card) == "id_card");
  BOOST_TEST(to_string(pii_kind::address) == "address");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(transcripts)

BOOST_AUTO_TEST_CASE(masks_messages_blocked_and_excerpts) {
  json::object t = json::parse(R"({
    "id": "c1", "buyer": "b1",
    "messages": [
      {"seq": 1, "from": "buyer",
       "text": "我叫张三丰，地址浙江省杭州市西湖区文三路100号，电话13800138000"},
      {"seq": 2, "from": "agent", "text": "好的张三丰先生",
       "verdict": {"action": "allow", "violations": []}},
      {"seq": 3, "from": "buyer", "text": "加我微信吧 13900139000",
       "verdict": {"action": "warn", "violations": [
         {"category": "contact", "rule": "mobile", "start": 6, "end": 17,
          "excerpt": "13900139000"}]}}
    ],
    "blocked": [
      {"text": "我的手机13700137000", "verdict": {"action": "block", "violations": [
         {"category": "contact", "start": 4, "end": 15, "excerpt": "13700137000"},
         {"category": "contact", "excerpt": "邮箱 zhang@qq.com"}]}}
    ],
    "rating": "satisfied"
  })")
                       .as_object();
  mask_transcript(t, mask_options{{"张三丰"}});
  const auto& m = t.at("messages").as_array();
  BOOST_TEST(m[0].at("text").as_string() == "我叫张**，地址浙江省杭州市***，电话138****8000");
  BOOST_TEST(m[1].at("text").as_string() == "好的张**先生");
  BOOST_TEST(m[2].at("text").as_string() == "加我微信吧 139****9000");
  const auto& v = m[2].at("verdict").at("violations").as_array()[0];
  BOOST_TEST(v.at("excerpt").as_string() == "139****9000");
  BOOST_TEST(v.at("start").as_int64() == 6);
  BOOST_TEST(v.at("end").as_int64() == 17);

  const auto& b = t.at("blocked").as_array()[0];
  BOOST_TEST(b.at("text").as_string() == "我的手机137****7000");
  const auto& bv = b.at("verdict").at("violations").as_array();
  BOOST_TEST(bv[0].at("excerpt").as_string() == "137****7000");
  // No offsets: the excerpt is masked on its own.
  BOOST_TEST(bv[1].at("excerpt").as_string() == "邮箱 z***@qq.com");
  // Everything else is left alone.
  BOOST_TEST(t.at("buyer").as_string() == "b1");
  BOOST_TEST(t.at("rating").as_string() == "satisfied");
}

// A name given once after a cue is masked wherever the chat repeats it, blocked messages too,
// and the options mask_transcript() returns hand it on for text that goes with the chat.
BOOST_AUTO_TEST_CASE(a_cue_name_is_masked_across_the_transcript) {
  json::object t = json::parse(R"({
    "messages": [
      {"seq": 1, "from": "agent", "text": "李四您好，有什么可以帮您"},
      {"seq": 2, "from": "buyer", "text": "收件人：李四，麻烦改一下地址"},
      {"seq": 3, "from": "agent", "text": "好的李四，已经改好了"}
    ],
    "blocked": [{"text": "李四加我微信"}]
  })")
                       .as_object();
  auto const names = mask_transcript(t, {});
  BOOST_TEST(names.names.size() == 1u);
  BOOST_TEST(mask_text("李四的评论", names) == "李**的评论");
  const auto& m = t.at("messages").as_array();
  BOOST_TEST(m[0].at("text").as_string() == "李**您好，有什么可以帮您");
  BOOST_TEST(m[1].at("text").as_string() == "收件人：李**，麻烦改一下地址");
  BOOST_TEST(m[2].at("text").as_string() == "好的李**，已经改好了");
  BOOST_TEST(t.at("blocked").as_array()[0].at("text").as_string() == "李**加我微信");
}

BOOST_AUTO_TEST_CASE(offsets_follow_a_collapsed_span) {
  // The address tail (10 characters) becomes ***; a violation after it moves
  // 7 places left, one inside it covers the whole ***.
  const std::string text = "浙江省杭州市西湖区文三路100号 加微信";
  json::object t{
      {"messages",
       json::array{json::object{
           {"text", text},
           {"verdict",
            json::object{
                {"violations",
                 json::array{json::object{{"start", 17}, {"end", 20}, {"excerpt", "加微信"}},
                             json::object{{"start", 9}, {"end", 12}, {"excerpt", "文三路"}}}}}}}}}};
  mask_transcript(t, {});
  const auto& msg = t.at("messages").as_array()[0];
  BOOST_TEST(msg.at("text").as_string() == "浙江省杭州市*** 加微信");
  const auto& vs = msg.at("verdict").at("violations").as_array();
  BOOST_TEST(vs[0].at("start").as_int64() == 10);
  BOOST_TEST(vs[0].at("end").as_int64() == 13);
  BOOST_TEST(vs[0].at("excerpt").as_string() == "加微信");
  BOOST_TEST(vs[1].at("start").as_int64() == 6);
  BOOST_TEST(vs[1].at("end").as_int64() == 9);
  BOOST_TEST(vs[1].at("excerpt").as_string() == "***");
}

BOOST_AUTO_TEST_CASE(odd_shapes_are_left_alone) {
  json::object t = json::parse(R"({
    "messages": [42, {"text": 7}, {"seq": 1}, {"text": "13800138000", "verdict": "none"},
                 {"text": "x",
                  "verdict": {"violations": [1, {"start": -1, "end": 99, "excerpt": 5}]}}],
    "blocked": {"text": "13800138000"}
  })")
                       .as_object();
  mask_transcript(t, {});
  const auto& m = t.at("messages").as_array();
  BOOST_TEST(m[0].as_int64() == 42);
  BOOST_TEST(m[1].at("text").as_int64() == 7);
  BOOST_TEST(m[3].at("text").as_string() == "138****8000");
  BOOST_TEST(t.at("blocked").at("text").as_string() == "13800138000");
  json::object empty;
  mask_transcript(empty, {});
  BOOST_TEST(empty.empty());
}

BOOST_AUTO_TEST_SUITE_END()
