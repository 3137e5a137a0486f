/**
 * The last `model/desired` message the hub published for each agent. It is what the broker retains;
 * the hub re-publishes it at start when its broker is the embedded one (whose retained messages live in
 * memory), and pins are checked against it.
 */
import type { ModelDesired } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import type { HubDb } from './db.ts';

export interface DesiredStore {
  put(address: AgentAddress, message: ModelDesired, at: string): void;
  get(address: AgentAddress): ModelDesired | undefined;
  all(): { address: AgentAddress; message: ModelDesired }[];
}

export function createDesiredStore(db: HubDb): DesiredStore {
  const put = db.prepare(
    `INSERT INTO desired (site, agent, version, rollout_id, payload, published_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (site, agent) DO UPDATE SET version = excluded.version, rollout_id = excluded.rollout_id,
       payload = excluded.payload, published_at = excluded.published_at`,
  );
  const one = db.prepare('SELECT payload FROM desired WHERE site = ? AND agent = ?');
  const all = db.prepare('SELECT site, agent, payload FROM desired ORDER BY site, agent');
  return {
    put(address, message, at) {
      put.run(address.site, address.agent, message.version, message.rolloutId ?? null, JSON.stringify(message), at);
    },
    get(address) {
      const row = one.get(address.site, address.agent) as { payload: string } | undefined;
      return row ? (JSON.parse(row.payload) as ModelDesired) : undefined;
    },
    all: () =>
      (all.all() as { site: string; agent: string; payload: string }[]).map((row) => ({
        address: { site: row.site, agent: row.agent },
        message: JSON.parse(row.payload) as ModelDesired,
      })),
  };
}
