#pragma once
// The compliance engine: every agent message is checked before it reaches the buyer, every
// buyer message is scanned so the agent is warned about off-platform requests.
//
// Usage (server side):
//   auto packs = load_all_rule_packs(default_rules_dir());        // at start and on reload
//   auto ov = parse_merchant_settings(settings_json, "m1");        // per merchant, validated
//   auto eng = std::make_shared<engine const>(packs->at("kuaishou"), *ov);  // immutable, shared
//   chat_window win;                                               // one per chat
//   verdict v = eng->check(text, role::agent, &win);
//   if (first_human_agent_message && eng->greeting_mode() == "agent")
//     merge_into(v, eng->check_greeting({}, merchant_name, agent_name, text));
//   if (v.act != action::block) win.push(text, role::agent);       // delivered messages only
//   std::string json = to_json(v);
//
// Thread safety: an engine is immutable after construction; share it (e.g. shared_ptr<const>)
// across threads and swap in a new one to reload rules. A chat_window belongs to one chat and
// is not synchronised: the caller serialises check/push per chat. Nothing here reads clocks,
// starts threads or throws on untrusted text.

#include "server/core/compliance/matcher.hpp"
#include "server/core/compliance/normalize.hpp"
#include "server/core/compliance/rule_pack.hpp"
#include "server/core/compliance/types.hpp"

#include <array>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace kefu::compliance {

// Recent delivered messages of one chat, per sender side, so that numbers, ids and phrases
// split over up to three consecutive messages of the same sender are seen whole. Messages of
// the other side in between do not break a run (an agent waiting for the buyer's "嗯" does not
// get a clean slate); call clear() when the chat changes hands.
class engine;

class chat_window {
 public:
  // `depth` previous messages are kept per side: with the message being checked, a split over
  // depth + 1 messages is caught.
  explicit chat_window(std::size_t depth = 2) : depth_(depth) {}

  void push(std::string_view text, role sender);
  // Takes back the latest message of `sender` equal to `text` (pushed when it was sent, then not
  // stored after all): only delivered messages belong in a window.
  void withdraw(std::string_view text, role sender);
  void clear();
  // The sender's last `depth` messages, oldest first.
  std::vector<std::u32string_view> recent(role sender) const;
  std::size_t depth() const noexcept { return depth_; }

 private:
  // A few more than `depth` are kept, so that taking back a message (a re-send found to be a
  // duplicate, a failed store) lets the one it pushed out count again.
  static constexpr std::size_t spare_ = 4;
  friend class engine;  // reads the last depth() messages in place
  std::size_t depth_;
  std::array<std::deque<std::u32string>, 2> recent_;
};

// Checks the chat's first human agent message against the merchant's greeting template
// ({merchant} and {agent} placeholders), tolerant of punctuation, spacing, width, case and
// traditional forms. The template may be followed by more text and preceded by a short
// salutation (亲，). A placeholder accepts the given name; {agent} also any other short text
// (an agent's work nickname), {merchant} only when no name is given. Returns a `greeting` violation
// spanning the whole message when it does not follow the template; nothing when it does or when the
// template is empty.
std::optional<violation> check_greeting_template(std::string_view tmpl, std::string_view merchant,
                                                 std::string_view agent, std::string_view text);
// The template with its placeholders filled in (also the suggestion of a greeting violation).
std::string fill_template(std::string_view tmpl, std::string_view merchant, std::string_view agent);

class engine {
 public:
  // Builds the matcher for a pack and (optionally) a merchant's overrides. Both have been
  // validated by their parsers; phrases that fold to nothing are skipped.
  explicit engine(rule_pack const& pack, merchant_overrides const& overrides = {});

  // Checks one message. `window` (may be null) supplies the sender's previous messages in the
  // chat; it is only read. Violations completed across messages are reported with the span of
  // their part in `text`. Buyer messages are checked for contact, payment, link, solicit and
  // abuse only, and never blocked.
  verdict check(std::string_view text, role sender, chat_window const* window = nullptr) const;

  // The greeting check under this merchant's policy (warn, or block when strict).
  verdict check_greeting(std::string_view tmpl, std::string_view merchant, std::string_view agent,
                         std::string_view text) const;

  action action_for(category c) const noexcept { return actions_[static_cast<std::size_t>(c)]; }
  std::string const& version() const noexcept { return version_.str(); }
  std::string const& greeting_template() const noexcept { return greeting_; }
  // The pack's closing phrase (seed 004's 结束语), for merchants without one of their own.
  std::string const& closing_template() const noexcept { return closing_; }
  std::string const& greeting_mode() const noexcept { return greeting_mode_; }

  enum class cue : std::uint8_t {
    wechat,
    qq,
    alipay,
    bank,
    pass,
    price,
    share,       // a share code's own words (口令, 手淘)
    share_copy,  // copy-and-open words (复制, 粘贴): a share code only with its wrapper
    messenger,   // other chat apps (Telegram, WhatsApp …): a handle after one is a contact
    digit_word,  // one, three, yao, san …: digits spelled as words (the engine's own list)
    count_
  };

  struct tag {
    enum kind_t : std::uint8_t {
      phrase,
      combo,
      allow,
      allow_inside,
      negator,
      negator_after,
      not_negator,
      caution,
      cue_hit,
      excuse  // a word of a rule's excused_by (index: the rule)
    } kind = phrase;
    std::uint8_t part = 0;  // a combo's part; for a phrase, whole_clause or 0
    std::int32_t index = 0;
    static constexpr std::uint8_t whole_clause = 1;
    static constexpr std::uint8_t before_only = 1;  // a caution's part: it governs what follows
    static constexpr std::uint8_t sentence = 2;     // … to the end of its sentence
  };
  struct rule_info {
    std::string id;
    category cat = category::solicit;
    std::string suggestion;
    bool excusable = false;  // has excused_by words
  };
  struct combo_info {
    rule_info rule;
    int max_gap = 2;
    std::uint8_t parts = 0;
    std::uint8_t number_mask = 0;  // bit k: part k is "#number"
  };

 private:
  pack_name version_;
  std::array<action, category_count> actions_{};
  ac_matcher ac_;
  std::vector<std::vector<tag>> tags_;  // per pattern id
  // Per pattern id: it starts or ends with a Latin letter or digit, so its edges are checked
  // (vx ≠ vxyz); a pattern of ideographs at both ends never is.
  std::vector<bool> latin_edge_;
  std::vector<rule_info> rules_;
  std::vector<combo_info> combos_;
  std::u32string negation_fillers_;
  int negation_gap_ = 4;
  std::uint16_t negatable_ = 0;  // bit per category
  std::set<std::u32string, std::less<>> couriers_;
  // Hashed and looked up by string_view: every dotted token asks for its last label.
  struct sv_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using word_set = std::unordered_set<std::string, sv_hash, std::equal_to<>>;
  word_set tlds_;
  bool tlds_alpha_ = true;  // every TLD is letters only (lets urls() pass over dotted numbers)
  word_set allowed_domains_;
  std::set<std::string, std::less<>> allowed_schemes_;
  // Host or host/path prefix of an app's add-friend, chat or payment links, with what it is.
  std::vector<std::pair<std::string, category>> app_links_;
  std::set<std::string> official_;  // normalised: digits, lower-case ids and e-mails
  bool share_codes_ = true;
  // What a notice header in brackets at the start of a message may say ([快手官方],
  // 【淘宝官方通知】): a platform's name with an official-sounding word, folded.
  std::set<std::u32string, std::less<>> platform_headers_;
  std::string greeting_;
  std::string closing_;
  std::string greeting_mode_;

  friend struct scan_state;
  void add_pattern(std::string_view phrase, tag t);
};

// Validates a merchant's overrides JSON (empty text: none) and builds its engine.
outcome<std::shared_ptr<engine const>> make_engine(rule_pack const& pack,
                                                   std::string_view overrides_json = {});

// The platforms that ship a pack.
inline constexpr std::array<std::string_view, 3> platforms = {"kuaishou", "taobao", "tencent"};
// Loads every platform's pack from `dir` (kefud keeps one engine per merchant built from these).
outcome<std::map<std::string, rule_pack>> load_all_rule_packs(std::filesystem::path const& dir);

}  // namespace kefu::compliance
