-- Kefu schema 2 (PostgreSQL): QA records and the audit log.
-- Keep in step with sql/sqlite/002_qa.sql.

CREATE TABLE qa_records (
  kind     TEXT NOT NULL,
  id       TEXT NOT NULL,
  merchant TEXT NOT NULL DEFAULT '',
  chat     TEXT NOT NULL DEFAULT '',
  agent    TEXT NOT NULL DEFAULT '',
  created  BIGINT NOT NULL,
  body     TEXT NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX qa_records_merchant ON qa_records (kind, merchant, created);
CREATE INDEX qa_records_chat ON qa_records (kind, chat);
CREATE INDEX qa_records_agent ON qa_records (kind, agent, created);

CREATE TABLE audit_log (
  seq         BIGINT PRIMARY KEY,
  at          BIGINT NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  target      TEXT NOT NULL,
  detail_json TEXT NOT NULL DEFAULT '{}',
  hash        TEXT NOT NULL
);
CREATE INDEX chats_closed ON chats (closed);
