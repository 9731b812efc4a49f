#include "server/core/sla/report.hpp"

#define BOOST_TEST_MODULE sla_cli
#include <boost/test/unit_test.hpp>

#include <boost/json/parse.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

// Runs the built kefu-sla on the fixtures of tests/data/sla and compares its
// output with hand-computed expectations, numerically.

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const fs::path data_dir = KEFU_SLA_DATA;

struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

run_result run(const std::string& args, const fs::path& input) {
  const fs::path dir = fs::temp_directory_path() / ("kefu-sla-cli-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path out = dir / "out";
  const fs::path err = dir / "err";
  const std::string cmd = quote(KEFU_SLA_BIN) + " " + args + " < " + quote(input.string()) + " > " +
                          quote(out.string()) + " 2> " + quote(err.string());
  const int raw = std::system(cmd.c_str());
  run_result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove_all(dir);
  return r;
}

// Same keys everywhere, numbers equal to 1e-9, nulls where expected.
void expect_same(const json::value& want, const json::value& got, const std::string& path) {
  if (want.is_object()) {
    BOOST_TEST_REQUIRE(got.is_object(), path);
    BOOST_TEST(want.as_object().size() == got.as_object().size(), path);
    for (const auto& kv : want.as_object()) {
      const json::value* g = got.as_object().if_contains(kv.key());
      BOOST_TEST_REQUIRE(g != nullptr, path << "." << kv.key() << " missing");
      expect_same(kv.value(), *g, path + "." + std::string(kv.key()));
    }
  } else if (want.is_null()) {
    BOOST_TEST(got.is_null(), path);
  } else {
    BOOST_TEST_REQUIRE(got.is_number(), path);
    BOOST_TEST(std::abs(want.to_number<double>() - got.to_number<double>()) < 1e-9, path);
  }
}

void expect_report(const std::string& args, const std::string& input, const std::string& expected) {
  const run_result r = run(args, data_dir / input);
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  BOOST_TEST(r.err.empty());
  boost::system::error_code ec;
  const json::value got = json::parse(r.out, ec);
  BOOST_TEST_REQUIRE(!ec, r.out);
  expect_same(json::parse(slurp(data_dir / expected)), got, expected);
}

}  // namespace

BOOST_AUTO_TEST_CASE(rules_fixture) {
  expect_report("", "rules.jsonl", "rules.expected.json");
}

BOOST_AUTO_TEST_CASE(as_of_cuts_the_log) {
  // 2026-11-02 10:01:40 +08:00: c1's second answer lands exactly at as_of and counts.
  expect_report("--as-of 1793584900000", "rules.jsonl", "rules.as_of.expected.json");
  expect_report("--as-of=1793584900000", "rules.jsonl", "rules.as_of.expected.json");
}

BOOST_AUTO_TEST_CASE(service_hours_fixture) {
  expect_report("--merchants " + quote((data_dir / "hours.merchants.json").string()), "hours.jsonl",
                "hours.expected.json");
}

BOOST_AUTO_TEST_CASE(single_group_and_csv) {
  const run_result r = run("--group agent", data_dir / "rules.jsonl");
  BOOST_TEST_REQUIRE(r.status == 0);
  const json::value v = json::parse(r.out);
  BOOST_TEST(v.as_object().size() == 2u);
  BOOST_TEST(v.at("by_agent").as_object().size() == 3u);

  const run_result c = run("--group day --csv", data_dir / "rules.jsonl");
  BOOST_TEST_REQUIRE(c.status == 0);
  BOOST_TEST(c.out.starts_with("day,chats,turns,answered,"));
  BOOST_TEST(c.out.find("\n2026-11-01,1,1,1,10,1,10,1,1,1,0,0,0,0\n") != std::string::npos, c.out);

  const run_result p = run("--price-guide", data_dir / "rules.jsonl");
  BOOST_TEST_REQUIRE(p.status == 0, p.err);
  BOOST_TEST(json::parse(p.out).at("by_merchant").as_object().contains("m1"));
}

BOOST_AUTO_TEST_CASE(bad_lines_are_reported_with_their_number) {
  struct bad_case {
    const char* file;
    std::vector<std::string> needles;
  };
  const bad_case cases[] = {
      {"bad_json.jsonl", {"line 3:", "JSON"}},
      {"bad_type.jsonl", {"line 2:", "unknown type \"bot\""}},
      {"bad_missing.jsonl", {"line 1:", "\"merchant\""}},
      {"bad_agent.jsonl", {"line 2:", "line 3:", "\"agent\""}},
      {"bad_types.jsonl", {"line 1:", "line 2:", "line 3:", "line 4:", "4 bad lines"}},
  };
  for (const auto& c : cases) {
    const run_result r = run("", data_dir / c.file);
    BOOST_TEST(r.status == 1, c.file);
    BOOST_TEST(r.out.empty(), c.file);
    for (const auto& n : c.needles)
      BOOST_TEST(r.err.find(n) != std::string::npos, c.file << ": " << r.err);
  }
  // Line 1 of bad_json.jsonl is fine; line 2 is blank and reported like line 3.
  auto const blank_too = run("", data_dir / "bad_json.jsonl").err;
  BOOST_TEST(blank_too.find("line 1:") == std::string::npos);
  BOOST_TEST(blank_too.find("line 2: empty line") != std::string::npos, blank_too);
}

BOOST_AUTO_TEST_CASE(bad_usage) {
  const fs::path in = data_dir / "rules.jsonl";
  BOOST_TEST(run("--as-of", in).status == 2);
  BOOST_TEST(run("--as-of 12x", in).status == 2);
  BOOST_TEST(run("--group week", in).status == 2);
  BOOST_TEST(run("--bogus", in).status == 2);
  BOOST_TEST(run("--merchants /nonexistent/merchants.json", in).status == 2);
  const run_result bad =
      run("--merchants " + quote((data_dir / "bad.merchants.json").string()), in);
  BOOST_TEST(bad.status == 2);
  BOOST_TEST(bad.out.empty());
  BOOST_TEST(bad.err.find("shop") != std::string::npos, bad.err);
  BOOST_TEST(bad.err.find("not before") != std::string::npos, bad.err);
  const run_result help = run("--help", in);
  BOOST_TEST(help.status == 0);
  BOOST_TEST(help.out.find("usage: kefu-sla") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_input) {
  const fs::path dir = fs::temp_directory_path();
  const fs::path empty = dir / ("kefu-sla-empty-" + std::to_string(::getpid()));
  { std::ofstream(empty) << ""; }
  const run_result r = run("", empty);
  fs::remove(empty);
  BOOST_TEST_REQUIRE(r.status == 0);
  const json::value v = json::parse(r.out);
  BOOST_TEST(v.at("overall").at("chats").as_int64() == 0);
  BOOST_TEST(v.at("overall").at("reply_30s_rate").is_null());
  BOOST_TEST(v.at("by_day").as_object().empty());
}
