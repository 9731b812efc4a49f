#pragma once
// Rule packs (one per platform, data files under shared/rules/) and per-merchant overrides.
//
// A pack file is JSON:
//   {"version": "kuaishou-2025.11", "platform": "kuaishou", "extends": ["base.json"],
//    "actions": {"exaggeration": "warn", …},
//    "lexicon": {"wechat": ["微信", "薇信", "vx", …], "qq": […], …},
//    "rules":  [{"id": "counterfeit.replica", "category": "counterfeit", "phrases": [...],
//                "suggestion": "optional polite alternative"}],
//    "combos": [{"id": "solicit.add_app", "category": "solicit", "max_gap": 2,
//                "parts": [["加", "加我"], ["@wechat", "@qq"]]}],
//    "allow": ["不能加微信", "生日"],       // excuses any hit it overlaps
//    "allow_inside": ["微信支付"],         // excuses only hits lying inside it
//    "negation": {"negators": ["不", "没有"], "fillers": "卖是做", "max_gap": 4,
//                 "categories": ["counterfeit", "solicit"]},
//    "cues": {"wechat": ["@wechat"], "qq": [...], "alipay": [...], "bank": [...],
//             "pass": ["订单号", …]},
//    "courier_prefixes": ["sf", "yt", …], "tlds": ["com", …],
//    "allowed_domains": ["kuaishou.com", …], "allowed_schemes": ["kwai"],
//    "share_codes": true,
//    "greeting": {"template": "您好，{merchant}很高兴为您服务", "closing": "…"}}
// Parts and cues may name a lexicon entry with "@name". "extends" files are read from the same
// directory and merged first (lists append; a rule or combo with the same id replaces the base
// one; maps merge key by key).

#include "server/core/compliance/types.hpp"

#include <boost/json.hpp>

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::compliance {

// A value or a human-readable error (std::expected is C++23).
template <class T>
struct outcome {
  std::optional<T> value;
  std::string error;
  explicit operator bool() const noexcept { return value.has_value(); }
  T& operator*() { return *value; }
  T const& operator*() const { return *value; }
  T* operator->() { return &*value; }
  T const* operator->() const { return &*value; }
};

struct phrase_rule {
  std::string id;
  category cat = category::solicit;
  std::vector<std::string> phrases;
  std::string suggestion;
  // Words that, anywhere in the message, show the phrases mean something innocent (跟真的一样 in
  // a message about 仿真花 or 假发 describes an imitation sold as one).
  std::vector<std::string> excused_by;
};

struct combo_rule {
  std::string id;
  category cat = category::solicit;
  std::vector<std::vector<std::string>> parts;  // "@lexicon" or "#number" allowed
  int max_gap = 2;                              // significant chars allowed between parts
  std::string suggestion;
};

struct negation_rule {
  std::vector<std::string> negators;
  std::vector<std::string> after;  // denials that follow the phrase (高仿品我们一律不卖)
  std::vector<std::string> not_negators;  // words that start like a negator and are none (不过)
  // Words of a warning (诈骗, 骗子, 冒充, 无法保障): a banned phrase in the clause they are in, or
  // in the one before them, is being warned about, not offered.
  std::vector<std::string> cautions;
  // Warnings that govern only what follows them (不会以任何理由要求您…, 陌生人发来的…).
  std::vector<std::string> cautions_before;
  // Words that describe what impostors do (冒充, 不法分子): they govern what follows them to the
  // end of their sentence (冒充客服，以退款为由，让您加微信、转账).
  std::vector<std::string> cautions_sentence;
  std::string fillers;  // characters allowed between a negator and the phrase it negates
  int max_gap = 4;
  std::vector<category> categories;
};

struct rule_pack {
  std::string version;
  std::string platform;
  std::vector<std::string> extends;
  std::array<std::optional<action>, category_count> actions{};
  std::map<std::string, std::vector<std::string>> lexicon;
  std::vector<phrase_rule> rules;
  std::vector<combo_rule> combos;
  std::vector<std::string> allow;
  std::vector<std::string> allow_inside;
  negation_rule negation;
  std::map<std::string, std::vector<std::string>> cues;
  std::vector<std::string> courier_prefixes;
  std::vector<std::string> tlds;
  std::vector<std::string> allowed_domains;
  std::vector<std::string> allowed_schemes;
  // The platform's own published contacts (its service hotlines), allowed in every chat.
  std::vector<std::string> official_contacts;
  // Links that add a friend or open a chat or a payment in another app, even on an allowed
  // domain (qm.qq.com, work.weixin.qq.com/ca): host, optionally with a path prefix.
  std::vector<std::string> contact_links;
  std::vector<std::string> payment_links;
  bool share_codes = true;  // flag 淘口令-style share codes as off-platform links
  std::string greeting_template;
  std::string closing_template;

  // The action for a category: the pack's, else the default table of compliance.md.
  action action_for(category c) const noexcept;
};

action default_action(category c) noexcept;

// Parses one pack file (no "extends" resolution).
outcome<rule_pack> parse_rule_pack(std::string_view json_text);
// Merges `top` over `base` as "extends" describes.
rule_pack merge_packs(rule_pack base, rule_pack const& top);
// Reads <dir>/<platform>.json and the files it extends.
outcome<rule_pack> load_rule_pack(std::filesystem::path const& dir, std::string_view platform);

// The rules directory: KEFU_RULES_DIR when set, else the path compiled in at build time.
std::filesystem::path default_rules_dir();

// A merchant's policy on top of its platform pack:
//   {"merchant": "m1", "version": "7",
//    "actions": {"exaggeration": "block", "greeting": "block"},
//    "greeting_strict": true,
//    "phrases": {"counterfeit": ["原单"], …},
//    "allow": {"phrases": [...], "domains": [...]},
//    "official_contacts": ["400-028-8810", "800012345", "kefu@example.com", "example.com"]
//                      or {"phones": […], "qq": […], "wechat": […], "emails": […], "domains": […]},
//    "greeting": "您好，{merchant}…", "greeting_mode": "auto" | "agent"}
// Unknown keys, categories or actions are errors so a typo never silently disables a rule.
struct merchant_overrides {
  std::string merchant;
  std::string version;
  std::array<std::optional<action>, category_count> actions{};
  std::map<category, std::vector<std::string>> phrases;
  std::vector<std::string> allow_phrases;
  std::vector<std::string> allow_domains;
  std::vector<std::string> official_contacts;
  std::string greeting;
  std::string greeting_mode;  // "", "auto" or "agent"
};

outcome<merchant_overrides> parse_overrides(std::string_view json_text);

// The same from a merchant's stored settings (the admin API's merchant object): its
// "compliance" object holds the policy keys above, and "official_contacts", "greeting" and
// "greeting_mode" are read from the top level; other settings are ignored.
outcome<merchant_overrides> parse_merchant_settings(std::string_view settings_json,
                                                    std::string_view merchant_id);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, rule_pack const& p);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, merchant_overrides const& o);
boost::json::result<rule_pack> tag_invoke(boost::json::try_value_to_tag<rule_pack>,
                                          boost::json::value const& jv);
boost::json::result<merchant_overrides> tag_invoke(
    boost::json::try_value_to_tag<merchant_overrides>, boost::json::value const& jv);

}  // namespace kefu::compliance
