/**
 * Per-agent download capability (docs/rollout.md): `token = HMAC-SHA256(hubSecret, "<site>/<agent>/<version>")`
 * in hex. The hub puts it in the agent's `model/desired` URL; only that agent can read that message
 * (broker ACL), so the token is as secret as the agent's MQTT login. Checked in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AgentAddress } from '../../protocol/topics.ts';

export interface CapabilityTokens {
  tokenFor(address: AgentAddress, version: string): string;
  verify(address: AgentAddress, version: string, token: string): boolean;
}

export function createCapabilityTokens(secret: Buffer): CapabilityTokens {
  const mac = (address: AgentAddress, version: string) =>
    createHmac('sha256', secret).update(`${address.site}/${address.agent}/${version}`).digest();
  return {
    tokenFor: (address, version) => mac(address, version).toString('hex'),
    verify(address, version, token) {
      if (!/^[0-9a-f]{64}$/.test(token)) return false;
      return timingSafeEqual(mac(address, version), Buffer.from(token, 'hex'));
    },
  };
}
