-- Kefu schema 2 (SQLite): QA records and the audit log.
-- Keep in step with sql/postgresql/002_qa.sql.

-- Samples, scorecards, reviews and appeals: one row each, the details as JSON.
CREATE TABLE qa_records (
  kind     TEXT NOT NULL,  -- sample | scorecard | review | appeal
  id       TEXT NOT NULL,
  merchant TEXT NOT NULL DEFAULT '',
  chat     TEXT NOT NULL DEFAULT '',
  agent    TEXT NOT NULL DEFAULT '',
  created  INTEGER NOT NULL,
  body     TEXT NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX qa_records_merchant ON qa_records (kind, merchant, created);
CREATE INDEX qa_records_chat ON qa_records (kind, chat);
CREATE INDEX qa_records_agent ON qa_records (kind, agent, created);

-- Append-only; each row's hash covers the previous row's hash, so an edited,
-- removed or reordered row breaks the chain (kefu-audit verify).
CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  target      TEXT NOT NULL,
  detail_json TEXT NOT NULL DEFAULT '{}',
  hash        TEXT NOT NULL
);
CREATE INDEX chats_closed ON chats (closed);
