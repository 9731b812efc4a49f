// kefu-sla: replays an event log (JSON Lines on stdin) through the SLA engine
// and prints the report of sla.md on stdout. See docs/sla.md.

#include "server/core/sla/engine.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace sla = kefu::sla;
namespace json = boost::json;

constexpr int exit_bad_input = 1;
constexpr int exit_usage = 2;
constexpr std::size_t max_reported_errors = 20;

constexpr std::string_view usage_text =
    R"(usage: kefu-sla [--as-of MS] [--merchants FILE] [--group G] [--csv] [--price-guide] < events.jsonl

Replays chat events (one JSON object per line: {"ts","chat","merchant","type","agent"?})
and prints the SLA report {"overall","by_merchant","by_agent","by_day"} as JSON.

  --as-of MS        evaluate as of this epoch-ms instant; later events are ignored
                    (default: the largest timestamp in the input)
  --merchants FILE  per-merchant thresholds and service hours (JSON object keyed by merchant)
  --group G         print only {"overall","by_G"}; G is merchant, agent or day
  --csv             print CSV instead of JSON: one row per key of --group (or one overall row)
  --price-guide     print daily consultations per seat and the price-guide tier per merchant
  -h, --help        show this help

A bad line (not JSON, unknown type, missing field, or empty) is reported on stderr with its
line number and nothing is printed on stdout. Exit status: 0 ok, 1 bad input, 2 bad usage or merchants file.
)";

struct options {
  std::optional<std::int64_t> as_of;
  std::optional<std::string> merchants;
  std::optional<sla::group> group;
  bool csv = false;
  bool price_guide = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "kefu-sla: " << message << "\n(see kefu-sla --help)\n";
  std::exit(exit_usage);
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::optional<std::string_view> inline_value;
    if (arg.starts_with("--")) {
      if (auto eq = arg.find('='); eq != std::string_view::npos) {
        inline_value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
      }
    }
    auto value = [&]() -> std::string_view {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) usage_error(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << usage_text;
      std::exit(0);
    } else if (arg == "--as-of") {
      const std::string_view v = value();
      std::int64_t ms = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
      if (ec != std::errc() || p != v.data() + v.size() || v.empty()) {
        usage_error("--as-of expects an integer epoch-ms instant, got \"" + std::string(v) + "\"");
      }
      o.as_of = ms;
    } else if (arg == "--merchants") {
      o.merchants = std::string(value());
    } else if (arg == "--group") {
      const std::string_view v = value();
      o.group = sla::parse_group(v);
      if (!o.group)
        usage_error("--group expects merchant, agent or day, got \"" + std::string(v) + "\"");
    } else if (arg == "--csv" && !inline_value) {
      o.csv = true;
    } else if (arg == "--price-guide" && !inline_value) {
      o.price_guide = true;
    } else {
      usage_error("unknown argument \"" + std::string(argv[i]) + "\"");
    }
  }
  return o;
}

std::string read_all(std::FILE* f) {
  std::string data;
  std::size_t used = 0;
  data.resize(1 << 20);
  for (;;) {
    const std::size_t n = std::fread(data.data() + used, 1, data.size() - used, f);
    used += n;
    if (used < data.size()) {
      if (std::ferror(f)) throw std::runtime_error("read error on standard input");
      if (std::feof(f)) break;
      continue;
    }
    data.resize(data.size() * 2);
  }
  data.resize(used);
  return data;
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

int main(int argc, char** argv) {
  const options opt = parse_args(argc, argv);

  sla::policy_book book;
  if (opt.merchants) {
    std::ifstream in(*opt.merchants, std::ios::binary);
    if (!in) usage_error("cannot read merchants file \"" + *opt.merchants + "\"");
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = sla::parse_policy_book_text(text.str());
    if (!parsed) {
      std::cerr << "kefu-sla: merchants file \"" << *opt.merchants << "\": " << parsed.message()
                << "\n";
      return exit_usage;
    }
    book = std::move(*parsed);
  }

  std::string input;
  try {
    input = read_all(stdin);
  } catch (const std::exception& e) {
    std::cerr << "kefu-sla: " << e.what() << "\n";
    return exit_bad_input;
  }

  std::vector<sla::event> events;
  events.reserve(input.size() / 80 + 16);
  std::size_t bad = 0;
  std::size_t line_no = 0;
  unsigned char buffer[4096];
  std::string_view rest = input;
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);  // a UTF-8 byte order mark
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    ++line_no;
    // An empty line is a line without an event: reported like any other bad line, never
    // dropped (the newline that ends the last line starts no line of its own).
    if (blank(line)) {
      if (++bad <= max_reported_errors)
        std::cerr << "kefu-sla: line " << line_no << ": empty line (expected one JSON event)\n";
      continue;
    }
    // Each line decodes into a stack buffer that is reused for the next one.
    json::monotonic_resource mr(buffer, sizeof buffer);
    boost::system::error_code ec;
    json::value v = json::parse(line, ec, &mr);
    std::optional<std::string> problem;
    if (ec) {
      problem = "not valid JSON (" + ec.message() + ")";
    } else if (auto e = sla::parse_event(v)) {
      events.push_back(std::move(*e));
    } else {
      problem = e.message();
    }
    if (problem) {
      if (++bad <= max_reported_errors) {
        std::cerr << "kefu-sla: line " << line_no << ": " << *problem << "\n";
      }
    }
  }
  if (bad > 0) {
    if (bad > max_reported_errors) {
      std::cerr << "kefu-sla: ... " << bad - max_reported_errors << " more bad lines\n";
    }
    std::cerr << "kefu-sla: " << bad << " bad line" << (bad == 1 ? "" : "s")
              << " in the input; no report written\n";
    return exit_bad_input;
  }

  const auto chats = sla::replay(events, book, opt.as_of);
  std::string out;
  if (opt.price_guide) {
    out = sla::to_text(sla::price_report(chats, book));
    out += '\n';
  } else {
    const sla::report r = sla::aggregate(chats);
    if (opt.csv) {
      out = sla::to_csv(r, opt.group);
    } else {
      out = opt.group ? sla::serialize(r, *opt.group) : sla::serialize(r);
      out += '\n';
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) {
    std::cerr << "kefu-sla: cannot write the report\n";
    return exit_bad_input;
  }
  return 0;
}
