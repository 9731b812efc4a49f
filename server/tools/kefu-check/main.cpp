// kefu-check: runs the compliance engine over JSON Lines, one verdict per input line.
//
//   kefu-check [--platform kuaishou|taobao|tencent] [--role agent|buyer] [--rules DIR]
//              [--overrides FILE] [--merchant M --db URL] [--bench] < messages.jsonl
//   --merchant M --db URL: the merchant's platform pack with its stored overrides.
//
// Each input line is an object with a string "text"; its other fields are copied into the
// verdict. Lines sharing a "chat" value form one chat in order: a line that is not blocked
// enters that chat's window as if delivered. Without --role, a line may carry its own "role"
// ("agent" or "buyer"; --role, when given, holds for every line). With the
// merchant's greeting_mode "agent", a chat's first delivered agent line is also checked against
// the greeting template as kefud does ({merchant}: the stored merchant's name with --db, else
// any; {agent}: the line's string "agent", else any); a line without "chat" has no greeting to
// check, as with the check API. A line that is not JSON (an empty one included) or has no string
// "text" is reported on stderr with its line number; the other lines are still checked and the
// exit status is 1 at the end. Exit status: 0 all lines checked, 1 some lines rejected, 2 bad usage
// or rule pack.

#include "server/core/compliance/engine.hpp"
#include "server/store/store.hpp"
#include "server/tools/kefu-check/bench.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

namespace {

namespace json = boost::json;
namespace cc = kefu::compliance;

constexpr char const* usage =
    "usage: kefu-check [--platform kuaishou|taobao|tencent] [--role agent|buyer] [--rules DIR]\n"
    "                  [--overrides FILE] [--merchant ID --db URL] [--bench] < messages.jsonl\n"
    "Reads {\"text\": ...} per line and writes one verdict per line.\n"
    "Rules come from --rules, else $KEFU_RULES_DIR, else the source tree's shared/rules.\n";

bool read_file(std::string const& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

bool blank(std::string const& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

int main(int argc, char** argv) {
  std::string platform = "kuaishou";
  std::string role_name = "agent";
  bool role_given = false;
  std::string rules_dir;
  std::string overrides_path;
  std::string merchant;
  std::string db_url;
  bool bench = false;

  for (int i = 1; i < argc; ++i) {
    std::string const a = argv[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= argc) {
        std::cerr << "kefu-check: " << a << " needs a value\n" << usage;
        std::exit(2);
      }
      dst = argv[++i];
    };
    if (a == "--platform") {
      value(platform);
    } else if (a == "--role") {
      value(role_name);
      role_given = true;
    } else if (a == "--rules") {
      value(rules_dir);
    } else if (a == "--overrides") {
      value(overrides_path);
    } else if (a == "--merchant") {
      value(merchant);
    } else if (a == "--db") {
      value(db_url);
    } else if (a == "--bench") {
      bench = true;
    } else if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    } else {
      std::cerr << "kefu-check: unknown argument '" << a << "'\n" << usage;
      return 2;
    }
  }
  auto default_role = cc::parse_role(role_name);
  if (!default_role) {
    std::cerr << "kefu-check: --role must be agent or buyer\n";
    return 2;
  }
  if (platform != "kuaishou" && platform != "taobao" && platform != "tencent") {
    std::cerr << "kefu-check: --platform must be kuaishou, taobao or tencent\n";
    return 2;
  }
  // --merchant with --db: that merchant's platform and stored overrides.
  std::optional<cc::merchant_overrides> stored;
  std::string merchant_name;  // fills {merchant} in the greeting template
  if (!db_url.empty()) {
    if (merchant.empty()) {
      std::cerr << "kefu-check: --db needs --merchant ID\n";
      return 2;
    }
    try {
      auto st = kefu::store::store::open_existing(db_url, 1);
      auto m = st->find_merchant(merchant);
      st->stop_writer();
      if (!m) {
        std::cerr << "kefu-check: no merchant " << merchant << " in " << db_url << "\n";
        return 2;
      }
      platform = m->platform;
      merchant_name = m->name;
      auto ov = cc::parse_merchant_settings(m->settings_json, m->id);
      if (!ov) {
        std::cerr << "kefu-check: merchant " << merchant << ": " << ov.error << "\n";
        return 2;
      }
      stored = std::move(*ov);
    } catch (std::exception const& e) {
      std::cerr << "kefu-check: " << e.what() << "\n";
      return 2;
    }
  }
  if (!merchant.empty() && db_url.empty() && overrides_path.empty()) {
    std::cerr << "kefu-check: --merchant needs --db URL or --overrides FILE\n";
    return 2;
  }

  std::filesystem::path const dir =
      rules_dir.empty() ? cc::default_rules_dir() : std::filesystem::path(rules_dir);
  auto pack = cc::load_rule_pack(dir, platform);
  if (!pack) {
    std::cerr << "kefu-check: " << pack.error << "\n";
    return 2;
  }
  cc::merchant_overrides overrides;
  if (stored) overrides = std::move(*stored);
  if (!overrides_path.empty()) {
    std::string text;
    if (!read_file(overrides_path, text)) {
      std::cerr << "kefu-check: cannot read " << overrides_path << "\n";
      return 2;
    }
    auto ov = cc::parse_overrides(text);
    if (!ov) {
      std::cerr << "kefu-check: " << overrides_path << ": " << ov.error << "\n";
      return 2;
    }
    overrides = std::move(*ov);
    if (!merchant.empty() && overrides.merchant.empty()) overrides.merchant = merchant;
  }
  if (bench) return kefu::tools::run_bench(*pack, std::cout, 0);

  cc::engine const eng(*pack, overrides);
  struct chat_state {
    cc::chat_window window;
    bool greeted = false;  // an agent line was delivered: the greeting is behind
  };
  std::map<std::string, chat_state> chats;
  bool const check_greeting = eng.greeting_mode() == "agent";
  std::string line;
  std::size_t line_no = 0;
  int status = 0;
  std::ios::sync_with_stdio(false);
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
    if (blank(line)) {  // a line without a message is reported, never silently skipped
      std::cerr << "line " << line_no << ": empty line (expected {\"text\": …})\n";
      status = 1;
      continue;
    }
    json::error_code ec;
    // The other fields are copied into the verdict whatever they hold: nesting deeper than the
    // parser's default of 32 is still a line to check.
    json::parse_options opts;
    opts.max_depth = 512;
    json::value v = json::parse(line, ec, {}, opts);
    if (ec) {
      std::cerr << "line " << line_no << ": not JSON (" << ec.message() << ")\n";
      status = 1;
      continue;
    }
    auto* obj = v.if_object();
    json::string const* text = nullptr;
    if (obj != nullptr)
      if (auto* t = obj->if_contains("text")) text = t->if_string();
    if (text == nullptr) {
      std::cerr << "line " << line_no
                << (obj == nullptr ? ": not a JSON object\n" : ": no string \"text\"\n");
      status = 1;
      continue;
    }
    // An explicit --role holds for every line. Without one, a line may say whose it is ("role":
    // "agent" or "buyer", as a chat of both sides needs); any other value is just another field,
    // copied into the verdict like the rest.
    cc::role sender = *default_role;
    if (auto* r = obj->if_contains("role"); r != nullptr && !role_given && r->is_string())
      if (auto parsed = cc::parse_role(r->get_string())) sender = *parsed;
    // A line without "chat" is checked on its own, as POST /api/compliance/check without a
    // chat is: no window, and no chat whose greeting it could be.
    chat_state* chat = nullptr;
    if (auto* c = obj->if_contains("chat"); c != nullptr && !c->is_null())
      chat = &chats[json::serialize(*c)];  // the JSON value is the key: 1 and "1" are two chats

    std::string_view const body(text->data(), text->size());
    cc::verdict verdict = eng.check(body, sender, chat ? &chat->window : nullptr);
    // As kefud: the first agent line that gets through must follow the greeting template; a
    // blocked one leaves the next to greet.
    if (check_greeting && sender == cc::role::agent && chat && !chat->greeted) {
      std::string_view agent_name;
      if (auto* a = obj->if_contains("agent"); a != nullptr && a->is_string())
        agent_name = std::string_view(a->get_string().data(), a->get_string().size());
      cc::merge_into(verdict, eng.check_greeting({}, merchant_name, agent_name, body));
    }
    if (chat && verdict.act != cc::action::block) {
      chat->window.push(body, sender);
      if (sender == cc::role::agent) chat->greeted = true;
    }

    json::object out;
    for (auto const& kv : *obj)
      if (kv.key() != "text") out[kv.key()] = kv.value();
    json::value vj = json::value_from(verdict);
    for (auto& kv : vj.as_object()) out[kv.key()] = std::move(kv.value());
    std::cout << json::serialize(out) << '\n';
  }
  std::cout.flush();
  return status;
}
