/** Seeds config users and agent credentials into the hub database at start; a new or changed account is audited. */
import type { HubConfig } from '../config.ts';
import type { HubDb } from '../db/database.ts';
import { usernameFor } from '../mqtt/acl.ts';
import { createAgentCredentialsStore } from './agent-credentials-store.ts';
import { createAuditStore } from './audit-store.ts';
import { createUsersStore } from './users-store.ts';

export async function seedFromConfig(db: HubDb, config: Pick<HubConfig, 'users' | 'agents'>, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const users = createUsersStore(tx);
    const audit = createAuditStore(tx);
    for (const user of config.users) {
      const change = await users.upsert(user.username, user.role, user.passwordHash, now);
      if (change !== 'unchanged') {
        const after = { role: user.role };
        await audit.append({ actor: 'config', action: `user.${change}`, target: user.username, after }, now);
      }
    }
    const credentials = createAgentCredentialsStore(tx);
    for (const agent of config.agents) await credentials.upsert(usernameFor(agent), agent.passwordHash, now);
  });
}
