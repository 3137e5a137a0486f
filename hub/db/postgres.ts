/**
 * The PostgreSQL engine: a `pg` pool (BIGINT columns come back as JS numbers; a value past 2^53 is an
 * error rather than a silent rounding). Migrations run in ONE transaction under an advisory lock, counted
 * in `hub_schema`, so several hub processes starting together apply them once.
 */

import { PostgresDialect } from 'kysely';
import pg from 'pg';
import { CxrError } from '../../models/errors.ts';
import type { Migration } from './migrations/migration.ts';

const INT8_OID = 20;
/** Key of the advisory lock that serialises migrations (any constant; "cxrhub" in ASCII). */
const MIGRATION_LOCK = 0x637872687562;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new CxrError('CXR_ERR_HUB_DB_SCHEMA', `integer ${text} is past 2^53`, { kind: 'internal' });
  }
  return value;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export async function migratePostgres(pool: pg.Pool, migrations: readonly Migration[]): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS hub_schema (version INTEGER NOT NULL)');
    const rows = (await client.query<{ version: number }>('SELECT version FROM hub_schema')).rows;
    if (rows.length === 0) await client.query('INSERT INTO hub_schema (version) VALUES (0)');
    const applied = rows[0]?.version ?? 0;
    if (applied > migrations.length) {
      throw new CxrError(
        'CXR_ERR_HUB_DB_SCHEMA',
        `the hub database has schema version ${applied}, newer than this hub knows (${migrations.length}); run the newer hub`,
        { kind: 'internal' },
      );
    }
    for (const migration of migrations.slice(applied)) await client.query(migration.postgres);
    await client.query('UPDATE hub_schema SET version = $1', [migrations.length]);
    await client.query('COMMIT');
    return migrations.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export interface PostgresEngine {
  dialect: PostgresDialect;
  schemaVersion: number;
}

export async function openPostgres(url: string, migrations: readonly Migration[]): Promise<PostgresEngine> {
  const pool = new pg.Pool({ connectionString: url, types, max: 10 });
  // An idle client that loses its server emits 'error' on the pool (unhandled, it would end the process);
  // the pool drops that client and the next query connects a new one.
  pool.on('error', (error) => {
    process.emitWarning(`PostgreSQL idle connection lost (${error.message}); the next query reconnects`);
  });
  // A connection ended while checked out (a terminated backend, a server restart; e.g. one holding a cluster lock
  // between queries) emits 'error' on its client, which would end the process unheard: its next query fails
  // instead, and the pool drops it when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    const schemaVersion = await migratePostgres(pool, migrations);
    return { dialect: new PostgresDialect({ pool }), schemaVersion };
  } catch (cause) {
    await pool.end().catch(() => {});
    if (cause instanceof CxrError) throw cause;
    throw new CxrError('CXR_ERR_HUB_DB_OPEN', `cannot open the hub database: ${(cause as Error).message}`, {
      kind: 'internal',
      cause,
    });
  }
}
