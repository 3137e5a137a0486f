/**
 * Pins: an agent (or, with `agent` null, every agent of a site) held at one version. An agent pin wins
 * over its site's pin (fleet-snapshot.ts). Rollouts of other versions leave pinned agents out.
 */
import { sql } from 'kysely';
import type { HubDb } from '../db/database.ts';

export interface Pin {
  site: string;
  /** null: the whole site. */
  agent: string | null;
  version: string;
  pinnedBy: string;
  pinnedAt: string;
}

export interface PinsStore {
  list(): Promise<Pin[]>;
  get(site: string, agent: string | null): Promise<Pin | undefined>;
  set(pin: Pin): Promise<void>;
  clear(site: string, agent: string | null): Promise<void>;
}

interface PinRow {
  site: string;
  agent: string;
  version: string;
  pinned_by: string;
  pinned_at: string;
}

// The whole-site pin is stored with agent '' (part of the primary key, so it cannot be NULL).
const toPin = (row: PinRow): Pin => ({
  site: row.site,
  agent: row.agent === '' ? null : row.agent,
  version: row.version,
  pinnedBy: row.pinned_by,
  pinnedAt: row.pinned_at,
});

export function createPinsStore(db: HubDb): PinsStore {
  const { kysely } = db;
  return {
    async list() {
      return (await kysely.selectFrom('pins').selectAll().orderBy('site').orderBy('agent').execute()).map(toPin);
    },
    async get(site, agent) {
      const row = await kysely
        .selectFrom('pins')
        .selectAll()
        .where('site', '=', site)
        .where('agent', '=', agent ?? '')
        .executeTakeFirst();
      return row ? toPin(row) : undefined;
    },
    async set(pin) {
      await kysely
        .insertInto('pins')
        .values({
          site: pin.site,
          agent: pin.agent ?? '',
          version: pin.version,
          pinned_by: pin.pinnedBy,
          pinned_at: pin.pinnedAt,
        })
        .onConflict((oc) =>
          oc.columns(['site', 'agent']).doUpdateSet({
            version: sql.ref('excluded.version'),
            pinned_by: sql.ref('excluded.pinned_by'),
            pinned_at: sql.ref('excluded.pinned_at'),
          }),
        )
        .execute();
    },
    async clear(site, agent) {
      await kysely
        .deleteFrom('pins')
        .where('site', '=', site)
        .where('agent', '=', agent ?? '')
        .execute();
    },
  };
}
