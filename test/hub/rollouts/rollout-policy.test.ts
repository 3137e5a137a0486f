import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyAction,
  type Decision,
  evaluateRollout,
  type PolicyAgent,
  type PolicyAssignment,
  type PolicyInput,
  type PolicyRollout,
  pickOrder,
} from '../../../hub/rollouts/rollout-policy.ts';
import { waveCount } from '../../../hub/rollouts/wave.ts';
import type { ModelStateName } from '../../../protocol/messages.ts';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const names = (n: number) =>
  Array.from({ length: n }, (_, i) => `site-${i < n / 2 ? 'a' : 'b'}/xr-${String(i).padStart(2, '0')}`);

function fleetOf(agents: string[], overrides: Record<string, Partial<PolicyAgent>> = {}): Map<string, PolicyAgent> {
  return new Map(agents.map((a) => [a, { online: true, version: '1.0.0', pinnedVersion: null, ...overrides[a] }]));
}

function input(
  rollout: Partial<PolicyRollout> & { targets: string[] },
  assignments: PolicyAssignment[] = [],
  fleet: Map<string, PolicyAgent> = fleetOf(rollout.targets),
  nowMs = T0,
): PolicyInput {
  return {
    rollout: {
      version: '2.0.0',
      waves: [{ agents: 1 }, { percent: 25 }, { percent: 100 }],
      waitS: 60,
      abortFailureFraction: 0.2,
      status: 'running',
      reason: null,
      wavesIssued: 0,
      waveDoneAtMs: null,
      ...rollout,
    },
    assignments,
    fleet,
    registry: new Set(['1.0.0', '2.0.0']),
    nowMs,
  };
}

/** Applies a decision the way the runner does, so the next evaluation sees it. */
function after(previous: PolicyInput, decision: Decision, nowMs: number, states: Record<string, ModelStateName> = {}) {
  const assignments: PolicyAssignment[] = [
    ...previous.assignments,
    ...decision.assign.map((a) => ({ ...a, state: 'pending' as const, phase: 'target' as const })),
  ].map((a) => ({
    ...a,
    state: states[a.agent] ?? a.state,
    phase: decision.revert.some((r) => r.agent === a.agent) ? ('revert' as const) : a.phase,
  }));
  return {
    ...previous,
    nowMs,
    assignments,
    rollout: {
      ...previous.rollout,
      status: decision.status,
      reason: decision.reason,
      wavesIssued: decision.wavesIssued,
      waveDoneAtMs: decision.waveDoneAtMs,
    },
  };
}

const assigned = (agent: string, state: ModelStateName, wave = 0, previousVersion: string | null = '1.0.0') => ({
  agent,
  wave,
  state,
  phase: 'target' as const,
  previousVersion,
});

describe('waveCount', () => {
  it('counts agents or ceil(percent × N), capped at N, without float round-up', () => {
    assert.equal(waveCount({ agents: 1 }, 10), 1);
    assert.equal(waveCount({ agents: 50 }, 10), 10);
    assert.equal(waveCount({ percent: 25 }, 10), 3);
    assert.equal(waveCount({ percent: 25 }, 3), 1);
    assert.equal(waveCount({ percent: 10 }, 30), 3, '10% of 30 is 3, not 4');
    assert.equal(waveCount({ percent: 100 }, 7), 7);
    assert.equal(waveCount({ percent: 0.1 }, 5), 1);
  });
});

describe('rollout policy', () => {
  it('issues the canary at once, picking an online agent before offline ones, then by site/agent', () => {
    const targets = ['s/a', 's/b', 's/c'];
    const decision = evaluateRollout(input({ targets }, [], fleetOf(targets, { 's/a': { online: false } })));
    assert.deepEqual(decision.assign, [{ agent: 's/b', wave: 0, previousVersion: '1.0.0' }]);
    assert.equal(decision.wavesIssued, 1);
    assert.equal(decision.status, 'running');
    assert.deepEqual(pickOrder(['z/1', 'a/1', 'm/1'], fleetOf(['z/1', 'a/1'], { 'a/1': { online: false } })), [
      'z/1',
      'a/1',
      'm/1',
    ]);
  });

  it('waits for the wave to finish, then waitS, then issues the next wave cumulatively', () => {
    const targets = names(8);
    let state = input({ targets });
    let d = evaluateRollout(state);
    assert.equal(d.assign.length, 1);
    const canary = d.assign[0]!.agent;
    state = after(state, d, T0 + 1000, { [canary]: 'downloading' });
    d = evaluateRollout(state);
    assert.deepEqual([d.assign.length, d.wavesIssued, d.waveDoneAtMs], [0, 1, null], 'canary still in progress');

    state = after(state, d, T0 + 2000, { [canary]: 'active' });
    d = evaluateRollout(state);
    assert.deepEqual([d.assign.length, d.waveDoneAtMs], [0, T0 + 2000], 'done: the wait starts');
    state = after(state, d, T0 + 61_999);
    assert.equal(evaluateRollout(state).assign.length, 0, 'not before waitS');
    state = after(state, evaluateRollout(state), T0 + 62_000);
    d = evaluateRollout(state);
    assert.equal(d.assign.length, 1, '25% of 8 = 2 in total, one more than the canary');
    assert.equal(d.assign[0]!.wave, 1);
    assert.equal(d.wavesIssued, 2);
  });

  it('runs every wave in one evaluation when waitS is 0 and agents finish, then completes', () => {
    const targets = names(4);
    let state = input({ targets, waitS: 0 });
    let d = evaluateRollout(state);
    state = after(state, d, T0, Object.fromEntries(d.assign.map((a) => [a.agent, 'active'])));
    d = evaluateRollout(state);
    assert.equal(d.wavesIssued, 3, 'the 25% wave adds nobody (ceil(1) = 1) and is done at once: the last is issued');
    assert.equal(d.assign.length, 3);
    assert.ok(d.assign.every((a) => a.wave === 2));
    state = after(state, d, T0 + 5, Object.fromEntries(targets.map((a) => [a, 'active'])));
    d = evaluateRollout(state);
    assert.equal(d.status, 'completed');
    assert.equal(evaluateRollout(after(state, d, T0 + 10)).status, 'completed', 'completed stays completed');
  });

  it('skips the wait for waves that add nobody: a one-agent target completes right after its canary', () => {
    const targets = ['s/only'];
    let state = input({ targets, waitS: 3600 });
    const d = evaluateRollout(state);
    state = after(state, d, T0 + 1000, { 's/only': 'active' });
    const done = evaluateRollout(state);
    assert.deepEqual([done.status, done.wavesIssued, done.assign.length], ['completed', 3, 0]);
  });

  it('counts an offline agent as done for its wave (it converges when it returns)', () => {
    const targets = ['s/a', 's/b'];
    const fleet = fleetOf(targets);
    let state = input({ targets, waitS: 0, waves: [{ agents: 1 }, { percent: 100 }] }, [], fleet);
    const d = evaluateRollout(state);
    state = after(state, d, T0);
    assert.equal(evaluateRollout(state).assign.length, 0);
    state = { ...state, fleet: fleetOf(targets, { 's/a': { online: false } }) };
    assert.deepEqual(
      evaluateRollout(state).assign.map((a) => a.agent),
      ['s/b'],
    );
  });

  it('aborts itself above the failure threshold and reverts the agents that are not active', () => {
    const targets = names(10);
    const assignments = [
      assigned(targets[0]!, 'active'),
      assigned(targets[1]!, 'failed', 1),
      assigned(targets[2]!, 'downloading', 1),
    ];
    const under = evaluateRollout(input({ targets, wavesIssued: 2, abortFailureFraction: 0.4 }, assignments));
    assert.equal(under.status, 'running', '1/3 is not above 0.4');
    const d = evaluateRollout(input({ targets, wavesIssued: 2, abortFailureFraction: 0.3 }, assignments));
    assert.equal(d.status, 'aborted');
    assert.match(d.reason ?? '', /1 of 3 failed/);
    assert.deepEqual(
      d.revert.map((r) => [r.agent, r.version]),
      [
        [targets[1], '1.0.0'],
        [targets[2], '1.0.0'],
      ],
    );
    assert.equal(d.assign.length, 0, 'no further waves');
  });

  it('aborts on a failed canary with the default threshold and counts rolled-back as failed', () => {
    const targets = names(5);
    assert.equal(
      evaluateRollout(input({ targets, wavesIssued: 1 }, [assigned(targets[0]!, 'failed')])).status,
      'aborted',
    );
    assert.equal(
      evaluateRollout(input({ targets, wavesIssued: 1 }, [assigned(targets[0]!, 'rolled-back')])).status,
      'aborted',
    );
  });

  it('still aborts on failures while paused, but issues no waves', () => {
    const targets = names(4);
    const paused = input({ targets, status: 'paused', wavesIssued: 1, waitS: 0 }, [assigned(targets[0]!, 'active')]);
    const d = evaluateRollout(paused);
    assert.deepEqual([d.status, d.assign.length], ['paused', 0]);
    const failing = input({ targets, status: 'paused', wavesIssued: 1 }, [assigned(targets[0]!, 'failed')]);
    assert.equal(evaluateRollout(failing).status, 'aborted');
  });

  it('rollback sends every assigned agent its previous version, and reports the ones it cannot', () => {
    const targets = ['s/a', 's/b', 's/c', 's/d'];
    const assignments = [
      assigned('s/a', 'active'),
      assigned('s/b', 'active', 1, null),
      assigned('s/c', 'shadow', 1, '0.9.0'),
    ];
    const d = applyAction(input({ targets, status: 'completed', wavesIssued: 3 }, assignments), 'rollback', 'boss');
    assert.equal(d.status, 'rolled-back');
    assert.equal(d.reason, 'rolled back by boss');
    assert.deepEqual(d.revert, [{ agent: 's/a', version: '1.0.0' }]);
    assert.deepEqual(
      d.impossible.map((i) => i.agent),
      ['s/b', 's/c'],
    );
    assert.match(d.impossible[1]!.reason, /0\.9\.0 is not in the registry/);
  });

  it('rollback after an abort reverts the agents the abort left active, not twice the others', () => {
    const targets = ['s/a', 's/b'];
    const assignments = [assigned('s/a', 'active'), { ...assigned('s/b', 'failed'), phase: 'revert' as const }];
    const d = applyAction(input({ targets, status: 'aborted', wavesIssued: 1 }, assignments), 'rollback', 'boss');
    assert.deepEqual(d.revert, [{ agent: 's/a', version: '1.0.0' }]);
  });

  it('leaves agents pinned to another version out of waves and reverts, and counts them done', () => {
    const targets = ['s/a', 's/b', 's/c'];
    const fleet = fleetOf(targets, { 's/a': { pinnedVersion: '1.0.0' }, 's/b': { pinnedVersion: '2.0.0' } });
    const d = evaluateRollout(input({ targets, waves: [{ percent: 100 }] }, [], fleet));
    assert.deepEqual(
      d.assign.map((a) => a.agent),
      ['s/b', 's/c'],
      'a pin to the rollout version does not exclude',
    );
    const pinnedLater = fleetOf(targets, { 's/c': { pinnedVersion: '1.5.0' } });
    const state = input(
      { targets, waitS: 0, waves: [{ agents: 1 }, { percent: 100 }], wavesIssued: 1 },
      [assigned('s/c', 'downloading')],
      pinnedLater,
    );
    assert.deepEqual(
      evaluateRollout(state).assign.map((a) => a.agent),
      ['s/a', 's/b'],
      'the wave of a since-pinned agent is done',
    );
    assert.deepEqual(applyAction(state, 'abort', 'boss').revert, [], 'a pinned agent is not reverted');
  });

  it('pause, resume and abort follow the allowed transitions and name who acted', () => {
    const targets = names(4);
    const running = input({ targets, wavesIssued: 1 }, [assigned(targets[0]!, 'downloading')]);
    const paused = applyAction(running, 'pause', 'boss');
    assert.deepEqual([paused.status, paused.reason], ['paused', 'paused by boss']);
    const pausedInput = after(running, paused, T0);
    assert.throws(
      () => applyAction(pausedInput, 'pause', 'boss'),
      (e: Error & { code?: string }) => e.code === 'CXR_ERR_HUB_ROLLOUT_STATE',
    );
    const resumed = applyAction(pausedInput, 'resume', 'boss');
    assert.deepEqual([resumed.status, resumed.reason], ['running', 'resumed by boss']);
    const aborted = applyAction(running, 'abort', 'boss');
    assert.deepEqual([aborted.status, aborted.revert.length], ['aborted', 1]);
    for (const action of ['pause', 'resume', 'abort'] as const) {
      assert.throws(() => applyAction(after(running, aborted, T0), action, 'boss'), /cannot/);
    }
    const rolledBack = after(running, applyAction(running, 'rollback', 'boss'), T0);
    assert.throws(() => applyAction(rolledBack, 'rollback', 'boss'), /cannot rollback a rollout that is rolled-back/);
  });

  it('does nothing for a finished rollout', () => {
    const targets = names(2);
    for (const status of ['completed', 'aborted', 'rolled-back'] as const) {
      const d = evaluateRollout(input({ targets, status, wavesIssued: 1 }, [assigned(targets[0]!, 'failed')]));
      assert.deepEqual([d.status, d.assign.length, d.revert.length], [status, 0, 0]);
    }
  });

  it('lets a canary-only rollout complete once its only wave is done', () => {
    const targets = names(6);
    let state = input({ targets, waves: [{ agents: 2 }] });
    const d = evaluateRollout(state);
    state = after(state, d, T0 + 1, Object.fromEntries(d.assign.map((a) => [a.agent, 'active'])));
    const done = evaluateRollout(state);
    assert.deepEqual([done.status, done.assign.length], ['completed', 0]);
  });
});
