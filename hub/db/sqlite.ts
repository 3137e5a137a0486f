/**
 * The SQLite engine: one better-sqlite3 connection with WAL, synchronous=FULL (an ack promises the row
 * survives a power cut), foreign keys on and a busy timeout (`cxr hub user add` may write while the hub
 * runs). Migrations run one transaction each, counted by `PRAGMA user_version` (as before migrations
 * moved to hub/db/), so existing hub files upgrade in place. Kysely's SQLite driver prepares each query
 * again; here prepared statements are kept by SQL text, since the stores build a small fixed set of them.
 */
import Database from 'better-sqlite3';
import { type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
import { CxrError } from '../../models/errors.ts';
import type { Migration } from './migrations/migration.ts';

const MAX_CACHED_STATEMENTS = 500;
/** Longer SQL (multi-row inserts, whose text varies with the batch size) is prepared each time. */
const MAX_CACHED_SQL_LENGTH = 4096;

function cachingStatements(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql) as unknown as SqliteStatement;
        if (sql.length > MAX_CACHED_SQL_LENGTH) return statement;
        if (cache.size >= MAX_CACHED_STATEMENTS) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/** Applies the migrations past the file's `user_version`, each in its own transaction; returns the version. */
export function migrateSqlite(db: Database.Database, migrations: readonly Migration[]): number {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > migrations.length) {
    throw new CxrError(
      'CXR_ERR_HUB_DB_SCHEMA',
      `the hub database has schema version ${applied}, newer than this hub knows (${migrations.length}); run the newer hub`,
      { kind: 'internal' },
    );
  }
  for (let i = applied; i < migrations.length; i++) {
    db.transaction(() => {
      db.exec(migrations[i]!.sqlite);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  return migrations.length;
}

export interface SqliteEngine {
  dialect: SqliteDialect;
  schemaVersion: number;
}

export function openSqlite(file: string, migrations: readonly Migration[]): SqliteEngine {
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (cause) {
    throw new CxrError('CXR_ERR_HUB_DB_OPEN', `cannot open the hub database: ${(cause as Error).message}`, {
      kind: 'internal',
      cause,
    });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const schemaVersion = migrateSqlite(db, migrations);
    return { dialect: new SqliteDialect({ database: cachingStatements(db) }), schemaVersion };
  } catch (error) {
    db.close();
    throw error;
  }
}
