/**
 * Runs rollouts: starts them, applies admins' actions, and re-evaluates every running or paused rollout
 * on a timer and soon after each `fleet` event (an agent's status or model/state). Each evaluation asks
 * the pure policy (rollout-policy.ts) what to do, stores the decision (rollout row, per-agent rows, audit
 * entries, the `model/desired` messages it implies) in one transaction, then publishes those messages and
 * emits a `rollout` event. Pins are enforced in the same pass. Every start, action and evaluation runs
 * in one queue (`serial`), one at a time.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../../models/errors.ts';
import { createAuditStore } from '../accounts/audit-store.ts';
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { ModelsStore } from '../registry/models-store.ts';
import type { DesiredPublisher } from './desired-publisher.ts';
import { addressOf, agentKey, type FleetSources, fleetSnapshot } from './fleet-snapshot.ts';
import { createPinsStore } from './pins-store.ts';
import { createRolloutAgentsStore, type RolloutAgent } from './rollout-agents-store.ts';
import { applyAction, type Decision, evaluateRollout, type PolicyInput, type RolloutAction } from './rollout-policy.ts';
import { resolveTargets } from './rollout-targets.ts';
import { createRolloutsStore, type Rollout, type RolloutTarget } from './rollouts-store.ts';
import type { SerialRunner } from './run-serially.ts';
import type { PinSetter } from './set-pin.ts';
import type { RolloutWave } from './wave.ts';

export interface StartRolloutRequest {
  version?: string;
  alias?: string;
  target: RolloutTarget;
  waves?: RolloutWave[];
  waitS?: number;
  abortFailureFraction?: number;
  shadow?: boolean;
}

export interface RolloutDefaults {
  waves: readonly RolloutWave[];
  waitS: number;
  abortFailureFraction: number;
}

export interface RolloutRunnerDeps {
  db: HubDb;
  models: Pick<ModelsStore, 'get' | 'list' | 'alias'>;
  fleet: Omit<FleetSources, 'pins'>;
  events: HubEvents;
  publisher: DesiredPublisher;
  pinSetter: PinSetter;
  serial: SerialRunner;
  defaults: RolloutDefaults;
  /** Whether this replica runs the timer and the evaluations on agent events (hub/jobs/job-leader.ts); default always. */
  isActive?: () => boolean;
  now: () => Date;
  log: Logger;
}

export interface RolloutRunner {
  start(request: StartRolloutRequest, actor: string): Promise<Rollout>;
  act(id: string, action: RolloutAction, actor: string): Promise<Rollout>;
  /** Evaluates every running/paused rollout and enforces pins now (after any job already queued). */
  evaluateAll(): Promise<void>;
  /** Evaluates soon (coalesces bursts of agent events). */
  schedule(): void;
  /** Re-evaluates every `intervalMs` until close (waitS between waves passes on this timer). */
  startTimer(intervalMs: number): void;
  /** Resolves when no evaluation is scheduled or running. */
  idle(): Promise<void>;
  /** Stops the timer and event listener and waits for the running job. */
  close(): Promise<void>;
}

export function createRolloutRunner(deps: RolloutRunnerDeps): RolloutRunner {
  const { db, models, events, serial, log } = deps;
  const rollouts = createRolloutsStore(db);
  const rolloutAgents = createRolloutAgentsStore(db);
  const pins = createPinsStore(db);
  let timer: NodeJS.Timeout | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  // An evaluation for agent events is queued and has not started: it will read the state those events left, so
  // more events add nothing (a national fleet's statuses, hundreds a second, must not queue an evaluation each).
  let queued = false;
  let closed = false;

  async function policyInput(rollout: Rollout, rows: RolloutAgent[]): Promise<PolicyInput> {
    const fleet = await fleetSnapshot({ ...deps.fleet, pins });
    return {
      rollout,
      assignments: rows.map((r) => ({
        agent: agentKey(r),
        wave: r.wave,
        state: r.state,
        phase: r.phase,
        previousVersion: r.previousVersion,
      })),
      fleet: fleet.agents,
      registry: new Set((await models.list()).map((m) => m.version)),
      nowMs: deps.now().getTime(),
    };
  }

  function changed(rollout: Rollout, d: Decision): boolean {
    return (
      d.status !== rollout.status ||
      d.reason !== rollout.reason ||
      d.wavesIssued !== rollout.wavesIssued ||
      d.waveDoneAtMs !== rollout.waveDoneAtMs ||
      d.assign.length + d.revert.length + d.impossible.length > 0
    );
  }

  /** Stores a decision with its audit entries and desired messages in one transaction, then publishes. */
  async function apply(rollout: Rollout, d: Decision, actor: string, action?: RolloutAction): Promise<Rollout> {
    if (!changed(rollout, d)) return rollout;
    const now = deps.now();
    const at = now.toISOString();
    const outgoing = await db.transaction(async (tx) => {
      const assignments = createRolloutAgentsStore(tx);
      const audit = createAuditStore(tx);
      await createRolloutsStore(tx).update(rollout.id, d, at);
      for (const a of d.assign) await assignments.assign(rollout.id, addressOf(a.agent), a.wave, a.previousVersion, at);
      for (const r of d.revert) await assignments.revert(rollout.id, addressOf(r.agent), r.version, null, at);
      for (const i of d.impossible) await assignments.revert(rollout.id, addressOf(i.agent), null, i.reason, at);
      const before = { status: rollout.status, wavesIssued: rollout.wavesIssued };
      const after = { status: d.status, wavesIssued: d.wavesIssued, reason: d.reason };
      if (action) await audit.append({ actor, action: `rollout.${action}`, target: rollout.id, before, after }, now);
      for (let wave = rollout.wavesIssued; wave < d.wavesIssued; wave++) {
        const agents = d.assign.filter((a) => a.wave === wave).map((a) => a.agent);
        await audit.append({ actor: 'hub', action: 'rollout.wave', target: rollout.id, after: { wave, agents } }, now);
      }
      if (!action && d.status !== rollout.status) {
        const name = d.status === 'aborted' ? 'auto-abort' : d.status;
        await audit.append({ actor: 'hub', action: `rollout.${name}`, target: rollout.id, before, after }, now);
      }
      // The desired messages are stored with the decision; they go to the broker once it commits.
      const sends = [
        ...d.assign.map((a) => [a.agent, rollout.version, { rolloutId: rollout.id, shadow: rollout.shadow }] as const),
        ...d.revert.map((r) => [r.agent, r.version, { rolloutId: rollout.id }] as const),
      ];
      const messages = [];
      for (const [agent, version, options] of sends) {
        const address = addressOf(agent);
        const message = await deps.publisher.prepare(tx, address, version, options);
        if (message) messages.push({ address, message });
      }
      return messages;
    });
    for (const { address, message } of outgoing) deps.publisher.publish(address, message);
    if (d.status !== rollout.status || d.assign.length > 0) {
      log.info(
        { rolloutId: rollout.id, status: d.status, wavesIssued: d.wavesIssued, assigned: d.assign.length },
        'rollout progressed',
      );
    }
    events.emit('rollout', { id: rollout.id });
    return (await rollouts.get(rollout.id))!;
  }

  async function evaluateNow(): Promise<void> {
    for (const rollout of await rollouts.active()) {
      try {
        const input = await policyInput(rollout, await rolloutAgents.of(rollout.id));
        await apply(rollout, evaluateRollout(input), 'hub');
      } catch (thrown) {
        const error = asCxrError(thrown);
        log.error({ rolloutId: rollout.id, code: error.code, err: error.message }, 'rollout evaluation failed');
      }
    }
    try {
      await deps.pinSetter.ensurePins();
    } catch (thrown) {
      const error = asCxrError(thrown);
      log.error({ code: error.code, err: error.message }, 'pin enforcement failed');
    }
  }

  const evaluateAll = (onStart?: () => void) =>
    serial.run(() => {
      onStart?.();
      return evaluateNow().catch((thrown) => {
        const error = asCxrError(thrown);
        log.error({ code: error.code, err: error.message }, 'rollout evaluation failed');
      });
    });

  const isActive = deps.isActive ?? (() => true);

  function schedule(): void {
    if (closed || !isActive() || queued) return;
    queued = true;
    scheduled = setImmediate(() => {
      scheduled = undefined;
      evaluateAll(() => {
        queued = false;
      }).catch((thrown) => {
        // The lock could not be taken (database down): the next event queues an evaluation again.
        queued = false;
        const error = asCxrError(thrown);
        log.error({ code: error.code, err: error.message }, 'rollout evaluation failed');
      });
    });
  }
  events.on('fleet', schedule);

  async function resolveVersion(request: StartRolloutRequest): Promise<string> {
    if ((request.version === undefined) === (request.alias === undefined)) {
      throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'give exactly one of version and alias');
    }
    const version = request.version ?? (await models.alias(request.alias!))?.version;
    if (version === undefined) throw new CxrError('CXR_ERR_HUB_MODEL_NOT_FOUND', `no alias ${request.alias}`);
    if (!(await models.get(version)))
      throw new CxrError('CXR_ERR_HUB_MODEL_NOT_FOUND', `version ${version} is not in the registry`);
    return version;
  }

  async function start(request: StartRolloutRequest, actor: string): Promise<Rollout> {
    const version = await resolveVersion(request);
    const fleet = await fleetSnapshot({ ...deps.fleet, pins });
    const active = await rollouts.active();
    const busy = new Map(active.flatMap((r) => r.targets.map((agent) => [agent, r.id] as const)));
    const { targets, pinned } = resolveTargets(request.target, fleet, version, busy);
    const at = deps.now().toISOString();
    const rollout: Rollout = {
      id: `r-${randomBytes(6).toString('hex')}`,
      version,
      target: request.target,
      targets,
      waves: [...(request.waves ?? deps.defaults.waves)],
      waitS: request.waitS ?? deps.defaults.waitS,
      abortFailureFraction: request.abortFailureFraction ?? deps.defaults.abortFailureFraction,
      shadow: request.shadow ?? false,
      status: 'running',
      reason: null,
      wavesIssued: 0,
      waveDoneAtMs: null,
      createdBy: actor,
      createdAt: at,
      updatedAt: at,
    };
    await db.transaction(async (tx) => {
      await createRolloutsStore(tx).insert(rollout);
      const { target, waves, waitS, abortFailureFraction, shadow } = rollout;
      await createAuditStore(tx).append(
        {
          actor,
          action: 'rollout.start',
          target: rollout.id,
          after: { version, target, waves, waitS, abortFailureFraction, shadow, agents: targets, pinnedOut: pinned },
        },
        deps.now(),
      );
    });
    return apply(rollout, evaluateRollout(await policyInput(rollout, [])), 'hub');
  }

  async function act(id: string, action: RolloutAction, actor: string): Promise<Rollout> {
    const rollout = await rollouts.get(id);
    if (!rollout) throw new CxrError('CXR_ERR_HUB_ROLLOUT_NOT_FOUND', `no rollout ${id}`);
    const input = await policyInput(rollout, await rolloutAgents.of(id));
    return apply(rollout, applyAction(input, action, actor), actor, action);
  }

  async function idle(): Promise<void> {
    do {
      while (scheduled) await new Promise((resolve) => setImmediate(resolve));
      await serial.idle();
    } while (scheduled);
  }

  return {
    start: (request, actor) => serial.run(() => start(request, actor)),
    act: (id, action, actor) => serial.run(() => act(id, action, actor)),
    evaluateAll: () => evaluateAll(),
    schedule,
    startTimer(intervalMs) {
      clearInterval(timer);
      timer = setInterval(() => void (isActive() ? evaluateAll() : undefined), intervalMs);
      timer.unref();
    },
    idle,
    async close() {
      closed = true;
      events.off('fleet', schedule);
      clearInterval(timer);
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
      await serial.idle();
    },
  };
}
