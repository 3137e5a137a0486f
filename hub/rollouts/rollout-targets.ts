/**
 * Which agents a new rollout covers (pure): `{all: true}`, `{sites}` or `{agents: ["site/agent"]}` against
 * the agents the hub knows. Agents pinned to another version are left out; an agent in the target of
 * another running or paused rollout refuses the start (CXR_ERR_HUB_ROLLOUT_CONFLICT: one rollout per agent at a time).
 */
import { CxrError } from '../../models/errors.ts';
import type { FleetSnapshot } from './fleet-snapshot.ts';
import type { RolloutTarget } from './rollouts-store.ts';

export interface ResolvedTargets {
  targets: string[];
  /** Left out because pinned to another version. */
  pinned: string[];
}

export function resolveTargets(
  target: RolloutTarget,
  fleet: FleetSnapshot,
  version: string,
  inActiveRollouts: ReadonlyMap<string, string>,
): ResolvedTargets {
  let chosen: string[];
  if ('all' in target) {
    chosen = fleet.known;
  } else if ('sites' in target) {
    const unknown = target.sites.filter((site) => !fleet.known.some((k) => k.startsWith(`${site}/`)));
    if (unknown.length > 0) {
      throw new CxrError('CXR_ERR_HUB_ROLLOUT_TARGET_UNKNOWN', `no known agents at site(s): ${unknown.join(', ')}`);
    }
    chosen = fleet.known.filter((k) => target.sites.includes(k.split('/')[0]!));
  } else {
    const unknown = target.agents.filter((a) => !fleet.agents.has(a));
    if (unknown.length > 0) {
      throw new CxrError('CXR_ERR_HUB_ROLLOUT_TARGET_UNKNOWN', `unknown agent(s): ${unknown.join(', ')}`);
    }
    chosen = [...new Set(target.agents)].sort();
  }
  const busy = chosen.filter((a) => inActiveRollouts.has(a));
  if (busy.length > 0) {
    const list = busy
      .slice(0, 10)
      .map((a) => `${a} (${inActiveRollouts.get(a)})`)
      .join(', ');
    throw new CxrError(
      'CXR_ERR_HUB_ROLLOUT_CONFLICT',
      `agent(s) already in a running or paused rollout: ${list}; abort or finish it first`,
    );
  }
  const pinnedElsewhere = (a: string) => {
    const pin = fleet.agents.get(a)?.pinnedVersion ?? null;
    return pin !== null && pin !== version;
  };
  const targets = chosen.filter((a) => !pinnedElsewhere(a));
  if (targets.length === 0) {
    throw new CxrError('CXR_ERR_HUB_ROLLOUT_EMPTY', 'the target has no agent that is not pinned to another version');
  }
  return { targets, pinned: chosen.filter(pinnedElsewhere) };
}
