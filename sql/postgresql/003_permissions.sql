-- Kefu schema 3 (PostgreSQL): extra per-user permissions (JSON array, e.g. ["unmask"]).
ALTER TABLE users ADD COLUMN permissions TEXT NOT NULL DEFAULT '[]';
