/**
 * The rollout runner's evaluations on agent events (hub/rollouts/rollout-runner.ts): an evaluation queued and not
 * yet started will read the state every later event left, so a burst of agent statuses — a national fleet sends
 * hundreds a second to the replica running the jobs — queues one evaluation, not one per event. Counted through
 * the runner's lock (each runner job takes it once; here it waits on a gate the test opens).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import pino from 'pino';
import { createAgentCredentialsStore } from '../../../hub/accounts/agent-credentials-store.ts';
import { hubSecret } from '../../../hub/accounts/hub-secrets.ts';
import { parseHubConfig } from '../../../hub/config.ts';
import { openHubDatabase } from '../../../hub/db/database.ts';
import { createHubEvents } from '../../../hub/events/hub-events.ts';
import { createAgentsStore } from '../../../hub/fleet/agents-store.ts';
import { createCapabilityTokens } from '../../../hub/registry/capability-token.ts';
import { createModelsStore } from '../../../hub/registry/models-store.ts';
import { createRollouts } from '../../../hub/rollouts/rollouts.ts';
import { tempDir } from '../fixtures.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

it('queues one evaluation for a burst of agent events, one more for events after it started, and again after a failed lock', async () => {
  const db = await openHubDatabase(`sqlite:${join(tempDir(), 'hub.db')}`);
  const now = () => new Date('2026-03-01T08:00:00Z');
  const gates: (() => void)[] = [];
  let jobs = 0;
  let failNext = false;
  const lock = async <T>(job: () => Promise<T>): Promise<T> => {
    jobs++;
    if (failNext) {
      failNext = false;
      throw new Error('connection refused'); // the advisory lock cannot be taken: the job never starts
    }
    await new Promise<void>((resolve) => gates.push(resolve));
    return job();
  };
  const events = createHubEvents();
  const { runner } = createRollouts({
    db,
    registry: {
      models: createModelsStore(db),
      capability: createCapabilityTokens(await hubSecret(db, 'capability', now())),
    },
    fleet: { agents: createAgentsStore(db), credentials: createAgentCredentialsStore(db) },
    events,
    defaults: parseHubConfig({ dataDir: tempDir() }).rollout,
    publicUrl: () => 'http://127.0.0.1:8080',
    publishDesired: () => {},
    agentPasswordHash: async () => undefined,
    lock,
    now,
    log: pino({ level: 'silent' }),
  });
  try {
    for (let i = 0; i < 500; i++) {
      events.emit('fleet', { site: `clinic-${i % 50}`, agent: 'xr-1' });
      if (i % 10 === 9) await tick();
    }
    assert.equal(jobs, 1, 'one evaluation queued for 500 events over 50 ticks');
    gates.shift()!();
    await runner.idle();
    assert.equal(jobs, 1, 'nothing more once it ran');

    events.emit('fleet', { site: 'clinic-1', agent: 'xr-1' });
    await tick();
    events.emit('fleet', { site: 'clinic-2', agent: 'xr-1' });
    await tick();
    assert.equal(jobs, 2, 'an event after the evaluation started queues the next one');
    gates.shift()!();
    await runner.idle();
    assert.equal(jobs, 2);

    failNext = true;
    events.emit('fleet', { site: 'clinic-3', agent: 'xr-1' });
    await runner.idle();
    assert.equal(jobs, 3, 'the evaluation whose lock failed');
    events.emit('fleet', { site: 'clinic-4', agent: 'xr-1' });
    await tick();
    assert.equal(jobs, 4, 'a failed lock does not stop later events from queueing an evaluation');
    gates.shift()!();
    await runner.idle();
  } finally {
    await runner.close();
    await db.close();
  }
});
