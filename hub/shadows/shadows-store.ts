/**
 * Live shadows as stored (migration 9): a candidate version shadowed beside production at chosen sites. In: rows to
 * insert and status changes. Out: `Shadow` objects (sites parsed). `end` changes a running shadow only (a conditional
 * update): when two replicas both decide to stop one, only the first one's change counts (it returns false for the
 * other), so a shadow is audited as ended once. Shadows started in the same millisecond are ordered by id, so both
 * engines list them alike.
 */
import type { HubDb } from '../db/database.ts';
import type { ShadowsTable } from '../db/learning-tables.ts';

export type ShadowStatus = ShadowsTable['status'];

export interface Shadow {
  id: string;
  version: string;
  sites: string[];
  status: ShadowStatus;
  minReads: number;
  createdBy: string;
  createdAt: string;
  endedBy: string | null;
  endedAt: string | null;
  endReason: string | null;
  rolloutId: string | null;
  updatedAt: string;
}

export interface ShadowEnd {
  status: 'stopped' | 'promoted';
  by: string;
  at: string;
  reason: string | null;
  rolloutId?: string;
}

export interface ShadowsStore {
  insert(shadow: Shadow): Promise<void>;
  get(id: string): Promise<Shadow | undefined>;
  list(limit: number): Promise<Shadow[]>;
  running(): Promise<Shadow[]>;
  /** The running shadow covering `site`, if any (one per site at a time). */
  runningAt(site: string): Promise<Shadow | undefined>;
  /** Ends a running shadow; false when it was not running any more. */
  end(id: string, end: ShadowEnd): Promise<boolean>;
}

const fromRow = (row: ShadowsTable): Shadow => ({
  id: row.id,
  version: row.version,
  sites: JSON.parse(row.sites) as string[],
  status: row.status,
  minReads: Number(row.min_reads),
  createdBy: row.created_by,
  createdAt: row.created_at,
  endedBy: row.ended_by,
  endedAt: row.ended_at,
  endReason: row.end_reason,
  rolloutId: row.rollout_id,
  updatedAt: row.updated_at,
});

export function createShadowsStore(db: HubDb): ShadowsStore {
  const { kysely } = db;
  const running = async () =>
    (
      await kysely
        .selectFrom('shadows')
        .selectAll()
        .where('status', '=', 'running')
        .orderBy('created_at')
        .orderBy('id')
        .execute()
    ).map(fromRow);
  return {
    async insert(s) {
      await kysely
        .insertInto('shadows')
        .values({
          id: s.id,
          version: s.version,
          sites: JSON.stringify(s.sites),
          status: s.status,
          min_reads: s.minReads,
          created_by: s.createdBy,
          created_at: s.createdAt,
          ended_by: s.endedBy,
          ended_at: s.endedAt,
          end_reason: s.endReason,
          rollout_id: s.rolloutId,
          updated_at: s.updatedAt,
        })
        .execute();
    },
    async get(id) {
      const row = await kysely.selectFrom('shadows').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async list(limit) {
      const rows = await kysely
        .selectFrom('shadows')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },
    running,
    async runningAt(site) {
      return (await running()).find((s) => s.sites.includes(site));
    },
    async end(id, end) {
      const result = await kysely
        .updateTable('shadows')
        .set({
          status: end.status,
          ended_by: end.by,
          ended_at: end.at,
          end_reason: end.reason,
          rollout_id: end.rolloutId ?? null,
          updated_at: end.at,
        })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
