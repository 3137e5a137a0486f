/**
 * Rollouts: what was asked (version, target, waves, wait, abort threshold, shadow), the agents targeted
 * at start, and where it stands (status, waves issued, when the last wave was done). Per-agent rows live
 * in rollout-agents-store.ts.
 */
import { type Selectable, sql } from 'kysely';
import type { HubDb } from '../db/database.ts';
import type { RolloutsTable } from '../db/tables.ts';
import type { RolloutStatus } from './rollout-policy.ts';
import type { RolloutWave } from './wave.ts';

export type RolloutTarget = { all: true } | { sites: string[] } | { agents: string[] };

export interface Rollout {
  id: string;
  version: string;
  target: RolloutTarget;
  /** `site/agent` of every agent targeted at start (pins and other rollouts' agents left out). */
  targets: string[];
  waves: RolloutWave[];
  waitS: number;
  abortFailureFraction: number;
  shadow: boolean;
  status: RolloutStatus;
  reason: string | null;
  wavesIssued: number;
  waveDoneAtMs: number | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export type RolloutProgress = Pick<Rollout, 'status' | 'reason' | 'wavesIssued' | 'waveDoneAtMs'>;

export interface RolloutsStore {
  insert(rollout: Rollout): Promise<void>;
  get(id: string): Promise<Rollout | undefined>;
  /** Newest first. */
  list(limit: number): Promise<Rollout[]>;
  /** Running and paused rollouts, oldest first. */
  active(): Promise<Rollout[]>;
  update(id: string, progress: RolloutProgress, updatedAt: string): Promise<void>;
}

type RolloutRow = Selectable<RolloutsTable>;

const toRollout = (row: RolloutRow): Rollout => ({
  id: row.id,
  version: row.version,
  target: JSON.parse(row.target),
  targets: JSON.parse(row.targets),
  waves: JSON.parse(row.waves),
  waitS: row.wait_s,
  abortFailureFraction: row.abort_failure_fraction,
  shadow: row.shadow === 1,
  status: row.status,
  reason: row.reason,
  wavesIssued: row.waves_issued,
  waveDoneAtMs: row.wave_done_ms,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function createRolloutsStore(db: HubDb): RolloutsStore {
  const { kysely } = db;
  const select = () => kysely.selectFrom('rollouts').selectAll();
  return {
    async insert(rollout) {
      await kysely
        .insertInto('rollouts')
        .values({
          id: rollout.id,
          seq: sql<number>`(SELECT coalesce(max(seq), 0) + 1 FROM rollouts)`,
          version: rollout.version,
          target: JSON.stringify(rollout.target),
          targets: JSON.stringify(rollout.targets),
          waves: JSON.stringify(rollout.waves),
          wait_s: rollout.waitS,
          abort_failure_fraction: rollout.abortFailureFraction,
          shadow: rollout.shadow ? 1 : 0,
          status: rollout.status,
          reason: rollout.reason,
          waves_issued: rollout.wavesIssued,
          wave_done_ms: rollout.waveDoneAtMs,
          created_by: rollout.createdBy,
          created_at: rollout.createdAt,
          updated_at: rollout.updatedAt,
        })
        .execute();
    },
    async get(id) {
      const row = await select().where('id', '=', id).executeTakeFirst();
      return row ? toRollout(row) : undefined;
    },
    list: async (limit) => (await select().orderBy('seq', 'desc').limit(limit).execute()).map(toRollout),
    active: async () =>
      (await select().where('status', 'in', ['running', 'paused']).orderBy('seq').execute()).map(toRollout),
    async update(id, progress, updatedAt) {
      await kysely
        .updateTable('rollouts')
        .set({
          status: progress.status,
          reason: progress.reason,
          waves_issued: progress.wavesIssued,
          wave_done_ms: progress.waveDoneAtMs,
          updated_at: updatedAt,
        })
        .where('id', '=', id)
        .execute();
    },
  };
}
