/**
 * Runs a store's contract suite on both engines: a fresh SQLite file and a fresh database in one
 * throwaway PostgreSQL cluster per test process (test/support/postgres.ts). Each database opened through
 * `fresh()` is closed after its suite.
 *
 *   describeOnEachEngine('results store', (fresh) => { it('…', async () => { const db = await fresh(); … }) });
 */
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { type HubDatabase, type HubDialect, openHubDatabase } from '../../../hub/db/database.ts';
import type { Migration } from '../../../hub/db/migrations/migration.ts';
import { type PostgresCluster, startPostgres } from '../../support/postgres.ts';
import { tempDir } from '../fixtures.ts';

export const ENGINES: readonly HubDialect[] = ['sqlite', 'postgres'];

let cluster: Promise<PostgresCluster> | undefined;

/** A URL of a new, empty database on the engine. */
export async function freshDatabaseUrl(engine: HubDialect): Promise<string> {
  if (engine === 'sqlite') return `sqlite:${join(tempDir('cxr-hub-db-'), 'hub.db')}`;
  cluster ??= startPostgres();
  return (await cluster).createDatabase();
}

export type FreshDatabase = (options?: { migrations?: readonly Migration[] }) => Promise<HubDatabase>;

export function describeOnEachEngine(name: string, suite: (fresh: FreshDatabase, engine: HubDialect) => void) {
  for (const engine of ENGINES) {
    describe(`${name} (${engine})`, () => {
      const opened: HubDatabase[] = [];
      after(async () => {
        await Promise.all(opened.map((db) => db.close()));
      });
      suite(async (options = {}) => {
        const db = await openHubDatabase(await freshDatabaseUrl(engine), options);
        opened.push(db);
        return db;
      }, engine);
    });
  }
}
