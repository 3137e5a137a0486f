/**
 * Pins: an agent (or, with `agent` null, every agent of a site) held at one version. An agent pin wins
 * over its site's pin (rollout/fleet-snapshot.ts). Rollouts of other versions leave pinned agents out.
 */
import type { HubDb } from './db.ts';

export interface Pin {
  site: string;
  /** null: the whole site. */
  agent: string | null;
  version: string;
  pinnedBy: string;
  pinnedAt: string;
}

export interface PinsStore {
  list(): Pin[];
  get(site: string, agent: string | null): Pin | undefined;
  set(pin: Pin): void;
  clear(site: string, agent: string | null): void;
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
  const all = db.prepare('SELECT * FROM pins ORDER BY site, agent');
  const one = db.prepare('SELECT * FROM pins WHERE site = ? AND agent = ?');
  const put = db.prepare(
    `INSERT INTO pins (site, agent, version, pinned_by, pinned_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (site, agent) DO UPDATE SET version = excluded.version, pinned_by = excluded.pinned_by,
       pinned_at = excluded.pinned_at`,
  );
  const remove = db.prepare('DELETE FROM pins WHERE site = ? AND agent = ?');
  const get = (site: string, agent: string | null) => {
    const row = one.get(site, agent ?? '') as PinRow | undefined;
    return row ? toPin(row) : undefined;
  };
  return {
    list: () => (all.all() as PinRow[]).map(toPin),
    get,
    set(pin) {
      put.run(pin.site, pin.agent ?? '', pin.version, pin.pinnedBy, pin.pinnedAt);
    },
    clear(site, agent) {
      remove.run(site, agent ?? '');
    },
  };
}
