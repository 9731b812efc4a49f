#include "server/core/compliance/engine.hpp"

#include "server/core/compliance/detectors.hpp"

#include <algorithm>
#include <functional>
#include <span>

namespace kefu::compliance {

// ---------------------------------------------------------------------------------------------
// chat_window

void chat_window::push(std::string_view text, role sender) {
  auto& q = recent_[static_cast<std::size_t>(sender)];
  if (depth_ == 0) return;
  q.push_back(decode_utf8(text));
  while (q.size() > depth_ + spare_) q.pop_front();
}

std::vector<std::u32string_view> chat_window::recent(role sender) const {
  auto const& q = recent_[static_cast<std::size_t>(sender)];
  std::vector<std::u32string_view> out;
  for (std::size_t i = q.size() > depth_ ? q.size() - depth_ : 0; i < q.size(); ++i)
    out.emplace_back(q[i]);
  return out;
}

void chat_window::withdraw(std::string_view text, role sender) {
  auto& q = recent_[static_cast<std::size_t>(sender)];
  auto const t = decode_utf8(text);
  for (auto it = q.rbegin(); it != q.rend(); ++it)
    if (*it == t) {
      q.erase(std::next(it).base());
      return;
    }
}

void chat_window::clear() {
  for (auto& q : recent_) q.clear();
}

// ---------------------------------------------------------------------------------------------
// engine construction

namespace {

constexpr std::uint32_t max_noise_gap = 3;  // noise units tolerated between two matched chars

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Digits spelled as words, English and pinyin, each packed into an integer (five letters at
// most) so that a lookup is a few integer compares.
constexpr std::uint64_t digit_word_key(std::u32string_view w) {
  std::uint64_t k = 0;
  for (char32_t c : w) k = k << 8 | (c & 0xFF);
  return k;
}
constexpr std::array<std::pair<std::u32string_view, char>, 25> digit_word_list = {{
    {U"zero", '0'},  {U"one", '1'},  {U"two", '2'},   {U"three", '3'}, {U"four", '4'},
    {U"five", '5'},  {U"six", '6'},  {U"seven", '7'}, {U"eight", '8'}, {U"nine", '9'},
    {U"ling", '0'},  {U"dong", '0'}, {U"yi", '1'},    {U"yao", '1'},   {U"er", '2'},
    {U"liang", '2'}, {U"san", '3'},  {U"si", '4'},    {U"wu", '5'},    {U"liu", '6'},
    {U"qi", '7'},    {U"guai", '7'}, {U"ba", '8'},    {U"jiu", '9'},   {U"gou", '9'},
}};
constexpr auto digit_words = [] {
  std::array<std::pair<std::uint64_t, char>, digit_word_list.size()> t{};
  for (std::size_t i = 0; i < t.size(); ++i)
    t[i] = {digit_word_key(digit_word_list[i].first), digit_word_list[i].second};
  return t;
}();

std::optional<engine::cue> cue_from_name(std::string_view n) {
  if (n == "wechat") return engine::cue::wechat;
  if (n == "qq") return engine::cue::qq;
  if (n == "alipay") return engine::cue::alipay;
  if (n == "bank") return engine::cue::bank;
  if (n == "pass") return engine::cue::pass;
  if (n == "price") return engine::cue::price;
  if (n == "share") return engine::cue::share;
  if (n == "share_copy") return engine::cue::share_copy;
  if (n == "messenger") return engine::cue::messenger;
  return std::nullopt;
}

}  // namespace

void engine::add_pattern(std::string_view phrase, tag t) {
  std::u32string const p = fold_pattern(phrase);
  int const id = ac_.add(p);
  if (id < 0) return;
  if (tags_.size() <= static_cast<std::size_t>(id)) {
    tags_.resize(static_cast<std::size_t>(id) + 1);
    latin_edge_.resize(static_cast<std::size_t>(id) + 1);
  }
  tags_[static_cast<std::size_t>(id)].push_back(t);
  auto const latin = [](char32_t c) { return is_ascii_alpha(c) || is_ascii_digit(c); };
  latin_edge_[static_cast<std::size_t>(id)] = latin(p.front()) || latin(p.back());
}

engine::engine(rule_pack const& pack, merchant_overrides const& ov) {
  std::string version = pack.version;
  if (!ov.merchant.empty() || !ov.version.empty()) {
    version += "+" + (ov.merchant.empty() ? std::string("merchant") : ov.merchant);
    if (!ov.version.empty()) version += "@" + ov.version;
  }
  version_ = pack_name(std::move(version));
  for (int c = 0; c < category_count; ++c) {
    auto const cat = static_cast<category>(c);
    actions_[static_cast<std::size_t>(c)] = ov.actions[static_cast<std::size_t>(c)]
                                                ? *ov.actions[static_cast<std::size_t>(c)]
                                                : pack.action_for(cat);
  }

  auto expand = [&](std::string const& s) -> std::vector<std::string> {
    if (!s.empty() && s[0] == '@') {
      auto it = pack.lexicon.find(s.substr(1));
      return it == pack.lexicon.end() ? std::vector<std::string>{} : it->second;
    }
    return {s};
  };

  for (auto const& r : pack.rules) {
    auto const idx = static_cast<std::int32_t>(rules_.size());
    rules_.push_back({r.id, r.cat, r.suggestion, !r.excused_by.empty()});
    for (auto const& w : r.excused_by)
      for (auto const& e : expand(w)) add_pattern(e, {tag::excuse, 0, idx});
    for (auto const& ph : r.phrases) {
      // "=滚": the phrase counts only as a clause of its own (滚！, 白嫖怪，滚), not inside words.
      if (ph.size() > 1 && ph[0] == '=') {
        add_pattern(std::string_view(ph).substr(1), {tag::phrase, tag::whole_clause, idx});
        continue;
      }
      for (auto const& e : expand(ph)) add_pattern(e, {tag::phrase, 0, idx});
    }
  }
  for (auto const& [cat, phrases] : ov.phrases) {
    auto const idx = static_cast<std::int32_t>(rules_.size());
    rules_.push_back({"merchant." + std::string(to_string(cat)), cat, {}});
    for (auto const& ph : phrases) add_pattern(ph, {tag::phrase, 0, idx});
  }
  for (auto const& c : pack.combos) {
    auto const idx = static_cast<std::int32_t>(combos_.size());
    combo_info info;
    info.rule = {c.id, c.cat, c.suggestion};
    info.max_gap = c.max_gap;
    info.parts = static_cast<std::uint8_t>(std::min<std::size_t>(c.parts.size(), 4));
    for (std::size_t k = 0; k < info.parts; ++k) {
      for (auto const& ph : c.parts[k]) {
        if (ph == "#number") {
          info.number_mask = static_cast<std::uint8_t>(info.number_mask | (1u << k));
          continue;
        }
        for (auto const& e : expand(ph))
          add_pattern(e, {tag::combo, static_cast<std::uint8_t>(k), idx});
      }
    }
    combos_.push_back(std::move(info));
  }
  for (auto const& a : pack.allow)
    for (auto const& e : expand(a)) add_pattern(e, {tag::allow, 0, 0});
  for (auto const& a : ov.allow_phrases) add_pattern(a, {tag::allow, 0, 0});
  for (auto const& a : pack.allow_inside)
    for (auto const& e : expand(a)) add_pattern(e, {tag::allow_inside, 0, 0});
  for (auto const& n : pack.negation.after)
    for (auto const& e : expand(n)) add_pattern(e, {tag::negator_after, 0, 0});
  for (auto const& n : pack.negation.negators)
    for (auto const& e : expand(n)) add_pattern(e, {tag::negator, 0, 0});
  for (auto const& n : pack.negation.not_negators)
    for (auto const& e : expand(n)) add_pattern(e, {tag::not_negator, 0, 0});
  for (auto const& n : pack.negation.cautions)
    for (auto const& e : expand(n)) add_pattern(e, {tag::caution, 0, 0});
  for (auto const& n : pack.negation.cautions_before)
    for (auto const& e : expand(n)) add_pattern(e, {tag::caution, tag::before_only, 0});
  for (auto const& n : pack.negation.cautions_sentence)
    for (auto const& e : expand(n)) add_pattern(e, {tag::caution, tag::sentence, 0});
  for (auto const& [name, list] : pack.cues) {
    auto const k = cue_from_name(name);
    if (!k) continue;
    for (auto const& item : list)
      for (auto const& e : expand(item))
        add_pattern(e, {tag::cue_hit, 0, static_cast<std::int32_t>(*k)});
  }
  for (auto const& [w, d] : digit_word_list)
    add_pattern(encode_utf8(w), {tag::cue_hit, 0, static_cast<std::int32_t>(cue::digit_word)});
  ac_.build();
  tags_.resize(ac_.pattern_count());

  for (char32_t c : decode_utf8(pack.negation.fillers)) {
    std::u32string f;
    fold_code_point(c, f);
    negation_fillers_ += f;
  }
  negation_gap_ = pack.negation.max_gap;
  for (auto c : pack.negation.categories)
    negatable_ = static_cast<std::uint16_t>(negatable_ | (1u << static_cast<unsigned>(c)));
  for (auto const& p : pack.courier_prefixes) couriers_.insert(fold_pattern(p));
  for (auto const& t : pack.tlds) {
    tlds_.insert(lower_ascii(t));
    tlds_alpha_ = tlds_alpha_ && !t.empty() && std::all_of(t.begin(), t.end(), [](char c) {
                    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
                  });
  }
  for (auto const& d : pack.allowed_domains) allowed_domains_.insert(lower_ascii(d));
  for (auto const& d : ov.allow_domains) allowed_domains_.insert(lower_ascii(d));
  for (auto const& s : pack.allowed_schemes) allowed_schemes_.insert(lower_ascii(s));
  for (auto const& l : pack.contact_links)
    app_links_.emplace_back(lower_ascii(l), category::contact);
  for (auto const& l : pack.payment_links)
    app_links_.emplace_back(lower_ascii(l), category::payment);
  // The platform's published contacts (its pack) and the merchant's registered ones alike.
  std::vector<std::string> officials = pack.official_contacts;
  officials.insert(officials.end(), ov.official_contacts.begin(), ov.official_contacts.end());
  for (auto const& c : officials) {
    std::string const norm = normalise_contact(c);
    if (norm.empty()) continue;
    official_.insert(norm);
    bool const domain_like = norm.find('.') != std::string::npos &&
                             norm.find('@') == std::string::npos &&
                             norm.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos;
    if (domain_like) allowed_domains_.insert(norm);
  }
  share_codes_ = pack.share_codes;
  if (auto it = pack.lexicon.find("platform_name"); it != pack.lexicon.end()) {
    constexpr char const* suffixes[] = {"官方",     "官方通知", "系统通知", "平台通知", "通知",
                                        "官方客服", "客服",     "小二",     "安全中心", "客服中心",
                                        "官方提醒", "温馨提示", "平台"};
    for (auto const& name : it->second) {
      std::u32string const f = fold_pattern(name);
      if (f.empty()) continue;
      // The name alone only when it is already official (快手官方); 【快手】 heads a product
      // title (【快手同款】 is one word further, so it is no header either).
      if (name.find("官方") != std::string::npos || name.find("平台") != std::string::npos)
        platform_headers_.insert(f);
      for (auto const* sfx : suffixes) platform_headers_.insert(f + fold_pattern(sfx));
    }
  }
  greeting_ = ov.greeting.empty() ? pack.greeting_template : ov.greeting;
  closing_ = pack.closing_template;
  greeting_mode_ = ov.greeting_mode;
}

// ---------------------------------------------------------------------------------------------
// one check

namespace {

struct span_hit {
  std::uint32_t b = 0;  // significant-unit index, inclusive
  std::uint32_t e = 0;  // exclusive
};

// The hits of a list whose end lies in [lo, hi]. Every hit list is filled in the order the
// automaton reports, by increasing end, so a lookup near a position is a binary search rather
// than a walk over the whole list (thousands of hits in a long message must not cost n²).
// Callers still test each hit exactly: the window only spares them the far ones, so a short
// list (the usual case) is handed over whole rather than searched.
std::span<span_hit const> ending_in(std::vector<span_hit> const& v, std::int64_t lo,
                                    std::int64_t hi) {
  if (v.size() <= 16) return v;
  auto const first = std::lower_bound(
      v.begin(), v.end(), lo,
      [](span_hit const& h, std::int64_t x) { return static_cast<std::int64_t>(h.e) < x; });
  auto const last = std::upper_bound(first, v.end(), hi, [](std::int64_t x, span_hit const& h) {
    return x < static_cast<std::int64_t>(h.e);
  });
  return {first, last};
}

// Unit ranges taken by detectors, asked whether anything overlaps a range: one mark per unit,
// so the question costs the length of the range asked about, however many were taken.
class unit_marks {
 public:
  void clear() { used_ = false; }
  void add(std::uint32_t b, std::uint32_t e, std::size_t units) {
    if (!used_) {
      mark_.assign(units, 0);
      used_ = true;
    }
    for (std::uint32_t k = b; k < e && k < mark_.size(); ++k) mark_[k] = 1;
  }
  bool overlaps(std::uint32_t b, std::uint32_t e) const {
    if (!used_) return false;
    for (std::uint32_t k = b; k < e && k < mark_.size(); ++k)
      if (mark_[k]) return true;
    return false;
  }

 private:
  std::vector<std::uint8_t> mark_;
  bool used_ = false;
};

struct pending_hit {
  engine::rule_info const* rule = nullptr;
  std::uint32_t b = 0;  // significant-unit range [b, e)
  std::uint32_t e = 0;
};

struct candidate {
  category cat = category::contact;
  // Rule ids and suggestions live in the engine or are literals: views, copied into the
  // verdict only for what is reported.
  std::string_view rule;
  std::string_view suggestion;
  std::uint32_t ub = 0;  // unit range [ub, ue)
  std::uint32_t ue = 0;
  bool detail = false;  // a concrete number / id / address rather than a phrase
  bool dropped = false;
  bool official = false;  // the merchant's registered contact: reported never, but it
                          // excuses the invitation around it (请加企业QQ 800012345)
};

// Characters that may sit between a contact cue (微信, qq …) and the id it introduces.
constexpr std::u32string_view id_filler =
    U"号码账帐户是为我的个人加搜索名叫称呢啊哦吧就直接请您你也都在上昵:";
// Between an id and a cue that follows it (abc123 是我微信).
constexpr std::u32string_view id_filler_after = U"是我的这个就加为";
// Brackets a disguised dot or at is written in: abc[at]163(.)com.
constexpr std::u32string_view bracket_open = U"([{（【〔<";
constexpr std::u32string_view bracket_close = U")]}）】〕>";
// A host's dots as they may be written, and the @ of an address.
constexpr std::u32string_view dot_marks = U".。点·";
constexpr std::u32string_view host_marks = U".。点·@";
// Between a pass cue (订单号 …) or a price cue and the number.
constexpr std::u32string_view pass_filler = U"是为号码的:编";

bool in(std::u32string_view set, char32_t c) {
  return set.find(c) != std::u32string_view::npos;
}

bool is_currency(char32_t c) {
  // Asked of every unit by some detectors: ideographs and ASCII letters leave at once.
  if (c < 0x80) return c == U'$';
  if (c > 0x20BF) return false;
  switch (c) {
    case U'¥':
    case U'$':
    case U'€':
    case U'£':
    case U'₤':
    case U'₳':
    case U'¢':
    case U'₴':
    case U'₰':
    case U'₵':
    case U'₭':
    case U'₲':
    case U'₱':
    case U'₮':
    case U'₩':
    case U'₸':
    case U'₹':
    case U'₺':
    case U'₼':
    case U'₽':
      return true;
    default:
      return false;
  }
}

bool attached_mark(char32_t c) {
  return (c >= 0xFE00 && c <= 0xFE0F) || c == 0x20E3 || (c >= 0x1F3FB && c <= 0x1F3FF) ||
         (c >= 0xE0100 && c <= 0xE01EF);
}

bool is_numeral(char32_t c) {
  return is_ascii_digit(c) || chinese_digit(c) >= 0 || in(U"十百千万拾佰仟", c);
}

// Quantity words right after a number make it a price, size, date or count.
constexpr std::u32string_view quantity_after =
    U"元块圆角毛刀折斤克米天年月日秒次件个人箱瓶条套台页张位岁期寸升包盒袋双对份单笔%℃";

}  // namespace

// Stable sort for the short lists one check produces: std::stable_sort would allocate a buffer on
// every call. Long lists (a pathological message) still go to std::stable_sort.
template <class V, class Less>
void stable_sort_small(V& v, Less less) {
  if (v.size() > 32) return std::stable_sort(v.begin(), v.end(), less);
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (!less(v[i], v[i - 1])) continue;
    auto x = std::move(v[i]);
    std::size_t j = i;
    for (; j > 0 && less(x, v[j - 1]); --j) v[j] = std::move(v[j - 1]);
    v[j] = std::move(x);
  }
}

struct digit_group {
  std::uint32_t first = 0, last = 0;  // unit indices, inclusive
};

// The labels of a dotted host, joined by '.'.
struct host_parse {
  std::string host;
  std::vector<std::uint32_t> starts;  // where each label starts in host
  std::uint32_t end = 0;              // unit after the last label

  void clear() {
    host.clear();
    starts.clear();
    end = 0;
  }
  std::size_t count() const noexcept { return starts.size(); }
  std::string_view label(std::size_t j) const noexcept {
    std::size_t const b = starts[j];
    std::size_t const e = j + 1 < starts.size() ? starts[j + 1] - 1 : host.size();
    return std::string_view(host).substr(b, e - b);
  }
};

// Per-thread buffers for one check, reused so a check allocates (almost) nothing.
struct scan_scratch {
  host_parse host;
  std::u32string id_buf;
  std::vector<digit_group> groups;
  std::string digits;
  std::vector<std::size_t> offsets;
  folded_text ft;
  std::vector<span_hit> allow;
  std::vector<span_hit> allow_inside;
  std::vector<span_hit> negators;
  std::vector<span_hit> negators_after;
  std::vector<span_hit> not_negators;
  std::vector<span_hit> cautions;
  std::vector<span_hit> cautions_before;
  std::vector<span_hit> cautions_sentence;
  std::vector<std::pair<std::int32_t, span_hit>> excuses;  // rule index, span
  std::array<std::vector<span_hit>, static_cast<std::size_t>(engine::cue::count_)> cues;
  std::vector<std::pair<std::int32_t, span_hit>> phrases;
  std::vector<std::array<std::vector<span_hit>, 4>> combo_parts;
  std::vector<std::uint8_t> combo_hit;    // per combo: some part matched in this check
  std::vector<std::uint32_t> combos_hit;  // those combos, to clear only what was used
  std::vector<candidate> out;
  unit_marks claimed;
  unit_marks consumed;
  std::vector<pending_hit> pending;
  std::vector<ac_matcher::match> raw;  // what the automaton reported, before any filter
  std::vector<std::uint32_t> denied_ends;
  std::vector<std::uint32_t> solicits;  // check(): invitation candidates, by start

  void reset(std::size_t combos) {
    allow.clear();
    allow_inside.clear();
    negators.clear();
    negators_after.clear();
    not_negators.clear();
    cautions.clear();
    cautions_before.clear();
    cautions_sentence.clear();
    excuses.clear();
    for (auto& c : cues) c.clear();
    phrases.clear();
    if (combo_parts.size() < combos) {
      combo_parts.resize(combos);
      combo_hit.resize(combos);
    }
    for (auto ci : combos_hit) {
      for (auto& p : combo_parts[ci]) p.clear();
      combo_hit[ci] = 0;
    }
    combos_hit.clear();
    out.clear();
    claimed.clear();
    consumed.clear();
    pending.clear();
  }
};

struct scan_state {
  engine const& eng;
  folded_text const& ft;
  scratch_vector<unit> const& U;
  scratch_vector<std::uint32_t> const& sig;
  scratch_vector<std::int32_t> const& sig_of_unit;  // unit → significant index, -1 for noise
  std::vector<span_hit>& allow;
  std::vector<span_hit>& allow_inside;
  std::vector<span_hit>& negators;
  std::vector<span_hit>& negators_after;
  std::vector<span_hit>& not_negators;
  std::vector<span_hit>& cautions;
  std::vector<span_hit>& cautions_before;
  std::vector<span_hit>& cautions_sentence;
  std::vector<std::pair<std::int32_t, span_hit>>& excuses;
  std::array<std::vector<span_hit>, static_cast<std::size_t>(engine::cue::count_)>& cues;
  std::vector<std::pair<std::int32_t, span_hit>>& phrases;         // rule index, span
  std::vector<std::array<std::vector<span_hit>, 4>>& combo_parts;  // per combo
  std::vector<std::uint8_t>& combo_hit;
  std::vector<std::uint32_t>& combos_hit;
  std::vector<candidate>& out;
  unit_marks& claimed;                // unit ranges of details
  unit_marks& consumed;               // inside URLs / domains
  std::vector<pending_hit>& pending;  // phrase and combo hits awaiting the negation pass
  // Scratch of the number detector, reused from run to run.
  using group = digit_group;
  std::vector<group>& groups_;
  std::string& digits_;
  std::vector<std::size_t>& offsets_;
  host_parse& hp_;
  std::u32string& id_buf_;
  std::vector<ac_matcher::match>& raw_;
  std::vector<std::uint32_t>& denied_ends_;

  scan_state(engine const& e, scan_scratch& s)
      : eng(e),
        ft(s.ft),
        U(s.ft.units),
        sig(s.ft.sig),
        sig_of_unit(s.ft.sig_of),
        allow(s.allow),
        allow_inside(s.allow_inside),
        negators(s.negators),
        negators_after(s.negators_after),
        not_negators(s.not_negators),
        cautions(s.cautions),
        cautions_before(s.cautions_before),
        cautions_sentence(s.cautions_sentence),
        excuses(s.excuses),
        cues(s.cues),
        phrases(s.phrases),
        combo_parts(s.combo_parts),
        combo_hit(s.combo_hit),
        combos_hit(s.combos_hit),
        out(s.out),
        claimed(s.claimed),
        consumed(s.consumed),
        pending(s.pending),
        groups_(s.groups),
        digits_(s.digits),
        offsets_(s.offsets),
        hp_(s.host),
        id_buf_(s.id_buf),
        raw_(s.raw),
        denied_ends_(s.denied_ends) {
    s.reset(e.combos_.size());
  }

  char32_t sc(std::uint32_t s) const { return ft.sig_chars[s]; }

  [[gnu::always_inline]] bool unit_is_alpha(std::ptrdiff_t u) const {
    return u >= 0 && u < static_cast<std::ptrdiff_t>(U.size()) &&
           U[static_cast<std::size_t>(u)].kind == unit_kind::sig &&
           is_ascii_alpha(U[static_cast<std::size_t>(u)].c);
  }
  [[gnu::always_inline]] bool unit_is_digit(std::ptrdiff_t u) const {
    return u >= 0 && u < static_cast<std::ptrdiff_t>(U.size()) &&
           U[static_cast<std::size_t>(u)].kind == unit_kind::sig &&
           (is_ascii_digit(U[static_cast<std::size_t>(u)].c) ||
            ft.digit[static_cast<std::size_t>(u)] >= 0);
  }
  [[gnu::always_inline]] bool unit_is_alnum(std::ptrdiff_t u) const {
    return unit_is_alpha(u) || unit_is_digit(u);
  }
  [[gnu::always_inline]] char32_t uc(std::ptrdiff_t u) const {
    return (u >= 0 && u < static_cast<std::ptrdiff_t>(U.size())) ? U[static_cast<std::size_t>(u)].c
                                                                 : 0;
  }

  // The Latin word (letters written together) starting at significant index k, empty when there
  // is none or it is longer than eight letters (no word the detectors look for is; the bound keeps
  // a long run of letters from being read again at every position). The letters are contiguous
  // in sig_chars: a view, nothing copied.
  std::u32string_view latin_word(std::uint32_t k) const {
    constexpr std::uint32_t longest_word = 8;
    std::uint32_t j = k;
    while (j < sig.size() && is_ascii_alpha(sc(j)) && (j == k || sig[j] == sig[j - 1] + 1) &&
           j - k <= longest_word)
      ++j;
    if (j - k > longest_word) return {};
    return {ft.sig_chars.data() + k, j - k};
  }

  // Length of a Latin filler word (id, is, no, hao …) starting at significant index k, else 0.
  std::uint32_t ascii_filler_len(std::uint32_t k) const {
    if (unit_is_alpha(static_cast<std::ptrdiff_t>(sig[k]) - 1)) return 0;
    static constexpr std::array<std::u32string_view, 7> words = {
        U"id", U"is", U"no", U"hao", U"num", U"number", U"account"};
    std::u32string_view const w = latin_word(k);
    return !w.empty() && std::find(words.begin(), words.end(), w) != words.end()
               ? static_cast<std::uint32_t>(w.size())
               : 0;
  }

  // The Latin word starting at significant index k is one of `words`, not run on into digits.
  template <std::size_t N>
  bool ascii_word_in(std::uint32_t k, std::array<std::u32string_view, N> const& words) const {
    std::u32string_view const w = latin_word(k);
    if (w.empty()) return false;
    auto const j = k + static_cast<std::uint32_t>(w.size());
    if (j < sig.size() && sig[j] == sig[j - 1] + 1 && is_ascii_digit(sc(j))) return false;
    return std::find(words.begin(), words.end(), w) != words.end();
  }

  // Noise units between significant indices a and a+1.
  std::uint32_t noise_between(std::uint32_t a) const { return sig[a + 1] - sig[a] - 1; }

  bool gaps_ok(std::uint32_t b, std::uint32_t e) const {
    // No more noise inside the whole span than one gap may hold: every gap is within bounds.
    if (sig[e - 1] - sig[b] - (e - 1 - b) <= max_noise_gap) return true;
    for (std::uint32_t k = b; k + 1 < e; ++k)
      if (noise_between(k) > max_noise_gap && gap_weight(k) > max_noise_gap) return false;
    return true;
  }
  // The noise between significant indices a and a+1 as it was typed: one per original
  // character (… folds to three dots, 私下……交易 has two), one for a mark repeated, and one for
  // a whole run of spaces, line breaks and message joints (私下    交易, 高\r\n\r\n仿).
  std::uint32_t gap_weight(std::uint32_t a) const {
    std::uint32_t n = 0;
    bool in_space = false;
    std::uint32_t last_src = ~0u;
    for (std::uint32_t u = sig[a] + 1; u < sig[a + 1]; ++u) {
      unit const& x = U[u];
      if (x.kind == unit_kind::boundary || in(U" \t\r\n", x.c)) {
        n += in_space ? 0 : 1;
        in_space = true;
        continue;
      }
      in_space = false;
      // A mark typed again and again (私下，，，，交易) is one.
      if (x.src != last_src && !(u > sig[a] + 1 && U[u - 1].c == x.c)) ++n;
      last_src = x.src;
    }
    return n;
  }

  // Latin and digit edges of a pattern must not run into more letters / digits (vx ≠ vxyz).
  bool edges_ok(std::uint32_t b, std::uint32_t e) const {
    char32_t const first = sc(b), last = sc(e - 1);
    auto const ub = static_cast<std::ptrdiff_t>(sig[b]);
    auto const ue = static_cast<std::ptrdiff_t>(sig[e - 1]);
    if (is_ascii_alpha(first) && unit_is_alpha(ub - 1)) return false;
    if (is_ascii_alpha(last) && unit_is_alpha(ue + 1)) return false;
    if (is_ascii_digit(first) && (unit_is_digit(ub - 1) || is_currency(uc(ub - 1)))) return false;
    if (is_ascii_digit(last)) {
      if (unit_is_digit(ue + 1)) return false;
      if (uc(ue + 1) == '.' && unit_is_digit(ue + 2)) return false;
      // 1688元, and 1688 元 with a space or two before the unit.
      auto a = ue + 1;
      while (a < ue + 3 && uc(a) == ' ') ++a;
      if (a < static_cast<std::ptrdiff_t>(U.size()) && in(quantity_after, uc(a))) return false;
    }
    return true;
  }

  // Look-alike words (生日 against 日你) excuse any hit they overlap; a payment method
  // (微信支付) excuses only what lies inside it, not 加我微信 running into it.
  // Latin letters glued to digits or joined by - _ / to more letters and digits are a model or
  // part code (SB-200, sb200), not a word.
  bool in_code(std::uint32_t b, std::uint32_t e) const {
    auto const ub = static_cast<std::ptrdiff_t>(sig[b]);
    auto const ue = static_cast<std::ptrdiff_t>(sig[e - 1]);
    // The unit next to the phrase (step -1 before, +1 after) is of the other kind (a digit
    // after letters, a letter after digits), or - _ / joins it to more letters and digits.
    auto joined = [&](std::ptrdiff_t next, int step, bool letters) {
      if (letters ? unit_is_digit(next) : unit_is_alpha(next)) return true;
      return in(U"-_/", uc(next)) && unit_is_alnum(next + step);
    };
    if ((is_ascii_alpha(sc(e - 1)) && joined(ue + 1, 1, true)) ||
        (is_ascii_alpha(sc(b)) && joined(ub - 1, -1, true)))
      return true;
    // A phrase that is a number (1688) glued to letters, or joined by - _ / to letters and
    // digits, is part of a model code (KS-1688, ks1688, 1688-A), and before 款 it counts styles
    // (有1688款商品): no marketplace either way.
    for (std::uint32_t k = b; k < e; ++k)
      if (!is_ascii_digit(sc(k))) return false;
    return joined(ub - 1, -1, false) || joined(ue + 1, 1, false) || uc(ue + 1) == U'款';
  }

  // The longest pattern: a hit ending at e started no earlier than e - longest.
  std::int64_t longest() const { return eng.ac_.max_length(); }

  // `phrase`: the hit is one phrase, which an allow entry strictly inside it does not excuse
  // (不加微信不给优惠 says more than the denial 不加微信 it contains).
  bool allowed(std::uint32_t b, std::uint32_t e, bool phrase = false) const {
    for (auto const& a : ending_in(allow, std::int64_t{b} + 1, std::int64_t{e} + longest()))
      if (a.b < e && b < a.e && !(phrase && b <= a.b && a.e <= e && a.e - a.b < e - b)) return true;
    for (auto const& a : ending_in(allow_inside, e, std::int64_t{b} + longest()))
      if (a.b <= b && e <= a.e) return true;
    return false;
  }

  // Whether a clause ends between significant indices a (exclusive end of the first part) and
  // b (start of the next): a comma, full stop, question mark … or the joint of two messages.
  // A denial reaches along its own clause only (没有，加我微信 is not a denial).
  bool clause_break(std::uint32_t a, std::uint32_t b) const { return clause_breaks(a, b) > 0; }

  // Significant range [b, e) is a clause of its own: the text, a message or a clause starts
  // right before it and ends right after it.
  bool whole_clause(std::uint32_t b, std::uint32_t e) const {
    return (b == 0 || clause_break(b, b)) && (e >= sig.size() || clause_break(e, e));
  }

  // `over_apps`: the denied phrase is a payment, which may name its app in between.
  bool negated(std::uint32_t b, bool over_apps) const {
    for (auto const& n :
         ending_in(negators, std::int64_t{b} - eng.negation_gap_ - (over_apps ? app_reach : 0), b))
      if (fillers_only(n.e, b, over_apps) && n.e > 0 &&
          sig[b] - sig[n.e - 1] - 1 - (b - n.e) <= max_noise_gap && !not_negator(n))
        return true;
    return false;
  }
  // 不过 ("but"), 不仅, 要不 ("how about") …: a negator inside one of these denies nothing.
  bool not_negator(span_hit const& n) const {
    // It contains the negator and more, on either side (不过 after it, 要不 before it).
    for (auto const& m : ending_in(not_negators, n.e, std::int64_t{n.b} + longest()))
      if (m.b <= n.b && n.e <= m.e && (m.e > n.e || m.b < n.b)) return true;
    return false;
  }

  // A denial after the phrase, in the same clause with only fillers between: 高仿品我们一律不卖.
  bool negated_after(std::uint32_t e, bool over_apps) const {
    for (auto const& n : ending_in(negators_after, std::int64_t{e} + 1,
                                   std::int64_t{e} + eng.negation_gap_ + longest())) {
      // The denial closes its clause (不卖 / 不卖的 / 不卖，…); 不卖给别人只卖给你 is no denial.
      bool const closes =
          n.e >= sig.size() || clause_break(n.e, n.e) || in(U"的了哦呢啊哈吧呀滴", sc(n.e));
      if (closes && fillers_only(e, n.b, over_apps)) return true;
    }
    return false;
  }

  // Joints and noise characters of `marks` between significant indices a (exclusive end) and b
  // (start), counted up to `limit`.
  int breaks_between(std::uint32_t a, std::uint32_t b, std::u32string_view marks, int limit) const {
    if (a == 0 || b >= sig.size() || a > b) return 0;
    int n = 0;
    for (std::uint32_t u = sig[a - 1] + 1; u < sig[b] && n < limit; ++u)
      if (U[u].kind == unit_kind::boundary || (U[u].kind == unit_kind::noise && in(marks, U[u].c)))
        ++n;
    return n;
  }
  // A full stop, a question or an exclamation mark, a line break or a joint between a and b.
  bool sentence_break(std::uint32_t a, std::uint32_t b) const {
    return breaks_between(a, b, U".!?\n。！？", 1) > 0;
  }
  // Clause breaks between a and b, counted up to 2.
  int clause_breaks(std::uint32_t a, std::uint32_t b) const {
    return breaks_between(a, b, U",.!?;:\n。！？；：…~", 2);
  }

  // A warning word (诈骗, 冒充, 无法保障) before the phrase in its clause, or after it in its
  // clause: 骗子常说"加微信给您退款" warns against what it quotes. In the next clause only a
  // verdict on it counts (…，千万别信 / 一定是诈骗 / 是没有保障的), not a word that merely names
  // fraud (加我微信聊，诈骗的都是别人). One that is itself denied (不是骗子, 没有诈骗) warns of
  // nothing, and a joint between messages ends the reach: an earlier message's warning excuses
  // nothing new.
  bool cautioned(std::uint32_t b, std::uint32_t e) const {
    constexpr std::uint32_t reach = 16;
    // Before it, the warning governs what follows (冒充客服加您QQ, 骗子常说…) in the same clause
    // of the same message; a warning glued to the phrase (谨防诈骗V我50) is a sentence of its own.
    auto governs = [&](span_hit const& c) {
      return c.e < b && b - c.e <= reach && clause_breaks(c.e, b) == 0;
    };
    for (auto const& c :
         ending_in(cautions, std::int64_t{b} - reach, std::int64_t{e} + reach + longest())) {
      int const breaks_after = c.b >= e ? clause_breaks(e, c.b) : 2;
      bool const after =
          c.b >= e && c.b - e <= reach && !joined(e, c.b) &&
          (breaks_after == 0 || (breaks_after == 1 && (in(U"千不别一没无得那", sc(c.b)) ||
                                                       (sc(c.b) == U'是' && c.b + 1 < sig.size() &&
                                                        sc(c.b + 1) == U'不'))));  // 是不是骗子
      if ((governs(c) || after) && !negated(c.b, false)) return true;
    }
    for (auto const& c : ending_in(cautions_before, std::int64_t{b} - reach, b))
      if (governs(c)) return true;
    // 冒充…, 不法分子…: to the end of the sentence, within one message.
    constexpr std::uint32_t sentence_reach = 80;
    for (auto const& c : ending_in(cautions_sentence, std::int64_t{b} - sentence_reach, b))
      if (c.e <= b && !sentence_break(c.e, b) && !negated(c.b, false)) return true;
    return false;
  }
  // A message joint lies between significant indices a (exclusive end) and b.
  bool joined(std::uint32_t a, std::uint32_t b) const {
    if (a == 0 || b >= sig.size() || a > b) return false;
    for (std::uint32_t u = sig[a - 1] + 1; u < sig[b]; ++u)
      if (U[u].kind == unit_kind::boundary) return true;
    return false;
  }

  bool negatable(category c) const { return (eng.negatable_ >> static_cast<unsigned>(c)) & 1u; }

  // A cue of `kind` ending at most `max_fill` filler characters before significant index p.
  std::optional<span_hit> cue_before(engine::cue kind, std::uint32_t p, std::uint32_t max_fill,
                                     std::u32string_view filler) const {
    // Most texts have no cue of a kind: answered before anything is set up.
    if (cues[static_cast<std::size_t>(kind)].empty()) [[likely]]
      return std::nullopt;
    return cue_before_any(kind, p, max_fill, filler);
  }
  std::optional<span_hit> cue_before_any(engine::cue kind, std::uint32_t p, std::uint32_t max_fill,
                                         std::u32string_view filler) const {
    std::optional<span_hit> best;
    for (auto const& h :
         ending_in(cues[static_cast<std::size_t>(kind)], std::int64_t{p} - max_fill - 2, p)) {
      if (h.e > p || p - h.e > max_fill + 2) continue;
      std::uint32_t fill = 0;
      bool ok = true;
      for (std::uint32_t k = h.e; k < p && ok; ++k) {
        char32_t const c = sc(k);
        // Latin filler words between a cue and its value (微信id: …, wechat is …).
        if (auto const w = ascii_filler_len(k); w > 0 && k + w <= p) {
          k += w - 1;
          continue;
        }
        ok = in(filler, c) && ++fill <= max_fill;
      }
      if (!ok) continue;
      auto const noise = sig[p] - sig[h.e - 1] - 1 - (p - h.e);
      if (noise > 6) continue;
      if (!best || h.e > best->e) best = h;
    }
    return best;
  }

  // A cue of `kind` starting at most `max_fill` filler characters after significant index p.
  std::optional<span_hit> cue_after(engine::cue kind, std::uint32_t p, std::uint32_t max_fill,
                                    std::u32string_view filler) const {
    if (cues[static_cast<std::size_t>(kind)].empty()) [[likely]]
      return std::nullopt;
    for (auto const& h : ending_in(cues[static_cast<std::size_t>(kind)], std::int64_t{p} + 1,
                                   std::int64_t{p} + max_fill + longest())) {
      if (h.b < p || h.b - p > max_fill) continue;
      bool ok = true;
      for (std::uint32_t k = p; k < h.b && ok; ++k) ok = in(filler, sc(k));
      if (!ok) continue;
      if (p > 0 && sig[h.b] - sig[p - 1] - 1 - (h.b - p) > 4) continue;
      return h;
    }
    return std::nullopt;
  }

  void emit(category c, std::string_view rule, std::string_view suggestion, std::uint32_t ub,
            std::uint32_t ue, bool detail, bool is_official = false) {
    out.push_back({c, rule, suggestion, ub, ue, detail, false, is_official});
    if (detail) claimed.add(ub, ue, U.size());
  }
  bool is_claimed(std::uint32_t ub, std::uint32_t ue) const { return claimed.overlaps(ub, ue); }
  bool is_consumed(std::uint32_t ub, std::uint32_t ue) const { return consumed.overlaps(ub, ue); }
  bool official(std::u32string_view value) const {
    return !eng.official_.empty() && official(encode_utf8(value));
  }
  bool official(std::string const& value) const {
    return !value.empty() && !eng.official_.empty() &&
           eng.official_.count(normalise_contact(value)) > 0;
  }

  // -------------------------------------------------------------------------------------------
  void collect_hits() {
    for (auto const [pid, end] : raw_) {  // found while folding
      auto const e = end;
      auto const b = e - eng.ac_.pattern_length(pid);
      if (!gaps_ok(b, e)) continue;
      if (eng.latin_edge_[static_cast<std::size_t>(pid)] && !edges_ok(b, e)) continue;
      for (auto const& t : eng.tags_[static_cast<std::size_t>(pid)]) {
        switch (t.kind) {
          case engine::tag::phrase:
            if (t.part != engine::tag::whole_clause || whole_clause(b, e))
              phrases.push_back({t.index, {b, e}});
            break;
          case engine::tag::combo: {
            auto& parts = combo_parts[static_cast<std::size_t>(t.index)];
            // A later part counts only after a first part, which ends before it starts and so
            // was reported before it: without one (the common case for parts such as 买 or 聊)
            // there is nothing to keep.
            if (t.part > 0 && parts[0].empty() &&
                !(eng.combos_[static_cast<std::size_t>(t.index)].number_mask & 1u))
              break;
            parts[t.part].push_back({b, e});
            if (!combo_hit[static_cast<std::size_t>(t.index)]) {
              combo_hit[static_cast<std::size_t>(t.index)] = 1;
              combos_hit.push_back(static_cast<std::uint32_t>(t.index));
            }
            break;
          }
          case engine::tag::allow:
            allow.push_back({b, e});
            break;
          case engine::tag::allow_inside:
            allow_inside.push_back({b, e});
            break;
          case engine::tag::negator:
            negators.push_back({b, e});
            break;
          case engine::tag::negator_after:
            negators_after.push_back({b, e});
            break;
          case engine::tag::not_negator:
            not_negators.push_back({b, e});
            break;
          case engine::tag::caution:
            (t.part == engine::tag::before_only ? cautions_before
             : t.part == engine::tag::sentence  ? cautions_sentence
                                                : cautions)
                .push_back({b, e});
            break;
          case engine::tag::cue_hit:
            cues[static_cast<std::size_t>(t.index)].push_back({b, e});
            break;
          case engine::tag::excuse:
            excuses.push_back({t.index, {b, e}});
            break;
        }
      }
    }
  }

  void phrase_candidates() {
    for (auto const& [idx, h] : phrases) {
      auto const& r = eng.rules_[static_cast<std::size_t>(idx)];
      if (allowed(h.b, h.e, true)) continue;
      if (r.excusable && excused(idx, h.b)) continue;
      if (in_code(h.b, h.e)) continue;
      // A phrase that is a number (1688) after a price word is a price; before 起 (from), 号
      // (a house or day number) or 一套 / 一件 … (per set) it is an amount too.
      if (is_ascii_digit(sc(h.b)) && (cue_before(engine::cue::price, h.b, 3, pass_filler) ||
                                      amount_before(h.b) || amount_after(h.e)))
        continue;
      pending.push_back({&r, h.b, h.e});
    }
  }

  // 卖1688, 才1688, 仅1688: one character that makes the number after it a price. Only for
  // number phrases: before other numbers they would hide a phone (客服电话仅 4008001234).
  bool amount_before(std::uint32_t b) const {
    return b > 0 && sig[b] == sig[b - 1] + 1 && in(U"卖才仅只", sc(b - 1));
  }

  bool amount_after(std::uint32_t e) const {
    if (e >= sig.size() || sig[e] != sig[e - 1] + 1) return false;  // right after, no gap
    char32_t const c = sc(e);
    if (c == U'起' || c == U'号') return true;
    return c == U'一' && e + 1 < sig.size() && sig[e + 1] == sig[e] + 1 &&
           in(U"套件个盒箱瓶支双条张份台斤包袋次", sc(e + 1));
  }

  // Negation reaches along a list: 不支持转账或扫码付款 denies both.
  bool fillers_only(std::uint32_t from, std::uint32_t to, bool over_apps = false) const {
    auto const gap = static_cast<std::uint32_t>(eng.negation_gap_);
    if (to < from || to - from > gap + (over_apps ? app_reach : 0)) return false;
    if (clause_break(from, to)) return false;
    std::uint32_t fill = 0;
    for (std::uint32_t k = from; k < to; ++k) {
      // The name of a payment or contact app between the denial and the payment it denies
      // (不支持支付宝转账, 我们不接受微信转账, 不能通过微信或者QQ私下沟通) is what is refused,
      // not a new clause, and does not count against the gap.
      if (auto const e = over_apps ? app_name_at(k) : k; e > k && e <= to) {
        k = e - 1;
        continue;
      }
      if (!in(eng.negation_fillers_, sc(k)) || ++fill > gap) return false;
    }
    return true;
  }
  // How much further a denial reaches when app names stand between it and what it denies.
  static constexpr std::uint32_t app_reach = 8;
  // End of a payment or contact app's name starting at significant index k (k if none).
  std::uint32_t app_name_at(std::uint32_t k) const {
    std::uint32_t end = k;
    for (auto kind : {engine::cue::wechat, engine::cue::qq, engine::cue::alipay, engine::cue::bank})
      for (auto const& h : ending_in(cues[static_cast<std::size_t>(kind)], std::int64_t{k} + 1,
                                     std::int64_t{k} + longest()))
        if (h.b == k) end = std::max(end, h.e);
    return end;
  }

  void resolve_phrases() {
    stable_sort_small(pending,
                      [](pending_hit const& a, pending_hit const& b) { return a.b < b.b; });
    auto& denied_ends = denied_ends_;  // kept sorted: only ends just before p.b can reach it
    denied_ends.clear();
    for (auto const& p : pending) {
      bool denied = false;
      if (negatable(p.rule->cat)) {
        // A denial reaches over the apps a payment or an invitation names (不支持支付宝转账,
        // 加QQ、加微信都是不允许的).
        bool const over_apps = p.rule->cat == category::payment || p.rule->cat == category::solicit;
        denied = negated(p.b, over_apps) || negated_after(p.e, over_apps) ||
                 (p.rule->cat != category::exaggeration && cautioned(p.b, p.e));
        std::uint32_t const reach =
            static_cast<std::uint32_t>(eng.negation_gap_) + (over_apps ? app_reach : 0);
        auto it = std::lower_bound(denied_ends.begin(), denied_ends.end(),
                                   p.b > reach ? p.b - reach : 0u);
        for (; !denied && it != denied_ends.end() && *it <= p.b; ++it)
          denied = fillers_only(*it, p.b, over_apps);
      }
      if (denied) {
        denied_ends.insert(std::upper_bound(denied_ends.begin(), denied_ends.end(), p.e), p.e);
        continue;
      }
      emit(p.rule->cat, p.rule->id, p.rule->suggestion, sig[p.b], sig[p.e - 1] + 1, false);
    }
  }

  // A word of the rule's excused_by in the message that holds significant index p (one of the
  // window's earlier messages excuses nothing in another).
  bool excused(std::int32_t rule, std::uint32_t p) const {
    for (auto const& [r, h] : excuses)
      if (r == rule && !(h.e <= p ? joined(h.e, p) : p < h.b && joined(p + 1, h.b))) return true;
    return false;
  }

  // End (exclusive significant index) of a numeral starting within max_gap chars of p.
  std::optional<std::uint32_t> number_after(std::uint32_t p, int max_gap) const {
    for (std::uint32_t q = p; q < sig.size() && q <= p + static_cast<std::uint32_t>(max_gap); ++q) {
      if (!is_numeral(sc(q))) continue;
      std::uint32_t e = q + 1;
      while (e < sig.size() && is_numeral(sc(e)) && noise_between(e - 1) <= 1) ++e;
      // One Chinese numeral alone is a word more often than an amount (给我转一下).
      if (e == q + 1 && !is_ascii_digit(sc(q))) return std::nullopt;
      return e;
    }
    return std::nullopt;
  }

  // The furthest end of a combo's parts k.. after prev_end, each within max_gap of the last.
  std::optional<std::uint32_t> extend_combo(engine::combo_info const& info,
                                            std::array<std::vector<span_hit>, 4> const& parts,
                                            std::size_t k, std::uint32_t prev_end) const {
    if (k == info.parts) return prev_end;
    if ((info.number_mask >> k) & 1u) {
      if (auto e = number_after(prev_end, info.max_gap))
        return extend_combo(info, parts, k + 1, *e);
      return std::nullopt;
    }
    std::optional<std::uint32_t> best;
    for (auto const& h : ending_in(parts[k], std::int64_t{prev_end} + 1,
                                   std::int64_t{prev_end} + info.max_gap + longest())) {
      if (h.b < prev_end || h.b > prev_end + static_cast<std::uint32_t>(info.max_gap)) continue;
      if (prev_end > 0 && h.b < sig.size() &&
          sig[h.b] - sig[prev_end - 1] - 1 - (h.b - prev_end) > max_noise_gap)
        continue;
      if (auto r = extend_combo(info, parts, k + 1, h.e); r && (!best || *r > *best)) best = r;
    }
    return best;
  }

  void combo_candidates() {
    std::sort(combos_hit.begin(), combos_hit.end());  // the pack's order, whatever matched first
    for (std::size_t const ci : combos_hit) {
      auto const& info = eng.combos_[ci];
      auto const& parts = combo_parts[ci];
      if (parts[0].empty()) continue;
      // Every start is tried, overlapping ones too: in 没有，加我微信 the match from 有 is
      // denied by 没, the one from 加我 is not.
      for (auto const& h0 : parts[0]) {
        auto end = extend_combo(info, parts, 1, h0.e);
        if (!end) continue;
        if (allowed(h0.b, *end)) continue;
        pending.push_back({&info.rule, h0.b, *end});
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Numbers: phones, landlines, QQ, numeric WeChat ids, Alipay accounts, bank cards.

  // The letters right before unit u. They are significant units next to each other, so they
  // sit next to each other in sig_chars too: a view, nothing copied.
  std::u32string_view letters_before(std::uint32_t u) const {
    auto k = static_cast<std::ptrdiff_t>(u) - 1;
    while (unit_is_alpha(k) && ft.digit[static_cast<std::size_t>(k)] < 0) --k;
    auto const first = static_cast<std::size_t>(k + 1);
    if (first == u) return {};
    return {ft.sig_chars.data() + sig_of_unit[first], u - first};
  }
  bool letter_after(std::uint32_t u) const {
    auto const k = static_cast<std::ptrdiff_t>(u) + 1;
    return unit_is_alpha(k) && ft.digit[static_cast<std::size_t>(k)] < 0;
  }

  // The digit group starting at unit j has at most three digits.
  bool short_group_at(std::size_t j) const {
    std::size_t k = j;
    while (k < U.size() && U[k].kind == unit_kind::sig && ft.digit[k] >= 0 && k - j < 4) ++k;
    return k - j <= 3;
  }

  // Noise units allowed between two groups of one number: 139......1234 is one number.
  static constexpr std::size_t max_separator = 6;

  // An hour (1–2 digits, at most 24) before a colon and two-digit minutes after it, at unit j.
  bool time_like(group const& before, std::size_t j) const {
    std::uint32_t const len = before.last - before.first + 1;
    if (len > 2) return false;
    int hour = 0;
    for (auto u = before.first; u <= before.last; ++u) hour = hour * 10 + ft.digit[u];
    std::size_t k = j;
    int minutes = 0, count = 0;
    while (k < U.size() && U[k].kind == unit_kind::sig && ft.digit[k] >= 0 && count < 3) {
      minutes = minutes * 10 + ft.digit[k];
      ++count;
      ++k;
    }
    return hour <= 24 && count == 2 && minutes <= 59;
  }

  // The Chinese digit forms from unit k on are followed at once by a character that is no digit
  // (一直, 三点, 九点前): the start of a word, not more of the number.
  bool starts_word(std::size_t k) const {
    std::size_t j = k;
    while (j < U.size() && U[j].kind == unit_kind::sig && ft.digit[j] >= 0 &&
           !is_ascii_digit(U[j].c))
      ++j;
    return j < U.size() && U[j].kind == unit_kind::sig && ft.digit[j] < 0;
  }

  void numbers() {
    std::size_t const n = U.size();
    std::size_t i = 0;
    for (std::size_t const start : ft.digit_units) {
      if (start < i) continue;  // inside the run just read
      i = start;
      auto& groups = groups_;
      groups.clear();
      bool last_sep_dot = false;  // the last separator is a single '.'
      std::size_t k = i;
      groups.push_back({static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k)});
      ++k;
      while (k < n) {
        if (ft.digit[k] >= 0) {
          // Chinese digit forms right after Arabic digits that run on into a word (13800138000一直
          // 开机, 三点以后) start a new group, so the digits before them are tried on their own.
          if (!is_ascii_digit(U[k].c) && is_ascii_digit(U[k - 1].c) && starts_word(k)) {
            groups.push_back({static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k)});
            ++k;
            continue;
          }
          groups.back().last = static_cast<std::uint32_t>(k);
          ++k;
          continue;
        }
        // Separator: a few noise units, then a digit. A colon between an hour and two-digit
        // minutes ends the run (13:38 is a time); 139:1234:5678 is not one.
        std::size_t j = k;
        bool colon = false;
        while (j < n && U[j].kind != unit_kind::sig && j - k < max_separator) {
          colon = colon || U[j].c == ':';
          ++j;
        }
        if (colon && time_like(groups.back(), j)) break;
        // 1、3、5、7 or 139、159、189元: an enumeration of short numbers is a list, not one number.
        // Single digits listed one by one up to a phone's length (1、3、8、0、0、…) are one
        // number spelled out, not a list.
        if (j == k + 1 && U[k].c == U'、' && groups.back().last - groups.back().first < 3 &&
            short_group_at(j) && !spelled_digits(groups, j))
          break;
        if (j < n && j > k && ft.digit[j] >= 0 && U[j].kind == unit_kind::sig) {
          last_sep_dot = j == k + 1 && U[k].c == '.';
          groups.push_back({static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(j)});
          k = j + 1;
          continue;
        }
        // 139，中间1234，尾号5678: a mobile number told in parts, each named by its place.
        if (std::size_t const w = place_word(j, groups); w > 0) {
          std::size_t d = j + w;
          while (d < n && U[d].kind == unit_kind::noise && d - (j + w) < max_separator) ++d;
          if (d < n && ft.digit[d] >= 0 && U[d].kind == unit_kind::sig && is_ascii_digit(U[d].c)) {
            last_sep_dot = false;
            groups.push_back({static_cast<std::uint32_t>(d), static_cast<std::uint32_t>(d)});
            k = d + 1;
            continue;
          }
        }
        break;
      }
      i = groups.back().last + 1;
      run(groups, last_sep_dot);
    }
  }

  // Length of a word naming the place of the next part of a mobile number (中间, 尾号, 后四位 …)
  // at unit j, when the run so far starts like one (1 and two more digits); else 0.
  std::size_t place_word(std::size_t j, std::vector<group> const& groups) const {
    // Longer words first: the first that matches is taken.
    static constexpr std::array<std::u32string_view, 26> words = {
        U"中间四位是", U"最后四位是", U"中间四位", U"中间4位", U"最后四位", U"最后4位", U"后四位是",
        U"再后面是",   U"中间是",     U"尾号是",   U"后四位",  U"后4位是",  U"后4位",   U"后面是",
        U"最后是",     U"末尾是",     U"再后面",   U"然后是",  U"中间",     U"尾号",    U"末尾",
        U"后面",       U"然后",       U"接着",     U"最后",    U"和"};
    auto const& g = groups.front();
    if (ft.digit[g.first] != 1 || !is_ascii_digit(U[g.first].c)) return 0;
    if (groups.back().last - g.first < 2) return 0;
    // Turned away at once unless some word starts with the character at j.
    static constexpr auto firsts = [] {
      std::array<char32_t, words.size()> f{};
      for (std::size_t i = 0; i < f.size(); ++i) f[i] = words[i][0];
      return f;
    }();
    if (j >= U.size() || std::find(firsts.begin(), firsts.end(), U[j].c) == firsts.end()) return 0;
    for (auto const w : words) {
      if (j + w.size() > U.size()) continue;
      std::size_t x = 0;
      while (x < w.size() && U[j + x].kind == unit_kind::sig && U[j + x].c == w[x]) ++x;
      if (x == w.size()) return x;
    }
    return 0;
  }

  static bool single_digits(std::span<group const> groups) {
    return std::all_of(groups.begin(), groups.end(),
                       [](group const& g) { return g.first == g.last; });
  }
  // The run so far is single digits, and with those that follow unit j (single digits joined
  // by one 、 or . each) it holds at least ten: a number written digit by digit.
  bool spelled_digits(std::vector<group> const& groups, std::size_t j) const {
    constexpr std::size_t min_digits = 10;
    if (!single_digits(groups)) return false;
    std::size_t count = groups.size();
    std::size_t const n = U.size();
    while (count < min_digits && j < n && U[j].kind == unit_kind::sig && ft.digit[j] >= 0) {
      ++count;
      bool const single = j + 1 >= n || U[j + 1].kind != unit_kind::sig || ft.digit[j + 1] < 0;
      if (!single) return false;
      if (j + 2 >= n || !in(U"、.", U[j + 1].c)) break;
      j += 2;
    }
    return count >= min_digits;
  }

  // What run_once() found at the edges of a run: nothing to trim, or a first or last group that
  // belongs to a code (ok2 13800…, 13800138000ab), to be left out before the rest is read.
  enum class trim { none, first, last, tracking, labelled };

  // Digits at unit u joined by - _ / to letters in front (AB-13800138000, KF-35GW/…).
  bool code_joined(std::uint32_t u) const {
    return u >= 2 && in(U"-_/", U[u - 1].c) && unit_is_alpha(static_cast<std::ptrdiff_t>(u) - 2);
  }

  // Reads a run, leaving out what belongs to codes at its edges. Without recursion or copies:
  // a message of thousands of code-like groups (a-1o-1o-…) costs linear time, not a stack.
  void run(std::vector<group> const& all_groups, bool last_sep_dot) {
    std::span<group const> groups(all_groups);
    for (int pass = 0; pass < 4 && !groups.empty(); ++pass) {
      trim const t = run_once(groups, last_sep_dot);
      if (t == trim::none || groups.size() < 2) return;
      if (t == trim::last) {
        groups = groups.first(groups.size() - 1);
        last_sep_dot = false;
        continue;
      }
      if (t == trim::labelled) {
        // The label names the first number. A number after it that stands apart (past a clause
        // mark or a joint, or a long group of its own: 价格 99 13800138000) is read on its own;
        // the further blocks of a grouped order number (单号 2024 1380 0138 000) are not.
        std::size_t j = 1;
        while (j < groups.size() && !stands_apart(groups[j - 1], groups[j])) ++j;
        if (j == groups.size()) return;
        groups = groups.subspan(j);
        last_sep_dot = last_sep_dot && groups.size() >= 2;
        continue;
      }
      if (t == trim::tracking) {  // the blocks written one space apart
        std::size_t j = 1;
        while (j < groups.size() && groups[j].first == groups[j - 1].last + 2 &&
               U[groups[j].first - 1].c == ' ')
          ++j;
        groups = groups.subspan(j);
        continue;
      }
      // The code's group and every group chained to it by - _ / after a letter.
      std::size_t j = 1;
      while (j < groups.size() && code_joined(groups[j].first)) ++j;
      groups = groups.subspan(j);
    }
  }

  // Four groups of one to three digits up to 255 joined by single dots, and perhaps a port
  // after a colon: an IPv4 address (172.16.0.8, 183.60.12.3:443). Ten single digits between
  // dots (1.3.8.0.0.…) are a number spelled out, not an address.
  bool ipv4_address(std::span<group const> groups) const {
    if (groups.size() != 4 && groups.size() != 5) return false;
    for (std::size_t g = 0; g < 4; ++g) {
      auto const len = groups[g].last - groups[g].first + 1;
      if (len > 3) return false;
      int value = 0;
      for (auto u = groups[g].first; u <= groups[g].last; ++u) {
        if (!is_ascii_digit(U[u].c)) return false;
        value = value * 10 + ft.digit[u];
      }
      if (value > 255) return false;
      if (g > 0 && !(groups[g].first == groups[g - 1].last + 2 && U[groups[g].first - 1].c == '.'))
        return false;
    }
    return groups.size() == 4 ||
           (groups[4].first == groups[3].last + 2 && U[groups[4].first - 1].c == ':');
  }

  // A landline written with the country code (+86 or 0086), the area code's 0 left out.
  bool international_landline(std::string_view d, bool plus) const {
    std::string_view rest;
    if (plus && d.starts_with("86")) {
      rest = d.substr(2);
    } else if (d.starts_with("0086")) {
      rest = d.substr(4);
    } else {
      return false;
    }
    if (rest.empty() || rest[0] == '0') return false;
    char local[16] = "0";
    if (rest.size() + 1 > sizeof local) return false;
    rest.copy(local + 1, rest.size());
    return landline_number(std::string_view(local, rest.size() + 1));
  }

  bool stands_apart(group const& before, group const& g) const {
    constexpr std::uint32_t own_number = 7;
    if (g.last - g.first + 1 >= own_number) return true;
    for (auto u = before.last + 1; u < g.first; ++u)
      if (U[u].kind == unit_kind::boundary || in(U"，,、;；\n。！？!?", U[u].c)) return true;
    return false;
  }

  trim run_once(std::span<group const> groups, bool last_sep_dot) {
    // Nothing below reports fewer than five digits (a QQ number or numeric WeChat id is the
    // shortest): sizes, prices, quantities and times end here, before anything is copied.
    std::size_t count = 0;
    for (auto const& g : groups) count += g.last - g.first + 1;
    if (count < 5) return trim::none;
    auto& all = digits_;
    auto& off = offsets_;
    all.clear();
    off.clear();
    all.resize(count);
    std::size_t w = 0;
    for (auto const& g : groups) {
      off.push_back(w);
      for (auto u = g.first; u <= g.last; ++u) all[w++] = static_cast<char>('0' + ft.digit[u]);
    }
    off.push_back(w);
    std::uint32_t const first_unit = groups.front().first;
    std::uint32_t const last_unit = groups.back().last;
    if (is_consumed(first_unit, last_unit + 1)) return trim::none;  // digits of a URL path
    if (ipv4_address(groups)) return trim::none;  // 172.16.0.8:3306 is a server, not a phone
    auto const first_sig = static_cast<std::uint32_t>(sig_of_unit[first_unit]);
    auto const end_sig = static_cast<std::uint32_t>(sig_of_unit[last_unit]) + 1;

    bool const phone_shaped = !mobile_number(all).empty();
    bool forced_wechat = false, forced_qq = false;
    std::u32string_view const pre = letters_before(first_unit);
    std::uint32_t pre_unit = first_unit;
    if (!pre.empty()) {
      pre_unit = static_cast<std::uint32_t>(first_unit - pre.size());
      if (eng.couriers_.count(pre)) return trim::none;  // tracking number (SF1234…)
      if (pre == U"v" || pre == U"vx" || pre == U"wx" || pre == U"weixin" || pre == U"wechat" ||
          pre == U"vx号" || pre == U"wei") {
        forced_wechat = true;
      } else if (pre == U"q" || pre == U"qq") {
        forced_qq = true;
      } else if (pre != U"tel" && pre != U"phone" && pre != U"mobile" && pre != U"dh" &&
                 pre != U"sj" && pre != U"call" && !(pre.size() == 1 && phone_shaped)) {
        // A model or part number (rtx4090, a1234); one letter glued to a mobile number
        // (a13800138000) is a disguise, not a code.
        return trim::first;
      }
    }
    // Part of a code joined by a hyphen or slash (AB-13800138000, KF-35GW/…).
    if (pre.empty() && code_joined(first_unit)) return trim::first;
    // A courier's prefix with a space before the digits (SF 1380 0138 0001 23): the tracking
    // number's blocks are left out, and whatever the run goes on to is read on its own.
    if (pre.empty() && first_unit >= 2 && U[first_unit - 1].c == ' ' &&
        groups.front().last - groups.front().first >= 3 &&
        eng.couriers_.count(letters_before(first_unit - 1)))
      return trim::tracking;
    // Letters glued after the digits make a unit (5000mah) or a code (13800138000ab); a single
    // letter after a mobile number (13800138000k) hides nothing.
    if (letter_after(last_unit) &&
        !(phone_shaped && !letter_after(last_unit + 1) && pre.size() <= 1))
      return trim::last;
    // Prices and quantities; never a whole run shaped like a mobile number
    // (微信13800138000天天在线, ¥13800138000): no price or count has that shape, and it is the
    // commonest disguise.
    // Nor one of ten digits or more: no amount or count is that long, and a card number before a
    // name (6222… 张三) is no count of sheets.
    constexpr std::size_t longest_amount = 9;
    if (!phone_shaped && count <= longest_amount) {
      auto b = static_cast<std::ptrdiff_t>(first_unit) - 1;
      if (uc(b) == ' ') --b;
      if (is_currency(uc(b))) return trim::none;
      auto a = static_cast<std::ptrdiff_t>(last_unit) + 1;
      if (uc(a) == ' ') ++a;
      if (a < static_cast<std::ptrdiff_t>(U.size()) && in(quantity_after, uc(a))) return trim::none;
    }
    // An order number passes, even one shaped like a mobile number (单号 13800138000), unless
    // the buyer is then told to call or add it (订单号 13912345678 请打这个查询).
    // A number shaped like a mobile one is read as one whatever label precedes it: 单号, 工号
    // or 会员号 in front of 13800138000 is the commonest cover for a phone number, and real
    // order and tracking numbers are longer.
    if (!phone_shaped && cue_before(engine::cue::pass, first_sig, 3, pass_filler))
      return trim::labelled;
    if (!phone_shaped && cue_before(engine::cue::price, first_sig, 3, pass_filler))
      return trim::labelled;
    // Decimals (138.00, 3.5) are amounts or versions; ten or more single digits between dots
    // (1.3.8.0.0.1.3.8.0.0.0) are a number spelled out.
    bool const spelled = groups.size() >= 10 && single_digits(groups);
    if (groups.size() >= 2 && last_sep_dot && off.back() - off[off.size() - 2] <= 2 && !spelled)
      return trim::none;

    auto cue_span_before = [&](engine::cue kind, std::uint32_t max_fill) {
      return cue_before(kind, first_sig, max_fill, id_filler);
    };
    auto wechat = cue_span_before(engine::cue::wechat, 6);
    auto qq = cue_span_before(engine::cue::qq, 6);
    auto alipay = cue_span_before(engine::cue::alipay, 6);
    auto bank = cue_span_before(engine::cue::bank, 6);
    std::optional<span_hit> wechat_after, qq_after;
    if (!wechat && !qq && !forced_wechat && !forced_qq) {
      wechat_after = cue_after(engine::cue::wechat, end_sig, 3, id_filler_after);
      qq_after = cue_after(engine::cue::qq, end_sig, 3, id_filler_after);
    }
    bool const plus = uc(static_cast<std::ptrdiff_t>(first_unit) - 1) == '+';

    std::size_t const G = groups.size();
    std::size_t a = 0;
    while (a < G) {
      bool found = false;
      // No number reported here has more than 20 digits (a numeric WeChat id; cards have 19):
      // only stretches up to that long are tried, so a run of thousands of spaced digits costs
      // linear time, not cubic.
      constexpr std::size_t max_number_digits = 20;
      auto const limit = std::upper_bound(off.begin() + static_cast<std::ptrdiff_t>(a) + 1,
                                          off.end(), off[a] + max_number_digits);
      std::size_t const b_end = static_cast<std::size_t>(limit - off.begin()) - 1;
      for (std::size_t b = b_end; b-- > a;) {
        std::string_view const d = std::string_view(all).substr(off[a], off[b + 1] - off[a]);
        std::uint32_t ub = groups[a].first;
        std::uint32_t ue = groups[b].last + 1;
        bool const whole = (a == 0 && b + 1 == G);
        // Part of a run is only a phone, landline, card or account number: ten digits or more.
        if (d.size() < (whole ? 5u : 10u)) continue;
        bool wide_groups = true;  // card numbers come in blocks; only the last may be short
        for (std::size_t g = a; g < b; ++g)
          if (groups[g].last - groups[g].first + 1 < 3) wide_groups = false;
        category cat = category::contact;
        std::string_view rule;
        std::optional<span_hit> cue_used;
        std::string_view value = d;  // what is compared with the official contacts
        std::string mobile;
        if (a == 0 && alipay && !mobile_number(d).empty()) {
          cat = category::payment;
          rule = "payment.alipay_account";
          cue_used = alipay;
        } else if (a == 0 && bank && d.size() >= 15 && d.size() <= 19) {
          cat = category::payment;
          rule = "payment.bank_card";
          cue_used = bank;
        } else if (whole &&
                   (wechat || forced_wechat || (wechat_after && mobile_number(d).empty())) &&
                   d.size() >= 5 && d.size() <= 20) {
          rule = "contact.wechat_id";
          cue_used = wechat ? wechat : wechat_after;
        } else if (whole && (qq || forced_qq || (qq_after && mobile_number(d).empty())) &&
                   qq_number(d)) {
          rule = "contact.qq";
          cue_used = qq ? qq : qq_after;
        } else if (auto m = mobile_number(d); !m.empty()) {
          rule = "contact.mobile";
          mobile = m;
          value = mobile;
          if (a == 0 && plus) --ub;
        } else if ((landline_number(d) ||
                    (landline_number(d, true) && area_code_group(d, groups[a], whole, a == b))) &&
                   (b > a || d[0] != '0' || d.size() >= 11 || whole)) {
          rule = "contact.landline";
        } else if (a == 0 && international_landline(d, plus)) {
          rule = "contact.landline";  // +86 10 6234 5678, 0086 21 6888 8888
          if (plus) --ub;
        } else if (bank_card_number(d) && (a == b || wide_groups) &&
                   // A solid run starting 22–27 (Mastercard's 2-series, rare in China) is
                   // far likelier an order number starting with its year and month (2412…).
                   !(a == b && G == 1 && d[0] == '2')) {
          cat = category::payment;
          rule = "payment.bank_card";
        }
        if (rule.empty()) continue;
        if (a == 0 && (forced_wechat || forced_qq)) ub = pre_unit;
        if (cue_used) {
          ub = std::min(ub, sig[cue_used->b]);
          ue = std::max(ue, sig[cue_used->e - 1] + 1);
        }
        // A registered number is the merchant's QQ or phone; offered as a WeChat account (WeChat
        // finds people by QQ or phone number) it leads the buyer somewhere that was never
        // registered, so it is excused only as what it is.
        bool const excused = rule != "contact.wechat_id" && official(std::string(value));
        emit(cat, rule, {}, ub, ue, true, excused);
        found = true;
        a = b + 1;
        break;
      }
      if (!found) ++a;
    }
    return trim::none;
  }

  // The area code of a landline written with a subscriber number starting with 1 stands as its
  // own group (010-12345678, 0755 1234 5678), or the number is one solid run on its own: a date
  // or a time spaced out digit by digit never lines up like that.
  bool area_code_group(std::string_view d, group const& first, bool whole, bool solid) const {
    // A group is a stretch of digit units, so its length is its digit count.
    return first.last - first.first + 1 == landline_area_length(d) || (whole && solid);
  }

  // -------------------------------------------------------------------------------------------
  // WeChat ids written in letters: after (or before) a WeChat cue, and wxid_… anywhere.

  // A digit, _ or - in a token: what no English word has and most ids do.
  static bool has_id_mark(std::u32string_view tok) {
    return std::any_of(tok.begin(), tok.end(),
                       [](char32_t c) { return is_ascii_digit(c) || c == '_' || c == '-'; });
  }

  // An id token starting at unit u: letters, digits, '_' and '-'. With `spaced`, single spaces,
  // middle dots and full stops between characters are part of it too (a b c 1 2 3, abc.12345:
  // WeChat ids have no dots, so a dot there is a disguise; hosts were taken by urls() before).
  // Returns its end unit.
  // `limit` caps the walk: an id after a cue has at most 20 characters, and 64 units hold more
  // than 20 of them whatever the separators, so a message that is one endless token costs
  // linear time however many cues it has.
  std::uint32_t id_token_end(std::uint32_t u, bool spaced = false, std::size_t limit = 64) const {
    std::uint32_t k = u;
    auto const stop = static_cast<std::uint32_t>(std::min<std::size_t>(U.size(), u + limit));
    // A separator is the joint of two messages or, spaced, a space or dot between characters;
    // it may stand either side of an id's _ or - (kefu _2024, kefu_ / 2024).
    auto sep = [&](std::uint32_t x) {
      return x < stop && (joint(x) || (spaced && in(U" ·.。", U[x].c)));
    };
    auto mark = [&](std::uint32_t x) { return x < stop && (U[x].c == '_' || U[x].c == '-'); };
    auto id_char = [&](std::uint32_t x) { return x < stop && (unit_is_alnum(x) || mark(x)); };
    while (k < stop) {
      if (unit_is_alnum(k) ||
          (mark(k) && (unit_is_alnum(k + 1) || (sep(k + 1) && unit_is_alnum(k + 2)))) ||
          (sep(k) && k > u && id_char(k - 1) && id_char(k + 1) && !(mark(k - 1) && mark(k + 1)))) {
        ++k;
        continue;
      }
      break;
    }
    return k;
  }
  // The joint between two messages of a split (微信 / kefu / 888 is one id).
  bool joint(std::ptrdiff_t u) const {
    return u >= 0 && u < static_cast<std::ptrdiff_t>(U.size()) &&
           U[static_cast<std::size_t>(u)].kind == unit_kind::boundary;
  }

  // The id's characters without the separators, in the check's scratch (valid until the next
  // call): no allocation per candidate id.
  std::u32string_view id_text(std::uint32_t ub, std::uint32_t ue) const {
    id_buf_.clear();
    for (auto k = ub; k < ue; ++k)
      if (unit_is_alnum(k) || U[k].c == '_' || U[k].c == '-') id_buf_.push_back(U[k].c);
    return id_buf_;
  }

  bool lexicon_word(std::u32string_view s) const {
    return s == U"wechat" || s == U"weixin" || s == U"vx" || s == U"wx" || s == U"qq" ||
           s == U"account" || s == U"number";
  }

  // Ids after (or before) a WeChat cue, and handles of other chat apps (Telegram …) after theirs.
  void wechat_ids() {
    app_ids(engine::cue::wechat, category::contact, "contact.wechat_id", false);
    app_ids(engine::cue::messenger, category::contact, "contact.messenger_id", false);
    // An Alipay account is a phone number or an e-mail address (found with those); a handle after
    // 支付宝 / zfb (zfb：lin_pay88) is one only with a digit, _ or - in it (支付宝 huabei is not).
    app_ids(engine::cue::alipay, category::payment, "payment.alipay_account", true);
    // wxid_ prefixes are WeChat's own generated ids.
    if (!(ft.traits & trait_underscore)) return;
    for (std::uint32_t u = 0; u + 5 < U.size(); ++u) {
      if (U[u].c == 'w' && U[u + 1].c == 'x' && U[u + 2].c == 'i' && U[u + 3].c == 'd' &&
          U[u + 4].c == '_' && !unit_is_alnum(static_cast<std::ptrdiff_t>(u) - 1) &&
          (unit_is_alnum(u + 5) || (joint(u + 5) && unit_is_alnum(u + 6)))) {  // wxid_ / abc…
        // Read whole (the scan resumes after it, so this stays linear).
        std::uint32_t const ue = id_token_end(u, false, U.size());
        if (!is_claimed(u, ue)) emit(category::contact, "contact.wechat_id", {}, u, ue, true);
        u = ue;
      }
    }
  }

  void app_ids(engine::cue kind, category cat, std::string_view rule, bool marked_only) {
    for (auto const& h : cues[static_cast<std::size_t>(kind)]) {
      // Forward: 微信号：abc_123
      std::uint32_t p = h.e, fill = 0;
      while (p < sig.size() && fill <= 6) {
        char32_t const c = sc(p);
        if (auto const w = ascii_filler_len(p); w > 0) {
          p += w;
          continue;
        }
        if (!in(id_filler, c)) break;
        ++p;
        ++fill;
      }
      // WeChat Pay is 微信支付 written in English: the payment method, no id.
      static constexpr std::array<std::u32string_view, 3> pay_words = {U"pay", U"payment",
                                                                       U"payments"};
      if (p < sig.size() && fill <= 6 && is_ascii_alpha(sc(p)) && !unit_is_alnum(sig[p] - 1) &&
          sig[p] - sig[h.e - 1] - 1 - (p - h.e) <= 6 &&
          !(fill == 0 && ascii_word_in(p, pay_words))) {
        std::uint32_t const ub = sig[p];
        std::uint32_t ue = id_token_end(ub);
        if (ue - ub < 6) ue = id_token_end(ub, true);
        std::u32string_view const tok = id_text(ub, ue);
        // A lone "v" is a cue only for an id that no English word could be (V neckline).
        bool const weak_cue = h.e - h.b == 1 && is_ascii_alpha(sc(h.b));
        bool const id_like = has_id_mark(tok);
        // A handle for a cue that is mostly a payment method must follow it in the same clause
        // (支付宝？，kefu_88 asks one thing and names another).
        bool const same_clause =
            !marked_only ||
            !std::any_of(U.begin() + sig[h.e - 1] + 1, U.begin() + ub,
                         [](unit const& x) { return in(U",.!?;\n。！？；…~", x.c); });
        if ((!(weak_cue || marked_only) || id_like) && same_clause && tok.size() >= 6 &&
            tok.size() <= 20 && !lexicon_word(tok) && !is_claimed(ub, ue) && !is_consumed(ub, ue) &&
            uc(ue) != '@' && uc(ue) != '.') {
          emit(cat, rule, {}, sig[h.b], ue, true, official(std::u32string_view(tok)));
          continue;
        }
      }
      // Backward: abc_123 是我微信. A cue that is itself an invitation (加薇) reads forward only,
      // and so does a lone letter (XQG100-V is a model's code, not an id and its cue).
      if (h.b == 0 || sc(h.b) == U'加') continue;
      if (h.e - h.b == 1 && is_ascii_alpha(sc(h.b))) continue;
      std::uint32_t q = h.b;
      std::uint32_t back = 0;
      while (q > 0 && back < 4 && in(id_filler_after, sc(q - 1))) {
        --q;
        ++back;
      }
      if (q == 0) continue;
      std::uint32_t const tok_last = sig[q - 1];
      if (!unit_is_alnum(tok_last)) continue;
      std::uint32_t ub = tok_last;
      while (
          ub > 0 && tok_last - ub < 64 &&
          (unit_is_alnum(ub - 1) || ((U[ub - 1].c == '_' || U[ub - 1].c == '-' || joint(ub - 1)) &&
                                     unit_is_alnum(static_cast<std::ptrdiff_t>(ub) - 2))))
        --ub;
      std::uint32_t const ue = tok_last + 1;
      std::u32string_view const tok = id_text(ub, ue);
      if (!is_ascii_alpha(U[ub].c) || tok.size() < 6 || tok.size() > 20 || is_claimed(ub, ue) ||
          is_consumed(ub, ue))
        continue;
      if (lexicon_word(tok)) continue;
      // Before an English cue (accept WeChat, scan wechat) a word is prose; an id there has a
      // digit, _ or - in it.
      if ((marked_only || is_ascii_alpha(sc(h.b))) && !has_id_mark(tok)) continue;
      emit(cat, rule, {}, ub, sig[h.e - 1] + 1, true, official(std::u32string_view(tok)));
    }
  }

  // -------------------------------------------------------------------------------------------
  // E-mail addresses, URLs, bare domains and share codes.

  [[gnu::always_inline]] bool host_char(std::ptrdiff_t u) const {
    return unit_is_alpha(u) ||
           (u >= 0 && u < static_cast<std::ptrdiff_t>(U.size()) &&
            U[static_cast<std::size_t>(u)].kind == unit_kind::sig &&
            is_ascii_digit(U[static_cast<std::size_t>(u)].c)) ||
           uc(u) == '-';
  }

  // A dot as a host's dots are disguised: . 。 点 ·, the word dot, or either in brackets ((.),
  // [dot], 【.】). The unit after it, or 0 when none starts at u.
  std::uint32_t spelled_dot(std::uint32_t u) const {
    auto bare = [&](std::uint32_t x) -> std::uint32_t {
      if (x >= U.size()) return 0;
      if (in(dot_marks, U[x].c)) return x + 1;
      if (U[x].c == 'd' && x + 2 < U.size() && U[x + 1].c == 'o' && U[x + 2].c == 't' &&
          !unit_is_alpha(static_cast<std::ptrdiff_t>(x) - 1) && !unit_is_alpha(x + 3))
        return x + 3;
      return 0;
    };
    if (auto const e = bare(u)) return e;
    if (u < U.size() && in(bracket_open, U[u].c))
      if (auto const e = bare(u + 1); e != 0 && e < U.size() && in(bracket_close, U[e].c))
        return e + 1;
    return 0;
  }

  // Labels of a dotted host starting at unit u. Dots may be written 。 or 点 before a TLD.
  // Filled into the check's scratch (one parse is in use at a time): no allocation per token.
  // The label starting at unit u is one of the pack's TLDs.
  bool known_tld_at(std::uint32_t u) const {
    std::string label;
    for (std::uint32_t x = u; x < U.size() && host_char(x); ++x)
      label.push_back(static_cast<char>(U[x].c));
    return !label.empty() && eng.tlds_.count(label) > 0;
  }

  host_parse& parse_host(std::uint32_t u) const {
    host_parse& hp = hp_;
    hp.clear();
    std::uint32_t k = u;
    for (;;) {
      std::uint32_t const s = k;
      std::size_t const at = hp.host.size();
      if (!hp.starts.empty()) hp.host.push_back('.');
      while (k < U.size() && host_char(k)) hp.host.push_back(static_cast<char>(U[k++].c));
      if (k == s) {
        hp.host.resize(at);
        break;
      }
      hp.starts.push_back(static_cast<std::uint32_t>(hp.starts.empty() ? 0 : at + 1));
      hp.end = k;
      if (joint(k) && k + 1 < U.size() && U[k + 1].c == '.') ++k;  // abc@163 / .com
      if (k + 1 >= U.size()) break;
      if (U[k].c == '.' && host_char(k + 1)) {
        ++k;
        continue;
      }
      // kefu. / com: a dot that ends one message and a known TLD that starts the next.
      if (U[k].c == '.' && joint(k + 1) && known_tld_at(k + 2)) {
        k += 2;
        continue;
      }
      // Disguised dots (点, 。, ·, dot, (.), spaces around a dot) count before a known TLD only.
      // Either side of it may be the joint of two messages (linshop / (.)com, linshop(.) / com).
      std::uint32_t d = joint(k) ? k + 1 : k;
      std::uint32_t const first = d;
      while (d < U.size() && d - first < 2 && U[d].c == ' ') ++d;
      std::uint32_t const after = spelled_dot(d);
      if (after == 0) break;
      std::uint32_t j = joint(after) ? after + 1 : after;
      std::uint32_t const tld_from = j;
      while (j < U.size() && j - tld_from < 2 && U[j].c == ' ') ++j;
      // www。xiaomei。com: after a first label www the next dot is a host's too.
      if (known_tld_at(j) || (hp.count() == 1 && hp.host == "www")) {
        k = j;
        continue;
      }
      break;
    }
    return hp;
  }

  // Without a scheme, a host needs a TLD of letters (www. and the known TLDs are letters too):
  // a dotted run of digits (138.00, 2024.11.22) is no host unless a disguised dot or a joint
  // may lead on to more labels, which parse_host then decides.
  bool may_be_host(std::uint32_t u) const {
    if (!eng.tlds_alpha_) return true;
    std::uint32_t k = u;
    while (k < U.size()) {
      if (host_char(k)) {
        if (is_ascii_alpha(U[k].c)) return true;
        ++k;
      } else if (U[k].c == '.' && host_char(k + 1)) {
        ++k;
      } else {
        break;
      }
    }
    return k < U.size() && (joint(k) || U[k].c == ' ' || spelled_dot(k) != 0);
  }

  bool domain_allowed(std::string_view host) const {
    // The host itself or any parent domain of it (shop.kuaishou.com under kuaishou.com).
    for (std::string_view h = host;;) {
      if (eng.allowed_domains_.find(h) != eng.allowed_domains_.end()) return true;
      auto const dot = h.find('.');
      if (dot == std::string_view::npos) return false;
      h.remove_prefix(dot + 1);
    }
  }

  void emails() {
    for (std::uint32_t at = 1; at + 1 < U.size(); ++at) {
      bool const at_sign = U[at].c == '@';
      if (!at_sign) continue;
      // Up to two spaces either side of the @ (kefu @ 163.com) are part of the address.
      std::uint32_t local_end = at;
      while (local_end > 0 && at - local_end < 2 && U[local_end - 1].c == ' ') --local_end;
      std::uint32_t lb = local_end;
      while (lb > 0 && (unit_is_alnum(lb - 1) || in(U"._+-", U[lb - 1].c) || joint(lb - 1))) --lb;
      while (lb < local_end && !unit_is_alnum(lb)) ++lb;
      if (lb == local_end) continue;
      std::uint32_t host_at = joint(at + 1) ? at + 2 : at + 1;  // abc@ / 163.com
      for (int n = 0; n < 2 && host_at < U.size() && U[host_at].c == ' '; ++n) ++host_at;
      host_parse const& hp = parse_host(host_at);
      if (hp.count() < 2) continue;
      std::string_view const tld = hp.label(hp.count() - 1);
      if (tld.size() < 2 || std::any_of(tld.begin(), tld.end(), [](char c) { return c < 'a'; }))
        continue;
      std::string value;
      for (auto k = lb; k < local_end; ++k)
        if (!joint(k)) append_utf8(value, U[k].c);
      value += '@';
      value += hp.host;
      if (official(value)) {
        emit(category::contact, "contact.email", {}, lb, hp.end, true, true);
        continue;
      }
      auto const alipay =
          sig_of_unit[lb] >= 0
              ? cue_before(engine::cue::alipay, static_cast<std::uint32_t>(sig_of_unit[lb]), 6,
                           id_filler)
              : std::nullopt;
      if (alipay) {
        emit(category::payment, "payment.alipay_account", {}, std::min(lb, sig[alipay->b]), hp.end,
             true);
      } else {
        emit(category::contact, "contact.email", {}, lb, hp.end, true);
      }
    }
  }

  // An address with its @ and dots spelled out: kefu at qq dot com, kefu艾特qq点com.
  void spelled_emails() {
    auto ascii_word = [&](std::uint32_t u, std::u32string_view w) {
      if (u + w.size() > U.size()) return false;
      for (std::size_t k = 0; k < w.size(); ++k)
        if (U[u + k].c != w[k]) return false;
      return !unit_is_alpha(static_cast<std::ptrdiff_t>(u) - 1) &&
             !unit_is_alpha(static_cast<std::ptrdiff_t>(u + w.size()));
    };
    auto spaces = [&](std::uint32_t u) {
      for (int n = 0; u < U.size() && U[u].c == ' ' && n < 2; ++n) ++u;
      return u;
    };
    for (std::uint32_t u = 1; u + 3 < U.size(); ++u) {
      // "at" and 艾特 are both two units long.
      bool const at =
          (U[u].c == 'a' && ascii_word(u, U"at")) || (U[u].c == U'艾' && U[u + 1].c == U'特');
      if (!at) continue;
      // [at], (at): the brackets go with the at.
      bool const bracketed = in(bracket_open, U[u - 1].c) && in(bracket_close, U[u + 2].c);
      std::uint32_t e = bracketed ? u - 1 : u;
      while (e > 0 && u - e < 3 && U[e - 1].c == ' ') --e;
      if (e > 0 && joint(e - 1)) --e;  // abc123 / [at]163.com
      std::uint32_t lb = e;
      while (lb > 0 && (unit_is_alnum(lb - 1) || in(U"._-", U[lb - 1].c))) --lb;
      while (lb < e && !unit_is_alnum(lb)) ++lb;
      if (e < lb + 3) continue;
      // Host labels joined by dots, spelled (dot, 点, [dot]) or not.
      std::uint32_t k = spaces(bracketed ? u + 3 : u + 2), end = k;
      std::size_t labels = 0;
      std::string label;  // the last one: the top-level domain
      for (;;) {
        std::string next;
        std::uint32_t j = k;
        while (j < U.size() && host_char(j)) next.push_back(static_cast<char>(U[j++].c));
        if (next.empty()) break;
        ++labels;
        label = std::move(next);
        end = j;
        std::uint32_t const d = spelled_dot(spaces(j));
        if (d == 0) break;
        k = spaces(d);
      }
      if (labels < 2 || !eng.tlds_.count(label) || is_claimed(lb, end)) continue;
      emit(category::contact, "contact.email", {}, lb, end, true);
      u = end;
    }
  }

  // Digits spelled as English or pinyin words, one word a digit (one three eight …, yao san ba
  // …): seven words or more in a row, read as the number they spell. Shorter runs are words.
  void spelled_numbers() {
    auto digit_of = [&](std::u32string_view w) -> char {
      if (w.size() < 2 || w.size() > 5) return 0;
      std::uint64_t const k = digit_word_key(w);
      for (auto const& [word, d] : digit_words)
        if (word == k) return d;
      return 0;
    };
    constexpr std::size_t min_words = 7;
    // The automaton found the words: most texts hold fewer than seven and are turned away here.
    auto const& hits = cues[static_cast<std::size_t>(engine::cue::digit_word)];
    if (hits.size() < min_words) return;
    std::string& digits = digits_;
    // A word counts when it does not run on into a digit; the automaton kept only whole words.
    auto usable = [&](span_hit const& h) {
      return h.e >= sig.size() || sig[h.e] != sig[h.e - 1] + 1;
    };
    for (std::size_t i = 0; i < hits.size();) {
      if (!usable(hits[i])) {
        ++i;
        continue;
      }
      // A row of words, each apart from the last by one to three noise characters.
      digits.assign(1, digit_of(latin_word(hits[i].b)));
      std::size_t j = i;
      while (j + 1 < hits.size() && hits[j + 1].b == hits[j].e && usable(hits[j + 1]) &&
             sig[hits[j].e] - sig[hits[j].e - 1] - 1 <= 3) {
        ++j;
        digits.push_back(digit_of(latin_word(hits[j].b)));
      }
      std::uint32_t const first = hits[i].b, last_end = hits[j].e;
      i = j + 1;
      if (digits.size() < min_words) continue;
      auto const ub = sig[first], ue = sig[last_end - 1] + 1;
      if (is_claimed(ub, ue)) continue;
      auto wechat = cue_before(engine::cue::wechat, first, 6, id_filler);
      auto qq = cue_before(engine::cue::qq, first, 6, id_filler);
      std::string_view rule;
      std::optional<span_hit> cue_used;
      if (wechat && digits.size() <= 20) {
        rule = "contact.wechat_id";
        cue_used = wechat;
      } else if (qq && qq_number(digits)) {
        rule = "contact.qq";
        cue_used = qq;
      } else if (!mobile_number(digits).empty()) {
        rule = "contact.mobile";
      } else {
        continue;
      }
      std::uint32_t const from = cue_used ? std::min(ub, sig[cue_used->b]) : ub;
      emit(category::contact, rule, {}, from, ue, true,
           rule != "contact.wechat_id" &&
               official(std::string(rule == "contact.mobile" ? mobile_number(digits) : digits)));
    }
  }

  // A host or an address typed a character at a time (m y s h o p . c o m, k e f u @ 1 6 3 .
  // c o m): a stretch of host characters, dots and at most one @ with two or more single spaces
  // inside it, read with the spaces left out. What the ordinary scans took is left to them.
  void spaced_hosts() {
    // Most texts have fewer than two spaces between host characters: one cheap pass says so.
    int spaced = 0;
    for (std::uint32_t u = 1; u + 1 < U.size() && spaced < 2; ++u)
      spaced +=
          U[u].c == ' ' && host_char(u - 1) && (host_char(u + 1) || in(host_marks, U[u + 1].c));
    if (spaced < 2) return;
    std::string& s = hp_.host;  // the compacted stretch; parse_host is not used meanwhile
    for (std::uint32_t u = 0; u < U.size(); ++u) {
      if (!host_char(u) || U[u].c == '-' || host_char(static_cast<std::ptrdiff_t>(u) - 1)) continue;
      s.clear();
      std::uint32_t k = u, last = u, spaces = 0;
      std::size_t at = std::string::npos;
      for (;;) {
        std::uint32_t const t0 = k;
        while (k < U.size() && host_char(k)) s.push_back(static_cast<char>(U[k++].c));
        if (k > t0) last = k;
        if (k >= U.size()) break;
        char32_t const c = U[k].c;
        bool const mark = in(host_marks, c);
        // The joint of two messages reads as one more space (m y s h o p / . c o m).
        if ((c == ' ' || joint(k)) && k + 1 < U.size() &&
            (host_char(k + 1) || in(host_marks, U[k + 1].c))) {
          ++spaces;
          ++k;
        } else if (mark && !s.empty() && s.back() != '.' && s.back() != '@') {
          if (c == '@') {
            if (at != std::string::npos) break;
            at = s.size();
          }
          s.push_back(c == '@' ? '@' : '.');
          ++k;
        } else {
          break;
        }
      }
      if (spaces < 2 || last <= u) {
        u = std::max(u, last);
        continue;
      }
      std::uint32_t const start = u, end = last;
      u = end;
      std::size_t keep = s.size();  // up to the last host character taken
      while (keep > 0 && (s[keep - 1] == '.' || s[keep - 1] == '@')) --keep;
      s.resize(keep);
      if (at != std::string::npos && at >= s.size()) at = std::string::npos;
      std::string_view const whole = s;
      std::string_view const host = at == std::string::npos ? whole : whole.substr(at + 1);
      auto const dot = host.rfind('.');
      if (dot == std::string_view::npos || dot == 0 || host.find("..") != std::string_view::npos)
        continue;
      if (eng.tlds_.find(host.substr(dot + 1)) == eng.tlds_.end()) continue;
      if (is_claimed(start, end) || is_consumed(start, end)) continue;
      if (at != std::string::npos) {
        if (at == 0) continue;
        emit(category::contact, "contact.email", {}, start, end, true,
             official(std::string(whole)));
        continue;
      }
      if (dot < 2 || domain_allowed(host)) {
        consumed.add(start, end, U.size());
        continue;
      }
      // https://m y s h o p.com: the scheme in front goes with it.
      std::uint32_t from = start;
      if (from >= 4 && U[from - 1].c == '/' && U[from - 2].c == '/' && U[from - 3].c == ':' &&
          unit_is_alpha(from - 4)) {
        from -= 3;
        while (unit_is_alpha(static_cast<std::ptrdiff_t>(from) - 1)) --from;
      }
      emit(category::link, from < start || host.substr(0, 4) == "www." ? "link.url" : "link.domain",
           {}, from, end, true);
    }
  }

  void urls() {
    std::uint32_t u = 0;
    while (u < U.size()) {
      // Ideographs and other non-ASCII units start nothing (unless they are digits of a run).
      if (U[u].c >= 0x80 && ft.digit[u] < 0) {
        ++u;
        continue;
      }
      if (!unit_is_alnum(u) || (u > 0 && (host_char(u - 1) || uc(u - 1) == '.' ||
                                          uc(u - 1) == '@' || uc(u - 1) == '_'))) {
        ++u;
        continue;
      }
      std::uint32_t const start = u;
      {
        // Most tokens are plain words or numbers: parse only what could be a host or scheme.
        std::uint32_t k = u;
        while (k < U.size() && host_char(k)) ++k;
        std::uint32_t d = joint(k) ? k + 1 : k;  // mystore / .com
        while (d < U.size() && d - k < 2 && U[d].c == ' ') ++d;
        char32_t const next = d < U.size() ? U[d].c : 0;
        if (spelled_dot(d) == 0 && !(next == ':' && d == k)) {
          u = std::max(k, u + 1);
          continue;
        }
      }
      // Scheme: letters followed by "://".
      std::string scheme;
      std::uint32_t k = u;
      while (k < U.size() && unit_is_alpha(k)) scheme.push_back(static_cast<char>(U[k++].c));
      bool has_scheme = false;
      std::uint32_t host_start = u;
      if (!scheme.empty() && k + 2 < U.size() && U[k].c == ':' && U[k + 1].c == '/' &&
          U[k + 2].c == '/') {
        has_scheme = true;
        host_start = k + 3;
      } else {
        scheme.clear();
      }
      std::uint32_t end = host_start;
      bool is_link = false;
      std::string_view rule = "link.domain";
      if (has_scheme && scheme != "http" && scheme != "https") {
        // In-app paths of the platform (kwai://…) pass; other apps' schemes are links.
        is_link = !eng.allowed_schemes_.count(scheme);
        rule = "link.url";
        end = host_start;
        while (end < U.size() && U[end].c > 0x20 && U[end].c < 0x7F) ++end;
      } else if (has_scheme || may_be_host(host_start)) {
        host_parse const& hp = parse_host(host_start);
        if (hp.count() >= 2) {
          std::string_view const host = hp.host;
          std::string_view const tld = hp.label(hp.count() - 1);
          bool const alpha_tld = tld.size() >= 2 && std::all_of(tld.begin(), tld.end(),
                                                                [](char c) { return c >= 'a'; });
          bool const known_tld = eng.tlds_.find(tld) != eng.tlds_.end();
          bool const www = hp.label(0) == "www";
          bool const ip = hp.count() == 4 && std::all_of(host.begin(), host.end(), [](char c) {
                            return c == '.' || (c >= '0' && c <= '9');
                          });
          // 小米14.Pro, iPhone15.Plus: a model number and its edition, not a host.
          static constexpr std::array<std::string_view, 3> editions = {"pro", "plus", "one"};
          bool const model = !has_scheme && !www && hp.count() == 2 &&
                             std::find(editions.begin(), editions.end(), tld) != editions.end() &&
                             hp.label(0).back() >= '0' && hp.label(0).back() <= '9';
          if (!model && (known_tld || (alpha_tld && (has_scheme || www)) || (ip && has_scheme))) {
            end = hp.end;
            while (end < U.size() && (U[end].c == '/' || U[end].c == '?' || U[end].c == '#' ||
                                      (U[end].c == ':' && unit_is_digit(end + 1)))) {
              while (end < U.size() && U[end].c > 0x20 && U[end].c < 0x7F) ++end;
            }
            is_link = !domain_allowed(host);
            if (has_scheme || www) rule = "link.url";
            if (auto const app = app_link(host, hp.end, end)) {
              consumed.add(start, end, U.size());
              if (!is_claimed(start, end))
                emit(*app, *app == category::contact ? "contact.app_link" : "payment.app_link", {},
                     start, end, true);
              u = std::max(end, start + 1);
              continue;
            }
          }
        }
      }
      if (end > start) consumed.add(start, end, U.size());
      if (end > start && is_link && !is_claimed(start, end)) {
        emit(category::link, rule, {}, start, end, true);
      }
      u = std::max(end, start + 1);
    }
  }

  // The link (host, then the path from unit path_begin to path_end) is another app's add-friend,
  // chat or payment link: what it leads to.
  std::optional<category> app_link(std::string_view host, std::uint32_t path_begin,
                                   std::uint32_t path_end) const {
    if (eng.app_links_.empty()) return std::nullopt;
    for (auto const& [link, cat] : eng.app_links_) {
      auto const slash = link.find('/');
      std::string_view const lhost = std::string_view(link).substr(0, slash);
      // The host itself or a subdomain of it.
      if (!(host == lhost || (host.size() > lhost.size() && host.ends_with(lhost) &&
                              host[host.size() - lhost.size() - 1] == '.')))
        continue;
      if (slash == std::string::npos) return cat;
      std::string_view const prefix = std::string_view(link).substr(slash);
      std::uint32_t k = path_begin;
      std::size_t i = 0;
      for (; i < prefix.size() && k < path_end; ++i, ++k)
        if (static_cast<char32_t>(prefix[i]) != U[k].c) break;
      if (i == prefix.size() && (k == path_end || in(U"/?#", U[k].c))) return cat;
    }
    return std::nullopt;
  }

  void share_codes() {
    if (!eng.share_codes_) return;
    for (std::uint32_t u = 0; u + 9 < U.size(); ++u) {
      if (!is_currency(U[u].c)) continue;
      std::uint32_t const first = u + 1 < U.size() && U[u + 1].c == ' ' ? u + 2 : u + 1;
      std::uint32_t k = first;
      std::uint32_t letters = 0;
      while (k < U.size() && unit_is_alnum(k) && k - first < 14) {
        if (is_ascii_alpha(U[k].c)) ++letters;
        ++k;
      }
      std::uint32_t const len = k - first;
      if (k < U.size() && U[k].c == ' ' && k + 1 < U.size() && is_currency(U[k + 1].c)) ++k;
      if (len >= 8 && len <= 13 && letters > 0 && k < U.size() && is_currency(U[k].c)) {
        emit(category::link, "link.share_code", {}, u, k + 1, true);
        u = k;
      }
    }
  }

  // Share codes in other wrappers — (Xh7YbVzQ2w), %Ab3dEfGh12%, "Xh7YbVzQ2w:/ 打开手淘": a
  // mixed-case token of 8–13 letters and digits near a share code's own words (口令, 手淘), or
  // in such a wrapper near copy-and-open words (复制, 粘贴). A bare mixed-case token by 复制 is
  // as likely a model name or a coupon (复制一下iPhone15Pro去搜), and one named by 型号 / 货号 is
  // what it is said to be.
  void share_tokens() {
    if (!eng.share_codes_) return;
    auto const& strong = cues[static_cast<std::size_t>(engine::cue::share)];
    auto const& copy = cues[static_cast<std::size_t>(engine::cue::share_copy)];
    if (strong.empty() && copy.empty()) return;
    auto near = [&](std::vector<span_hit> const& hits, std::uint32_t b, std::uint32_t e) {
      // Only hits whose units lie within 16 of [b, e) can count: found by their ends.
      auto sig_at = [&](std::int64_t unit) {
        return static_cast<std::int64_t>(std::lower_bound(sig.begin(), sig.end(), unit,
                                                          [](std::uint32_t s, std::int64_t x) {
                                                            return static_cast<std::int64_t>(s) < x;
                                                          }) -
                                         sig.begin());
      };
      for (auto const& h : ending_in(hits, sig_at(std::int64_t{b} - 16) + 1,
                                     sig_at(std::int64_t{e} + 16) + longest())) {
        std::uint32_t const hb = sig[h.b], he = sig[h.e - 1] + 1;
        if (he + 16 > b && hb < e + 16) return true;
      }
      return false;
    };
    auto wrapped = [&](std::uint32_t b, std::uint32_t e) {
      constexpr std::u32string_view open = U"(%¥$€£/:[【「《#";
      constexpr std::u32string_view close = U")%¥$€£/:]】」》#";
      return (b > 0 && in(open, U[b - 1].c)) || (e < U.size() && in(close, U[e].c));
    };
    auto token_unit = [&](std::uint32_t k) {
      return U[k].kind == unit_kind::sig && (is_ascii_alpha(U[k].c) || is_ascii_digit(U[k].c));
    };
    for (std::uint32_t u = 0; u < U.size();) {
      if (!token_unit(u)) {
        ++u;
        continue;
      }
      std::uint32_t k = u;
      while (k < U.size() && token_unit(k)) ++k;
      std::uint32_t const len = k - u;
      if (len >= 8 && len <= 13) {
        unsigned upper = 0, lower = 0, digits = 0;
        for (std::uint32_t x = u; x < k; ++x) {
          char32_t const o = ft.original[U[x].src];
          if ((o >= 'A' && o <= 'Z') || (o >= U'Ａ' && o <= U'Ｚ'))
            ++upper;
          else if (is_ascii_digit(U[x].c))
            ++digits;
          else
            ++lower;
        }
        // After 型号 / 货号 / 订单号 … it is the code it is said to be.
        if (upper > 0 && lower > 0 && digits > 0 && !is_claimed(u, k) && !is_consumed(u, k) &&
            (near(strong, u, k) || (near(copy, u, k) && wrapped(u, k))) &&
            !(sig_of_unit[u] >= 0 &&
              cue_before(engine::cue::pass, static_cast<std::uint32_t>(sig_of_unit[u]), 3,
                         pass_filler)))
          emit(category::link, "link.share_code", {}, u, k, true);
      }
      u = k;
    }
  }

  // "+微信", "+我vx": a plus sign ("add") right before a contact app, or before 我 / 个 and the
  // app. The emoji ➕ folds to 加 and is read as the word.
  void plus_app() {
    auto plus_before = [&](std::uint32_t u) {
      return u > 0 && U[u - 1].c == '+' && U[u - 1].src + 1 == U[u].src;
    };
    for (auto kind : {engine::cue::wechat, engine::cue::qq}) {
      for (auto const& h : cues[static_cast<std::size_t>(kind)]) {
        std::uint32_t u = sig[h.b];
        if (!plus_before(u) && h.b > 0 && in(U"我个", sc(h.b - 1)) && sig[h.b - 1] + 1 == u)
          u = sig[h.b - 1];
        if (plus_before(u))
          emit(category::solicit, "solicit.plus_app", {}, u - 1, sig[h.e - 1] + 1, false);
      }
    }
  }

  // 【快手官方】您的订单异常…: a message opening with a bracketed platform notice header.
  void platform_header() {
    if (eng.platform_headers_.empty()) return;
    std::size_t u = ft.last_segment_unit;
    while (u < U.size() && U[u].kind == unit_kind::noise && U[u].c == ' ') ++u;
    if (u >= U.size() || !in(U"【[〔「『〖", U[u].c)) return;
    std::size_t const open = u;
    std::size_t const stop = std::min(U.size(), open + 16);
    for (u = open + 1; u < stop; ++u) {
      if (!in(U"】]〕」』〗", U[u].c)) continue;
      if (u == open + 1 || sig_of_unit[open + 1] < 0) return;
      auto const b = static_cast<std::size_t>(sig_of_unit[open + 1]);
      std::size_t e = b;
      while (e < sig.size() && sig[e] < u) ++e;
      std::u32string_view const inside(ft.sig_chars.data() + b, e - b);
      if (eng.platform_headers_.count(inside))
        emit(category::impersonation, "impersonation.platform_notice", {},
             static_cast<std::uint32_t>(open), static_cast<std::uint32_t>(u + 1), false);
      return;
    }
  }

  void run_all() {
    collect_hits();
    platform_header();
    unsigned const t = ft.traits;
    if (t & trait_at) emails();
    // kefu at qq dot com, kefu艾特qq点com: an "at" and some dot.
    if ((t & (trait_t | trait_ai)) && (t & (trait_dot | trait_t))) spelled_emails();
    // Before urls(): a spaced host's last characters would read as a host of their own.
    if ((t & trait_alpha) && (t & trait_space) && (t & (trait_dot | trait_at))) spaced_hosts();
    // A host needs a dot, written or spelled (linshop dot com).
    if ((t & (trait_alpha | trait_digit)) &&
        ((t & trait_dot) ||
         ((t & trait_t) &&
          std::u32string_view(ft.sig_chars.data(), ft.sig_chars.size()).find(U"dot") !=
              std::u32string_view::npos)))
      urls();
    if (t & trait_digit_run) numbers();
    if (t & trait_alpha) spelled_numbers();
    wechat_ids();
    if (t & trait_currency) share_codes();
    if ((t & trait_alpha) && (t & trait_digit)) share_tokens();
    plus_app();
    phrase_candidates();
    combo_candidates();
    resolve_phrases();
  }
};

verdict engine::check(std::string_view text, role sender, chat_window const* window) const {
  thread_local scan_scratch scratch;
  folded_text& ft = scratch.ft;
  ft.clear();
  // The phrase automaton runs while the text is folded; collect_hits filters what it found.
  scratch.raw.clear();
  auto scan = ac_.start(scratch.raw);
  if (window != nullptr) {  // the window's last depth() messages of this sender, oldest first
    auto const& q = window->recent_[static_cast<std::size_t>(sender)];
    for (std::size_t i = q.size() > window->depth_ ? q.size() - window->depth_ : 0; i < q.size();
         ++i)
      ft.append_segment(q[i], &scan);
  }
  ft.append_segment_utf8(text, &scan);
  ft.finish();

  scan_state st(*this, scratch);
  st.run_all();
  auto& cands = st.out;

  // Policy and role first: what is off for this sender never shadows anything else.
  for (auto& c : cands) {
    if (sender == role::buyer && !checked_for_buyer(c.cat)) c.dropped = true;
    if (action_for(c.cat) == action::allow) c.dropped = true;
  }
  // Units before the message being checked: earlier messages of the window and their joints.
  std::uint32_t const base = ft.segment_begin.back();
  auto before_current = [&](std::uint32_t u) {
    return ft.units[u].kind == unit_kind::boundary || ft.units[u].src < base;
  };
  // A hit that reaches back into earlier messages is new only if what lay there was not already
  // a hit of its own: after a delivered 全网最低, a next message 价格哦 completes nothing new.
  if (base > 0) {
    for (auto& c : cands) {
      if (c.dropped || !before_current(c.ub) || before_current(c.ue - 1)) continue;
      for (auto const& p : cands)
        if (&p != &c && p.cat == c.cat && before_current(p.ue - 1) && p.ub < c.ue && c.ub < p.ue) {
          c.dropped = true;
          break;
        }
    }
  }
  // A concrete contact or account supersedes the invitation around it (加我微信 abc123); the
  // merchant's own official contact takes the invitation with it.
  // Invitations sorted by start, so each detail looks only at those that can reach it (none
  // starts more than the longest invitation before it); it takes in every invitation its span,
  // grown by the ones already taken, overlaps (加我微信，微信号 kefu8888: both).
  auto& sol = scratch.solicits;
  sol.clear();
  std::uint32_t widest = 0;
  for (std::size_t i = 0; i < cands.size(); ++i)
    if (!cands[i].dropped && !cands[i].detail && cands[i].cat == category::solicit) {
      sol.push_back(static_cast<std::uint32_t>(i));
      widest = std::max(widest, cands[i].ue - cands[i].ub);
    }
  std::sort(sol.begin(), sol.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::pair(cands[a].ub, a) < std::pair(cands[b].ub, b);
  });
  // An invitation right before its detail, with only punctuation or spaces between, is taken in
  // too (打我电话：13800138000 is one contact, as 加我微信 kefu8888 is).
  constexpr std::uint32_t lead_gap = 3;
  auto leads_into = [&](std::uint32_t s_end, std::uint32_t d_begin) {
    if (s_end > d_begin || d_begin - s_end > lead_gap) return false;
    for (auto u = s_end; u < d_begin; ++u)
      if (ft.units[u].kind != unit_kind::noise) return false;
    return true;
  };
  for (auto& d : cands) {
    if (d.dropped || !d.detail || sol.empty()) continue;
    for (bool grew = true; grew;) {
      grew = false;
      std::uint32_t const from = d.ub > widest + lead_gap ? d.ub - widest - lead_gap : 0;
      auto it = std::lower_bound(sol.begin(), sol.end(), from,
                                 [&](std::uint32_t i, std::uint32_t x) { return cands[i].ub < x; });
      for (; it != sol.end() && cands[*it].ub < d.ue; ++it) {
        auto& s = cands[*it];
        if (s.dropped || !(d.ub < s.ue || leads_into(s.ue, d.ub))) continue;
        s.dropped = true;
        if (s.ub < d.ub || s.ue > d.ue) grew = true;
        d.ub = std::min(d.ub, s.ub);
        d.ue = std::max(d.ue, s.ue);
      }
    }
  }
  for (auto& d : cands) d.dropped = d.dropped || d.official;
  stable_sort_small(cands, [](candidate const& a, candidate const& b) {
    return a.ub != b.ub ? a.ub < b.ub : a.ue > b.ue;
  });
  // One span per stretch of the same category: contained or overlapping hits are merged.
  for (std::size_t i = 0; i < cands.size(); ++i) {
    if (cands[i].dropped) continue;
    for (std::size_t j = i + 1; j < cands.size(); ++j) {
      // Sorted by start: once one starts at or after this span's end, so do all the rest.
      if (cands[j].ub >= cands[i].ue) break;
      if (cands[j].dropped || cands[j].cat != cands[i].cat) continue;
      cands[i].ue = std::max(cands[i].ue, cands[j].ue);
      cands[j].dropped = true;
    }
  }

  verdict v;
  v.pack = version_;
  std::u32string_view const cur = std::u32string_view(ft.original).substr(base);
  for (auto const& c : cands) {
    if (c.dropped) continue;
    // Map back to the original code points; keep only what lies in this message.
    std::uint32_t ub = c.ub;
    bool const clipped = before_current(ub);
    while (ub < c.ue && before_current(ub)) ++ub;
    // The part of a split violation in this message starts at what carries it, not at the
    // punctuation or space in front of it; the @ . - _ of an address or number are part of it
    // (abc + @163.com underlines @163.com, as kefu@163.com would be underlined whole), and so
    // is the bracket of a disguised dot (linshop + (.)com).
    while (clipped && ub < c.ue && ft.units[ub].kind == unit_kind::noise &&
           !in(U"@._-", ft.units[ub].c) && !(c.detail && in(bracket_open, ft.units[ub].c)))
      ++ub;
    if (ub >= c.ue) continue;
    std::uint32_t ue = c.ue;
    while (ue > ub && ft.units[ue - 1].kind == unit_kind::boundary) --ue;
    std::uint32_t start = ft.units[ub].src - base;
    std::uint32_t end = ft.units[ue - 1].src + 1 - base;
    // What was typed onto the last character belongs to it: a keycap (1️⃣ is 1, U+FE0F,
    // U+20E3), a variation selector or a skin tone, none of which folds to a unit of its own.
    while (end < cur.size() && attached_mark(cur[end])) ++end;
    if (end <= start) continue;
    // (138)00138000: a span that holds a closing bracket opened just before it takes the
    // opening one too.
    if (start > 0) {
      auto const o = bracket_open.find(cur[start - 1]);
      if (o != std::u32string_view::npos) {
        auto const inside = cur.substr(start, end - start);
        auto const close = inside.find(bracket_close[o]);
        if (close != inside.npos && inside.substr(0, close).find(bracket_open[o]) == inside.npos)
          --start;
      }
    }
    violation x;
    x.cat = c.cat;
    x.rule = std::string(c.rule);
    x.start = start;
    x.end = end;
    x.excerpt = encode_utf8(cur.substr(start, end - start));
    x.suggestion = std::string(c.suggestion);
    v.violations.push_back(std::move(x));
    v.act = std::max(v.act, action_for(c.cat));
  }
  stable_sort_small(v.violations,
                    [](violation const& a, violation const& b) { return a.start < b.start; });
  if (sender == role::buyer && v.act == action::block) v.act = action::warn;
  return v;
}

verdict engine::check_greeting(std::string_view tmpl, std::string_view merchant,
                               std::string_view agent, std::string_view text) const {
  verdict v;
  v.pack = version_;
  auto const act = action_for(category::greeting);
  if (act == action::allow) return v;
  if (auto x = check_greeting_template(tmpl.empty() ? std::string_view(greeting_) : tmpl, merchant,
                                       agent, text)) {
    v.violations.push_back(std::move(*x));
    v.act = act;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// greeting templates

namespace {

struct tmpl_piece {
  bool placeholder = false;
  bool any_name = false;  // {agent}: the agent's name or any short text (a work nickname)
  std::u32string text;    // folded literal, or folded name (empty: any short text)
};

std::vector<tmpl_piece> split_template(std::string_view tmpl, std::string_view merchant,
                                       std::string_view agent) {
  std::vector<tmpl_piece> pieces;
  std::string lit;
  auto flush = [&] {
    auto f = fold_pattern(lit);
    if (!f.empty()) pieces.push_back({false, false, f});
    lit.clear();
  };
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '{') {
      auto const close = tmpl.find('}', i);
      if (close != std::string_view::npos && close - i <= 32) {
        std::string_view const name = tmpl.substr(i + 1, close - i - 1);
        flush();
        std::string_view const value = name == "merchant" ? merchant : name == "agent" ? agent : "";
        pieces.push_back({true, name == "agent", fold_pattern(value)});
        i = close + 1;
        continue;
      }
    }
    lit.push_back(tmpl[i++]);
  }
  flush();
  return pieces;
}

bool match_pieces(std::vector<tmpl_piece> const& pieces, std::size_t pi, std::u32string_view t) {
  if (pi == pieces.size()) return true;
  auto const& p = pieces[pi];
  if (!p.placeholder) {
    return t.substr(0, p.text.size()) == p.text &&
           match_pieces(pieces, pi + 1, t.substr(p.text.size()));
  }
  // A placeholder takes the given name; {agent} also any short text, as agents greet with
  // their work nickname (客服小王). The shop's name must be the shop's.
  if (!p.text.empty()) {
    if (t.substr(0, p.text.size()) == p.text &&
        match_pieces(pieces, pi + 1, t.substr(p.text.size())))
      return true;
    if (!p.any_name) return false;
  }
  for (std::size_t k = 1; k <= std::min<std::size_t>(24, t.size()); ++k)
    if (match_pieces(pieces, pi + 1, t.substr(k))) return true;
  return false;
}

}  // namespace

std::string fill_template(std::string_view tmpl, std::string_view merchant,
                          std::string_view agent) {
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl.substr(i, 10) == "{merchant}") {
      out += merchant;
      i += 10;
    } else if (tmpl.substr(i, 7) == "{agent}") {
      out += agent;
      i += 7;
    } else {
      out.push_back(tmpl[i++]);
    }
  }
  return out;
}

std::optional<violation> check_greeting_template(std::string_view tmpl, std::string_view merchant,
                                                 std::string_view agent, std::string_view text) {
  auto const pieces = split_template(tmpl, merchant, agent);
  bool any_literal = false;
  for (auto const& p : pieces) any_literal = any_literal || !p.placeholder || !p.text.empty();
  if (!any_literal) return std::nullopt;

  std::u32string const original = decode_utf8(text);
  folded_text ft;
  ft.append_segment(original);
  ft.finish();
  std::u32string t;
  for (auto s : ft.sig) t.push_back(ft.units[s].c);
  // A short salutation may come first (亲，您好…).
  constexpr std::size_t max_lead = 4;
  for (std::size_t lead = 0; lead <= std::min(max_lead, t.size()); ++lead)
    if (match_pieces(pieces, 0, std::u32string_view(t).substr(lead))) return std::nullopt;

  violation v;
  v.cat = category::greeting;
  v.rule = "greeting.template";
  v.start = 0;
  v.end = static_cast<std::uint32_t>(original.size());
  v.excerpt = encode_utf8(original);
  v.suggestion = fill_template(tmpl, merchant, agent);
  return v;
}

outcome<std::shared_ptr<engine const>> make_engine(rule_pack const& pack,
                                                   std::string_view overrides_json) {
  outcome<std::shared_ptr<engine const>> res;
  merchant_overrides ov;
  if (overrides_json.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    auto parsed = parse_overrides(overrides_json);
    if (!parsed) {
      res.error = "merchant overrides: " + parsed.error;
      return res;
    }
    ov = std::move(*parsed);
  }
  res.value = std::make_shared<engine const>(pack, ov);
  return res;
}

outcome<std::map<std::string, rule_pack>> load_all_rule_packs(std::filesystem::path const& dir) {
  outcome<std::map<std::string, rule_pack>> res;
  std::map<std::string, rule_pack> packs;
  for (auto p : platforms) {
    auto one = load_rule_pack(dir, p);
    if (!one) {
      res.error = one.error;
      return res;
    }
    packs.emplace(std::string(p), std::move(*one));
  }
  res.value = std::move(packs);
  return res;
}

}  // namespace kefu::compliance
