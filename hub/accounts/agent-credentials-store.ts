/**
 * Agents' MQTT logins (`<site>/<agent>` and a scrypt hash): the embedded broker checks passwords against
 * them, and the rollout runner counts an agent with a login as known even before it reports.
 */
import type { HubDb } from '../db/database.ts';

export interface AgentCredentialsStore {
  upsert(username: string, passwordHash: string, now: Date): Promise<void>;
  /** The stored scrypt hash, or undefined. */
  hash(username: string): Promise<string | undefined>;
  /** Every agent login the hub holds, sorted. */
  usernames(): Promise<string[]>;
}

export function createAgentCredentialsStore(db: HubDb): AgentCredentialsStore {
  return {
    async upsert(username, passwordHash, now) {
      await db.kysely
        .insertInto('agent_credentials')
        .values({ username, password_hash: passwordHash, created_at: now.toISOString() })
        .onConflict((oc) =>
          oc.column('username').doUpdateSet((eb) => ({ password_hash: eb.ref('excluded.password_hash') })),
        )
        .execute();
    },
    async hash(username) {
      const row = await db.kysely
        .selectFrom('agent_credentials')
        .select('password_hash')
        .where('username', '=', username)
        .executeTakeFirst();
      return row?.password_hash;
    },
    async usernames() {
      const rows = await db.kysely.selectFrom('agent_credentials').select('username').orderBy('username').execute();
      return rows.map((row) => row.username);
    },
  };
}
