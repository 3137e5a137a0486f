/**
 * The rollout policy (docs/rollout.md), pure: given a rollout, its per-agent assignments, the fleet
 * (online, current version, pin) and the registry's versions at time `nowMs`, it says what to do now —
 * which agents get the new version (the next wave), which get their previous version back, and the
 * rollout's new status. The runner (rollout-runner.ts) persists and publishes what it decides.
 *
 * - Wave n covers the first `waveCount(waves[n], N)` agents of the N targets (cumulative). Agents are
 *   picked when the wave is issued: online agents first, then by `site/agent`.
 * - A wave is done when each of its agents is terminal (`active`, `failed`, `rolled-back`), offline,
 *   or pinned to another version. `waitS` after that the next wave is issued (at once when it adds
 *   nobody: nothing new to watch); when the last wave is done, the rollout is completed.
 * - While running or paused: when (failed + rolled-back) / assigned > abortFailureFraction it aborts itself.
 * - Abort: no further waves; assigned agents not yet `active` get their previous version back.
 *   Rollback: every assigned agent gets its previous version back. An agent without a known previous
 *   version, or whose previous version is not in the registry, cannot be reverted (reported, not sent).
 * - Agents pinned to another version are never picked and never sent anything by the rollout.
 */
import { CxrError } from '../../models/errors.ts';
import type { ModelStateName } from '../../protocol/messages.ts';
import { type RolloutWave, waveCount } from './wave.ts';

export type RolloutStatus = 'running' | 'paused' | 'completed' | 'aborted' | 'rolled-back';
export type RolloutAction = 'pause' | 'resume' | 'abort' | 'rollback';

export const TERMINAL_STATES: ReadonlySet<ModelStateName> = new Set(['active', 'failed', 'rolled-back']);
const FAILED_STATES: ReadonlySet<ModelStateName> = new Set(['failed', 'rolled-back']);

export interface PolicyRollout {
  version: string;
  waves: readonly RolloutWave[];
  waitS: number;
  abortFailureFraction: number;
  status: RolloutStatus;
  /** Why it has its status (who paused it, the abort threshold figures), or null. */
  reason: string | null;
  /** How many waves have been issued so far (0 before the first evaluation). */
  wavesIssued: number;
  /** When the last issued wave was first seen done (ms), or null. */
  waveDoneAtMs: number | null;
  /** The agents (`site/agent`) the rollout was started for, fixed at start. */
  targets: readonly string[];
}

export interface PolicyAssignment {
  agent: string;
  wave: number;
  /** The last state the agent reported for the rollout's version (`pending` until it reports). */
  state: ModelStateName;
  /** `revert` once the agent has been sent its previous version (abort/rollback). */
  phase: 'target' | 'revert';
  previousVersion: string | null;
}

export interface PolicyAgent {
  online: boolean;
  /** The model version of its last status, or null. */
  version: string | null;
  /** Its pin (agent pin, else site pin), or null. */
  pinnedVersion: string | null;
}

export interface PolicyInput {
  rollout: PolicyRollout;
  assignments: readonly PolicyAssignment[];
  fleet: ReadonlyMap<string, PolicyAgent>;
  /** Versions in the registry (a revert can only send one of these). */
  registry: ReadonlySet<string>;
  nowMs: number;
}

export interface Decision {
  status: RolloutStatus;
  reason: string | null;
  wavesIssued: number;
  waveDoneAtMs: number | null;
  /** New assignments: send the rollout's version. */
  assign: { agent: string; wave: number; previousVersion: string | null }[];
  /** Send the agent its previous version. */
  revert: { agent: string; version: string }[];
  /** Agents that should be reverted but cannot be, and why. */
  impossible: { agent: string; reason: string }[];
}

const OFFLINE: PolicyAgent = { online: false, version: null, pinnedVersion: null };

function agentOf(input: PolicyInput, agent: string): PolicyAgent {
  return input.fleet.get(agent) ?? OFFLINE;
}

function pinnedElsewhere(input: PolicyInput, agent: string): boolean {
  const pin = agentOf(input, agent).pinnedVersion;
  return pin !== null && pin !== input.rollout.version;
}

function unchanged(input: PolicyInput, reason = input.rollout.reason): Decision {
  const { status, wavesIssued, waveDoneAtMs } = input.rollout;
  return { status, reason, wavesIssued, waveDoneAtMs, assign: [], revert: [], impossible: [] };
}

/** Online agents first, then by `site/agent`. */
export function pickOrder(candidates: readonly string[], fleet: ReadonlyMap<string, PolicyAgent>): string[] {
  const online = (agent: string) => (fleet.get(agent)?.online ? 0 : 1);
  return [...candidates].sort((a, b) => online(a) - online(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function waveDone(input: PolicyInput, assignments: readonly PolicyAssignment[], wave: number): boolean {
  return assignments
    .filter((a) => a.wave === wave)
    .every((a) => TERMINAL_STATES.has(a.state) || !agentOf(input, a.agent).online || pinnedElsewhere(input, a.agent));
}

/** Sends each of `which` its previous version where that is possible. */
function revertDecision(
  input: PolicyInput,
  status: RolloutStatus,
  reason: string,
  which: PolicyAssignment[],
): Decision {
  const decision: Decision = { ...unchanged(input, reason), status };
  for (const a of which) {
    if (a.phase === 'revert' || pinnedElsewhere(input, a.agent)) continue;
    if (a.previousVersion === null) {
      decision.impossible.push({ agent: a.agent, reason: 'the agent reported no model version before the rollout' });
    } else if (!input.registry.has(a.previousVersion)) {
      decision.impossible.push({
        agent: a.agent,
        reason: `previous version ${a.previousVersion} is not in the registry`,
      });
    } else {
      decision.revert.push({ agent: a.agent, version: a.previousVersion });
    }
  }
  return decision;
}

function abort(input: PolicyInput, reason: string): Decision {
  return revertDecision(
    input,
    'aborted',
    reason,
    input.assignments.filter((a) => a.state !== 'active'),
  );
}

function rollback(input: PolicyInput, reason: string): Decision {
  return revertDecision(input, 'rolled-back', reason, [...input.assignments]);
}

/** What to do now (timer tick or an agent event). */
export function evaluateRollout(input: PolicyInput): Decision {
  const { rollout } = input;
  if (rollout.status !== 'running' && rollout.status !== 'paused') return unchanged(input);
  const assigned = input.assignments.length;
  const failed = input.assignments.filter((a) => FAILED_STATES.has(a.state)).length;
  if (assigned > 0 && failed / assigned > rollout.abortFailureFraction) {
    return abort(input, `abort threshold: ${failed} of ${assigned} failed (> ${rollout.abortFailureFraction})`);
  }
  if (rollout.status === 'paused') return unchanged(input);

  const decision = unchanged(input);
  const all = [...input.assignments];
  for (;;) {
    if (decision.wavesIssued > 0 && !waveDone(input, all, decision.wavesIssued - 1)) break;
    if (decision.wavesIssued === rollout.waves.length) {
      decision.status = 'completed';
      decision.waveDoneAtMs = decision.waveDoneAtMs ?? input.nowMs;
      break;
    }
    const wave = decision.wavesIssued;
    const need = waveCount(rollout.waves[wave]!, rollout.targets.length) - all.length;
    const taken = new Set(all.map((a) => a.agent));
    const candidates = rollout.targets.filter((t) => !taken.has(t) && !pinnedElsewhere(input, t));
    const picked = pickOrder(candidates, input.fleet).slice(0, Math.max(0, need));
    // waitS is time to watch the last wave before widening; a wave that adds nobody goes at once.
    if (picked.length > 0 && wave > 0) {
      decision.waveDoneAtMs = decision.waveDoneAtMs ?? input.nowMs;
      if (input.nowMs < decision.waveDoneAtMs + rollout.waitS * 1000) break;
    }
    for (const agent of picked) {
      const previousVersion = agentOf(input, agent).version;
      decision.assign.push({ agent, wave, previousVersion });
      all.push({ agent, wave, state: 'pending', phase: 'target', previousVersion });
    }
    decision.wavesIssued = wave + 1;
    decision.waveDoneAtMs = null;
  }
  return decision;
}

const ALLOWED: Record<RolloutAction, readonly RolloutStatus[]> = {
  pause: ['running'],
  resume: ['paused'],
  abort: ['running', 'paused'],
  rollback: ['running', 'paused', 'completed', 'aborted'],
};

/** An admin's action; throws CXR_ERR_HUB_ROLLOUT_STATE when the rollout's status does not allow it. */
export function applyAction(input: PolicyInput, action: RolloutAction, actor: string): Decision {
  const status = input.rollout.status;
  if (!ALLOWED[action].includes(status)) {
    throw new CxrError('CXR_ERR_HUB_ROLLOUT_STATE', `cannot ${action} a rollout that is ${status}`);
  }
  switch (action) {
    case 'pause':
      return { ...unchanged(input, `paused by ${actor}`), status: 'paused' };
    case 'resume':
      return evaluateRollout({
        ...input,
        rollout: { ...input.rollout, status: 'running', reason: `resumed by ${actor}` },
      });
    case 'abort':
      return abort(input, `aborted by ${actor}`);
    case 'rollback':
      return rollback(input, `rolled back by ${actor}`);
  }
}
