/**
 * Copies a SQLite hub database into a new PostgreSQL one (`cxr hub migrate --to postgres://…`). Both are
 * migrated to this hub's schema first, so they have the same tables and columns. The target must be empty
 * (CXR_ERR_HUB_MIGRATE_TARGET). The source is read in one transaction (a consistent snapshot even if a
 * hub writes meanwhile; stop the hub to copy everything it has), every table is copied in foreign-key order
 * in batches inside ONE target transaction (a failure leaves the target empty), and each identity sequence
 * is moved past the copied ids, so new rows do not collide with copied ones.
 */
import { type Kysely, sql } from 'kysely';
import { CxrError } from '../../models/errors.ts';
import type { HubDatabase, HubDb } from './database.ts';

export interface TableCopy {
  table: string;
  rows: number;
}

const BATCH_ROWS = 500;

// Tables and columns are only known at run time here (whatever the migrations made), so this module
// reads and writes through an untyped Kysely.
type AnyDb = Kysely<Record<string, Record<string, unknown>>>;

/** The target's tables (minus the migration counter), parents before children. */
async function tablesInForeignKeyOrder(target: AnyDb): Promise<string[]> {
  const tables = (
    await sql<{ name: string }>`
      SELECT tablename AS name FROM pg_tables
      WHERE schemaname = current_schema() AND tablename <> 'hub_schema' ORDER BY tablename`.execute(target)
  ).rows.map((r) => r.name);
  const edges = (
    await sql<{ child: string; parent: string }>`
      SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
      WHERE k.contype = 'f' AND c.relname <> p.relname`.execute(target)
  ).rows;
  const ordered: string[] = [];
  const visit = (table: string, path: Set<string>) => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const e of edges.filter((e) => e.child === table)) visit(e.parent, path);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

async function columnsOf(target: AnyDb, table: string): Promise<string[]> {
  const rows = await sql<{ name: string }>`
    SELECT column_name AS name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ${table} ORDER BY ordinal_position`.execute(target);
  return rows.rows.map((r) => r.name);
}

async function refuseUnlessEmpty(target: AnyDb, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    const { rows } = await sql`SELECT 1 FROM ${sql.table(table)} LIMIT 1`.execute(target);
    if (rows.length > 0) {
      throw new CxrError(
        'CXR_ERR_HUB_MIGRATE_TARGET',
        `the target database is not empty (table ${table} has rows); migrate into a new, empty database`,
      );
    }
  }
}

/** Moves every identity sequence past the largest copied id. */
async function fixSequences(target: AnyDb): Promise<void> {
  const identities = await sql<{ table: string; column: string }>`
    SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
    WHERE table_schema = current_schema() AND is_identity = 'YES'`.execute(target);
  for (const { table, column } of identities.rows) {
    await sql`SELECT setval(pg_get_serial_sequence(${table}, ${column}),
      (SELECT coalesce(max(${sql.ref(column)}), 0) + 1 FROM ${sql.table(table)}), false)`.execute(target);
  }
}

export async function copyHubDatabase(source: HubDatabase, target: HubDatabase): Promise<TableCopy[]> {
  if (source.dialect !== 'sqlite' || target.dialect !== 'postgres') {
    throw new CxrError('CXR_ERR_HUB_MIGRATE_TARGET', 'hub migrate copies a SQLite hub database into PostgreSQL');
  }
  if (source.schemaVersion !== target.schemaVersion) {
    throw new CxrError('CXR_ERR_HUB_MIGRATE_TARGET', 'source and target are at different schema versions');
  }
  return source.transaction((from: HubDb) =>
    target.transaction(async (to: HubDb) => {
      const read = from.kysely as unknown as AnyDb;
      const write = to.kysely as unknown as AnyDb;
      const tables = await tablesInForeignKeyOrder(write);
      await refuseUnlessEmpty(write, tables);
      const copied: TableCopy[] = [];
      for (const table of tables) {
        const columns = await columnsOf(write, table);
        let batch: Record<string, unknown>[] = [];
        let rows = 0;
        const flush = async () => {
          if (batch.length > 0) await write.insertInto(table).values(batch).execute();
          rows += batch.length;
          batch = [];
        };
        for await (const row of read.selectFrom(table).select(columns).stream(BATCH_ROWS)) {
          batch.push(row);
          if (batch.length >= BATCH_ROWS) await flush();
        }
        await flush();
        copied.push({ table, rows });
      }
      await fixSequences(write);
      return copied;
    }),
  );
}
