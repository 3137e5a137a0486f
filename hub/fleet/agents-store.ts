/**
 * The fleet: one row per agent, updated from its retained status (online, backlog, model, runtime,
 * version), its model state reports, and the results it delivered (counted by the results store).
 */
import { sql } from 'kysely';
import type { ModelStateMessage, StatusMessage } from '../../protocol/messages.ts';
import type { HubDb } from '../db/database.ts';
import { jsonMergePatch } from '../db/dialect-sql.ts';

export interface FleetAgent {
  site: string;
  agent: string;
  online: boolean;
  lastSeen: string | null;
  results: number;
  status: StatusMessage | null;
  modelState: ModelStateMessage | null;
}

export interface AgentsStore {
  recordStatus(status: StatusMessage, seenAt: Date): Promise<void>;
  recordModelState(site: string, agent: string, state: ModelStateMessage, seenAt: Date): Promise<void>;
  list(): Promise<FleetAgent[]>;
}

export function createAgentsStore(db: HubDb): AgentsStore {
  const { kysely } = db;
  // An offline status (last will or goodbye) carries only `online` and `at`: it is merged over the last
  // online status (JSON merge patch), so the fleet and the rollout policy keep the last known model.
  const mergedStatus = jsonMergePatch(db.dialect, sql`coalesce(agents.status, '{}')`, sql`excluded.status`);
  return {
    async recordStatus(message, seenAt) {
      await kysely
        .insertInto('agents')
        .values({
          site: message.site,
          agent: message.agent,
          online: message.online ? 1 : 0,
          last_seen: seenAt.toISOString(),
          status: JSON.stringify(message),
        })
        .onConflict((oc) =>
          oc.columns(['site', 'agent']).doUpdateSet({
            online: sql.ref('excluded.online'),
            last_seen: sql.ref('excluded.last_seen'),
            status: sql`CASE WHEN excluded.online = 0 THEN ${mergedStatus} ELSE excluded.status END`,
          }),
        )
        .execute();
    },
    async recordModelState(site, agent, state, seenAt) {
      await kysely
        .insertInto('agents')
        .values({ site, agent, last_seen: seenAt.toISOString(), model_state: JSON.stringify(state) })
        .onConflict((oc) =>
          oc.columns(['site', 'agent']).doUpdateSet({
            last_seen: sql.ref('excluded.last_seen'),
            model_state: sql.ref('excluded.model_state'),
          }),
        )
        .execute();
    },
    async list() {
      const rows = await kysely.selectFrom('agents').selectAll().orderBy('site').orderBy('agent').execute();
      return rows.map((row) => ({
        site: row.site,
        agent: row.agent,
        online: row.online === 1,
        lastSeen: row.last_seen,
        results: row.results,
        status: row.status ? JSON.parse(row.status) : null,
        modelState: row.model_state ? JSON.parse(row.model_state) : null,
      }));
    },
  };
}
