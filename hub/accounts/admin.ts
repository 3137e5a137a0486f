/**
 * Account administration used by `cxr hub user add` and `cxr hub agent add`: writes to the hub database
 * (safe while the hub runs: SQLite WAL) and to the audit log. An agent credential can also be appended to
 * a Mosquitto password file for an external broker.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CxrError } from '../../models/errors.ts';
import { type AgentAddress, isValidId } from '../../protocol/topics.ts';
import { mosquittoPasswdLine } from '../auth/mosquitto-passwd.ts';
import { generatePassword, hashPassword } from '../auth/password.ts';
import type { HubConfig } from '../config.ts';
import { usernameFor } from '../mqtt/acl.ts';
import { createAgentsStore } from '../store/agents-store.ts';
import { createAuditStore } from '../store/audit-store.ts';
import { openHubDb } from '../store/db.ts';
import { createUsersStore, type Role } from '../store/users-store.ts';

function withDb<T>(config: HubConfig, body: (db: ReturnType<typeof openHubDb>) => T): T {
  mkdirSync(config.dataDir, { recursive: true });
  const db = openHubDb(join(config.dataDir, 'hub.db'));
  try {
    return body(db);
  } finally {
    db.close();
  }
}

export function addUser(config: HubConfig, username: string, role: Role, password: string, now = new Date()) {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(username)) {
    throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'username must match [A-Za-z0-9._-]{1,64}');
  }
  if (password.length < 10) throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'password must have at least 10 characters');
  return withDb(config, (db) =>
    db.transaction(() => {
      const change = createUsersStore(db).upsert(username, role, hashPassword(password), now);
      createAuditStore(db).append({ actor: 'cli', action: `user.${change}`, target: username, after: { role } }, now);
      return { username, role, change };
    })(),
  );
}

export interface AddedAgent {
  username: string;
  password: string;
  mosquittoPasswdFile?: string;
}

export function addAgent(
  config: HubConfig,
  address: AgentAddress,
  options: { password?: string; mosquittoPasswdFile?: string } = {},
  now = new Date(),
): AddedAgent {
  if (!isValidId(address.site) || !isValidId(address.agent)) {
    throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'site and agent must match [A-Za-z0-9_-]{1,64}');
  }
  const username = usernameFor(address);
  const password = options.password ?? generatePassword();
  withDb(config, (db) =>
    db.transaction(() => {
      createAgentsStore(db).upsertCredential(username, hashPassword(password), now);
      createAuditStore(db).append({ actor: 'cli', action: 'agent.credential', target: username }, now);
    })(),
  );
  if (options.mosquittoPasswdFile) {
    appendFileSync(options.mosquittoPasswdFile, `${mosquittoPasswdLine(username, password)}\n`, { mode: 0o600 });
  }
  return {
    username,
    password,
    ...(options.mosquittoPasswdFile ? { mosquittoPasswdFile: options.mosquittoPasswdFile } : {}),
  };
}
