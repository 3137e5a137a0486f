/**
 * The NATS users of the cxr account, one per line, in a file the NATS servers include
 * (deploy/nats/cxr-users.conf): the hub's login, then every agent's, each with a bcrypt password hash (the
 * format nats-server checks) and its permissions (nats-subjects.ts). `cxr hub agent add --nats-users <file>`
 * adds or replaces one agent's line; `nats-server --signal reload` makes the servers read it again.
 * In: the file's text and a user; out: the new text. A file without the closing `]` line is refused with
 * CXR_ERR_HUB_CONFIG (nothing written). The file is replaced atomically (temp file + rename).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { CxrError } from '../../models/errors.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { usernameFor } from '../mqtt/acl.ts';
import { agentPermissions, HUB_PERMISSIONS, type NatsPermissions } from './nats-subjects.ts';

/** bcrypt cost: about 0.1 s per check on the server, paid once per connection. */
const BCRYPT_COST = 11;

export function natsPasswordHash(password: string): string {
  return bcrypt.hashSync(password, BCRYPT_COST);
}

function entry(user: string, passwordHash: string, types: string[], permissions: NatsPermissions): string {
  // NATS config accepts JSON; one line per user keeps the file greppable and the upsert line-based.
  return JSON.stringify({ user, password: passwordHash, allowed_connection_types: types, permissions });
}

/** An agent: MQTT connections only (it can never open a plain NATS connection and read internal subjects). */
export function agentUserEntry(address: AgentAddress, passwordHash: string): string {
  return entry(usernameFor(address), passwordHash, ['MQTT'], agentPermissions(address));
}

/** The hub: MQTT for acks, model/desired and reports; plain NATS for the JetStream results consumer. */
export function hubUserEntry(username: string, passwordHash: string): string {
  return entry(username, passwordHash, ['STANDARD', 'MQTT'], HUB_PERMISSIONS);
}

/** The file's text with `username`'s line replaced, or added before the closing `]`. */
export function upsertUser(text: string, username: string, line: string): string {
  const lines = text.split('\n');
  const key = `{"user":${JSON.stringify(username)},`;
  const at = lines.findIndex((l) => l.trim().startsWith(key));
  if (at >= 0) {
    lines[at] = `  ${line}`;
    return lines.join('\n');
  }
  const close = lines.findLastIndex((l) => l.trim() === ']');
  if (close < 0) throw new CxrError('CXR_ERR_HUB_CONFIG', 'the NATS users file has no closing "]" line');
  lines.splice(close, 0, `  ${line}`);
  return lines.join('\n');
}

/** Adds or replaces one user's line in the file. */
export function writeNatsUser(file: string, username: string, line: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new CxrError('CXR_ERR_HUB_CONFIG', `cannot read the NATS users file ${file}`, { cause });
  }
  const next = upsertUser(text, username, line);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, next, { mode: 0o640 });
  renameSync(temp, file);
}
