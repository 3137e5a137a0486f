/**
 * Opens the hub database named by a URL — `sqlite:<file>` (the embedded default) or
 * `postgres://user:password@host:port/db` — applies pending migrations, and hands out a `HubDb`: the
 * Kysely query builder, the engine's name (for the few queries that differ, see dialect-sql.ts) and
 * `transaction(fn)`. Every store takes a `HubDb`; inside `transaction` the callback gets a `HubDb` bound
 * to that transaction, and a store made from it (or a nested `transaction`) runs in it.
 * A URL that is neither is a CXR_ERR_HUB_CONFIG; an unreachable or unopenable database CXR_ERR_HUB_DB_OPEN.
 */
import { Kysely } from 'kysely';
import { CxrError } from '../../models/errors.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { Migration } from './migrations/migration.ts';
import { openPostgres } from './postgres.ts';
import { openSqlite } from './sqlite.ts';
import type { HubTables } from './tables.ts';

export type HubDialect = 'sqlite' | 'postgres';

export interface HubDb {
  readonly kysely: Kysely<HubTables>;
  readonly dialect: HubDialect;
  /** Runs `fn` in one transaction (joins the current one when called on a transaction's HubDb). */
  transaction<T>(fn: (tx: HubDb) => Promise<T>): Promise<T>;
}

export interface HubDatabase extends HubDb {
  /** How many migrations the database has applied. */
  readonly schemaVersion: number;
  close(): Promise<void>;
}

export type DatabaseLocation = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string };

export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file.length > 0) return { dialect: 'sqlite', file };
  }
  if (/^postgres(ql)?:\/\/./.test(url)) return { dialect: 'postgres', url };
  throw new CxrError('CXR_ERR_HUB_CONFIG', 'database url must be sqlite:<file> or postgres://…');
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

function hubDb(kysely: Kysely<HubTables>, dialect: HubDialect): HubDb {
  const db: HubDb = {
    kysely,
    dialect,
    transaction: kysely.isTransaction
      ? (fn) => fn(db)
      : (fn) => kysely.transaction().execute((trx) => fn(hubDb(trx, dialect))),
  };
  return db;
}

export async function openHubDatabase(
  url: string,
  options: { migrations?: readonly Migration[] } = {},
): Promise<HubDatabase> {
  const location = parseDatabaseUrl(url);
  const migrations = options.migrations ?? MIGRATIONS;
  const engine =
    location.dialect === 'sqlite'
      ? openSqlite(location.file, migrations)
      : await openPostgres(location.url, migrations);
  const kysely = new Kysely<HubTables>({ dialect: engine.dialect });
  return {
    ...hubDb(kysely, location.dialect),
    schemaVersion: engine.schemaVersion,
    close: () => kysely.destroy(),
  };
}
