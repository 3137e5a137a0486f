/**
 * The fleet as the rollout policy sees it: every agent the hub knows (it reported, or it has a login),
 * online or not, the model version of its last status, and the pin in force for it.
 */
import { CxrError } from '../../models/errors.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import type { AgentCredentialsStore } from '../accounts/agent-credentials-store.ts';
import type { AgentsStore } from '../fleet/agents-store.ts';
import { agentFromUsername } from '../mqtt/acl.ts';
import type { PinsStore } from './pins-store.ts';
import type { PolicyAgent } from './rollout-policy.ts';

export interface FleetSnapshot {
  /** `site/agent`, sorted. */
  known: string[];
  agents: Map<string, PolicyAgent>;
}

export const agentKey = (address: AgentAddress) => `${address.site}/${address.agent}`;

export function addressOf(key: string): AgentAddress {
  const address = agentFromUsername(key);
  if (!address) throw new CxrError('CXR_ERR_INTERNAL', `not a site/agent key: ${key}`, { kind: 'internal' });
  return address;
}

export interface FleetSources {
  agents: Pick<AgentsStore, 'list'>;
  credentials: Pick<AgentCredentialsStore, 'usernames'>;
  pins: Pick<PinsStore, 'list'>;
}

export async function fleetSnapshot(sources: FleetSources): Promise<FleetSnapshot> {
  const allPins = await sources.pins.list();
  const pinFor = (site: string, agent: string) =>
    (
      allPins.find((p) => p.site === site && p.agent === agent) ??
      allPins.find((p) => p.site === site && p.agent === null)
    )?.version ?? null;
  const map = new Map<string, PolicyAgent>();
  for (const username of await sources.credentials.usernames()) {
    const address = agentFromUsername(username);
    if (address)
      map.set(username, { online: false, version: null, pinnedVersion: pinFor(address.site, address.agent) });
  }
  for (const a of await sources.agents.list()) {
    map.set(agentKey(a), {
      online: a.online,
      version: a.status?.model?.version ?? null,
      pinnedVersion: pinFor(a.site, a.agent),
    });
  }
  return { known: [...map.keys()].sort(), agents: map };
}
