// kefu-check as built, on a merchant stored in a fresh SQLite database.

#define BOOST_TEST_MODULE tools_kefu_check
#include <boost/test/unit_test.hpp>

#include "server/store/store.hpp"

#include <boost/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

struct temp_db {
  fs::path dir;
  temp_db() {
    std::string tmpl = (fs::temp_directory_path() / "kefu-check-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
  }
  ~temp_db() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string url() const { return "sqlite:" + (dir / "kefu.db").string(); }

  void add_merchant(std::string const& id, std::string const& name, std::string settings) const {
    auto st = kefu::store::store::open(url(), 1);
    kefu::store::merchant m;
    m.id = id;
    m.name = name;
    m.platform = "kuaishou";
    m.channel_key = "key-" + id;
    m.settings_json = std::move(settings);
    m.created = 1000;
    st->insert_merchant(m);
    st->stop_writer();
  }
};

struct run_result {
  int status = -1;
  std::vector<json::object> lines;
};

// Runs a shell command; its exit status and one JSON object per line of its stdout.
run_result run_command(std::string const& cmd) {
  run_result r;
  FILE* p = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int const st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::istringstream ss(out);
  json::parse_options opts;
  opts.max_depth = 512;  // verdicts carry the input's fields, however deep
  for (std::string line; std::getline(ss, line);)
    r.lines.push_back(json::parse(line, {}, opts).as_object());
  return r;
}

// Runs kefu-check for `merchant` on the given JSON Lines; one verdict object per output line.
run_result check(temp_db const& db, std::string const& merchant,
                 std::vector<json::object> const& input) {
  fs::path const in = db.dir / "in.jsonl";
  {
    std::ofstream f(in, std::ios::binary);
    for (auto const& o : input) f << json::serialize(o) << '\n';
  }
  std::string const cmd = std::string(KEFU_CHECK_PATH) + " --rules '" + KEFU_RULES_DIR_FOR_TESTS +
                          "' --merchant " + merchant + " --db '" + db.url() + "' < '" +
                          in.string() + "'";
  return run_command(cmd);
}

bool has_greeting(json::object const& v) {
  for (auto const& x : v.at("violations").as_array())
    if (x.at("category") == "greeting") return true;
  return false;
}

std::string action(json::object const& v) {
  return std::string(v.at("action").as_string());
}

constexpr char const* tmpl = R"("greeting": "您好，欢迎光临{merchant}，我是{agent}")";

}  // namespace

BOOST_AUTO_TEST_CASE(first_agent_line_of_each_chat_follows_the_template) {
  temp_db db;
  db.add_merchant("m1", "小米旗舰店", std::string("{") + tmpl + R"(, "greeting_mode": "agent"})");
  auto const r =
      check(db, "m1",
            {
                {{"chat", "c1"}, {"role", "buyer"}, {"text", "在吗"}},
                {{"chat", "c1"}, {"agent", "小美"}, {"text", "在的亲"}},
                {{"chat", "c1"}, {"text", "在的亲"}},
                {{"chat", "c2"}, {"agent", "小美"}, {"text", "您好，欢迎光临小米旗舰店，我是小美"}},
                {{"chat", "c3"}, {"agent", "小美"}, {"text", "您好，欢迎光临别家店，我是小美"}},
                {{"chat", "c4"}, {"text", "您好，欢迎光临小米旗舰店，我是阿强"}},
                {{"text", "在的"}},
                {{"text", "在的"}},
            });
  BOOST_TEST(r.status == 0);
  BOOST_REQUIRE(r.lines.size() == 8u);
  // A buyer line does not greet.
  BOOST_TEST(!has_greeting(r.lines[0]));
  // The first agent line misses: warned, with the filled template as suggestion.
  BOOST_TEST(action(r.lines[1]) == "warn");
  BOOST_TEST(has_greeting(r.lines[1]));
  auto const& g = r.lines[1].at("violations").as_array()[0].as_object();
  BOOST_TEST(g.at("suggestion").as_string() == "您好，欢迎光临小米旗舰店，我是小美");
  BOOST_TEST(r.lines[1].at("agent").as_string() == "小美");
  // Only the first one is checked.
  BOOST_TEST(!has_greeting(r.lines[2]));
  BOOST_TEST(!has_greeting(r.lines[3]));
  // {merchant} is the stored merchant's name.
  BOOST_TEST(has_greeting(r.lines[4]));
  // Without "agent", any short name fits {agent}.
  BOOST_TEST(!has_greeting(r.lines[5]));
  // A line without "chat" belongs to no chat: no greeting to check, as with the check API.
  BOOST_TEST(!has_greeting(r.lines[6]));
  BOOST_TEST(!has_greeting(r.lines[7]));
  BOOST_TEST(action(r.lines[6]) == "allow");
}

BOOST_AUTO_TEST_CASE(strict_policy_blocks_until_a_greeting_gets_through) {
  temp_db db;
  db.add_merchant("m2", "小米旗舰店",
                  std::string("{") + tmpl +
                      R"(, "greeting_mode": "agent", "compliance": {"greeting_strict": true}})");
  auto const r = check(db, "m2",
                       {
                           {{"chat", "c1"}, {"text", "在的亲"}},
                           {{"chat", "c1"}, {"text", "您好，欢迎光临小米旗舰店，我是小美"}},
                           {{"chat", "c1"}, {"text", "在的亲"}},
                       });
  BOOST_TEST(r.status == 0);
  BOOST_REQUIRE(r.lines.size() == 3u);
  BOOST_TEST(action(r.lines[0]) == "block");
  BOOST_TEST(has_greeting(r.lines[0]));
  // The blocked line was not delivered, so the next one is the greeting.
  BOOST_TEST(action(r.lines[1]) == "allow");
  BOOST_TEST(action(r.lines[2]) == "allow");
}

BOOST_AUTO_TEST_CASE(no_greeting_check_unless_agent_mode) {
  temp_db db;
  db.add_merchant("m3", "小米旗舰店", std::string("{") + tmpl + R"(, "greeting_mode": "auto"})");
  db.add_merchant("m4", "小米旗舰店", "{}");
  for (std::string m : {"m3", "m4"}) {
    auto const r = check(db, m, {{{"chat", "c1"}, {"text", "在的亲"}}, {{"text", "在的亲"}}});
    BOOST_TEST(r.status == 0, m);
    BOOST_REQUIRE(r.lines.size() == 2u);
    for (auto const& v : r.lines) BOOST_TEST(action(v) == "allow", m);
  }
}

BOOST_AUTO_TEST_CASE(bad_lines_are_reported_and_the_rest_still_checked) {
  fs::path const dir =
      fs::temp_directory_path() / ("kefu-check-lines-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path const in = dir / "in.jsonl";
  fs::path const err = dir / "err.txt";
  {
    std::ofstream f(in, std::ios::binary);
    f << R"({"id":1,"text":"您好"})"
      << "\n\n"
      << "not json\n"
      << R"({"id":4,"chat":1,"text":"139"})"
      << "\n"
      << R"({"id":5,"chat":"1","text":"12345678"})"
      << "\n";
  }
  std::string const cmd = std::string(KEFU_CHECK_PATH) + " --rules '" + KEFU_RULES_DIR_FOR_TESTS +
                          "' < '" + in.string() + "' 2> '" + err.string() + "'";
  auto const r = run_command(cmd);
  BOOST_TEST(r.status == 1);
  std::ifstream ef(err);
  std::string const errors((std::istreambuf_iterator<char>(ef)), std::istreambuf_iterator<char>());
  // The empty line 2 and the broken line 3 are named; the good lines still get verdicts.
  BOOST_TEST(errors.find("line 2") != std::string::npos, errors);
  BOOST_TEST(errors.find("line 3") != std::string::npos, errors);
  auto const& lines = r.lines;
  BOOST_REQUIRE(lines.size() == 3u);
  // "chat": 1 and "chat": "1" are different chats: 139 + 12345678 is no phone number here.
  BOOST_TEST(action(lines[2]) == "allow");
  fs::remove_all(dir);
}

// --role holds for every line; without it a line's own "agent" / "buyer" decides, and any other
// "role" is only a field to copy (the line is still checked).
BOOST_AUTO_TEST_CASE(an_explicit_role_holds_for_every_line) {
  fs::path const dir =
      fs::temp_directory_path() / ("kefu-check-role-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path const in = dir / "in.jsonl";
  {
    std::ofstream f(in, std::ios::binary);
    f << R"({"id":1,"role":"agent","text":"高仿"})"
      << "\n"
      << R"({"id":2,"role":"客服","text":"高仿"})"
      << "\n"
      << R"({"id":3,"role":"buyer","text":"高仿"})"
      << "\n";
  }
  auto run = [&](std::string const& flags) {
    return run_command(std::string(KEFU_CHECK_PATH) + " --rules '" + KEFU_RULES_DIR_FOR_TESTS +
                       "' " + flags + " < '" + in.string() + "'");
  };
  auto const buyer = run("--role buyer");
  BOOST_TEST(buyer.status == 0);
  BOOST_REQUIRE(buyer.lines.size() == 3u);
  for (auto const& v : buyer.lines) BOOST_TEST(action(v) == "allow");  // buyers: no counterfeit
  BOOST_TEST(buyer.lines[1].at("role").as_string() == "客服");
  auto const own = run("");
  BOOST_TEST(own.status == 0);
  BOOST_REQUIRE(own.lines.size() == 3u);
  BOOST_TEST(action(own.lines[0]) == "block");
  BOOST_TEST(action(own.lines[1]) == "block");  // not a role: the default, agent
  BOOST_TEST(action(own.lines[2]) == "allow");
  fs::remove_all(dir);
}

// Fields nested deeper than a parser's usual limit are still copied, and the line still checked.
BOOST_AUTO_TEST_CASE(deeply_nested_fields_are_copied) {
  fs::path const dir =
      fs::temp_directory_path() / ("kefu-check-deep-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path const in = dir / "in.jsonl";
  std::string meta = "1";
  for (int i = 0; i < 60; ++i) meta = R"({"a":)" + meta + "}";
  {
    std::ofstream f(in, std::ios::binary);
    f << R"({"id":7,"meta":)" << meta << R"(,"text":"加我微信 abc123"})"
      << "\n";
  }
  std::string const cmd = std::string(KEFU_CHECK_PATH) + " --rules '" + KEFU_RULES_DIR_FOR_TESTS +
                          "' < '" + in.string() + "'";
  auto const r = run_command(cmd);
  BOOST_TEST(r.status == 0);
  BOOST_REQUIRE(r.lines.size() == 1u);
  BOOST_TEST(action(r.lines[0]) == "block");
  BOOST_TEST(json::serialize(r.lines[0].at("meta")) == meta);
  fs::remove_all(dir);
}
