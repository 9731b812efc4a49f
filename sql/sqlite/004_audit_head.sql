-- Kefu schema 4 (SQLite): the audit log's newest entry, kept apart from the rows and written in
-- the same transaction as each of them, so rows deleted from the end of the log (which leave a
-- shorter chain that still verifies) are caught by kefu-audit verify.
CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
  SELECT 1, seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1;
