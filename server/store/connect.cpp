#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <string_view>
#include <thread>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <sqlite3.h>

#include "server/store/detail.hpp"

namespace kefu::store::detail {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

void parse_sqlite_options(std::string_view query, connect_info& info) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos) throw store_error("sqlite URL option without a value");
    auto key = item.substr(0, eq);
    std::string value(item.substr(eq + 1));
    if (key == "busy_timeout") {
      try {
        std::size_t used = 0;
        info.busy_timeout_ms = std::stoi(value, &used);
        if (used != value.size() || info.busy_timeout_ms < 0) throw std::invalid_argument(value);
      } catch (std::exception const&) {
        throw store_error("sqlite URL: busy_timeout must be a number of milliseconds");
      }
    } else if (key == "synchronous") {
      info.synchronous = upper(value);
      if (info.synchronous != "NORMAL" && info.synchronous != "FULL" && info.synchronous != "EXTRA")
        throw store_error("sqlite URL: synchronous must be normal, full or extra");
    } else {
      throw store_error("sqlite URL: unknown option '" + std::string(key) + "'");
    }
  }
}

connect_info parse_sqlite(std::string_view rest) {
  connect_info info;
  info.kind = backend_kind::sqlite;
  if (starts_with(rest, "//")) rest.remove_prefix(2);  // tolerate sqlite:///abs/path
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    parse_sqlite_options(rest.substr(q + 1), info);
    rest = rest.substr(0, q);
  }
  if (rest.empty()) throw store_error("sqlite URL without a file path (expected sqlite:PATH)");
  if (rest == ":memory:")
    throw store_error("sqlite::memory: is not supported: the pool needs a shared file");
  // SOCI reads a connect string containing '=' as key=value options.
  if (rest.find('=') != std::string_view::npos || rest.find('"') != std::string_view::npos)
    throw store_error("sqlite path must not contain '=' or '\"'");

  std::filesystem::path path{std::string(rest)};
  if (auto parent = path.parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec)
      throw store_error("cannot create directory " + parent.string() +
                        " for the database: " + ec.message());
  }
  info.connect_string = path.string();
  return info;
}

connect_info parse_postgresql(std::string const& url) {
  connect_info info;
  info.kind = backend_kind::postgresql;
  info.connect_string = url;
  // Fail fast on an unreachable host instead of waiting for the TCP timeout.
  // This also matters to SOCI 4.0, which reads its connect string as
  // key=value words: a URI with no '=' at all would reach libpq with a
  // trailing '=' glued to the database name. (URIs hold no spaces, so one
  // '=' is enough for the string to come through unchanged.)
  bool const uri = url.find("://") != std::string::npos;
  if (url.find("connect_timeout=") == std::string::npos) {
    if (uri)
      info.connect_string +=
          (url.find('?') == std::string::npos ? "?" : "&") + std::string("connect_timeout=10");
    else
      info.connect_string += " connect_timeout=10";
  }
  return info;
}

// libpq's keyword form: host=… dbname=… (one "word=" at the start is enough to tell).
bool is_keyword_connect_string(std::string const& s) {
  auto const eq = s.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  for (std::size_t i = 0; i < eq; ++i)
    if (!(std::isalpha(static_cast<unsigned char>(s[i])) || s[i] == '_')) return false;
  return true;
}

// Switching a fresh database to WAL can answer SQLITE_BUSY without calling the busy handler
// while another connection is doing the same or recovering the log (several connections of
// one process open at once: the writer, its checkpointer, the pool). Retried for as long as
// busy_timeout allows.
std::string journal_mode_wal(soci::session& sql, int busy_timeout_ms) {
  auto const until = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  for (int pause_ms = 1;; pause_ms = std::min(pause_ms * 2, 50)) {
    try {
      std::string mode;
      sql << "PRAGMA journal_mode = WAL", soci::into(mode);
      return mode;
    } catch (soci::sqlite3_soci_error const& e) {
      int const code = e.result() & 0xff;
      if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) ||
          std::chrono::steady_clock::now() >= until)
        throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
}

}  // namespace

connect_info parse_url(std::string const& url) {
  if (starts_with(url, "sqlite:")) return parse_sqlite(std::string_view(url).substr(7));
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://") ||
      is_keyword_connect_string(url))
    return parse_postgresql(url);
  // The URL may carry a password: name only its scheme.
  auto colon = url.find(':');
  throw store_error(
      "unsupported database URL" +
      (colon == std::string::npos ? std::string() : " scheme '" + url.substr(0, colon) + "'") +
      "; expected sqlite:PATH, postgresql://… or host=… dbname=…");
}

void connect(soci::session& sql, connect_info const& info) {
  try {
    if (info.kind == backend_kind::sqlite) {
      if (sqlite_api::sqlite3_libversion_number() < 3024000)  // INSERT … ON CONFLICT
        throw store_error(std::string("SQLite 3.24 or newer is required, this is ") +
                          sqlite_api::sqlite3_libversion());
      sql.open(soci::sqlite3, info.connect_string);
      // busy_timeout first, so that switching the journal mode waits for other connections.
      sql << "PRAGMA busy_timeout = " + std::to_string(info.busy_timeout_ms);
      std::string mode = journal_mode_wal(sql, info.busy_timeout_ms);
      if (upper(mode) != "WAL")
        throw store_error("sqlite: cannot switch " + info.connect_string +
                          " to WAL mode (journal_mode is " + mode + ")");
      sql << "PRAGMA synchronous = " + info.synchronous;
      // Index pages of the busy tables stay in memory instead of being re-read with a pread
      // per lookup; reads of the file go through a shared mapping.
      sql << "PRAGMA cache_size = -16384";
      sql << "PRAGMA mmap_size = 268435456";
      sql << "PRAGMA temp_store = MEMORY";
      sql << "PRAGMA foreign_keys = ON";
    } else {
      sql.open(soci::postgresql, info.connect_string);
      // libpq prints NOTICEs (e.g. "already exists, skipping") on stderr.
      sql << "SET client_min_messages = warning";
    }
  } catch (store_error const&) {
    sql.close();
    throw;
  } catch (std::exception const& e) {
    sql.close();
    throw to_store_error(info.kind == backend_kind::sqlite
                             ? "cannot open sqlite database " + info.connect_string
                             : std::string("cannot connect to postgresql"),
                         e);
  }
}

void begin_write(soci::session& sql, backend_kind kind) {
  if (kind == backend_kind::sqlite)
    sql << "BEGIN IMMEDIATE";
  else
    sql.begin();
}

bool is_constraint_violation(soci::soci_error const& e) {
  if (e.get_error_category() == soci::soci_error::constraint_violation) return true;
  if (auto const* s = dynamic_cast<soci::sqlite3_soci_error const*>(&e))
    if ((s->result() & 0xff) == SQLITE_CONSTRAINT) return true;
  if (auto const* p = dynamic_cast<soci::postgresql_soci_error const*>(&e))
    if (starts_with(p->sqlstate(), "23")) return true;
  auto msg = e.get_error_message();
  for (auto const* needle : {"UNIQUE constraint failed", "FOREIGN KEY constraint failed",
                             "CHECK constraint failed", "NOT NULL constraint failed", "23505",
                             "23503", "duplicate key value violates unique constraint"})
    if (msg.find(needle) != std::string::npos) return true;
  return false;
}

bool is_data_error(soci::soci_error const& e) {
  if (is_constraint_violation(e)) return true;
  if (auto const* s = dynamic_cast<soci::sqlite3_soci_error const*>(&e)) {
    int code = s->result() & 0xff;
    return code == SQLITE_MISMATCH || code == SQLITE_TOOBIG || code == SQLITE_RANGE;
  }
  if (auto const* p = dynamic_cast<soci::postgresql_soci_error const*>(&e))
    return starts_with(p->sqlstate(), "22");  // data exception, e.g. invalid UTF-8
  return false;
}

std::string describe(std::exception const& e) {
  std::string msg;
  if (auto const* s = dynamic_cast<soci::soci_error const*>(&e))
    msg = s->get_error_message();
  else
    msg = e.what();
  // libpq messages span several lines; keep log lines whole.
  std::string out;
  bool space = false;
  for (char c : msg) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

store_error to_store_error(std::string const& what, std::exception const& e) {
  store_error err(what + ": " + describe(e));
  if (auto const* s = dynamic_cast<soci::soci_error const*>(&e))
    err.constraint_violation = is_constraint_violation(*s);
  else if (auto const* se = dynamic_cast<store_error const*>(&e))
    err.constraint_violation = se->constraint_violation;
  return err;
}

}  // namespace kefu::store::detail
