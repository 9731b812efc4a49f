#include "server/core/qa/masking.hpp"

#include "server/core/common/chinese_digit.hpp"
#include "server/core/qa/text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <optional>
#include <utility>

namespace kefu::qa {

namespace json = boost::json;
using text::is_ascii_alnum;
using text::is_ascii_letter;
using text::is_cjk;

std::string_view to_string(pii_kind k) {
  switch (k) {
    case pii_kind::mobile:
      return "mobile";
    case pii_kind::landline:
      return "landline";
    case pii_kind::id_card:
      return "id_card";
    case pii_kind::bank_card:
      return "bank_card";
    case pii_kind::email:
      return "email";
    case pii_kind::address:
      return "address";
    case pii_kind::name:
      return "name";
  }
  return "name";
}

namespace {

// A span while it is being found: the replacement is kept in code points so
// offsets can be mapped onto the masked text.
struct found {
  pii_kind kind;
  std::size_t start;
  std::size_t end;
  std::u32string replacement;
};

bool at(const std::u32string& t, std::size_t i, std::u32string_view w) {
  return i <= t.size() && t.size() - i >= w.size() && t.compare(i, w.size(), w) == 0;
}

bool any_at(const std::u32string& t, std::size_t i, std::initializer_list<std::u32string_view> ws) {
  return std::any_of(ws.begin(), ws.end(), [&](std::u32string_view w) { return at(t, i, w); });
}

bool one_of(char32_t c, std::u32string_view set) {
  return set.find(c) != std::u32string_view::npos;
}

// A name keeps its first character and the rest becomes "**" whatever its length (张三 and
// 欧阳娜娜 alike), so the mask does not tell how long the name was.
std::u32string name_mask(const std::u32string& t, std::size_t start, std::size_t end) {
  (void)end;
  std::u32string r(1, t[start]);
  r += U"**";
  return r;
}

// Ends a sentence: a cue before it says nothing about what follows.
bool sentence_end(char32_t c) {
  return one_of(c, U"，。；！？,;!?\n\r");
}

// ---------------------------------------------------------------- e-mail

bool email_local_char(char32_t c) {
  return is_ascii_alnum(c) || one_of(c, U"._%+-");
}

// The length of one of `words` at i, compared case-insensitively (0 if none).
std::size_t word_at(const std::u32string& t, std::size_t i,
                    std::initializer_list<std::u32string_view> words) {
  for (auto w : words) {
    if (i + w.size() > t.size()) continue;
    bool same = true;
    for (std::size_t k = 0; same && k < w.size(); ++k) {
      char32_t c = t[i + k];
      if (c >= U'A' && c <= U'Z') c += U'a' - U'A';
      same = c == w[k];
    }
    if (same) return w.size();
  }
  return 0;
}

// The end of a domain starting at `pos`: labels of letters, digits and '-' joined by dots (with
// `spelled`, also by " dot ", (dot) or 点), the last one (the top-level domain) all letters, at
// least two of them. 0 when there is none.
std::size_t domain_end(const std::u32string& t, std::size_t pos, bool spelled) {
  static constexpr auto dot_words = {std::u32string_view(U" dot "), std::u32string_view(U"(dot)"),
                                     std::u32string_view(U"[dot]"), std::u32string_view(U" (dot) "),
                                     std::u32string_view(U"点"),    std::u32string_view(U".")};
  std::size_t good_end = 0;
  for (int labels = 0;;) {
    const std::size_t label_start = pos;
    bool letters_only = true;
    while (pos < t.size() && (is_ascii_alnum(t[pos]) || t[pos] == U'-')) {
      letters_only = letters_only && is_ascii_letter(t[pos]);
      ++pos;
    }
    if (pos == label_start) break;
    ++labels;
    if (labels >= 2 && letters_only && pos - label_start >= 2) good_end = pos;
    const std::size_t dot =
        spelled ? word_at(t, pos, dot_words) : (pos < t.size() && t[pos] == U'.' ? 1 : 0);
    if (dot == 0 || pos + dot >= t.size() || !is_ascii_alnum(t[pos + dot])) break;
    pos += dot;
  }
  return good_end;
}

// An address whose "at" (@, or spelled) starts at `at` and whose domain starts at `domain`:
// masked to its first character, the rest of the local part hidden. Returns where it ends (0
// when there is no address).
std::size_t take_email(const std::u32string& t, std::size_t at, std::size_t domain, bool spelled,
                       std::vector<found>& out) {
  std::size_t l = at;
  while (l > 0 && email_local_char(t[l - 1])) --l;
  while (l < at && !is_ascii_alnum(t[l])) ++l;  // the local part starts with a letter or digit
  if (l == at) return 0;
  const std::size_t end = domain_end(t, domain, spelled);
  if (end == 0) return 0;
  std::u32string r(1, t[l]);
  r += U"***";
  r.append(t, at, end - at);
  out.push_back({pii_kind::email, l, end, std::move(r)});
  return end;
}

void find_emails(const std::u32string& t, std::vector<found>& out) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] != U'@' && t[i] != U'\uFF20') continue;
    if (const std::size_t end = take_email(t, i, i + 1, false, out)) i = end - 1;
  }
}

// An address with "at" and "dot" spelled out, as written to slip past a filter: kefu at 163 dot
// com, kefu(at)qq(dot)com, kefu艾特qq点com. Masked as an address with an @ would be.
void find_spelled_emails(const std::u32string& t, std::vector<found>& out) {
  static constexpr auto at_words = {std::u32string_view(U" at "), std::u32string_view(U"(at)"),
                                    std::u32string_view(U"[at]"), std::u32string_view(U" (at) "),
                                    std::u32string_view(U"艾特")};
  for (std::size_t i = 1; i < t.size(); ++i) {
    const std::size_t at = word_at(t, i, at_words);
    if (at == 0 || !is_ascii_alnum(t[i - 1])) continue;
    if (const std::size_t end = take_email(t, i, i + at, true, out)) i = end - 1;
  }
}

// ---------------------------------------------------------------- address

struct region {
  std::u32string_view name;
  std::u32string_view suffix;  // the full form's ending; first listed wins
  std::u32string_view suffix2;
  // Prefecture-level names without 市 (州, 地区, 盟 forms included by their
  // stem), space-separated, for addresses written 浙江杭州西湖区…. Empty for
  // the municipalities and the SARs: they are their own city.
  std::u32string_view cities;
};

constexpr std::array<region, 34> regions{{
    {U"黑龙江", U"省", U"",
     U"哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化"},
    {U"内蒙古", U"自治区", U"",
     U"呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布"},
    {U"河北", U"省", U"", U"石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水"},
    {U"山西", U"省", U"", U"太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁"},
    {U"辽宁", U"省", U"",
     U"沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛"},
    {U"吉林", U"省", U"", U"长春 吉林 四平 辽源 通化 白山 松原 白城 延边"},
    {U"江苏", U"省", U"", U"南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁"},
    {U"浙江", U"省", U"", U"杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水"},
    {U"安徽", U"省", U"",
     U"合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城"},
    {U"福建", U"省", U"", U"福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德"},
    {U"江西", U"省", U"", U"南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶"},
    {U"山东", U"省", U"",
     U"济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽"},
    {U"河南", U"省", U"",
     U"郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 "
     U"济源"},
    {U"湖北", U"省", U"",
     U"武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施 仙桃 潜江 天门"},
    {U"湖南", U"省", U"",
     U"长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 湘西"},
    {U"广东", U"省", U"",
     U"广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 "
     U"潮州 揭阳 云浮"},
    {U"海南", U"省", U"", U"海口 三亚 三沙 儋州"},
    {U"四川", U"省", U"",
     U"成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳 "
     U"阿坝 甘孜 凉山"},
    {U"贵州", U"省", U"", U"贵阳 六盘水 遵义 安顺 毕节 铜仁 黔东南 黔南 黔西南"},
    {U"云南", U"省", U"",
     U"昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 楚雄 红河 文山 西双版纳 大理 德宏 怒江 迪庆"},
    {U"陕西", U"省", U"", U"西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛"},
    {U"甘肃", U"省", U"",
     U"兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 临夏 甘南"},
    {U"青海", U"省", U"", U"西宁 海东 海北 黄南 海南 果洛 玉树 海西"},
    {U"台湾", U"省", U"", U"台北 新北 桃园 台中 台南 高雄 基隆 新竹 嘉义"},
    {U"广西", U"壮族自治区", U"自治区",
     U"南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左"},
    {U"西藏", U"自治区", U"", U"拉萨 日喀则 昌都 林芝 山南 那曲 阿里"},
    {U"宁夏", U"回族自治区", U"自治区", U"银川 石嘴山 吴忠 固原 中卫"},
    {U"新疆", U"维吾尔自治区", U"自治区",
     U"乌鲁木齐 克拉玛依 吐鲁番 哈密 昌吉 博尔塔拉 巴音郭楞 阿克苏 克孜勒苏 喀什 和田 伊犁 塔城 "
     U"阿勒泰 石河子"},
    {U"北京", U"市", U"", U""},
    {U"天津", U"市", U"", U""},
    {U"上海", U"市", U"", U""},
    {U"重庆", U"市", U"", U""},
    {U"香港", U"特别行政区", U"", U""},
    {U"澳门", U"特别行政区", U"", U""},
}};

bool blank(char32_t c) {
  return c == U' ' || c == U'\u3000' || c == U'\t';
}

// Addresses pasted from a shop's form have spaces between their parts
// (浙江省 杭州市 西湖区 文三路100号): one blank before a CJK character is skipped.
std::size_t skip_blank(const std::u32string& t, std::size_t p) {
  return p + 1 < t.size() && blank(t[p]) && is_cjk(t[p + 1]) ? p + 1 : p;
}

// Characters an address is written with (house numbers, 3-2-501室, A座).
bool address_char(char32_t c) {
  return is_cjk(c) || is_ascii_alnum(c) || text::digit_value(c) >= 0 ||
         (c >= U'\uFF21' && c <= U'\uFF3A') || (c >= U'\uFF41' && c <= U'\uFF5A') ||
         one_of(c, U"-－#＃/·()（）");
}

// Below the city: words that make a run of text an address.
bool has_address_marker(const std::u32string& t, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (one_of(t[i], U"区县旗镇乡街路巷弄村号栋幢室楼座苑园组屯厦")) return true;
    if (any_at(t, i, {U"单元", U"大道", U"胡同", U"广场"})) return true;
  }
  return false;
}

// A district-level unit (区, 县, 旗) within `limit` CJK characters after
// `from`, with at least one character of its name before it.
bool district_soon(const std::u32string& t, std::size_t from, std::size_t limit) {
  for (std::size_t k = from; k < t.size() && k < from + limit && is_cjk(t[k]); ++k)
    if (k > from && one_of(t[k], U"区县旗")) return true;
  return false;
}

std::size_t address_tail_end(const std::u32string& t, std::size_t from) {
  std::size_t e = from;
  while (e < t.size() && e < from + 80) {
    if (address_char(t[e])) {
      ++e;
      continue;
    }
    // A blank inside the address goes on only if more of it follows: a part with an address word
    // (西湖区 文三路100号), or a house or room number (文三路 123 号 5 幢 201), not small talk
    // after it (…100号 谢谢) nor a phone number (…100号 13800138000, masked as a phone).
    if (blank(t[e]) && e > from && e + 1 < t.size() && address_char(t[e + 1])) {
      std::size_t const s = e + 1;
      std::size_t f = s;
      while (f < t.size() && f < s + 30 && address_char(t[f])) ++f;
      bool number = f - s <= 6;
      for (std::size_t k = s; k < f && number; ++k)
        number = is_ascii_alnum(t[k]) || one_of(t[k], U"-－#＃");
      if (has_address_marker(t, s, f) || number) {
        e = f;
        continue;
      }
    }
    break;
  }
  return e;
}

// A prefecture-level unit right after a province: ...市, ...自治州, ...地区
// or ...盟, with only its name (no district or street word) before it.
std::size_t city_end(const std::u32string& t, std::size_t from) {
  for (std::size_t k = from; k < t.size() && k < from + 10 && is_cjk(t[k]); ++k) {
    if (k > from) {
      for (std::u32string_view m : {U"自治州", U"地区", U"市", U"盟"})
        if (at(t, k, m)) return k + m.size();
    }
    if (one_of(t[k], U"区县旗路街镇乡村号")) break;
  }
  return 0;
}

const region* region_at(const std::u32string& t, std::size_t i) {
  for (const auto& r : regions)
    if (at(t, i, r.name)) return &r;
  return nullptr;
}

// One of the region's cities written without 市 (杭州西湖区), or 0. The name
// must go on with more of the address, and not as a district or county of
// the same name (安徽黄山区, 辽宁朝阳县). A 州 after a prefecture's stem
// (恩施州) is kept with it.
std::size_t bare_city_end(const std::u32string& t, std::size_t from, const region& r) {
  std::size_t best = 0;
  for (std::size_t pos = 0; pos < r.cities.size();) {
    std::size_t sp = r.cities.find(U' ', pos);
    if (sp == std::u32string_view::npos) sp = r.cities.size();
    const std::u32string_view name = r.cities.substr(pos, sp - pos);
    if (name.size() > best && at(t, from, name)) best = name.size();
    pos = sp + 1;
  }
  if (best == 0) return 0;
  std::size_t e = from + best;
  if (e < t.size() && t[e] == U'州' && t[e - 1] != U'州') ++e;
  const std::size_t next = skip_blank(t, e);  // 浙江 杭州 西湖区…
  if (next >= t.size() || !is_cjk(t[next]) || one_of(t[next], U"区县旗市")) return 0;
  return e;
}

// Street-level words (or a district soon) after a city written without 市:
// a bare province and city followed by 楼 or 园 is still more often small
// talk (浙江杭州西湖边的楼盘) than an address.
bool street_marker(const std::u32string& t, std::size_t from, std::size_t to) {
  if (district_soon(t, from, 8)) return true;
  for (std::size_t i = from; i < to; ++i) {
    if (one_of(t[i], U"路街巷弄镇乡村号")) return true;
    if (any_at(t, i, {U"大道", U"胡同"})) return true;
  }
  return false;
}

void find_addresses(const std::u32string& t, std::vector<found>& out) {
  const auto add = [&](std::size_t from, std::size_t to) {
    out.push_back({pii_kind::address, from, to, U"***"});
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    const region* r = region_at(t, i);
    if (!r) continue;
    std::size_t p = i + r->name.size();
    bool full = false;
    for (auto s : {r->suffix, r->suffix2}) {
      if (!s.empty() && at(t, p, s)) {
        p += s.size();
        full = true;
        break;
      }
    }
    std::size_t keep = p;
    bool city = false, bare_city = false;
    if (!r->cities.empty()) {
      const std::size_t pc = skip_blank(t, p);
      if (const std::size_t c = city_end(t, pc)) {
        keep = c;
        city = true;
      } else if (const std::size_t b = bare_city_end(t, pc, *r)) {
        keep = b;
        bare_city = true;
      }
    }
    keep = skip_blank(t, keep);
    const std::size_t e = address_tail_end(t, keep);
    if (e == keep || !has_address_marker(t, keep, e)) continue;
    // A bare 浙江 or 北京 is often just a place mentioned in passing; it only
    // starts an address when a city or a district follows.
    if (!full && !city && !bare_city && !district_soon(t, keep, 8)) continue;
    if (!full && bare_city && !street_marker(t, keep, e)) continue;
    add(keep, e);
    i = e - 1;
  }

  // Addresses starting at the city: 杭州市西湖区…. Words ending in 市 that are
  // not cities are excluded.
  static constexpr std::array<std::u32string_view, 24> not_cities{
      U"超市", U"城市", U"上市", U"门市", U"夜市", U"股市", U"菜市", U"开市",
      U"闹市", U"都市", U"街市", U"黑市", U"集市", U"早市", U"花市", U"楼市",
      U"车市", U"本市", U"该市", U"全市", U"各市", U"此市", U"鱼市", U"书市"};
  for (std::size_t m = 2; m < t.size(); ++m) {
    if (t[m] != U'市' || !is_cjk(t[m - 1]) || !is_cjk(t[m - 2])) continue;
    const std::u32string_view word(t.data() + m - 1, 2);
    if (std::find(not_cities.begin(), not_cities.end(), word) != not_cities.end()) continue;
    const std::size_t from = skip_blank(t, m + 1);
    if (!district_soon(t, from, 7)) continue;
    const std::size_t e = address_tail_end(t, from);
    add(from, e);
    m = e;
  }

  // Addresses starting at a city written bare, with neither province nor 市 (寄到广州天河区体育西路
  // 100号): the city is kept, and it must be followed by a district and a street-level word, so
  // that 深圳南山区的天气 stays talk.
  const std::size_t found_before = out.size();
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!is_cjk(t[i]) || region_at(t, i) != nullptr) continue;
    bool inside = false;  // already part of an address found above
    for (std::size_t k = 0; k < found_before; ++k)
      inside =
          inside || (out[k].kind == pii_kind::address && out[k].start <= i + 1 && i < out[k].end);
    if (inside || (i > 0 && is_cjk(t[i - 1]) && region_at(t, i - 1) == nullptr &&
                   !one_of(t[i - 1], U"到在寄发往至送是址")))
      continue;
    for (const auto& r : regions) {
      const std::size_t c = r.cities.empty() ? 0 : bare_city_end(t, i, r);
      if (c == 0) continue;
      const std::size_t keep = skip_blank(t, c);
      if (!district_soon(t, keep, 8)) break;
      const std::size_t e = address_tail_end(t, keep);
      bool street = false;
      for (std::size_t k = keep; k < e && !street; ++k)
        street = one_of(t[k], U"路街巷弄号") || any_at(t, k, {U"大道", U"胡同"});
      if (street) {
        add(keep, e);
        i = e - 1;
      }
      break;
    }
  }
}

// ---------------------------------------------------------------- numbers

enum class cue { none, phone, id, card, order };

struct cue_word {
  std::u32string_view word;
  cue kind;
};

constexpr std::array<cue_word, 42> cue_words{{
    {U"电话", cue::phone},   {U"手机", cue::phone},     {U"号码", cue::phone},
    {U"手机号", cue::phone}, {U"联系方式", cue::phone}, {U"座机", cue::phone},
    {U"致电", cue::phone},   {U"拨打", cue::phone},     {U"来电", cue::phone},
    {U"身份证", cue::id},    {U"身份证号", cue::id},    {U"身份证号码", cue::id},
    {U"证件号", cue::id},    {U"证件号码", cue::id},    {U"身份号", cue::id},
    {U"银行卡", cue::card},  {U"银行卡号", cue::card},  {U"卡号", cue::card},
    {U"储蓄卡", cue::card},  {U"信用卡", cue::card},    {U"借记卡", cue::card},
    {U"账号", cue::card},    {U"银行账号", cue::card},  {U"卡号码", cue::card},
    {U"订单", cue::order},   {U"订单号", cue::order},   {U"单号", cue::order},
    {U"运单", cue::order},   {U"运单号", cue::order},   {U"快递", cue::order},
    {U"物流", cue::order},   {U"编号", cue::order},     {U"货号", cue::order},
    {U"型号", cue::order},   {U"流水号", cue::order},   {U"交易号", cue::order},
    {U"券码", cue::order},   {U"取件码", cue::order},   {U"验证码", cue::order},
    {U"发票号", cue::order}, {U"单号码", cue::order},   {U"订单编号", cue::order},
}};

// The cue word ending closest before `start` (the longest one where several
// end at the same place, so 身份证号码 beats 号码), within 12 characters and
// the same sentence.
cue nearest_cue(const std::u32string& t, std::size_t start) {
  for (std::size_t end = start; end > 0 && start - end <= 12; --end) {
    if (sentence_end(t[end - 1])) break;
    const cue_word* best = nullptr;
    for (const auto& w : cue_words) {
      if (w.word.size() > end || !at(t, end - w.word.size(), w.word)) continue;
      if (!best || w.word.size() > best->word.size()) best = &w;
    }
    if (best) return best->kind;
  }
  return cue::none;
}

struct number_match {
  pii_kind kind;
  std::size_t keep_head;  // digits kept at the start
  std::size_t keep_tail;  // and at the end
};

bool mobile(std::string_view d) {
  return d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

int num(std::string_view d) {
  int v = 0;
  for (char c : d) v = v * 10 + (c - '0');
  return v;
}

bool valid_date(int y, int m, int d) {
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

// The first two digits of a resident ID: the province-level region.
bool id_region(std::string_view d) {
  const int p = num(d.substr(0, 2));
  return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
         (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 ||
         p == 81 || p == 82 || p == 83;
}

// Region and birth date: a long order number almost never has both. The
// check digit is not required, so hand-typed or made-up numbers still mask.
bool id18(std::string_view d) {
  return d.size() == 18 && id_region(d) &&
         valid_date(num(d.substr(6, 4)), num(d.substr(10, 2)), num(d.substr(12, 2)));
}

bool id15(std::string_view d) {
  return d.size() == 15 && id_region(d) &&
         valid_date(1900 + num(d.substr(6, 2)), num(d.substr(8, 2)), num(d.substr(10, 2)));
}

bool luhn(std::string_view d) {
  int sum = 0;
  bool twice = false;
  for (auto it = d.rbegin(); it != d.rend(); ++it) {
    int v = *it - '0';
    if (twice) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// UnionPay 62, Visa 4, Mastercard 51-55, JCB 35. Mastercard's 2-series is
// left out: date-based order numbers start 22-27 too often.
bool card_issuer(std::string_view d) {
  const int two = num(d.substr(0, 2));
  return two == 62 || d[0] == '4' || (two >= 51 && two <= 55) || two == 35;
}

bool bank_card(std::string_view d) {
  return d.size() >= 16 && d.size() <= 19 && card_issuer(d) && luhn(d);
}

// 0 + area code (010 and 02x: three digits; the rest four) + a local number
// of 7 or 8 digits not starting with 0. Returns the area code's length.
std::size_t landline_area(std::string_view d) {
  if (d.size() < 10 || d[0] != '0' || d[1] == '0') return 0;
  const std::size_t area = (d[1] == '1' || d[1] == '2') ? 3 : 4;
  const std::size_t local = d.size() - area;
  if (local < 7 || local > 8 || d[area] == '0') return 0;
  return area;
}

bool looks_like_date(std::string_view d) {
  return d.size() == 8 && valid_date(num(d.substr(0, 4)), num(d.substr(4, 2)), num(d.substr(6, 2)));
}

// What a digit sequence is. `d` holds ASCII digits, an ID's final X as 'X'.
std::optional<number_match> classify(std::string_view d, cue c) {
  const std::size_t n = d.size();
  // After an order cue a number is an order or tracking number, except one shaped like a mobile
  // number: that is masked all the same (a phone must not survive; 订单号 13800138000 is the
  // commonest way to pass one off).
  if (c == cue::order) {
    if (mobile(d)) return number_match{pii_kind::mobile, 3, 4};
    return std::nullopt;
  }
  if (n > 0 && d.back() == 'X') {
    if (n == 18 && (c == cue::id || id18(d))) return number_match{pii_kind::id_card, 3, 4};
    return std::nullopt;
  }
  if (mobile(d)) return number_match{pii_kind::mobile, 3, 4};
  if (n == 13 && d.substr(0, 2) == "86" && mobile(d.substr(2)))
    return number_match{pii_kind::mobile, 5, 4};
  if (n == 15 && d.substr(0, 4) == "0086" && mobile(d.substr(4)))
    return number_match{pii_kind::mobile, 7, 4};
  if (c == cue::id && (n == 18 || n == 15)) return number_match{pii_kind::id_card, 3, 4};
  if (c == cue::card && n >= 16 && n <= 19) return number_match{pii_kind::bank_card, 4, 4};
  if (id18(d) || id15(d)) return number_match{pii_kind::id_card, 3, 4};
  if (bank_card(d)) return number_match{pii_kind::bank_card, 4, 4};
  if (const std::size_t area = landline_area(d)) return number_match{pii_kind::landline, area, 4};
  // A local number without its area code, only right after a phone cue.
  if (c == cue::phone && (n == 7 || n == 8) && d[0] >= '2' && !looks_like_date(d))
    return number_match{pii_kind::landline, 0, 4};
  return std::nullopt;
}

// Between the digit groups of one number: 138 0013 8000, 0571-8888 8888,
// (0571)88888888.
bool number_separator(char32_t c) {
  return one_of(c, U" \t-－‐‑–—\u3000\u00A0()（）");
}

struct digit_group {
  std::size_t start;
  std::size_t end;  // exclusive; includes a final X
  std::string digits;
};

// Punctuation that makes digits on both sides one number: 12.50, 10:30,
// 2024/05/01, 1,380.
bool joins_digits(char32_t c) {
  return one_of(c, U".,:/．，：");
}

// Letters that say "phone" or "WeChat" glued to a number (vx138…, Tel138…):
// the whole run of letters before the digits, in any case. A courier or
// model prefix (SF, JD, iPhone) is anything else.
bool contact_prefix(const std::u32string& t, std::size_t digits_start) {
  std::size_t l = digits_start;
  while (l > 0 && is_ascii_letter(t[l - 1])) --l;
  if (digits_start - l > 8) return false;
  std::string word;
  for (std::size_t k = l; k < digits_start; ++k)
    word += static_cast<char>(t[k] >= U'A' && t[k] <= U'Z' ? t[k] - U'A' + U'a' : t[k]);
  static constexpr std::array<std::string_view, 13> words{
      "v",      "vx",  "wx",   "weixin", "wechat", "tel", "phone",
      "mobile", "mob", "cell", "call",   "dh",     "sj"};
  return std::find(words.begin(), words.end(), word) != words.end();
}

// Each character's digit value. Without `spelled`: ASCII and full-width digits. With it: only the
// runs of digit characters that hold a Chinese numeral and are at least seven long (a phone
// number spelled out, 一三八零零一三八零零零), so 一三五发货 and 两三件 stay text. The two are
// read separately, so a word after a number (13800138000一下, 两个) never spoils the number.
std::vector<int> digit_values(const std::u32string& t, bool spelled) {
  std::vector<int> dv(t.size(), -1);
  for (std::size_t i = 0; i < t.size();) {
    std::size_t j = i;
    bool chinese = false;
    while (j < t.size() && (text::digit_value(t[j]) >= 0 || core::chinese_digit(t[j]) >= 0)) {
      chinese = chinese || text::digit_value(t[j]) < 0;
      ++j;
    }
    const bool take = spelled ? chinese && j - i >= 7 : true;
    for (std::size_t k = i; k < j && take; ++k) {
      const int d = text::digit_value(t[k]);
      dv[k] = d >= 0 ? d : (spelled ? core::chinese_digit(t[k]) : -1);
    }
    i = j > i ? j : i + 1;
  }
  return dv;
}

void find_numbers(const std::u32string& t, std::vector<found>& out, bool spelled) {
  const std::vector<int> dv = digit_values(t, spelled);
  const auto digit = [&](std::size_t i) { return i < t.size() && dv[i] >= 0; };
  std::size_t i = 0;
  while (i < t.size()) {
    if (!digit(i)) {
      ++i;
      continue;
    }
    // A run of digit groups separated by at most three separator characters.
    std::vector<digit_group> groups;
    std::size_t pos = i;
    for (;;) {
      digit_group g{pos, pos, {}};
      while (digit(pos)) g.digits += static_cast<char>('0' + dv[pos++]);
      g.end = pos;
      const bool x_tail = pos < t.size() && (t[pos] == U'X' || t[pos] == U'x') &&
                          !(pos + 1 < t.size() && is_ascii_alnum(t[pos + 1]));
      if (x_tail) {
        g.digits += 'X';
        g.end = ++pos;
      }
      groups.push_back(std::move(g));
      if (x_tail) break;
      std::size_t q = pos;
      while (q < t.size() && q - pos < 3 && number_separator(t[q])) ++q;
      if (q == pos || !digit(q)) break;
      pos = q;
    }
    const std::size_t token_end = groups.back().end;

    // Digits glued to letters are model or tracking numbers (SF1234…),
    // unless the letters say phone (vx, Tel) or a phone cue comes before
    // (手机:13800138000abc); digits joined by a point, colon or slash are
    // prices, times and dates; a currency sign makes a price.
    std::size_t first = 0, last = groups.size();
    if (i > 0) {
      const char32_t c = t[i - 1];
      if ((is_ascii_letter(c) && !contact_prefix(t, i)) || one_of(c, U"¥￥$_") ||
          (joins_digits(c) && digit(i - 2)))
        first = 1;
    }
    if (token_end < t.size()) {
      const char32_t c = t[token_end];
      const bool letter_after = is_ascii_letter(c) &&
                                !(first == 0 && i > 0 && contact_prefix(t, i)) &&
                                nearest_cue(t, i) != cue::phone;
      if (letter_after || one_of(c, U"%％_@") || (joins_digits(c) && digit(token_end + 1)))
        last = groups.size() - 1;
    }

    // One letter glued to a mobile number (a13800138000, 13800138000k) is a disguise, not a
    // code: it is masked all the same. Two or more (SF, iPhone, abc) make a code.
    const auto one_letter = [&](std::size_t at, int step) {
      const auto k = static_cast<std::ptrdiff_t>(at);
      const auto inside = [&](std::ptrdiff_t x) {
        return x >= 0 && x < static_cast<std::ptrdiff_t>(t.size());
      };
      return inside(k) && is_ascii_letter(t[static_cast<std::size_t>(k)]) &&
             !(inside(k + step) && is_ascii_letter(t[static_cast<std::size_t>(k + step)]));
    };
    if (first == 1 && i > 0 && one_letter(i - 1, -1) && mobile(groups.front().digits)) first = 0;
    if (last + 1 == groups.size() && one_letter(token_end, 1) && mobile(groups.back().digits))
      last = groups.size();

    // The longest run of whole groups that is something, from left to right.
    std::size_t g = first;
    while (g < last) {
      bool matched = false;
      const cue c = nearest_cue(t, groups[g].start);
      // Nothing is longer than 19 digits, so at most 19 groups are tried:
      // a long run of single digits stays linear.
      std::size_t reach = g, digits = 0;
      while (reach < last && digits + groups[reach].digits.size() <= 19)
        digits += groups[reach++].digits.size();
      for (std::size_t h = reach; h > g; --h) {
        std::string d;
        for (std::size_t k = g; k < h; ++k) d += groups[k].digits;
        // An X only ends a number: inside a run it is not a check digit.
        if (d.find('X') != std::string::npos && d.back() != 'X') continue;
        const auto m = classify(d, c);
        if (!m) continue;
        std::u32string r;
        std::size_t idx = 0;
        for (std::size_t p = groups[g].start; p < groups[h - 1].end; ++p) {
          const bool is_digit = dv[p] >= 0 || t[p] == U'X' || t[p] == U'x';
          if (!is_digit) {
            r += t[p];
            continue;
          }
          const bool keep = idx < m->keep_head || idx + m->keep_tail >= d.size();
          r += keep ? t[p] : U'*';
          ++idx;
        }
        out.push_back({m->kind, groups[g].start, groups[h - 1].end, std::move(r)});
        g = h;
        matched = true;
        break;
      }
      if (!matched) ++g;
    }
    i = token_end;
  }
}

// ---------------------------------------------------------------- names

constexpr std::array<std::u32string_view, 9> name_cues{U"我的名字是", U"名字叫", U"名字是",
                                                       U"我叫",       U"姓名",   U"收件人",
                                                       U"收货人",     U"联系人", U"寄件人"};

// Not part of a name written after a cue: particles, pronouns and the words
// that usually come next (电话, 地址, 先生, …).
bool name_breaker(const std::u32string& t, std::size_t k) {
  if (one_of(t[k], U"的了吗呢啊吧呀哦和与跟在住是我你您他她要想会就也都还请帮谢")) return true;
  return any_at(t, k,
                {U"电话", U"手机", U"号码", U"地址", U"联系", U"收件", U"收货", U"身份", U"先生",
                 U"女士", U"小姐", U"邮箱", U"微信", U"姓名", U"名字", U"信息"});
}

// Words that can follow a cue but do not start a name (收件人改成…, 姓名怎么填).
// Only checked at the start: 可, 能, 有 … are fine inside a given name.
bool not_a_name_start(char32_t c) {
  return one_of(c, U"不没怎什哪改填写需应可能该这那有");
}

void find_cued_names(const std::u32string& t, std::vector<found>& out) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::size_t s = 0;
    for (auto w : name_cues) {
      if (at(t, i, w)) {
        s = i + w.size();
        break;
      }
    }
    if (s == 0) continue;
    while (s < t.size() && one_of(t[s], U":： \u3000")) ++s;
    if (s < t.size() && one_of(t[s], U"是为叫")) ++s;
    while (s < t.size() && one_of(t[s], U":： \u3000")) ++s;
    if (s >= t.size()) break;

    std::size_t e = s;
    if (is_cjk(t[s]) && !not_a_name_start(t[s])) {
      // 收货人张三浙江省…: the name also stops where a province starts.
      while (e < t.size() && e - s < 4 && is_cjk(t[e]) && !name_breaker(t, e) &&
             !(e > s && region_at(t, e)))
        ++e;
    } else if (is_ascii_letter(t[s])) {
      while (e < t.size() && e - s < 20 && is_ascii_letter(t[e])) ++e;
    }
    if (e - s < 2) continue;  // no name here; a later cue may still start at s
    out.push_back({pii_kind::name, s, e, name_mask(t, s, e)});
    i = e - 1;
  }
}

void find_profile_names(const std::u32string& t, const mask_options& options,
                        std::vector<found>& out) {
  for (const auto& raw : options.names) {
    std::u32string name = text::decode(raw);
    while (!name.empty() && text::is_space(name.back())) name.pop_back();
    std::size_t lead = 0;
    while (lead < name.size() && text::is_space(name[lead])) ++lead;
    name.erase(0, lead);
    if (name.size() < 2) continue;
    for (std::size_t p = t.find(name); p != std::u32string::npos; p = t.find(name, p + name.size()))
      out.push_back({pii_kind::name, p, p + name.size(), name_mask(t, p, p + name.size())});
  }
}

// ---------------------------------------------------------------- together

int priority(pii_kind k) {
  switch (k) {
    case pii_kind::email:
      return 0;
    case pii_kind::address:
      return 1;
    case pii_kind::name:
      return 3;
    default:
      return 2;
  }
}

// Picks non-overlapping spans: e-mail first, then addresses (a phone inside a
// masked address is hidden already), numbers, and names last; a name that
// runs into a span taken before is cut short. Within a kind, earlier and then
// longer wins.
std::vector<found> find_all(const std::u32string& t, const mask_options& options) {
  std::vector<found> all;
  find_emails(t, all);
  find_spelled_emails(t, all);
  find_addresses(t, all);
  find_numbers(t, all, false);
  find_numbers(t, all, true);
  find_cued_names(t, all);
  find_profile_names(t, options, all);
  std::stable_sort(all.begin(), all.end(), [](const found& a, const found& b) {
    if (priority(a.kind) != priority(b.kind)) return priority(a.kind) < priority(b.kind);
    if (a.start != b.start) return a.start < b.start;
    return a.end - a.start > b.end - b.start;
  });

  std::vector<bool> taken(t.size(), false);
  std::vector<found> chosen;
  for (auto& f : all) {
    if (f.start >= f.end) continue;
    std::size_t free_end = f.start;
    while (free_end < f.end && !taken[free_end]) ++free_end;
    if (free_end != f.end) {
      if (f.kind != pii_kind::name || free_end - f.start < 2) continue;
      f.end = free_end;
      f.replacement = name_mask(t, f.start, f.end);
    }
    std::fill(taken.begin() + static_cast<std::ptrdiff_t>(f.start),
              taken.begin() + static_cast<std::ptrdiff_t>(f.end), true);
    chosen.push_back(std::move(f));
  }
  std::sort(chosen.begin(), chosen.end(),
            [](const found& a, const found& b) { return a.start < b.start; });
  return chosen;
}

std::u32string replace_spans(const std::u32string& t, const std::vector<found>& spans) {
  std::u32string out;
  out.reserve(t.size());
  std::size_t pos = 0;
  for (const auto& s : spans) {
    out.append(t, pos, s.start - pos);
    out += s.replacement;
    pos = s.end;
  }
  out.append(t, pos, std::u32string::npos);
  return out;
}

// Where code point `o` of the original lands in the masked text. An offset
// strictly inside a span moves to the span's start, or to its end when it
// ends a range, so a marked range still covers what it covered.
std::size_t map_offset(const std::vector<found>& spans, std::size_t o, bool range_end) {
  std::ptrdiff_t shift = 0;
  for (const auto& s : spans) {
    const auto old_len = static_cast<std::ptrdiff_t>(s.end - s.start);
    const auto new_len = static_cast<std::ptrdiff_t>(s.replacement.size());
    if (o >= s.end) {
      shift += new_len - old_len;
      continue;
    }
    if (o > s.start) {
      const auto base = static_cast<std::ptrdiff_t>(s.start) + shift;
      return static_cast<std::size_t>(range_end ? base + new_len : base);
    }
    break;
  }
  return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(o) + shift);
}

std::optional<std::size_t> offset_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::size_t>(v->get_int64());
  if (v->is_uint64()) return static_cast<std::size_t>(v->get_uint64());
  return std::nullopt;
}

void mask_violations(json::object& holder, const std::u32string* original,
                     const std::u32string* masked, const std::vector<found>* spans,
                     const mask_options& options) {
  auto* verdict = holder.if_contains("verdict");
  if (!verdict || !verdict->is_object()) return;
  auto* violations = verdict->get_object().if_contains("violations");
  if (!violations || !violations->is_array()) return;
  for (auto& v : violations->get_array()) {
    auto* o = v.if_object();
    if (!o) continue;
    auto* excerpt = o->if_contains("excerpt");
    const auto start = offset_field(*o, "start");
    const auto end = offset_field(*o, "end");
    const bool mappable = original && start && end && *start <= *end && *end <= original->size();
    if (mappable) {
      const std::size_t ns = map_offset(*spans, *start, false);
      const std::size_t ne = map_offset(*spans, *end, true);
      const bool slice =
          excerpt && excerpt->is_string() &&
          std::string_view(excerpt->get_string()) ==
              text::encode(std::u32string_view(*original).substr(*start, *end - *start));
      // Both keys exist; writing through if_contains never inserts, so no
      // element moves and `excerpt` stays valid (operator[] may rehash).
      *o->if_contains("start") = static_cast<std::int64_t>(ns);
      *o->if_contains("end") = static_cast<std::int64_t>(ne);
      if (slice) {
        *excerpt = text::encode(std::u32string_view(*masked).substr(ns, ne - ns));
        continue;
      }
    }
    if (excerpt && excerpt->is_string())
      *excerpt = mask_text(std::string_view(excerpt->get_string()), options);
  }
}

void mask_entry(json::value& v, const mask_options& options) {
  auto* entry = v.if_object();
  if (!entry) return;
  auto* text_field = entry->if_contains("text");
  if (!text_field || !text_field->is_string()) {
    mask_violations(*entry, nullptr, nullptr, nullptr, options);
    return;
  }
  const std::u32string original = text::decode(std::string_view(text_field->get_string()));
  const std::vector<found> spans = find_all(original, options);
  const std::u32string masked = replace_spans(original, spans);
  *text_field = text::encode(masked);
  mask_violations(*entry, &original, &masked, &spans, options);
}

}  // namespace

std::vector<pii_span> find_pii(std::string_view text_in, const mask_options& options) {
  const std::u32string t = text::decode(text_in);
  std::vector<pii_span> out;
  for (auto& f : find_all(t, options))
    out.push_back({f.kind, f.start, f.end, text::encode(f.replacement)});
  return out;
}

std::string mask_text(std::string_view text_in, const mask_options& options) {
  const std::u32string t = text::decode(text_in);
  return text::encode(replace_spans(t, find_all(t, options)));
}

bool would_mask(std::string_view text_in, const mask_options& options) {
  return !find_all(text::decode(text_in), options).empty();
}

namespace {

// `options` with every name given after a cue in the transcript's texts added to its names.
mask_options with_transcript_names(const json::object& transcript, mask_options options) {
  for (std::string_view key : {"messages", "blocked"}) {
    const auto* list = transcript.if_contains(key);
    if (!list || !list->is_array()) continue;
    for (const auto& entry : list->get_array()) {
      const auto* o = entry.if_object();
      const auto* t = o ? o->if_contains("text") : nullptr;
      if (!t || !t->is_string()) continue;
      const std::u32string original = text::decode(std::string_view(t->get_string()));
      for (const auto& f : find_all(original, options)) {
        if (f.kind != pii_kind::name || f.end - f.start < 2) continue;
        std::string name = text::encode(original.substr(f.start, f.end - f.start));
        if (std::find(options.names.begin(), options.names.end(), name) == options.names.end())
          options.names.push_back(std::move(name));
      }
    }
  }
  return options;
}

}  // namespace

mask_options mask_transcript(json::object& transcript, const mask_options& options) {
  // A name the buyer gave once (收件人：李四) is masked wherever the chat repeats it (好的李四).
  const mask_options all = with_transcript_names(transcript, options);
  for (std::string_view key : {"messages", "blocked"}) {
    auto* list = transcript.if_contains(key);
    if (!list || !list->is_array()) continue;
    for (auto& entry : list->get_array()) mask_entry(entry, all);
  }
  return all;
}

}  // namespace kefu::qa
