/**
 * One schema change, written once per engine. The SQLite text runs with `exec` (several statements);
 * the PostgreSQL text runs in the same transaction as the version bump. PostgreSQL text columns use the
 * "C" collation, so ORDER BY on names sorts byte-wise, as SQLite's BINARY collation does.
 */
export interface Migration {
  /** Short kebab-case name, for logs and docs. */
  name: string;
  sqlite: string;
  postgres: string;
}

export const PG_TEXT = 'TEXT COLLATE "C"';
