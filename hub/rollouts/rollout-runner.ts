/**
 * Runs rollouts: starts them, applies admins' actions, and re-evaluates every running or paused rollout
 * on a timer and soon after each `fleet` event (an agent's status or model/state). Each evaluation asks
 * the pure policy (rollout-policy.ts) what to do, stores the decision (rollout row, per-agent rows, audit
 * entries, the `model/desired` messages it implies) in one transaction, then publishes those messages and
 * emits a `rollout` event. Pins are enforced in the same pass.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../../models/errors.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { AgentsStore } from '../store/agents-store.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { HubDb } from '../store/db.ts';
import type { ModelsStore } from '../store/models-store.ts';
import type { PinsStore } from '../store/pins-store.ts';
import type { RolloutAgent, RolloutAgentsStore } from '../store/rollout-agents-store.ts';
import type { Rollout, RolloutsStore, RolloutTarget } from '../store/rollouts-store.ts';
import type { DesiredPublisher } from './desired-publisher.ts';
import { addressOf, agentKey, fleetSnapshot } from './fleet-snapshot.ts';
import { applyAction, type Decision, evaluateRollout, type PolicyInput, type RolloutAction } from './rollout-policy.ts';
import { resolveTargets } from './rollout-targets.ts';
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
  rollouts: RolloutsStore;
  rolloutAgents: RolloutAgentsStore;
  models: ModelsStore;
  agents: AgentsStore;
  pins: PinsStore;
  audit: AuditStore;
  events: HubEvents;
  publisher: DesiredPublisher;
  pinSetter: PinSetter;
  defaults: RolloutDefaults;
  now: () => Date;
  log: Logger;
}

export interface RolloutRunner {
  start(request: StartRolloutRequest, actor: string): Rollout;
  act(id: string, action: RolloutAction, actor: string): Rollout;
  /** Evaluates every running/paused rollout and enforces pins now. */
  evaluateAll(): void;
  /** Evaluates soon (coalesces bursts of agent events). */
  schedule(): void;
  /** Re-evaluates every `intervalMs` until close (waitS between waves passes on this timer). */
  startTimer(intervalMs: number): void;
  close(): void;
}

export function createRolloutRunner(deps: RolloutRunnerDeps): RolloutRunner {
  const { db, rollouts, rolloutAgents, models, audit, events, log } = deps;
  let timer: NodeJS.Timeout | undefined;
  let scheduled: NodeJS.Immediate | undefined;

  function policyInput(rollout: Rollout, rows: RolloutAgent[]): PolicyInput {
    return {
      rollout,
      assignments: rows.map((r) => ({
        agent: agentKey(r),
        wave: r.wave,
        state: r.state,
        phase: r.phase,
        previousVersion: r.previousVersion,
      })),
      fleet: fleetSnapshot(deps.agents, deps.pins).agents,
      registry: new Set(models.list().map((m) => m.version)),
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

  /** Stores a decision with its audit entries, then publishes what it sends. */
  function apply(rollout: Rollout, d: Decision, actor: string, action?: RolloutAction): Rollout {
    if (!changed(rollout, d)) return rollout;
    const now = deps.now();
    const at = now.toISOString();
    const outgoing = db.transaction(() => {
      rollouts.update(rollout.id, d, at);
      for (const a of d.assign) rolloutAgents.assign(rollout.id, addressOf(a.agent), a.wave, a.previousVersion, at);
      for (const r of d.revert) rolloutAgents.revert(rollout.id, addressOf(r.agent), r.version, null, at);
      for (const i of d.impossible) rolloutAgents.revert(rollout.id, addressOf(i.agent), null, i.reason, at);
      const before = { status: rollout.status, wavesIssued: rollout.wavesIssued };
      const after = { status: d.status, wavesIssued: d.wavesIssued, reason: d.reason };
      if (action) audit.append({ actor, action: `rollout.${action}`, target: rollout.id, before, after }, now);
      for (let wave = rollout.wavesIssued; wave < d.wavesIssued; wave++) {
        const agents = d.assign.filter((a) => a.wave === wave).map((a) => a.agent);
        audit.append({ actor: 'hub', action: 'rollout.wave', target: rollout.id, after: { wave, agents } }, now);
      }
      if (!action && d.status !== rollout.status) {
        const name = d.status === 'aborted' ? 'auto-abort' : d.status;
        audit.append({ actor: 'hub', action: `rollout.${name}`, target: rollout.id, before, after }, now);
      }
      // The desired messages are stored with the decision; they go to the broker once it commits.
      return [
        ...d.assign.map((a) => [a.agent, rollout.version, { rolloutId: rollout.id, shadow: rollout.shadow }] as const),
        ...d.revert.map((r) => [r.agent, r.version, { rolloutId: rollout.id }] as const),
      ].flatMap(([agent, version, options]) => {
        const address = addressOf(agent);
        const message = deps.publisher.prepare(address, version, options);
        return message ? [{ address, message }] : [];
      });
    })();
    for (const { address, message } of outgoing) deps.publisher.publish(address, message);
    if (d.status !== rollout.status || d.assign.length > 0) {
      log.info(
        { rolloutId: rollout.id, status: d.status, wavesIssued: d.wavesIssued, assigned: d.assign.length },
        'rollout progressed',
      );
    }
    events.emit('rollout', { id: rollout.id });
    return rollouts.get(rollout.id)!;
  }

  function evaluate(rollout: Rollout): void {
    apply(rollout, evaluateRollout(policyInput(rollout, rolloutAgents.of(rollout.id))), 'hub');
  }

  function evaluateAll(): void {
    for (const rollout of rollouts.active()) {
      try {
        evaluate(rollout);
      } catch (thrown) {
        const error = asCxrError(thrown);
        log.error({ rolloutId: rollout.id, code: error.code, err: error.message }, 'rollout evaluation failed');
      }
    }
    try {
      deps.pinSetter.ensurePins();
    } catch (thrown) {
      const error = asCxrError(thrown);
      log.error({ code: error.code, err: error.message }, 'pin enforcement failed');
    }
  }

  function schedule(): void {
    scheduled ??= setImmediate(() => {
      scheduled = undefined;
      evaluateAll();
    });
  }
  events.on('fleet', schedule);

  function resolveVersion(request: StartRolloutRequest): string {
    if ((request.version === undefined) === (request.alias === undefined)) {
      throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'give exactly one of version and alias');
    }
    const version = request.version ?? models.alias(request.alias!)?.version;
    if (version === undefined) throw new CxrError('CXR_ERR_HUB_MODEL_NOT_FOUND', `no alias ${request.alias}`);
    if (!models.get(version))
      throw new CxrError('CXR_ERR_HUB_MODEL_NOT_FOUND', `version ${version} is not in the registry`);
    return version;
  }

  return {
    start(request, actor) {
      const version = resolveVersion(request);
      const fleet = fleetSnapshot(deps.agents, deps.pins);
      const busy = new Map(rollouts.active().flatMap((r) => r.targets.map((agent) => [agent, r.id] as const)));
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
      db.transaction(() => {
        rollouts.insert(rollout);
        const { target, waves, waitS, abortFailureFraction, shadow } = rollout;
        audit.append(
          {
            actor,
            action: 'rollout.start',
            target: rollout.id,
            after: { version, target, waves, waitS, abortFailureFraction, shadow, agents: targets, pinnedOut: pinned },
          },
          deps.now(),
        );
      })();
      return apply(rollout, evaluateRollout(policyInput(rollout, [])), 'hub');
    },
    act(id, action, actor) {
      const rollout = rollouts.get(id);
      if (!rollout) throw new CxrError('CXR_ERR_HUB_ROLLOUT_NOT_FOUND', `no rollout ${id}`);
      return apply(rollout, applyAction(policyInput(rollout, rolloutAgents.of(id)), action, actor), actor, action);
    },
    evaluateAll,
    schedule,
    startTimer(intervalMs) {
      clearInterval(timer);
      timer = setInterval(evaluateAll, intervalMs);
      timer.unref();
    },
    close() {
      events.off('fleet', schedule);
      clearInterval(timer);
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
    },
  };
}
