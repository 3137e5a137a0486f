/**
 * Runs live shadows (docs/rollout.md "Live shadow"): start one at chosen sites, stop it (an admin, or the hub on its
 * own), promote it (an admin: the staged rollout of the candidate to the fleet). In: admins' requests, signed reads
 * (the `read` event: agreement is evaluated again soon after), the registry, the fleet, the desired publisher and the
 * rollout runner. Out: the shadow rows, audit entries (`shadow.start`, `shadow.stop`, `shadow.auto-stop`,
 * `shadow.promote`), `model/desired` messages with `liveShadow` for the agents of the shadow's sites (added at
 * start, removed at the end: each agent keeps its version), a log line and the SSE `shadow` event on every change.
 *
 * Errors: unknown version or alias → CXR_ERR_HUB_MODEL_NOT_FOUND; no known agent at a site →
 * CXR_ERR_HUB_ROLLOUT_TARGET_UNKNOWN; a site already in a running shadow → CXR_ERR_HUB_SHADOW_CONFLICT; no such shadow
 * → CXR_ERR_HUB_SHADOW_NOT_FOUND; stop or promote of one that is not running → CXR_ERR_HUB_SHADOW_STATE. Changes run
 * in the rollout runner's queue, one at a time, so a stop never overwrites a rollout's newer desired message.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../../models/errors.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { createAuditStore } from '../accounts/audit-store.ts';
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { ModelsStore } from '../registry/models-store.ts';
import type { DesiredPublisher } from '../rollouts/desired-publisher.ts';
import { createDesiredStore } from '../rollouts/desired-store.ts';
import { addressOf, type FleetSources, fleetSnapshot } from '../rollouts/fleet-snapshot.ts';
import type { RolloutRunner, StartRolloutRequest } from '../rollouts/rollout-runner.ts';
import type { Rollout } from '../rollouts/rollouts-store.ts';
import type { SerialRunner } from '../rollouts/run-serially.ts';
import { shadowFilms } from './result-shadows-store.ts';
import { type Agreement, agreementOf, shouldStop } from './shadow-agreement.ts';
import { createShadowsStore, type Shadow } from './shadows-store.ts';

export interface StartShadowRequest {
  version?: string;
  alias?: string;
  sites: string[];
  minReads?: number;
}

export type PromoteRequest = Pick<StartRolloutRequest, 'waves' | 'waitS' | 'abortFailureFraction'>;

export interface ShadowRunnerDeps {
  db: HubDb;
  models: Pick<ModelsStore, 'get' | 'alias'>;
  fleet: FleetSources;
  publisher: DesiredPublisher;
  rollouts: Pick<RolloutRunner, 'start'>;
  /** The rollout runner's queue (shadow changes and rollout evaluations never interleave). */
  serial: SerialRunner;
  events: HubEvents;
  defaultMinReads: number;
  now: () => Date;
  log: Logger;
}

export interface ShadowRunner {
  start(request: StartShadowRequest, actor: string): Promise<Shadow>;
  stop(id: string, actor: string): Promise<Shadow>;
  promote(id: string, request: PromoteRequest, actor: string): Promise<{ shadow: Shadow; rollout: Rollout }>;
  agreement(shadow: Shadow): Promise<Agreement>;
  /** Checks every running shadow's agreement now and stops those that agree less than production. */
  evaluate(): Promise<void>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createShadowRunner(deps: ShadowRunnerDeps): ShadowRunner {
  const { db, serial, events, log } = deps;
  const shadows = createShadowsStore(db);
  let scheduled: NodeJS.Immediate | undefined;
  let closed = false;

  const notFound = (id: string) => new CxrError('CXR_ERR_HUB_SHADOW_NOT_FOUND', `no shadow ${id}`);

  async function resolveVersion(request: StartShadowRequest): Promise<string> {
    if ((request.version === undefined) === (request.alias === undefined)) {
      throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'give exactly one of version and alias');
    }
    const version = request.version ?? (await deps.models.alias(request.alias!))?.version;
    if (version === undefined) throw new CxrError('CXR_ERR_HUB_MODEL_NOT_FOUND', `no alias ${request.alias}`);
    if (!(await deps.models.get(version)))
      throw new CxrError('CXR_ERR_HUB_MODEL_NOT_FOUND', `version ${version} is not in the registry`);
    return version;
  }

  /**
   * In `tx`: each agent's desired message again, for the version it is meant to run, so that it carries (or no
   * longer carries) the site's running shadow (desired-publisher.ts adds it). Returns the messages to publish.
   */
  async function resend(tx: HubDb, agents: readonly AgentAddress[], versionOf: (a: AgentAddress) => string | null) {
    const stored = createDesiredStore(tx);
    const out = [];
    for (const address of agents) {
      const previous = await stored.get(address);
      const version = previous?.version ?? versionOf(address);
      if (version === null) continue;
      const options = {
        ...(previous?.rolloutId ? { rolloutId: previous.rolloutId } : {}),
        ...(previous?.shadow ? { shadow: true } : {}),
      };
      const message = await deps.publisher.prepare(tx, address, version, options);
      if (message) out.push({ address, message });
    }
    return out;
  }

  async function start(request: StartShadowRequest, actor: string): Promise<Shadow> {
    const version = await resolveVersion(request);
    const sites = [...new Set(request.sites)].sort();
    const fleet = await fleetSnapshot(deps.fleet);
    const unknown = sites.filter((site) => !fleet.known.some((k) => k.startsWith(`${site}/`)));
    if (sites.length === 0 || unknown.length > 0) {
      throw new CxrError('CXR_ERR_HUB_ROLLOUT_TARGET_UNKNOWN', `no known agents at site(s): ${unknown.join(', ')}`);
    }
    for (const site of sites) {
      const other = await shadows.runningAt(site);
      if (other) {
        throw new CxrError(
          'CXR_ERR_HUB_SHADOW_CONFLICT',
          `site ${site} already shadows ${other.version} (${other.id})`,
        );
      }
    }
    const at = deps.now().toISOString();
    const shadow: Shadow = {
      id: `s-${randomBytes(6).toString('hex')}`,
      version,
      sites,
      status: 'running',
      minReads: request.minReads ?? deps.defaultMinReads,
      createdBy: actor,
      createdAt: at,
      endedBy: null,
      endedAt: null,
      endReason: null,
      rolloutId: null,
      updatedAt: at,
    };
    const agents = fleet.known.filter((k) => sites.includes(k.split('/')[0]!));
    const versionOf = (a: AgentAddress) => fleet.agents.get(`${a.site}/${a.agent}`)?.version ?? null;
    const outgoing = await db.transaction(async (tx) => {
      await createShadowsStore(tx).insert(shadow);
      const messages = await resend(tx, agents.map(addressOf), versionOf);
      const sent = messages.map((m) => `${m.address.site}/${m.address.agent}`);
      const after = { version, sites, minReads: shadow.minReads, agents: sent };
      const skipped = agents.filter((a) => !sent.includes(a));
      await createAuditStore(tx).append(
        { actor, action: 'shadow.start', target: shadow.id, after: { ...after, skipped } },
        deps.now(),
      );
      return messages;
    });
    for (const { address, message } of outgoing) deps.publisher.publish(address, message);
    log.info({ shadowId: shadow.id, version, sites, agents: outgoing.length }, 'live shadow started');
    events.emit('shadow', { id: shadow.id });
    return shadow;
  }

  /** Ends a running shadow (in the queue): row, audit, desired messages without it. False when not running. */
  async function end(
    shadow: Shadow,
    how: { status: 'stopped' | 'promoted'; actor: string; action: string },
    extra: {
      reason?: string;
      rolloutId?: string;
      agreement?: Agreement;
    },
  ): Promise<boolean> {
    const at = deps.now();
    const outgoing = await db.transaction(async (tx) => {
      const ended = await createShadowsStore(tx).end(shadow.id, {
        status: how.status,
        by: how.actor,
        at: at.toISOString(),
        reason: extra.reason ?? null,
        ...(extra.rolloutId ? { rolloutId: extra.rolloutId } : {}),
      });
      if (!ended) return undefined;
      const carrying = (await createDesiredStore(tx).all())
        .filter(({ message }) => message.liveShadow?.shadowId === shadow.id)
        .map(({ address }) => address);
      const messages = await resend(tx, carrying, () => null);
      const after = {
        status: how.status,
        reason: extra.reason,
        rolloutId: extra.rolloutId,
        agreement: extra.agreement,
      };
      await createAuditStore(tx).append(
        { actor: how.actor, action: how.action, target: shadow.id, before: { status: 'running' }, after },
        at,
      );
      return messages;
    });
    if (outgoing === undefined) return false;
    for (const { address, message } of outgoing) deps.publisher.publish(address, message);
    events.emit('shadow', { id: shadow.id });
    return true;
  }

  async function running(id: string): Promise<Shadow> {
    const shadow = await shadows.get(id);
    if (!shadow) throw notFound(id);
    if (shadow.status !== 'running') {
      throw new CxrError('CXR_ERR_HUB_SHADOW_STATE', `shadow ${id} is ${shadow.status}, not running`);
    }
    return shadow;
  }

  async function agreement(shadow: Shadow): Promise<Agreement> {
    const films = await shadowFilms(db, shadow.version, shadow.sites);
    return agreementOf(shadow.sites, films.scored, films.read);
  }

  async function evaluateNow(): Promise<void> {
    for (const shadow of await shadows.running()) {
      try {
        const current = await agreement(shadow);
        const verdict = shouldStop(current, shadow.minReads);
        if (!verdict.stop) continue;
        const how = { status: 'stopped', actor: 'hub', action: 'shadow.auto-stop' } as const;
        if (await end(shadow, how, { reason: verdict.reason, agreement: current })) {
          log.warn(
            {
              shadowId: shadow.id,
              version: shadow.version,
              code: 'CXR_ERR_HUB_SHADOW_DISAGREES',
              reason: verdict.reason,
            },
            'live shadow stopped: the candidate agrees with radiologists less than production',
          );
        }
      } catch (thrown) {
        const error = asCxrError(thrown);
        log.error({ shadowId: shadow.id, code: error.code, err: error.message }, 'shadow evaluation failed');
      }
    }
  }

  const evaluate = () => serial.run(evaluateNow);
  const schedule = () => {
    if (closed) return;
    scheduled ??= setImmediate(() => {
      scheduled = undefined;
      void evaluate();
    });
  };
  events.on('read', schedule);

  return {
    start: (request, actor) => serial.run(() => start(request, actor)),
    async stop(id, actor) {
      return serial.run(async () => {
        const shadow = await running(id);
        await end(shadow, { status: 'stopped', actor, action: 'shadow.stop' }, { agreement: await agreement(shadow) });
        log.info({ shadowId: id, actor }, 'live shadow stopped by an admin');
        return (await shadows.get(id))!;
      });
    },
    async promote(id, request, actor) {
      await serial.run(() => running(id));
      // The rollout runs in the same queue; its messages for the candidate's own version carry no live shadow.
      const shadow = (await shadows.get(id))!;
      const rollout = await deps.rollouts.start({ version: shadow.version, target: { all: true }, ...request }, actor);
      return serial.run(async () => {
        const how = { status: 'promoted', actor, action: 'shadow.promote' } as const;
        await end(shadow, how, { rolloutId: rollout.id, agreement: await agreement(shadow) });
        log.info({ shadowId: id, version: shadow.version, rolloutId: rollout.id, actor }, 'live shadow promoted');
        return { shadow: (await shadows.get(id))!, rollout };
      });
    },
    agreement,
    evaluate,
    async idle() {
      while (scheduled) await new Promise((resolve) => setImmediate(resolve));
      await serial.idle();
    },
    async close() {
      closed = true;
      events.off('read', schedule);
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
      await serial.idle();
    },
  };
}
