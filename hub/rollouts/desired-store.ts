/**
 * The last `model/desired` message the hub published for each agent. It is what the broker retains;
 * the hub re-publishes it at start when its broker is the embedded one (whose retained messages live in
 * memory), and pins are checked against it.
 */
import { sql } from 'kysely';
import type { ModelDesired } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import type { HubDb } from '../db/database.ts';

export interface DesiredStore {
  put(address: AgentAddress, message: ModelDesired, at: string): Promise<void>;
  get(address: AgentAddress): Promise<ModelDesired | undefined>;
  all(): Promise<{ address: AgentAddress; message: ModelDesired }[]>;
}

export function createDesiredStore(db: HubDb): DesiredStore {
  const { kysely } = db;
  return {
    async put(address, message, at) {
      await kysely
        .insertInto('desired')
        .values({
          site: address.site,
          agent: address.agent,
          version: message.version,
          rollout_id: message.rolloutId ?? null,
          payload: JSON.stringify(message),
          published_at: at,
        })
        .onConflict((oc) =>
          oc.columns(['site', 'agent']).doUpdateSet({
            version: sql.ref('excluded.version'),
            rollout_id: sql.ref('excluded.rollout_id'),
            payload: sql.ref('excluded.payload'),
            published_at: sql.ref('excluded.published_at'),
          }),
        )
        .execute();
    },
    async get(address) {
      const row = await kysely
        .selectFrom('desired')
        .select('payload')
        .where('site', '=', address.site)
        .where('agent', '=', address.agent)
        .executeTakeFirst();
      return row ? (JSON.parse(row.payload) as ModelDesired) : undefined;
    },
    async all() {
      const rows = await kysely
        .selectFrom('desired')
        .select(['site', 'agent', 'payload'])
        .orderBy('site')
        .orderBy('agent')
        .execute();
      return rows.map((row) => ({
        address: { site: row.site, agent: row.agent },
        message: JSON.parse(row.payload) as ModelDesired,
      }));
    },
  };
}
