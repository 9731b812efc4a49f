#include "server/store/migrate.hpp"

#include <chrono>
#include <set>

namespace kefu::store::detail {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void rollback_quietly(soci::session& sql) {
  try {
    sql.rollback();
  } catch (std::exception const&) {
    // The connection may be gone; the server rolls back on its own then.
  }
}

}  // namespace

std::vector<std::string> split_statements(std::string const& script) {
  std::vector<std::string> out;
  std::string current;
  bool in_quote = false;
  auto flush = [&] {
    auto first = current.find_first_not_of(" \t\r\n");
    if (first != std::string::npos) {
      auto last = current.find_last_not_of(" \t\r\n");
      out.push_back(current.substr(first, last - first + 1));
    }
    current.clear();
  };
  for (std::size_t i = 0; i < script.size(); ++i) {
    char c = script[i];
    if (in_quote) {
      current += c;
      if (c == '\'') in_quote = false;  // '' re-enters at once: fine for splitting
    } else if (c == '\'') {
      current += c;
      in_quote = true;
    } else if (c == '-' && i + 1 < script.size() && script[i + 1] == '-') {
      while (i < script.size() && script[i] != '\n') ++i;
      current += '\n';
    } else if (c == ';') {
      flush();
    } else {
      current += c;
    }
  }
  flush();
  return out;
}

void migrate(soci::session& sql, backend_kind kind) {
  auto const wanted = embedded_migrations(kind);
  migration const* running = nullptr;
  try {
    begin_write(sql, kind);
    if (kind == backend_kind::postgresql) {
      // Serialises concurrent start-ups; released at commit. CREATE TABLE IF NOT
      // EXISTS alone can still race on the catalog.
      int one = 0;
      sql << "SELECT 1 FROM (SELECT pg_advisory_xact_lock(4736291)) AS l", soci::into(one);
    }
    sql << "CREATE TABLE IF NOT EXISTS schema_migrations ("
           "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)";

    std::set<int> applied;
    {
      int version = 0;
      soci::statement st =
          (sql.prepare << "SELECT version FROM schema_migrations", soci::into(version));
      st.execute();
      while (st.fetch()) applied.insert(version);
    }
    int const newest = wanted.empty() ? 0 : wanted.back().version;
    if (!applied.empty() && *applied.rbegin() > newest)
      throw store_error("database schema version " + std::to_string(*applied.rbegin()) +
                        " is newer than this kefud (" + std::to_string(newest) + ")");

    for (auto const& m : wanted) {
      if (applied.count(m.version)) continue;
      running = &m;
      for (auto const& statement : split_statements(m.sql)) sql << statement;
      std::string name = m.name;
      std::int64_t at = now_ms();
      sql << "INSERT INTO schema_migrations (version, name, applied) VALUES (:v, :n, :a)",
          soci::use(m.version), soci::use(name), soci::use(at);
    }
    running = nullptr;
    sql.commit();
  } catch (std::exception const& e) {
    rollback_quietly(sql);
    if (running)
      throw to_store_error(
          "migration " + std::to_string(running->version) + "_" + running->name + " failed", e);
    if (auto const* se = dynamic_cast<store_error const*>(&e)) throw *se;
    throw to_store_error("cannot apply schema migrations", e);
  }
}

}  // namespace kefu::store::detail
