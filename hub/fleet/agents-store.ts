/**
 * The fleet: one row per agent, updated from its retained status (online, backlog, model, runtime,
 * version), its model state reports, and the results it delivered. Agent MQTT credentials live here too.
 */
import type { ModelStateMessage, StatusMessage } from '../../protocol/messages.ts';
import type { HubDb } from './db.ts';

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
  recordStatus(status: StatusMessage, seenAt: Date): void;
  recordModelState(site: string, agent: string, state: ModelStateMessage, seenAt: Date): void;
  list(): FleetAgent[];
  upsertCredential(username: string, passwordHash: string, now: Date): void;
  credential(username: string): string | undefined;
  /** Every agent login (`<site>/<agent>`) the hub holds, reported or not. */
  credentialUsernames(): string[];
}

interface AgentRow {
  site: string;
  agent: string;
  online: number;
  last_seen: string | null;
  results: number;
  status: string | null;
  model_state: string | null;
}

export function createAgentsStore(db: HubDb): AgentsStore {
  // An offline status (last will or goodbye) carries only `online` and `at`: it is merged over the last
  // online status (RFC 7396 json_patch), so the fleet and the rollout policy keep the last known model.
  const status = db.prepare(
    `INSERT INTO agents (site, agent, online, last_seen, status) VALUES (@site, @agent, @online, @seen, @status)
     ON CONFLICT (site, agent) DO UPDATE SET online = excluded.online, last_seen = excluded.last_seen,
       status = CASE WHEN excluded.online = 0 THEN json_patch(COALESCE(agents.status, '{}'), excluded.status)
                     ELSE excluded.status END`,
  );
  const modelState = db.prepare(
    `INSERT INTO agents (site, agent, last_seen, model_state) VALUES (?, ?, ?, ?)
     ON CONFLICT (site, agent) DO UPDATE SET last_seen = excluded.last_seen, model_state = excluded.model_state`,
  );
  const all = db.prepare('SELECT * FROM agents ORDER BY site, agent');
  const putCredential = db.prepare(
    `INSERT INTO agent_credentials (username, password_hash, created_at) VALUES (?, ?, ?)
     ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash`,
  );
  const getCredential = db.prepare('SELECT password_hash FROM agent_credentials WHERE username = ?');
  const allCredentials = db.prepare('SELECT username FROM agent_credentials ORDER BY username');

  return {
    recordStatus(message, seenAt) {
      status.run({
        site: message.site,
        agent: message.agent,
        online: message.online ? 1 : 0,
        seen: seenAt.toISOString(),
        status: JSON.stringify(message),
      });
    },
    recordModelState(site, agent, state, seenAt) {
      modelState.run(site, agent, seenAt.toISOString(), JSON.stringify(state));
    },
    list: () =>
      (all.all() as AgentRow[]).map((row) => ({
        site: row.site,
        agent: row.agent,
        online: row.online === 1,
        lastSeen: row.last_seen,
        results: row.results,
        status: row.status ? JSON.parse(row.status) : null,
        modelState: row.model_state ? JSON.parse(row.model_state) : null,
      })),
    upsertCredential(username, passwordHash, now) {
      putCredential.run(username, passwordHash, now.toISOString());
    },
    credential(username) {
      return (getCredential.get(username) as { password_hash: string } | undefined)?.password_hash;
    },
    credentialUsernames: () => (allCredentials.all() as { username: string }[]).map((row) => row.username),
  };
}
