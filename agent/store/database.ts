/**
 * Opens the agent's SQLite database (better-sqlite3): WAL, `synchronous=FULL` (a committed result must
 * survive power loss: ARCHITECTURE.md "Delivery"), and the schema. Synchronous API on purpose (STYLE.md).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CxrError } from '../../models/errors.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS files (
  sha256 TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('scored', 'quarantined')),
  result_id TEXT,
  error_code TEXT,
  error_message TEXT,
  done_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS seen_paths (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  result_id TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at);
CREATE TABLE IF NOT EXISTS rejected (
  result_id TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  payload TEXT NOT NULL,
  at INTEGER NOT NULL
);
`;

export function openAgentDatabase(path: string): Database.Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    return db;
  } catch (cause) {
    throw new CxrError('CXR_ERR_AGENT_DB', `cannot open agent database: ${(cause as Error).message}`, {
      kind: 'internal',
      cause,
    });
  }
}
