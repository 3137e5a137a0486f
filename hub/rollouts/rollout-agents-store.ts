/**
 * One row per agent a rollout has assigned: its wave, the version it ran before (from its last status),
 * the state it last reported for the rollout's version, and — after an abort or rollback — the version
 * it was sent back to and how that went (`revert_state`, or `impossible`).
 */
import type { ModelStateMessage, ModelStateName } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import type { HubDb } from './db.ts';

export type RevertState = ModelStateName | 'impossible';

export interface RolloutAgent {
  rolloutId: string;
  site: string;
  agent: string;
  wave: number;
  previousVersion: string | null;
  state: ModelStateName;
  phase: 'target' | 'revert';
  revertVersion: string | null;
  revertState: RevertState | null;
  activeVersion: string | null;
  code: string | null;
  reason: string | null;
  bytes: number | null;
  totalBytes: number | null;
  agreement: number | null;
  issuedAt: string;
  updatedAt: string;
}

export interface RolloutAgentsStore {
  /** Rows of one rollout, by site/agent. */
  of(rolloutId: string): RolloutAgent[];
  assign(rolloutId: string, address: AgentAddress, wave: number, previousVersion: string | null, at: string): void;
  /** Marks the row as sent back to `version` (or `impossible` with a reason when version is null). */
  revert(rolloutId: string, address: AgentAddress, version: string | null, reason: string | null, at: string): void;
  /**
   * Records an agent's model/state report on the rollout it belongs to (by `rolloutId`, else the newest
   * running or paused rollout whose version or revert version it names). Returns that rollout's id, or undefined.
   */
  recordReport(address: AgentAddress, report: ModelStateMessage, at: string): string | undefined;
}

interface Row {
  rollout_id: string;
  site: string;
  agent: string;
  wave: number;
  previous_version: string | null;
  state: ModelStateName;
  phase: 'target' | 'revert';
  revert_version: string | null;
  revert_state: RevertState | null;
  active_version: string | null;
  code: string | null;
  reason: string | null;
  bytes: number | null;
  total_bytes: number | null;
  agreement: number | null;
  issued_at: string;
  updated_at: string;
}

const toAgent = (row: Row): RolloutAgent => ({
  rolloutId: row.rollout_id,
  site: row.site,
  agent: row.agent,
  wave: row.wave,
  previousVersion: row.previous_version,
  state: row.state,
  phase: row.phase,
  revertVersion: row.revert_version,
  revertState: row.revert_state,
  activeVersion: row.active_version,
  code: row.code,
  reason: row.reason,
  bytes: row.bytes,
  totalBytes: row.total_bytes,
  agreement: row.agreement,
  issuedAt: row.issued_at,
  updatedAt: row.updated_at,
});

export function createRolloutAgentsStore(db: HubDb): RolloutAgentsStore {
  const ofRollout = db.prepare('SELECT * FROM rollout_agents WHERE rollout_id = ? ORDER BY site, agent');
  const insert = db.prepare(
    `INSERT INTO rollout_agents (rollout_id, site, agent, wave, previous_version, state, issued_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  const revert = db.prepare(
    `UPDATE rollout_agents SET phase = 'revert', revert_version = @version, revert_state = @state,
       code = coalesce(@code, code), reason = coalesce(@reason, reason), updated_at = @at
     WHERE rollout_id = @rolloutId AND site = @site AND agent = @agent`,
  );
  const byRolloutId = db.prepare(
    `SELECT ra.*, r.version AS rollout_version FROM rollout_agents ra JOIN rollouts r ON r.id = ra.rollout_id
     WHERE ra.rollout_id = ? AND ra.site = ? AND ra.agent = ?`,
  );
  const byVersion = db.prepare(
    `SELECT ra.*, r.version AS rollout_version FROM rollout_agents ra JOIN rollouts r ON r.id = ra.rollout_id
     WHERE ra.site = @site AND ra.agent = @agent AND (r.version = @version OR ra.revert_version = @version)
       AND r.status IN ('running', 'paused')
     ORDER BY r.seq DESC LIMIT 1`,
  );
  const reportTarget = db.prepare(
    `UPDATE rollout_agents SET state = @state, active_version = coalesce(@activeVersion, active_version),
       code = @code, reason = @reason, bytes = @bytes, total_bytes = @totalBytes,
       agreement = coalesce(@agreement, agreement), updated_at = @at
     WHERE rollout_id = @rolloutId AND site = @site AND agent = @agent`,
  );
  const reportRevert = db.prepare(
    `UPDATE rollout_agents SET revert_state = @state, active_version = coalesce(@activeVersion, active_version),
       code = coalesce(@code, code), reason = coalesce(@reason, reason), updated_at = @at
     WHERE rollout_id = @rolloutId AND site = @site AND agent = @agent`,
  );

  return {
    of: (rolloutId) => (ofRollout.all(rolloutId) as Row[]).map(toAgent),
    assign(rolloutId, address, wave, previousVersion, at) {
      insert.run(rolloutId, address.site, address.agent, wave, previousVersion, at, at);
    },
    revert(rolloutId, address, version, reason, at) {
      revert.run({
        rolloutId,
        ...address,
        version,
        state: version === null ? 'impossible' : 'pending',
        code: version === null ? 'CXR_ERR_HUB_ROLLBACK_IMPOSSIBLE' : null,
        reason,
        at,
      });
    },
    recordReport(address, report, at) {
      const row = (
        report.rolloutId
          ? byRolloutId.get(report.rolloutId, address.site, address.agent)
          : byVersion.get({ ...address, version: report.version })
      ) as (Row & { rollout_version: string }) | undefined;
      if (!row) return undefined;
      const values = {
        rolloutId: row.rollout_id,
        ...address,
        state: report.state,
        activeVersion: report.activeVersion ?? null,
        code: report.code ?? null,
        reason: report.reason ?? null,
        bytes: report.bytes ?? null,
        totalBytes: report.totalBytes ?? null,
        agreement: report.agreement ?? null,
        at,
      };
      let matched = false;
      if (report.version === row.rollout_version) {
        reportTarget.run(values);
        matched = true;
      }
      if (row.phase === 'revert' && report.version === row.revert_version) {
        reportRevert.run(values);
        matched = true;
      }
      return matched ? row.rollout_id : undefined;
    },
  };
}
