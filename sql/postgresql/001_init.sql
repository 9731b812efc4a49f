-- Kefu schema 1 (PostgreSQL). Times are epoch milliseconds; JSON is stored as text.
-- Keep in step with sql/sqlite/001_init.sql.

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  merchants     TEXT NOT NULL DEFAULT '[]',  -- JSON array of merchant ids, ["*"] = all
  capacity      INTEGER NOT NULL DEFAULT 5,
  created       BIGINT NOT NULL
);

CREATE TABLE login_sessions (
  token_hash TEXT PRIMARY KEY,  -- hex sha256 of the bearer token
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created    BIGINT NOT NULL,
  expires    BIGINT NOT NULL
);
CREATE INDEX login_sessions_user ON login_sessions (user_id);
CREATE INDEX login_sessions_expires ON login_sessions (expires);

CREATE TABLE merchants (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  platform      TEXT NOT NULL,
  channel_key   TEXT NOT NULL,
  settings_json TEXT NOT NULL DEFAULT '{}',
  created       BIGINT NOT NULL
);

CREATE TABLE chats (
  id       TEXT PRIMARY KEY,
  merchant TEXT NOT NULL REFERENCES merchants (id),
  buyer    TEXT NOT NULL,
  agent    TEXT NOT NULL DEFAULT '',  -- current or last holder
  opened   BIGINT NOT NULL,
  closed   BIGINT,
  rating   TEXT,
  last_seq BIGINT NOT NULL DEFAULT 0  -- kept by the writer in the same transaction as the message
);
CREATE INDEX chats_opened ON chats (opened);
CREATE INDEX chats_merchant_opened ON chats (merchant, opened);
-- Start-up recovery reads the open chats only.
CREATE INDEX chats_open ON chats (opened) WHERE closed IS NULL;

-- ord is the global arrival order shared with chat_events, assigned by the writer.
-- UNIQUE (chat, seq) doubles as the "messages by chat" index (blocked rows have a NULL seq).
-- client_id is NULL for auto / system messages, which NULL keeps out of the idempotency key.
CREATE TABLE messages (
  ord          BIGINT PRIMARY KEY,
  chat         TEXT NOT NULL REFERENCES chats (id),
  seq          BIGINT,
  sender       TEXT NOT NULL,
  agent        TEXT NOT NULL DEFAULT '',
  sender_key   TEXT NOT NULL,
  client_id    TEXT,
  text         TEXT NOT NULL,
  ts           BIGINT NOT NULL,
  verdict_json TEXT,
  blocked      BOOLEAN NOT NULL DEFAULT FALSE,
  CHECK (NOT blocked OR seq IS NULL),
  UNIQUE (chat, seq),
  UNIQUE (sender_key, client_id)
);

CREATE TABLE chat_events (
  ord   BIGINT PRIMARY KEY,
  chat  TEXT NOT NULL REFERENCES chats (id),
  kind  TEXT NOT NULL,
  agent TEXT NOT NULL DEFAULT '',
  data  TEXT NOT NULL DEFAULT '',
  ts    BIGINT NOT NULL
);
CREATE INDEX chat_events_chat ON chat_events (chat, ord);
