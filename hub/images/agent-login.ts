/**
 * Who is uploading: HTTP Basic with the agent's own MQTT login (`<site>/<agent>` and its password, checked
 * against the scrypt hash the broker uses). A verified login is remembered for `ttlMs` by the sha256 of the
 * password, so the chunks of one upload cost one scrypt, not one each; a changed password is checked afresh.
 * Out: the agent's address, or CXR_ERR_HUB_UNAUTHENTICATED (401) for anything else.
 */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AgentAddress } from '../../protocol/topics.ts';
import { verifyPassword } from '../auth/password.ts';
import { httpError } from '../http/errors.ts';
import { agentFromUsername } from '../mqtt/acl.ts';

export type AgentLogin = (request: FastifyRequest) => Promise<AgentAddress>;

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/** The path of a route about one agent (`/api/agents/:site/:agent/…`). */
export const AgentPathParams = Type.Object({ site: Id, agent: Id });

/**
 * The agent logged in on `request`, when it is the agent `path` names; else CXR_ERR_HUB_FORBIDDEN (403) saying
 * it may read only its own `what`.
 */
export async function ownAgent(
  login: AgentLogin,
  request: FastifyRequest,
  path: AgentAddress,
  what: string,
): Promise<AgentAddress> {
  const address = await login(request);
  if (address.site !== path.site || address.agent !== path.agent) {
    throw httpError('CXR_ERR_HUB_FORBIDDEN', `an agent reads only its own ${what}`);
  }
  return address;
}

export function createAgentLogin(
  passwordHash: (username: string) => Promise<string | undefined>,
  nowMs: () => number,
  ttlMs = 300_000,
): AgentLogin {
  const verified = new Map<string, number>();
  return async (request) => {
    const header = request.headers.authorization ?? '';
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
    const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const username = colon > 0 ? decoded.slice(0, colon) : '';
    const password = colon > 0 ? decoded.slice(colon + 1) : '';
    const address = agentFromUsername(username);
    if (!address || password === '') throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'agent login required (Basic)');
    const key = `${username}:${createHash('sha256').update(password).digest('hex')}`;
    if ((verified.get(key) ?? 0) > nowMs()) return address;
    const stored = await passwordHash(username);
    if (!stored || !verifyPassword(password, stored)) {
      throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'unknown agent or wrong password');
    }
    if (verified.size > 10_000) verified.clear();
    verified.set(key, nowMs() + ttlMs);
    return address;
  };
}
