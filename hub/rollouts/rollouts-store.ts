/**
 * Rollouts: what was asked (version, target, waves, wait, abort threshold, shadow), the agents targeted
 * at start, and where it stands (status, waves issued, when the last wave was done). Per-agent rows live
 * in rollout-agents-store.ts.
 */
import type { RolloutStatus } from '../rollout/rollout-policy.ts';
import type { RolloutWave } from '../rollout/wave.ts';
import type { HubDb } from './db.ts';

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
  insert(rollout: Rollout): void;
  get(id: string): Rollout | undefined;
  /** Newest first. */
  list(limit: number): Rollout[];
  /** Running and paused rollouts, oldest first. */
  active(): Rollout[];
  update(id: string, progress: RolloutProgress, updatedAt: string): void;
}

interface RolloutRow {
  id: string;
  version: string;
  target: string;
  targets: string;
  waves: string;
  wait_s: number;
  abort_failure_fraction: number;
  shadow: number;
  status: RolloutStatus;
  reason: string | null;
  waves_issued: number;
  wave_done_ms: number | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

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
  const insert = db.prepare(
    `INSERT INTO rollouts (id, seq, version, target, targets, waves, wait_s, abort_failure_fraction, shadow, status,
       reason, waves_issued, wave_done_ms, created_by, created_at, updated_at)
     VALUES (@id, (SELECT coalesce(max(seq), 0) + 1 FROM rollouts), @version, @target, @targets, @waves, @waitS,
       @abortFailureFraction, @shadow, @status, @reason, @wavesIssued, @waveDoneAtMs, @createdBy, @createdAt, @updatedAt)`,
  );
  const byId = db.prepare('SELECT * FROM rollouts WHERE id = ?');
  const newest = db.prepare('SELECT * FROM rollouts ORDER BY seq DESC LIMIT ?');
  const active = db.prepare("SELECT * FROM rollouts WHERE status IN ('running', 'paused') ORDER BY seq");
  const update = db.prepare(
    `UPDATE rollouts SET status = @status, reason = @reason, waves_issued = @wavesIssued,
       wave_done_ms = @waveDoneAtMs, updated_at = @updatedAt WHERE id = @id`,
  );
  return {
    insert(rollout) {
      insert.run({
        id: rollout.id,
        version: rollout.version,
        waitS: rollout.waitS,
        abortFailureFraction: rollout.abortFailureFraction,
        status: rollout.status,
        reason: rollout.reason,
        wavesIssued: rollout.wavesIssued,
        waveDoneAtMs: rollout.waveDoneAtMs,
        createdBy: rollout.createdBy,
        createdAt: rollout.createdAt,
        updatedAt: rollout.updatedAt,
        target: JSON.stringify(rollout.target),
        targets: JSON.stringify(rollout.targets),
        waves: JSON.stringify(rollout.waves),
        shadow: rollout.shadow ? 1 : 0,
      });
    },
    get(id) {
      const row = byId.get(id) as RolloutRow | undefined;
      return row ? toRollout(row) : undefined;
    },
    list: (limit) => (newest.all(limit) as RolloutRow[]).map(toRollout),
    active: () => (active.all() as RolloutRow[]).map(toRollout),
    update(id, progress, updatedAt) {
      const { status, reason, wavesIssued, waveDoneAtMs } = progress;
      update.run({ id, status, reason, wavesIssued, waveDoneAtMs, updatedAt });
    },
  };
}
