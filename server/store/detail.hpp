#pragma once
// Private to kefu_store: connection set-up and error translation shared by the
// pooled sessions, the writer and the migrations. Users of the store never see
// SOCI.

#include <exception>
#include <string>

#include <soci/soci.h>

#include "server/store/store.hpp"

namespace kefu::store::detail {

enum class backend_kind { sqlite, postgresql };

// What open() understood of its URL.
struct connect_info {
  backend_kind kind = backend_kind::sqlite;
  std::string connect_string;  // handed to the SOCI backend
  // SQLite only. synchronous=NORMAL in WAL mode loses nothing on a process
  // crash (kill -9), only possibly the last commits on an OS crash / power cut.
  int busy_timeout_ms = 5000;
  std::string synchronous = "NORMAL";
};

// "sqlite:PATH[?busy_timeout=MS&synchronous=normal|full|extra]" (creates the
// parent directory) or "postgresql://…" / "postgres://…" (a libpq URI).
connect_info parse_url(std::string const& url);

// Opens a closed session and applies the per-connection settings (the SQLite
// pragmas must be set on every connection, not once per database file).
void connect(soci::session& sql, connect_info const& info);

// Starts a write transaction. SQLite takes the write lock up front (BEGIN
// IMMEDIATE): a deferred transaction that reads first can fail with
// SQLITE_BUSY_SNAPSHOT without ever waiting on busy_timeout.
void begin_write(soci::session& sql, backend_kind kind);

// Unique / foreign key / check violation, by category or, as a fallback, by
// SQLite result code or message text.
bool is_constraint_violation(soci::soci_error const& e);

// An error that one bad write causes by itself (constraint, bad value), as
// opposed to the database being unavailable. The writer isolates such writes.
bool is_data_error(soci::soci_error const& e);

// Message of the error in flight without SOCI's context (which can quote bound
// values such as password hashes).
std::string describe(std::exception const& e);

// store_error for `what` failing because of e.
store_error to_store_error(std::string const& what, std::exception const& e);

}  // namespace kefu::store::detail
