/**
 * Pins (`PUT /api/pins`): hold an agent, or every agent of a site, at one version. The pinned version is
 * sent at once to the agents it applies to (an agent pin wins over its site's pin), and again to any agent
 * whose desired version drifts from its pin (a new agent of a pinned site: `ensurePins`). Clearing a pin
 * sends nothing: the agent stays where it is until a rollout moves it. Audited with before/after.
 */
import { CxrError } from '../../models/errors.ts';
import { isValidId } from '../../protocol/topics.ts';
import type { AgentsStore } from '../store/agents-store.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { HubDb } from '../store/db.ts';
import type { DesiredStore } from '../store/desired-store.ts';
import type { ModelsStore } from '../store/models-store.ts';
import type { PinsStore } from '../store/pins-store.ts';
import type { DesiredPublisher } from './desired-publisher.ts';
import { addressOf, fleetSnapshot } from './fleet-snapshot.ts';

export interface PinRequest {
  site: string;
  agent?: string | null;
  /** null clears the pin. */
  version: string | null;
}

export interface PinOutcome {
  site: string;
  agent: string | null;
  version: string | null;
  /** `site/agent` of the agents the pinned version was sent to. */
  sentTo: string[];
}

export interface PinDeps {
  db: HubDb;
  pins: PinsStore;
  models: ModelsStore;
  agents: AgentsStore;
  desired: DesiredStore;
  audit: AuditStore;
  publisher: DesiredPublisher;
  now: () => Date;
}

export function createPinSetter(deps: PinDeps) {
  const { pins, audit } = deps;

  /** Agents whose pin in force differs from their desired version get the pinned one. */
  function ensurePins(): string[] {
    if (pins.list().length === 0) return [];
    const snapshot = fleetSnapshot(deps.agents, pins);
    const sent: string[] = [];
    for (const key of snapshot.known) {
      const pinned = snapshot.agents.get(key)?.pinnedVersion ?? null;
      if (pinned === null || deps.desired.get(addressOf(key))?.version === pinned) continue;
      if (deps.publisher.send(addressOf(key), pinned)) sent.push(key);
    }
    return sent;
  }

  function setPin(request: PinRequest, actor: string): PinOutcome {
    const agent = request.agent ?? null;
    if (!isValidId(request.site) || (agent !== null && !isValidId(agent))) {
      throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'site and agent must match [A-Za-z0-9_-]{1,64}');
    }
    if (request.version !== null && !deps.models.get(request.version)) {
      throw new CxrError('CXR_ERR_HUB_MODEL_NOT_FOUND', `version ${request.version} is not in the registry`);
    }
    const target = agent === null ? `${request.site}/*` : `${request.site}/${agent}`;
    deps.db.transaction(() => {
      const before = pins.get(request.site, agent);
      if (request.version === null) pins.clear(request.site, agent);
      else
        pins.set({
          site: request.site,
          agent,
          version: request.version,
          pinnedBy: actor,
          pinnedAt: deps.now().toISOString(),
        });
      audit.append(
        {
          actor,
          action: request.version === null ? 'pin.clear' : 'pin.set',
          target,
          before: before ? { version: before.version } : null,
          after: request.version === null ? null : { version: request.version },
        },
        deps.now(),
      );
    })();
    return {
      site: request.site,
      agent,
      version: request.version,
      sentTo: request.version === null ? [] : ensurePins(),
    };
  }

  return { setPin, ensurePins };
}

export type PinSetter = ReturnType<typeof createPinSetter>;
