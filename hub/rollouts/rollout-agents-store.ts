/**
 * One row per agent a rollout has assigned: its wave, the version it ran before (from its last status),
 * the state it last reported for the rollout's version, and — after an abort or rollback — the version
 * it was sent back to and how that went (`revert_state`, or `impossible`).
 */

import { type Selectable, sql } from 'kysely';
import type { ModelStateMessage, ModelStateName } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import type { HubDb } from '../db/database.ts';
import type { RolloutAgentsTable } from '../db/tables.ts';

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
  of(rolloutId: string): Promise<RolloutAgent[]>;
  assign(
    rolloutId: string,
    address: AgentAddress,
    wave: number,
    previousVersion: string | null,
    at: string,
  ): Promise<void>;
  /** Marks the row as sent back to `version` (or `impossible` with a reason when version is null). */
  revert(
    rolloutId: string,
    address: AgentAddress,
    version: string | null,
    reason: string | null,
    at: string,
  ): Promise<void>;
  /**
   * Records an agent's model/state report on the rollout it belongs to (by `rolloutId`, else the newest
   * running or paused rollout whose version or revert version it names). Returns that rollout's id, or undefined.
   */
  recordReport(address: AgentAddress, report: ModelStateMessage, at: string): Promise<string | undefined>;
}

type Row = Selectable<RolloutAgentsTable>;

const toAgent = (row: Row): RolloutAgent => ({
  rolloutId: row.rollout_id,
  site: row.site,
  agent: row.agent,
  wave: row.wave,
  previousVersion: row.previous_version,
  state: row.state as ModelStateName,
  phase: row.phase,
  revertVersion: row.revert_version,
  revertState: row.revert_state as RevertState | null,
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
  const { kysely } = db;
  const one = (rolloutId: string, address: AgentAddress) =>
    kysely
      .updateTable('rollout_agents')
      .where('rollout_id', '=', rolloutId)
      .where('site', '=', address.site)
      .where('agent', '=', address.agent);
  const withVersion = () =>
    kysely
      .selectFrom('rollout_agents as ra')
      .innerJoin('rollouts as r', 'r.id', 'ra.rollout_id')
      .selectAll('ra')
      .select('r.version as rollout_version');

  return {
    async of(rolloutId) {
      const rows = await kysely
        .selectFrom('rollout_agents')
        .selectAll()
        .where('rollout_id', '=', rolloutId)
        .orderBy('site')
        .orderBy('agent')
        .execute();
      return rows.map(toAgent);
    },
    async assign(rolloutId, address, wave, previousVersion, at) {
      await kysely
        .insertInto('rollout_agents')
        .values({
          rollout_id: rolloutId,
          site: address.site,
          agent: address.agent,
          wave,
          previous_version: previousVersion,
          state: 'pending',
          issued_at: at,
          updated_at: at,
        })
        .execute();
    },
    async revert(rolloutId, address, version, reason, at) {
      const code = version === null ? 'CXR_ERR_HUB_ROLLBACK_IMPOSSIBLE' : null;
      await one(rolloutId, address)
        .set({
          phase: 'revert',
          revert_version: version,
          revert_state: version === null ? 'impossible' : 'pending',
          code: sql`coalesce(${code}, code)`,
          reason: sql`coalesce(${reason}, reason)`,
          updated_at: at,
        })
        .execute();
    },
    async recordReport(address, report, at) {
      const row = await (report.rolloutId
        ? withVersion()
            .where('ra.rollout_id', '=', report.rolloutId)
            .where('ra.site', '=', address.site)
            .where('ra.agent', '=', address.agent)
        : withVersion()
            .where('ra.site', '=', address.site)
            .where('ra.agent', '=', address.agent)
            .where((eb) => eb.or([eb('r.version', '=', report.version), eb('ra.revert_version', '=', report.version)]))
            .where('r.status', 'in', ['running', 'paused'])
            .orderBy('r.seq', 'desc')
            .limit(1)
      ).executeTakeFirst();
      if (!row) return undefined;
      const activeVersion = sql<string | null>`coalesce(${report.activeVersion ?? null}, active_version)`;
      let matched = false;
      if (report.version === row.rollout_version) {
        await one(row.rollout_id, address)
          .set({
            state: report.state,
            active_version: activeVersion,
            code: report.code ?? null,
            reason: report.reason ?? null,
            bytes: report.bytes ?? null,
            total_bytes: report.totalBytes ?? null,
            agreement: sql`coalesce(${report.agreement ?? null}, agreement)`,
            updated_at: at,
          })
          .execute();
        matched = true;
      }
      if (row.phase === 'revert' && report.version === row.revert_version) {
        await one(row.rollout_id, address)
          .set({
            revert_state: report.state,
            active_version: activeVersion,
            code: sql`coalesce(${report.code ?? null}, code)`,
            reason: sql`coalesce(${report.reason ?? null}, reason)`,
            updated_at: at,
          })
          .execute();
        matched = true;
      }
      return matched ? row.rollout_id : undefined;
    },
  };
}
