/** Seeds config users and agent credentials into the hub database at start; a new or changed account is audited. */
import type { HubConfig } from '../config.ts';
import { usernameFor } from '../mqtt/acl.ts';
import type { AgentsStore } from '../store/agents-store.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { UsersStore } from '../store/users-store.ts';

export function seedFromConfig(
  config: HubConfig,
  users: UsersStore,
  agents: AgentsStore,
  audit: AuditStore,
  now: Date,
) {
  for (const user of config.users) {
    const change = users.upsert(user.username, user.role, user.passwordHash, now);
    if (change !== 'unchanged') {
      audit.append(
        { actor: 'config', action: `user.${change}`, target: user.username, after: { role: user.role } },
        now,
      );
    }
  }
  for (const agent of config.agents) agents.upsertCredential(usernameFor(agent), agent.passwordHash, now);
}
