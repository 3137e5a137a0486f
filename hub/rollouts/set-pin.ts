/**
 * Pins (`PUT /api/pins`): hold an agent, or every agent of a site, at one version. The pinned version is
 * sent at once to the agents it applies to (an agent pin wins over its site's pin), and again to any agent
 * whose desired version drifts from its pin (a new agent of a pinned site: `ensurePins`). Clearing a pin
 * sends nothing: the agent stays where it is until a rollout moves it. Audited with before/after. A pin is
 * set in the rollout runner's queue (`serial`), so it never interleaves with a rollout evaluation.
 */
import { CxrError } from '../../models/errors.ts';
import { isValidId } from '../../protocol/topics.ts';
import { createAuditStore } from '../accounts/audit-store.ts';
import type { HubDb } from '../db/database.ts';
import type { ModelsStore } from '../registry/models-store.ts';
import type { DesiredPublisher } from './desired-publisher.ts';
import { createDesiredStore } from './desired-store.ts';
import { addressOf, type FleetSources, fleetSnapshot } from './fleet-snapshot.ts';
import { createPinsStore } from './pins-store.ts';
import type { SerialRunner } from './run-serially.ts';

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
  models: Pick<ModelsStore, 'get'>;
  fleet: Omit<FleetSources, 'pins'>;
  publisher: DesiredPublisher;
  serial: SerialRunner;
  now: () => Date;
}

export interface PinSetter {
  setPin(request: PinRequest, actor: string): Promise<PinOutcome>;
  /** Sends the pinned version to every agent whose desired version differs from its pin; returns them. Call it from a job of `serial`. */
  ensurePins(): Promise<string[]>;
}

export function createPinSetter(deps: PinDeps): PinSetter {
  const pins = createPinsStore(deps.db);
  const desired = createDesiredStore(deps.db);

  async function ensurePins(): Promise<string[]> {
    if ((await pins.list()).length === 0) return [];
    const snapshot = await fleetSnapshot({ ...deps.fleet, pins });
    const sent: string[] = [];
    for (const key of snapshot.known) {
      const pinned = snapshot.agents.get(key)?.pinnedVersion ?? null;
      if (pinned === null || (await desired.get(addressOf(key)))?.version === pinned) continue;
      if (await deps.publisher.send(addressOf(key), pinned)) sent.push(key);
    }
    return sent;
  }

  async function setPin(request: PinRequest, actor: string): Promise<PinOutcome> {
    const agent = request.agent ?? null;
    if (!isValidId(request.site) || (agent !== null && !isValidId(agent))) {
      throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'site and agent must match [A-Za-z0-9_-]{1,64}');
    }
    if (request.version !== null && !(await deps.models.get(request.version))) {
      throw new CxrError('CXR_ERR_HUB_MODEL_NOT_FOUND', `version ${request.version} is not in the registry`);
    }
    const target = agent === null ? `${request.site}/*` : `${request.site}/${agent}`;
    await deps.db.transaction(async (tx) => {
      const inTx = createPinsStore(tx);
      const before = await inTx.get(request.site, agent);
      if (request.version === null) await inTx.clear(request.site, agent);
      else
        await inTx.set({
          site: request.site,
          agent,
          version: request.version,
          pinnedBy: actor,
          pinnedAt: deps.now().toISOString(),
        });
      await createAuditStore(tx).append(
        {
          actor,
          action: request.version === null ? 'pin.clear' : 'pin.set',
          target,
          before: before ? { version: before.version } : null,
          after: request.version === null ? null : { version: request.version },
        },
        deps.now(),
      );
    });
    return {
      site: request.site,
      agent,
      version: request.version,
      sentTo: request.version === null ? [] : await ensurePins(),
    };
  }

  return { setPin: (request, actor) => deps.serial.run(() => setPin(request, actor)), ensurePins };
}
