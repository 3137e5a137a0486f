/**
 * Account administration used by `cxr hub user add` and `cxr hub agent add`: writes to the hub database
 * named by the config (safe while the hub runs: SQLite WAL, or PostgreSQL) and to the audit log, in one
 * transaction. An agent credential can also be appended to a Mosquitto password file for an external broker,
 * or written into a NATS users file for a NATS cluster (hub/broker/nats-users-file.ts).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { CxrError } from '../../models/errors.ts';
import { type AgentAddress, isValidId } from '../../protocol/topics.ts';
import { mosquittoPasswdLine } from '../auth/mosquitto-passwd.ts';
import { generatePassword, hashPassword } from '../auth/password.ts';
import { agentUserEntry, natsPasswordHash, writeNatsUser } from '../broker/nats-users-file.ts';
import { databaseUrl, type HubConfig } from '../config.ts';
import { type HubDb, openHubDatabase } from '../db/database.ts';
import { usernameFor } from '../mqtt/acl.ts';
import { createAgentCredentialsStore } from './agent-credentials-store.ts';
import { createAuditStore } from './audit-store.ts';
import { createUsersStore, type Role } from './users-store.ts';

async function inTransaction<T>(config: HubConfig, body: (tx: HubDb) => Promise<T>): Promise<T> {
  mkdirSync(config.dataDir, { recursive: true });
  const database = await openHubDatabase(databaseUrl(config));
  try {
    return await database.transaction(body);
  } finally {
    await database.close();
  }
}

export async function addUser(config: HubConfig, username: string, role: Role, password: string, now = new Date()) {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(username)) {
    throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'username must match [A-Za-z0-9._-]{1,64}');
  }
  if (password.length < 10) throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'password must have at least 10 characters');
  const passwordHash = hashPassword(password);
  return inTransaction(config, async (tx) => {
    const change = await createUsersStore(tx).upsert(username, role, passwordHash, now);
    await createAuditStore(tx).append(
      { actor: 'cli', action: `user.${change}`, target: username, after: { role } },
      now,
    );
    return { username, role, change };
  });
}

export interface AddedAgent {
  username: string;
  password: string;
  mosquittoPasswdFile?: string;
  natsUsersFile?: string;
}

export async function addAgent(
  config: HubConfig,
  address: AgentAddress,
  options: { password?: string; mosquittoPasswdFile?: string; natsUsersFile?: string } = {},
  now = new Date(),
): Promise<AddedAgent> {
  if (!isValidId(address.site) || !isValidId(address.agent)) {
    throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'site and agent must match [A-Za-z0-9_-]{1,64}');
  }
  const username = usernameFor(address);
  const password = options.password ?? generatePassword();
  const passwordHash = hashPassword(password);
  await inTransaction(config, async (tx) => {
    await createAgentCredentialsStore(tx).upsert(username, passwordHash, now);
    await createAuditStore(tx).append({ actor: 'cli', action: 'agent.credential', target: username }, now);
  });
  if (options.mosquittoPasswdFile) {
    appendFileSync(options.mosquittoPasswdFile, `${mosquittoPasswdLine(username, password)}\n`, { mode: 0o600 });
  }
  // A NATS cluster (docs/scale-out.md): the agent's user line (bcrypt hash, its own subjects) in the users file.
  if (options.natsUsersFile) {
    writeNatsUser(options.natsUsersFile, username, agentUserEntry(address, natsPasswordHash(password)));
  }
  return {
    username,
    password,
    ...(options.mosquittoPasswdFile ? { mosquittoPasswdFile: options.mosquittoPasswdFile } : {}),
    ...(options.natsUsersFile ? { natsUsersFile: options.natsUsersFile } : {}),
  };
}
